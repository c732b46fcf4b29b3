"""Starting the server: ``keyvox serve`` in the foreground, or in a thread beside the hotkey daemon."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from keyvox.config.schema import Config, LoadedConfig
from keyvox.core.engine_worker import EngineWorker
from keyvox.engines.base import Transcriber
from keyvox.errors import ExitCode, KeyvoxError
from keyvox.server.app import ServerSettings, create_app
from keyvox.server.events import EventHub
from keyvox.server.limits import is_loopback
from keyvox.text.chain import TextProcessor

if TYPE_CHECKING:
    from keyvox.server.wyoming import WyomingService


def api_key_for(host: str, api_key_env: str) -> str | None:
    """The key clients must send; refuses to expose a keyless server beyond this machine."""
    from keyvox.engines.remote import api_key_from_env

    key = api_key_from_env(api_key_env, "server")
    if key is None and not is_loopback(host):
        raise KeyvoxError(
            f"listening on {host} would let other machines use this server without a key; set "
            "[server] api_key_env (or --api-key-env) to the name of an environment variable holding "
            "one, or listen on 127.0.0.1"
        )
    return key


def server_chain(config: Config) -> TextProcessor:
    """The text chain for requests from many clients: no spacing that depends on earlier dictation."""
    config = copy.deepcopy(config)
    config.text.smart_spacing = False
    config.text.trailing_space = False
    return TextProcessor(config)


def settings_for(config: Config, transcriber: Transcriber, api_key: str | None) -> ServerSettings:
    return ServerSettings(
        model_id=transcriber.model_name,
        max_upload_bytes=int(config.server.max_upload_mb * 1_000_000),
        max_queue=config.server.max_queue,
        max_queue_per_client=config.server.max_queue_per_client,
        api_key=api_key,
    )


def listen(host: str, port: int) -> socket.socket:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host.strip("[]"), port), family=family)
    except OSError as exc:
        raise KeyvoxError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port "
            "or stop the program using it"
        ) from None


@dataclass
class WyomingFront:
    """The Wyoming server to run beside HTTP: its bound socket, and what its connections share."""

    sock: socket.socket
    service: WyomingService

    @property
    def uri(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"tcp://{f'[{host}]' if ':' in host else host}:{port}"


def open_wyoming(uri: str, allow_remote: bool) -> socket.socket:
    """Bind the Wyoming port now, before the model loads, so a bad address or a busy port costs no load."""
    from keyvox.server.wyoming import check_bind, parse_uri

    endpoint = parse_uri(uri)
    check_bind(endpoint, allow_remote)
    return listen(endpoint.host, endpoint.port)


def wyoming_front(sock: socket.socket, app, transcriber: Transcriber, config: Config) -> WyomingFront:
    """Wyoming on ``sock`` through ``app``'s queue and event hub: one engine thread, one queue limit."""
    from keyvox.server.wyoming import WyomingService

    service = WyomingService(
        transcriber,
        server_chain(config),
        app.state.worker,
        app.state.hub,
        max_audio_bytes=int(config.server.max_upload_mb * 1_000_000),
    )
    return WyomingFront(sock, service)


def run_servers(server, sock: socket.socket, wyoming: WyomingFront | None = None) -> None:
    """uvicorn on ``sock`` and, when given, Wyoming in the same event loop, until uvicorn stops."""
    if wyoming is None:
        server.run(sockets=[sock])
        return
    asyncio.run(_serve_together(server, sock, wyoming))


async def _serve_together(server, sock: socket.socket, wyoming: WyomingFront) -> None:
    from keyvox.server.wyoming import serve_wyoming

    task = asyncio.create_task(serve_wyoming(wyoming.service, wyoming.sock))
    try:
        await server.serve(sockets=[sock])
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass
class ServerHandle:
    """A server running in a background thread."""

    server: object
    thread: threading.Thread
    url: str
    wyoming_uri: str | None = None
    """Where Wyoming listens, when it runs beside HTTP."""

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_in_thread(
    app, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0, wyoming: WyomingFront | None = None
) -> ServerHandle:
    """Serve ``app`` (and ``wyoming``) from a daemon thread; ``port=0`` picks a free port (``handle.url``)."""
    import uvicorn

    sock = listen(host, port)
    bound = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=run_servers, args=(server, sock, wyoming), name="keyvox-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise KeyvoxError(f"the server on {host}:{bound} did not start")
        time.sleep(0.02)
    shown = f"[{host}]" if ":" in host else host
    return ServerHandle(server, thread, f"http://{shown}:{bound}", wyoming.uri if wyoming else None)


def start_background(
    config: Config, transcriber: Transcriber, hub: EventHub, engine: EngineWorker | None = None
) -> ServerHandle:
    """For the daemon (``[server] enabled``): serve the already loaded model, through the daemon's engine
    worker, and its events."""
    server = config.server
    app = create_app(
        transcriber,
        server_chain(config),
        settings_for(config, transcriber, api_key_for(server.host, server.api_key_env)),
        hub,
        engine,
    )
    return start_in_thread(app, server.host, server.port)


def serve(
    loaded: LoadedConfig,
    host: str | None = None,
    port: int | None = None,
    api_key_env: str | None = None,
    wyoming: str | None = None,
    wyoming_allow_remote: bool = False,
) -> int:
    """``keyvox serve``: load the model, then answer requests (and Wyoming, given its URI) until Ctrl+C."""
    import uvicorn

    from keyvox.engines.factory import create_transcriber
    from keyvox.platform.heap import limit_arenas

    limit_arenas()  # before any thread starts
    config = loaded.config
    host = host or config.server.host
    port = config.server.port if port is None else port
    api_key = api_key_for(host, config.server.api_key_env if api_key_env is None else api_key_env)
    sock = listen(host, port)
    wyoming_sock = open_wyoming(wyoming, wyoming_allow_remote) if wyoming else None
    started = time.perf_counter()
    transcriber = create_transcriber(config)
    print(
        f"keyvox: loaded {transcriber.description} in {time.perf_counter() - started:.2f} s", file=sys.stderr
    )
    app = create_app(transcriber, server_chain(config), settings_for(config, transcriber, api_key))
    shown = f"[{host}]" if ":" in host else host
    print(
        f"keyvox: serving on http://{shown}:{sock.getsockname()[1]}/v1 "
        f"({'API key required' if api_key else 'no key: loopback only'}); Ctrl+C stops",
        file=sys.stderr,
    )
    front = None
    if wyoming_sock is not None:
        front = wyoming_front(wyoming_sock, app, transcriber, config)
        print(f"keyvox: Wyoming (Home Assistant) on {front.uri}, same model and queue", file=sys.stderr)
    run_servers(uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on")), sock, front)
    return ExitCode.OK
