"""What keeps the server safe to expose: API-key checks, the upload size limit, and the bounded queue
in front of the engine worker (keyvox/core/engine_worker.py), which owns the one model.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import math
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from keyvox.core.engine_worker import EngineWorker, Priority
from keyvox.server.formats import ApiError, error_response

OPEN_PATHS = ("/health",)
"""Answered without a key, so a load balancer can probe the server."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bearer_matches(headers: list[tuple[bytes, bytes]], api_key: str) -> bool:
    """Constant-time comparison of ``Authorization: Bearer KEY`` with the configured key."""
    supplied = b""
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer":
                supplied = token.strip()
    return hmac.compare_digest(supplied, api_key.encode("utf-8"))


KEY_PROTOCOL = "openai-insecure-api-key."
"""The WebSocket subprotocol prefix browsers use to send the key (they cannot set a header on a WebSocket)."""


def websocket_key_matches(scope: dict, api_key: str) -> bool:
    """The key as realtime clients send it on a WebSocket: the bearer header, an ``openai-insecure-api-key.KEY``
    subprotocol, or an ``api_key`` query parameter."""
    if bearer_matches(scope["headers"], api_key):
        return True
    offered = [p[len(KEY_PROTOCOL) :] for p in scope.get("subprotocols") or () if p.startswith(KEY_PROTOCOL)]
    query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1")).get("api_key", [])
    expected = api_key.encode("utf-8")
    return any(hmac.compare_digest(candidate.encode("utf-8"), expected) for candidate in offered + query)


class AuthMiddleware:
    """Pure ASGI: every HTTP request and WebSocket but ``OPEN_PATHS`` needs the key, when one is set."""

    def __init__(self, app: Callable, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if (
            self.api_key is None
            or scope["type"] not in ("http", "websocket")
            or scope["path"] in OPEN_PATHS
            or bearer_matches(scope["headers"], self.api_key)
            or (scope["type"] == "websocket" and websocket_key_matches(scope, self.api_key))
        ):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "invalid API key"})
            return
        response = error_response(
            401,
            'Incorrect API key provided: send it as "Authorization: Bearer KEY".',
            code="invalid_api_key",
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)


def limited_receive(receive: Callable, limit: int) -> Callable:
    """Wrap an ASGI ``receive`` so the body is refused as soon as it grows past ``limit`` bytes."""
    seen = 0

    async def wrapped() -> dict:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
        return message

    return wrapped


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"The upload is larger than this server's limit of {limit / 1_000_000:g} MB "
        "([server] max_upload_mb).",
        param="file",
        code="request_too_large",
    )


class Slot:
    """One admitted request's place in the queue; released exactly once."""

    def __init__(self, worker: ModelWorker) -> None:
        self._worker = worker
        self._released = False

    def release(self, *_ignored: Any) -> None:
        with self._worker._lock:
            if not self._released:
                self._released = True
                self._worker._admitted -= 1


class ModelWorker:
    """Admission in front of the engine worker: at most ``max_queue`` requests are admitted (running or
    waiting); they run at request priority, so dictation in the same daemon always goes first."""

    def __init__(self, max_queue: int, engine: EngineWorker) -> None:
        self.max_queue = max_queue
        self.engine = engine
        self._lock = threading.Lock()
        self._admitted = 0
        self._seconds_per_job = 1.0

    @property
    def admitted(self) -> int:
        return self._admitted

    def admit(self) -> Slot:
        """A place in the queue, or ``ApiError`` 503 with ``Retry-After`` when it is full."""
        with self._lock:
            if self._admitted >= self.max_queue:
                wait = max(1, math.ceil(self._seconds_per_job * self._admitted))
                raise ApiError(
                    503,
                    f"The server is busy ({self._admitted} requests queued); retry in {wait} s.",
                    kind="server_error",
                    code="server_busy",
                    headers={"Retry-After": str(wait)},
                )
            self._admitted += 1
        return Slot(self)

    async def run(self, slot: Slot, work: Callable[[Any], Any], language: str | None = None) -> Any:
        """Run ``work(transcriber)`` on the engine thread; the slot is freed when the work ends, even if the
        client left."""
        try:
            future = self.engine.submit(
                lambda transcriber: self._timed(work, transcriber),
                priority=Priority.REQUEST,
                language=language or None,
                shares_turns=True,  # a long file's pieces interleave with other clients' requests
            )
        except BaseException:  # the engine worker has stopped: nothing will ever free the slot
            slot.release()
            raise
        future.add_done_callback(slot.release)
        return await asyncio.wrap_future(future)

    def _timed(self, work: Callable[[Any], Any], transcriber: Any) -> Any:
        started = time.perf_counter()
        try:
            return work(transcriber)
        finally:
            # A moving average, so Retry-After follows the real speed of this model on this machine.
            self._seconds_per_job = 0.8 * self._seconds_per_job + 0.2 * (time.perf_counter() - started)
