"""``/metrics`` in Prometheus text format: the queue, in-flight work, requests by route and status, their
times (queue wait and processing apart), audio seconds processed and refusals.

Each server has its own registry, so two servers in one process (tests, the daemon) never mix counts.
Routes are labelled by the server's own paths only (anything else is "other"), so a scanner trying
random paths cannot grow the label set without bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
"""From a 1 s dictation on a GPU (~0.05 s) to a long file on a CPU (tiny.en on 2 cores: ~60 s for 6 min)."""


class ServerMetrics:
    """The counters of one server; every method is safe to call from any thread."""

    def __init__(self, routes: tuple[str, ...]) -> None:
        self.routes = routes
        self.registry = CollectorRegistry()
        r = self.registry
        self.queue_depth = Gauge("keyvox_queue_depth", "Admitted requests waiting for the model.", registry=r)
        self.in_flight = Gauge("keyvox_in_flight", "Requests the model is working on.", registry=r)
        self.requests = Counter(
            "keyvox_requests", "Requests answered, by route and status.", ["route", "status"], registry=r
        )
        self.duration = Histogram(
            "keyvox_request_duration_seconds",
            "Time from request to answer, by route.",
            ["route"],
            buckets=SECONDS_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "keyvox_queue_wait_seconds",
            "Time an admitted request waited before the model started on it.",
            buckets=SECONDS_BUCKETS,
            registry=r,
        )
        self.processing = Histogram(
            "keyvox_processing_seconds",
            "Time from the model starting on a request to its answer (other requests' pieces of long "
            "audio may run in between).",
            buckets=SECONDS_BUCKETS,
            registry=r,
        )
        self.audio = Counter("keyvox_audio_seconds", "Seconds of audio transcribed.", registry=r)
        self.rejected = Counter(
            "keyvox_rejected", "Requests refused by the queue limits, by code.", ["code"], registry=r
        )

    def route(self, path: str) -> str:
        return path if path in self.routes else "other"

    def answered(self, route: str, status: int | str, seconds: float | None = None) -> None:
        self.requests.labels(route, str(status)).inc()
        if seconds is not None:
            self.duration.labels(route).observe(seconds)

    def text(self) -> bytes:
        return generate_latest(self.registry)


def metrics_endpoint(metrics: ServerMetrics) -> Callable:
    async def endpoint(_request: Request) -> Response:
        return Response(metrics.text(), media_type=CONTENT_TYPE_LATEST)

    return endpoint


class MetricsMiddleware:
    """Pure ASGI: counts every HTTP answer by route and status, with its time (WebSockets and Wyoming count
    their own turns)."""

    def __init__(self, app: Callable, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def watched(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            self.metrics.answered(self.metrics.route(scope["path"]), status, time.perf_counter() - started)
