"""A scripted OpenAI-compatible chat-completions endpoint: a real HTTP server on a loopback port that stands
in for a language model, so the clean-up guard can be tried on exactly the answers real models give."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """What the endpoint answers the next requests with."""

    content: str | None = None
    """The message content; None sends ``body`` as it is."""
    status: int = 200
    body: bytes | None = None
    stall_s: float = 0.0
    """Wait this long before answering (a model that hangs)."""


@dataclass
class ChatEndpoint:
    reply: Reply = field(default_factory=Reply)
    requests: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _released: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> ChatEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                endpoint.requests.append(json.loads(self.rfile.read(length)))
                endpoint.headers.append(dict(self.headers))
                reply = endpoint.reply
                if reply.stall_s:
                    endpoint._released.wait(reply.stall_s)
                body = reply.body
                if body is None:
                    message = {"role": "assistant", "content": reply.content}
                    body = json.dumps(
                        {"object": "chat.completion", "choices": [{"message": message}]}
                    ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a stall past its timeout)

            def do_GET(self) -> None:  # the model list, which keyvox doctor asks for
                endpoint.gets.append(self.path)
                body = json.dumps(
                    {"object": "list", "data": [{"id": "scripted", "object": "model"}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="chat-endpoint", daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()  # a stalled answer ends now
        self._server.shutdown()
        self._server.server_close()


def wait_for_requests(endpoint: ChatEndpoint, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(endpoint.requests) < count and time.monotonic() < deadline:
        time.sleep(0.01)
