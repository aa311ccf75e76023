"""A deliberately broken Localytics API on 127.0.0.1, for tests of the client's defences.

Three campaigns (A, B, C) exist; the server answers listings, searches, reads
and creates, except that `mode` makes it misbehave: malformed JSON, HTML
pages, empty bodies, repeated or endless pages, a `total_records` that lies, 404
past the last page (as documented) or within, answers slower than any sane
timeout, connections reset mid-request, JSON nested 100,000 deep or with an
integer of 5,000 digits.
`create_twin_empty` answers a create with nothing after another writer made the
same name at the same moment.
`failures` limits how many requests misbehave (then it answers correctly),
to test safe retries. A daemon thread serves it; `stop()` ends it.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HTML = b"<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
PREFIX = re.compile(r"^/api/v6/orgs/\d+/apps/[^/]+")


def campaign_body(cid: int, name: str) -> dict[str, Any]:
    return {
        "id": cid, "name": name, "status": "draft", "goal": "monetize",
        "audiences": {"campaign_type": "everyone", "control_group_percent": 0},
        "schedule": {"on_schedule": {"begin_date": "2027-01-15T09:00:00.000Z",
                                     "starting_time_zone_id": 0}},
        "creatives": [{"id": 7000 + cid, "letter": "A", "title": "Variant A", "percent": 100,
                       "build_attributes": {"push_title": "Sale", "push_message": "Hello 0"}}],
        "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
    }


class QuietHTTPServer(ThreadingHTTPServer):
    """A test server that does not print a traceback when the client hung up first.

    The `slow` and `reset` modes make the client give up before the answer is
    written, so the write fails with BrokenPipeError/ConnectionResetError. That is
    the point of those tests, not a failure; socketserver would print it to stderr
    from the server thread, after pytest stopped capturing (under xdist it reaches
    the terminal of a passing run). Any other error is still printed.
    """

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class MisbehavingAPI:
    def __init__(self, mode: str = "ok", failures: int = 10**9, page_size: int = 1000) -> None:
        self.mode = mode
        self.failures = failures
        self.page_size = page_size
        self.requests = 0
        self.campaigns = {i: campaign_body(i, n) for i, n in ((1, "A"), (2, "B"), (3, "C"))}
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                api.handle(self, "GET")

            def do_POST(self) -> None:
                api.handle(self, "POST")

            def do_PUT(self) -> None:
                api.handle(self, "PUT")

            def finish(self) -> None:
                try:
                    super().finish()
                except OSError:
                    pass

        self.server = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v6"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- behaviour -----------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        with self._lock:
            self.requests += 1
            bad = self.failures > 0
            if bad:
                self.failures -= 1
        path, _, query = h.path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        path = PREFIX.sub("", path)
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        mode = self.mode if bad else "ok"
        if mode == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return
        if mode == "slow":
            time.sleep(1.5)
        if mode == "html_500":
            return self.send(h, 500, HTML, "text/html")
        if mode == "html_200":
            return self.send(h, 200, HTML, "text/html")
        if mode == "empty_200":
            return self.send(h, 200, b"", "application/json")
        if mode == "deep_json":  # 100,000 levels: a RecursionError wherever it is parsed
            return self.send(h, 200, b'{"campaigns": ' + b"[" * 100_000 + b"]" * 100_000
                             + b', "total_records": 1}', "application/json")
        if mode == "huge_int":  # past Python's 4,300-digit int conversion limit
            return self.send(h, 200, b'{"records_count": 1, "total_records": 1, "campaigns": '
                             b'[{"id": ' + b"7" * 5000 + b', "name": "A", "status": "draft"}]}',
                             "application/json")
        if mode == "malformed_json":
            return self.send(h, 200, b'{"campaigns": [{"id": 1, "na', "application/json")
        if method == "POST" and path == "/push/campaigns":
            return self.create(h, json.loads(body), mode)
        if method == "GET" and path == "/audiences":
            return self.json(h, {"not": "a list"} if mode == "audiences_not_list" else [])
        if method == "GET" and path in ("/campaigns", "/campaigns/search"):
            return self.listing(h, params, mode)
        m = re.fullmatch(r"/push/campaigns/(\d+)", path)
        if method == "GET" and m:
            if mode == "campaign_not_object":
                return self.json(h, ["not", "an", "object"])
            found = self.campaigns.get(int(m.group(1)))
            return self.json(h, found) if found else self.json(h, {"error": "Not found"}, 404)
        return self.json(h, {"error": "Not found"}, 404)

    def listing(self, h: BaseHTTPRequestHandler, params: dict[str, str], mode: str) -> None:
        key = params.get("key", "").lower()
        rows = [{"id": c["id"], "name": c["name"], "status": c["status"],
                 "updated_at": c["updated_at"]}
                for c in self.campaigns.values() if key in c["name"].lower()]
        page = int(params.get("page_number", 1))
        size = min(self.page_size, int(params.get("per_page", 100)))
        total = len(rows)
        if mode == "repeat_page":
            page = 1
        chunk = rows[(page - 1) * size: page * size]
        if mode == "endless":
            chunk = [{"id": 10_000 + page * size + i, "name": f"page {page}", "status": "draft"}
                     for i in range(size)]
            total = 10**7
        if mode == "total_low":
            total = max(0, total - 1)
        if mode in ("total_high", "total_high_404"):
            total += 5
        if mode == "bad_id":
            chunk = [dict(chunk[0], id="abc")] + chunk[1:] if chunk else chunk
        if mode == "campaigns_not_list":
            return self.json(h, {"campaigns": "none", "total_records": 0})
        past_last = page > 1 and not chunk
        if (mode in ("past_last_404", "total_high_404") and past_last) or (mode == "within_404" and page == 2):
            return self.json(h, {"error": "Not Found"}, 404)
        self.json(h, {"records_count": len(chunk), "total_records": total, "campaigns": chunk})

    def create(self, h: BaseHTTPRequestHandler, payload: dict[str, Any], mode: str) -> None:
        cid = max(self.campaigns) + 1
        self.campaigns[cid] = campaign_body(cid, str(payload.get("name")))
        if mode == "create_twin_empty":  # another writer made the same name meanwhile
            self.campaigns[cid + 1] = campaign_body(cid + 1, str(payload.get("name")))
            return self.send(h, 201, b"", "application/json")
        if mode == "create_empty_201":
            return self.send(h, 201, b"", "application/json")
        if mode == "create_not_object":
            return self.json(h, "created", 201)
        self.json(h, self.campaigns[cid], 201)

    def json(self, h: BaseHTTPRequestHandler, doc: Any, status: int = 200) -> None:
        self.send(h, status, json.dumps(doc).encode(), "application/json")

    @staticmethod
    def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
