"""A loopback API that gives one bad answer to every request, whatever the platform: the
conformance suite points each platform's env at it (tests/test_conformance.py)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOSTILE = {
    "html-500": (500, "text/html", b"<html><body><h1>500 Internal Server Error</h1></body></html>"),
    "malformed-json": (200, "application/json", b'{"campaigns": [{"id": 1,'),
    "wrong-shape": (200, "application/json", b'[{"unexpected": true}, 7, null]'),
}


class HostileAPI:
    """A loopback server giving one bad answer to every request, whatever the platform."""

    def __init__(self, status: int, kind: str, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
