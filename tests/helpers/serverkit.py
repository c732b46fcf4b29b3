"""Helpers shared by the server, remote-backend and event tests: a real server on a loopback port."""

from __future__ import annotations

import select
import socket
import threading
from contextlib import contextmanager

from keyvox.config.schema import Config
from keyvox.server.app import ServerSettings, create_app
from keyvox.server.events import EventHub
from keyvox.server.run import server_chain, start_in_thread


class WatchedTranscriber:
    """The real model, with a record of which threads called it and how many at once (instrumentation only)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.description = inner.description
        self.model_name = inner.model_name
        self.backend = inner.backend
        self.supports_word_timestamps = inner.supports_word_timestamps
        self.supports_translation = inner.supports_translation
        self.threads: set[str] = set()
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()

    @property
    def language(self):
        return self.inner.language

    @property
    def languages(self):
        return self.inner.languages

    def set_language(self, code, among=()):
        self.inner.set_language(code, among)

    def transcribe(self, audio):
        return self.transcribe_detailed(audio).text

    def transcribe_detailed(self, audio, *, context="", vocabulary=(), words=False):
        with self._watching():
            return self.inner.transcribe_detailed(audio, context=context, vocabulary=vocabulary, words=words)

    def transcribe_timed(self, audio, **options):
        with self._watching():
            return self.inner.transcribe_timed(audio, **options)

    @contextmanager
    def _watching(self):
        with self._lock:
            self.threads.add(threading.current_thread().name)
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1


@contextmanager
def running_server(transcriber, *, port: int = 0, hub: EventHub | None = None, **settings):
    """A real uvicorn server on 127.0.0.1 around an already loaded transcriber."""
    config = Config()
    app = create_app(
        transcriber, server_chain(config), ServerSettings(model_id=transcriber.model_name, **settings), hub
    )
    handle = start_in_thread(app, "127.0.0.1", port)
    try:
        yield handle
    finally:
        handle.stop()


def raw_exchange(port: int, head: bytes, chunks, *, limit_s: float = 20.0) -> tuple[int, bytes, int]:
    """Send ``head`` then ``chunks`` until the server answers; returns (status, body, body bytes sent).

    A plain socket, because an HTTP client insists on sending the whole body before it reads.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=2.0)
    sock.sendall(head)
    sent = 0
    try:
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered: stop sending, as a well-behaved client would
            try:
                sock.sendall(chunk)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        sock.settimeout(limit_s)
        answer = b""
        while True:
            head_end = answer.find(b"\r\n\r\n")
            if head_end >= 0:
                headers = answer[:head_end].decode("latin-1").lower()
                length = 0
                if "content-length:" in headers:
                    length = int(headers.split("content-length:")[1].split("\r\n")[0])
                if len(answer) >= head_end + 4 + length:
                    status = int(answer.split(b" ", 2)[1])
                    return status, answer[head_end + 4 : head_end + 4 + length], sent
            part = sock.recv(65536)
            if not part:
                return 0, answer, sent
            answer += part
    finally:
        sock.close()
