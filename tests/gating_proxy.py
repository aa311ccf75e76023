"""A loopback proxy that holds requests to one path until the test lets them through.

Put in front of a served sandbox, it stops a run at a known point without any
timing: holding `GET …/campaigns` stops apply inside planning, after it took
its lease (the lease lives in `/audiences`); holding the first `POST
…/campaigns` stalls one create mid-apply, as a rate limit would, while the
rest of the run (its lease renewals too) goes on. `held` is set once a
request waits; `release()` lets every held and later request through.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

from tests.dropping_proxy import DroppingProxy


class GatingProxy(DroppingProxy):
    def __init__(self, upstream: str, hold: str, method: str = "GET",
                 count: int | None = None, skip: int = 0) -> None:
        super().__init__(upstream, "\0never", lambda body: body)  # drops nothing
        self.hold, self.method, self.left, self.skip = hold, method, count, skip
        self.held = threading.Event()
        self._open = threading.Event()
        self._count_lock = threading.Lock()

    def release(self) -> None:
        self._open.set()

    def forward(self, h: BaseHTTPRequestHandler, method: str) -> None:
        if method == self.method and h.path.split("?")[0].endswith(self.hold) and self._take():
            self.held.set()
            self._open.wait(120)
        super().forward(h, method)

    def _take(self) -> bool:
        """Whether this request is one to hold: the first `count` (all when None) after
        the first `skip` ones."""
        with self._count_lock:
            if self.skip > 0:
                self.skip -= 1
                return False
            if self.left is None:
                return True
            if self.left <= 0:
                return False
            self.left -= 1
            return True
