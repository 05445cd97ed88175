"""A real HTTP server on 127.0.0.1 serving audio files, and the ways a server goes wrong.

Tests and benchmarks point catalog tracks' ``audio_url`` at it. Every request is counted
by path and query (``hits``), so a test can tell how often a track's audio was downloaded.

    with AudioServer(folder) as server:
        url = server.url("/files/a.wav")
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["AudioServer"]


class AudioServer:
    """``/files/NAME``: the file from ``folder`` (``?slow=S``: first waits S seconds);
    ``/missing``: 404; ``/page``: an HTML page; ``/truncated/NAME``: announces the file's
    length, sends a tenth and closes; ``/chunked/NAME``: the file without a length;
    ``/redirect?to=URL``: a 302 to URL."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                return

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with server._lock:
                    server.hits[self.path] += 1
                query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
                head, _, name = parts.path.lstrip("/").partition("/")
                if "slow" in query:
                    time.sleep(float(query["slow"]))
                if head == "files" and (folder / name).is_file():
                    self._send(200, (folder / name).read_bytes(), "audio/wav")
                elif head == "chunked" and (folder / name).is_file():
                    self._chunked((folder / name).read_bytes())
                elif head == "truncated" and (folder / name).is_file():
                    body = (folder / name).read_bytes()
                    self.send_response(200)
                    self.send_header("content-type", "audio/wav")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 10])
                    self.wfile.flush()
                    self.close_connection = True
                elif head == "gzip-lie" and (folder / name).is_file():
                    body = (folder / name).read_bytes()
                    self.send_response(200)
                    self.send_header("content-type", "audio/wav")
                    self.send_header("content-encoding", "gzip")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif head == "page":
                    self._send(200, b"<!doctype html><title>Sign in</title>", "text/html")
                elif head == "redirect":
                    self.send_response(302)
                    self.send_header("location", query["to"])
                    self.send_header("content-length", "0")
                    self.end_headers()
                else:
                    self._send(404, b"not found", "text/plain")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _chunked(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/octet-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                for start in range(0, len(body), 65536):
                    piece = body[start : start + 65536]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                # A client that hangs up mid-body (a size cap, a deadline) is expected here.
                return

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def __enter__(self) -> AudioServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
