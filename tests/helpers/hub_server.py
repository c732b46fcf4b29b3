"""A small HTTP server speaking the parts of the Hugging Face hub's file API that downloads use.

It serves a folder of files as one repository at one commit, so the real huggingface_hub client
(pointed here with HF_ENDPOINT) downloads real model files over real HTTP. Switches simulate the
failures a user meets: a connection that drops mid-file, and a file whose bytes are corrupt.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_THRESHOLD = 1_000_000


@dataclass
class HubRepo:
    repo_id: str
    folder: Path
    drop_after_bytes: int | None = None
    """Cut the first GET of the largest file after this many bytes (a flaky network)."""
    corrupt: bool = False
    """Serve the largest file with the right size but wrong bytes."""
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(method, path, Range header) of every request seen."""

    def __post_init__(self) -> None:
        self.files = {p.name: p for p in sorted(self.folder.iterdir()) if p.is_file()}
        self.sha256 = {name: _sha256(path) for name, path in self.files.items()}
        self.largest = max(self.files, key=lambda n: self.files[n].stat().st_size)
        self._dropped = False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    repo: HubRepo  # set on the subclass made per server

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        repo = self.repo
        repo.requests.append((self.command, self.path, self.headers.get("Range")))
        path = self.path.split("?")[0]
        api = re.fullmatch(rf"/api/models/{re.escape(repo.repo_id)}(?:/revision/[^/]+)?", path)
        tree = re.fullmatch(rf"/api/models/{re.escape(repo.repo_id)}/tree/[^/]+/?", path)
        resolve = re.fullmatch(rf"/{re.escape(repo.repo_id)}/resolve/[^/]+/(.+)", path)
        if api:
            return self._json(
                {"id": repo.repo_id, "sha": COMMIT, "siblings": [{"rfilename": name} for name in repo.files]},
                body,
            )
        if tree:
            return self._json([self._tree_entry(name) for name in repo.files], body)
        if resolve and resolve.group(1) in repo.files:
            return self._file(resolve.group(1), body)
        self.send_error(404, "Entry not found")

    def _tree_entry(self, name: str) -> dict:
        path = self.repo.files[name]
        size = path.stat().st_size
        entry = {"type": "file", "path": name, "size": size, "oid": _git_blob_id(path)}
        if size >= LFS_THRESHOLD:
            entry["lfs"] = {"oid": self.repo.sha256[name], "size": size, "pointerSize": 134}
        return entry

    def _json(self, payload, body: bool) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _file(self, name: str, body: bool) -> None:
        repo = self.repo
        path = repo.files[name]
        size = path.stat().st_size
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match:
            start = int(match.group(1))
        self.send_response(206 if start else 200)
        self.send_header("X-Repo-Commit", COMMIT)
        etag = repo.sha256[name] if size >= LFS_THRESHOLD else _git_blob_id(path)
        self.send_header("ETag", f'"{etag}"')
        if size >= LFS_THRESHOLD:
            self.send_header("X-Linked-Etag", f'"{etag}"')
            self.send_header("X-Linked-Size", str(size))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(size - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.end_headers()
        if not body:
            return
        data = path.read_bytes()[start:]
        if repo.corrupt and name == repo.largest:
            data = bytes(b ^ 0xFF for b in data[:4096]) + data[4096:]
        if repo.drop_after_bytes is not None and name == repo.largest and not repo._dropped:
            repo._dropped = True
            self.wfile.write(data[: repo.drop_after_bytes])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)


class HubServer:
    """``with HubServer(repo) as url:`` serves ``repo`` on a free loopback port."""

    def __init__(self, repo: HubRepo) -> None:
        handler = type("Handler", (_Handler,), {"repo": repo})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
