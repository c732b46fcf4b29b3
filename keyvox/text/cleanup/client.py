"""One chat-completions request to an OpenAI-compatible endpoint, with a hard deadline.

The standard library's http.client, not httpx: httpx is only in the server extra, and http.client also
speaks over a unix socket with a ten-line connection class. The request runs on a short-lived thread so the
deadline holds for the whole exchange (a server that trickles bytes resets a socket timeout on every one).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from keyvox.config.cleanup import UNIX_SCHEME, unix_socket_path
from keyvox.text.cleanup.outcome import CleanupReason

COMPLETIONS = "/chat/completions"


class RequestFailed(Exception):
    """The request gave no answer; ``reason`` says how, the message says what (never the key)."""

    def __init__(self, reason: CleanupReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Request:
    endpoint: str
    """A base URL (``…/v1``) or the full ``…/chat/completions`` one."""
    body: dict
    timeout_s: float
    api_key: str = ""


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def completions_path(endpoint: str) -> str:
    path = urlsplit(endpoint).path.rstrip("/")
    return path if path.endswith(COMPLETIONS) else path + COMPLETIONS


def chat(request: Request) -> str:
    """The first choice's message content; raises ``RequestFailed``."""
    status, payload = _exchange(request)
    if status >= 400:
        raise RequestFailed(
            CleanupReason.HTTP_ERROR, f"HTTP {status}: {payload[:200].decode(errors='replace')}"
        )
    try:
        content = json.loads(payload)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise RequestFailed(CleanupReason.MALFORMED, "not a chat completion") from None
    if content is None:
        return ""  # some servers send null content when only reasoning came back
    if not isinstance(content, str):
        raise RequestFailed(CleanupReason.MALFORMED, "message content is not text")
    return content


def open_connection(endpoint: str, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(endpoint)
    if parts.scheme == UNIX_SCHEME:
        return _UnixConnection(unix_socket_path(endpoint), timeout)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname or "", parts.port, timeout=timeout)


def _exchange(request: Request) -> tuple[int, bytes]:
    connection = open_connection(request.endpoint, request.timeout_s)
    headers = {"Content-Type": "application/json"}
    if request.api_key:
        headers["Authorization"] = f"Bearer {request.api_key}"
    result: list[tuple[int, bytes]] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            connection.request("POST", completions_path(request.endpoint), json.dumps(request.body), headers)
            response = connection.getresponse()
            result.append((response.status, response.read()))
        except BaseException as exc:  # handed to the caller's thread
            error.append(exc)

    worker = threading.Thread(target=run, name="keyvox-cleanup-request", daemon=True)
    worker.start()
    worker.join(request.timeout_s)
    if worker.is_alive():
        _abandon(connection)
        raise RequestFailed(CleanupReason.TIMEOUT, f"no answer within {request.timeout_s:g} s")
    connection.close()
    if error:
        exc = error[0]
        if isinstance(exc, TimeoutError):
            raise RequestFailed(CleanupReason.TIMEOUT, f"no answer within {request.timeout_s:g} s")
        if isinstance(exc, (OSError, http.client.HTTPException)):
            raise RequestFailed(CleanupReason.UNREACHABLE, f"{type(exc).__name__}: {exc}")
        raise exc
    return result[0]


def _abandon(connection: http.client.HTTPConnection) -> None:
    """Ends a request still in flight: its thread sees the socket close and finishes."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    connection.close()
