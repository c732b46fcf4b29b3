"""The ASGI application: OpenAI's ``/v1/audio/transcriptions``, ``/translations`` and ``/v1/models``,
``/health``, and the ``/v1/events`` WebSocket. Built around an already loaded transcriber, so tests and the daemon can
share one model; in the daemon the requests queue on the daemon's engine worker behind dictation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from keyvox.core.engine_worker import EngineWorker
from keyvox.engines.base import Task, Transcriber
from keyvox.server.admission import ModelWorker
from keyvox.server.audio_routes import audio_endpoint
from keyvox.server.events import EventHub
from keyvox.server.formats import error_response
from keyvox.server.limits import AuthMiddleware
from keyvox.server.metrics import MetricsMiddleware, ServerMetrics, metrics_endpoint
from keyvox.server.openapi import openapi_document
from keyvox.server.realtime import RealtimeService, realtime_route
from keyvox.server.served import Served
from keyvox.text.chain import TextProcessor

log = logging.getLogger(__name__)

ROUTES = (
    "/health",
    "/v1/models",
    "/openapi.json",
    "/metrics",
    "/v1/audio/transcriptions",
    "/v1/audio/translations",
    "/v1/events",
    "/v1/realtime",
)
"""The paths ``/metrics`` names in its labels."""


@dataclass
class ServerSettings:
    """How one server instance behaves (from ``[server]`` and the command line)."""

    model_id: str = "keyvox"
    """The name ``/v1/models`` lists; requests may name any model, the loaded one answers."""
    max_upload_bytes: int = 25_000_000
    max_queue: int = 4
    max_queue_per_client: int = 0
    """Requests one client address may hold in the queue (more get 429); 0: only ``max_queue`` bounds it."""
    api_key: str | None = None


def create_app(
    transcriber: Transcriber,
    chain: TextProcessor,
    settings: ServerSettings | None = None,
    hub: EventHub | None = None,
    engine: EngineWorker | None = None,
) -> Starlette:
    """The server around ``transcriber``; ``hub`` carries the daemon's events to ``/v1/events``; ``engine`` is
    the daemon's engine worker (without one the server starts its own and stops it on shutdown)."""
    settings = settings or ServerSettings()
    hub = hub or EventHub()
    own_engine = engine is None
    engine = engine or EngineWorker(transcriber)
    metrics = ServerMetrics(ROUTES)
    worker = ModelWorker(settings.max_queue, engine, settings.max_queue_per_client, metrics)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        hub.attach(asyncio.get_running_loop())
        try:
            yield
        finally:
            hub.detach()
            if own_engine:
                engine.close(timeout=0.5)

    async def health(_request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "model": transcriber.description,
                "queued": worker.admitted,
                "max_queue": worker.max_queue,
            }
        )

    async def models(_request: Request) -> Response:
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": settings.model_id, "object": "model", "created": 0, "owned_by": "keyvox"}],
            }
        )

    served = Served(transcriber, chain, worker, hub, settings.max_upload_bytes)

    async def openapi(_request: Request) -> Response:
        return JSONResponse(openapi_document())

    async def transcriptions(request: Request) -> Response:
        return await audio_endpoint(request, served, Task.TRANSCRIBE)

    async def translations(request: Request) -> Response:
        return await audio_endpoint(request, served, Task.TRANSLATE)

    async def events(websocket: WebSocket) -> None:
        await _stream_events(websocket, hub)

    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/v1/models", models),
            Route("/openapi.json", openapi),
            Route("/metrics", metrics_endpoint(metrics)),
            Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
            Route("/v1/audio/translations", translations, methods=["POST"]),
            WebSocketRoute("/v1/events", events),
            WebSocketRoute(
                "/v1/realtime",
                realtime_route(RealtimeService(transcriber, chain, worker, hub, settings.max_upload_bytes)),
            ),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.add_middleware(AuthMiddleware, api_key=settings.api_key)
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: refusals by the key check count too
    app.state.hub = hub
    app.state.worker = worker
    return app


async def _stream_events(websocket: WebSocket, hub: EventHub) -> None:
    """Send every event until the client goes away; its messages are read only to notice that."""
    await websocket.accept()
    queue = hub.subscribe()

    async def until_closed() -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    closed = asyncio.create_task(until_closed())
    try:
        while not closed.done():
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await websocket.send_json(getter.result())
    except Exception:  # the client vanished mid-send
        pass
    finally:
        hub.unsubscribe(queue)
        closed.cancel()


async def _http_error(_request: Request, exc: HTTPException) -> Response:
    return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


async def _server_error(_request: Request, exc: Exception) -> Response:
    log.exception("request failed", exc_info=exc)
    return error_response(500, f"Internal error: {type(exc).__name__}: {exc}", kind="server_error")
