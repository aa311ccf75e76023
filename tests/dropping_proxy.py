"""A loopback HTTP proxy that makes an API silently forget a field on writes, lose the
answer of a create it performed (`lose_creates`), or never answer a POST it performed
(`stall_posts`: the client's own timeout fires after the write was done; the proxy waits
for the client to close, with a blocking read, no sleep).

It sits in front of a served sandbox and forwards every request unchanged,
except that the JSON body of a write (POST, PUT, PATCH) whose path matches
`path_part` passes through `drop` first. The upstream then stores and answers
what it received, exactly like a real API that accepts a field and does not
keep it: answered 2xx, the field gone. Reads are forwarded as they are, so a
read-back shows the loss too. A daemon thread serves it; `stop()` ends it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

LOST = b"<html><body>502 Bad Gateway</body></html>"  # a create done, its answer lost
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length",
                        "host", "proxy-connection", "te", "trailer", "upgrade"})


def drop_push_title(body: Any) -> Any:
    """The campaign without `push_title` in any creative's build_attributes."""
    creatives = body.get("creatives") if isinstance(body, dict) else None
    for creative in [creatives] if isinstance(creatives, dict) else creatives or []:
        if isinstance(creative, dict):
            (creative.get("build_attributes") or {}).pop("push_title", None)
    return body


class DroppingProxy:
    def __init__(self, upstream: str, path_part: str, drop: Callable[[Any], Any],
                 lose_creates: int = 0, after: int = 0, stall_posts: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self.path_part = path_part
        self.drop = drop
        self.dropped = 0
        self.lose_creates = lose_creates  # POSTs to path_part performed, then answered 502
        self.after = after  # ... once this many have been answered as they were
        self.stall_posts = stall_posts  # POSTs to path_part performed, then never answered
        self.stalled = 0
        self._client = httpx.Client(timeout=30)
        self._lock = threading.Lock()
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

            def do_PATCH(self) -> None:
                proxy.forward(self, "PATCH")

            def do_DELETE(self) -> None:
                proxy.forward(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _lose(self) -> bool:
        with self._lock:
            if self.after > 0:
                self.after -= 1
                return False
            if self.lose_creates <= 0:
                return False
            self.lose_creates -= 1
            return True

    def _stall(self) -> bool:
        with self._lock:
            if self.stall_posts <= 0:
                return False
            self.stall_posts -= 1
            self.stalled += 1
            return True

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()

    def forward(self, h: BaseHTTPRequestHandler, method: str) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        if method in ("POST", "PUT", "PATCH") and self.path_part in h.path and body:
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            if doc is not None:
                body = json.dumps(self.drop(doc)).encode()
                with self._lock:
                    self.dropped += 1
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
        with self._lock:  # httpx.Client is not meant to be shared across threads freely
            answer = self._client.request(method, self.upstream + h.path, content=body,
                                          headers=headers)
        if method == "POST" and self.path_part in h.path and self._stall():
            h.close_connection = True
            h.rfile.read(1)  # returns when the client gives up and closes the connection
            return
        if method == "POST" and self.path_part in h.path and self._lose():
            h.send_response(502)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(LOST)))
            h.end_headers()
            h.wfile.write(LOST)
            return
        h.send_response_only(answer.status_code)  # upstream's Date and Server, not ours
        for key, value in answer.headers.items():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-encoding":
                h.send_header(key, value)
        h.send_header("Content-Length", str(len(answer.content)))
        h.end_headers()
        h.wfile.write(answer.content)
