"""What keeps the server safe to expose: API-key checks and the upload size limit (the bounded queue is
keyvox/server/admission.py).
"""

from __future__ import annotations

import hmac
import ipaddress
import urllib.parse
from collections.abc import Callable

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


def client_of(scope: dict) -> str:
    """Who sent an HTTP request or opened a WebSocket, for the per-client share of the queue: its address
    (the server has one API key, shared by every client, so the key cannot tell them apart)."""
    client = scope.get("client")
    return client[0] if client else ""


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
