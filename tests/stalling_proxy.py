"""A loopback HTTP proxy that performs a request and then never answers it: the client
sees its own timeout after the write was done, the most ambiguous failure there is.

Every request is forwarded to the upstream as it is. The first `stall` requests whose
method is `method` and whose path ends with `suffix` are forwarded (so performed), and
then the proxy answers nothing: it waits until the client closes the connection (a
blocking read, no sleep), which the client does when its own timeout fires.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length",
                        "host", "proxy-connection", "te", "trailer", "upgrade"})


class StallingProxy:
    def __init__(self, upstream: str, method: str, suffix: str, stall: int = 1) -> None:
        self.upstream = upstream.rstrip("/")
        self.method, self.suffix = method, suffix
        self.left = stall
        self.stalled = 0  # requests performed upstream and never answered
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                proxy.forward(self, "GET")

            def do_POST(self) -> None:
                proxy.forward(self, "POST")

            def do_PUT(self) -> None:
                proxy.forward(self, "PUT")

            def do_DELETE(self) -> None:
                proxy.forward(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _stall(self, method: str, path: str) -> bool:
        with self._lock:
            if self.left > 0 and method == self.method and path.split("?")[0].endswith(
                    self.suffix):
                self.left -= 1
                self.stalled += 1
                return True
            return False

    def forward(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
        answer = self._client.request(method, self.upstream + handler.path, content=body,
                                      headers=headers)
        if self._stall(method, handler.path):
            handler.close_connection = True
            handler.rfile.read(1)  # returns when the client gives up and closes
            return
        handler.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-encoding":
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(answer.content)))
        handler.end_headers()
        handler.wfile.write(answer.content)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()
