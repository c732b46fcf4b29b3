"""Starting the server: ``keyvox serve`` in the foreground, or in a thread beside the hotkey daemon."""

from __future__ import annotations

import copy
import socket
import sys
import threading
import time
from dataclasses import dataclass

from keyvox.config.schema import Config, LoadedConfig
from keyvox.core.engine_worker import EngineWorker
from keyvox.engines.base import Transcriber
from keyvox.errors import ExitCode, KeyvoxError
from keyvox.server.app import ServerSettings, create_app
from keyvox.server.events import EventHub
from keyvox.server.limits import is_loopback
from keyvox.text.chain import TextProcessor


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
class ServerHandle:
    """A server running in a background thread."""

    server: object
    thread: threading.Thread
    url: str

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_in_thread(app, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0) -> ServerHandle:
    """Serve ``app`` from a daemon thread; ``port=0`` picks a free port (see ``handle.url``)."""
    import uvicorn

    sock = listen(host, port)
    bound = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="keyvox-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise KeyvoxError(f"the server on {host}:{bound} did not start")
        time.sleep(0.02)
    shown = f"[{host}]" if ":" in host else host
    return ServerHandle(server, thread, f"http://{shown}:{bound}")


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
    loaded: LoadedConfig, host: str | None = None, port: int | None = None, api_key_env: str | None = None
) -> int:
    """``keyvox serve``: load the model, then answer requests until Ctrl+C."""
    import uvicorn

    from keyvox.engines.factory import create_transcriber
    from keyvox.platform.heap import limit_arenas

    limit_arenas()  # before any thread starts
    config = loaded.config
    host = host or config.server.host
    port = config.server.port if port is None else port
    api_key = api_key_for(host, config.server.api_key_env if api_key_env is None else api_key_env)
    sock = listen(host, port)
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
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on")).run(sockets=[sock])
    return ExitCode.OK
