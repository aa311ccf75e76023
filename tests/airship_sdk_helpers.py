"""The official `urbanairship` client (7.x) on a served Airship sandbox: shared by
tests/test_airship_sdk.py and tests/test_airship_sdk_schedules.py.

The sandbox app is served by uvicorn on a loopback port (`serve_asgi`), as `sandbox
serve` will once the platform is registered. The client is aimed at it the way the
library supports (docs/specs/airship.md#the-official-client): `ua.Airship(key, secret)`
has no `base_url` argument, so its `urls` attribute is replaced by
`urbanairship.urls.Urls(base_url=".../api/")` (the trailing `/` matters: the library
concatenates). Plain http works: the library's `requests.Session` takes any scheme.
Each `Project` is a fresh app key (a clean project) with its clock frozen at `NOW`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import urbanairship as ua
from urbanairship.urls import Urls

from reconciler.sandbox.airship import SANDBOX_MASTER_SECRET
from reconciler.sandbox.airship.app import create_airship_app
from tests.sandbox_fixtures import ServedApp, serve_asgi

ACCEPT = {"Accept": "application/vnd.urbanairship+json; version=3"}
NOW = "2030-01-01T00:00:00"  # every project's frozen clock


@contextmanager
def served_sandbox(db: Path) -> Iterator[ServedApp]:
    """The Airship sandbox over `db`, served on a loopback port until the block ends."""
    app = create_airship_app(db)
    running = serve_asgi(app)
    try:
        yield running
    finally:
        running.stop()
        app.state.store.close()


class Project:
    """One fresh app key: the official client on it, raw calls, and the admin knobs."""

    def __init__(self, served: ServedApp) -> None:
        self.base = served.base_url
        self.key = uuid.uuid4().hex[:22]
        self.client = ua.Airship(self.key, SANDBOX_MASTER_SECRET)
        self.client.urls = Urls(base_url=f"{self.base}/api/")
        self.http = httpx.Client(base_url=self.base, auth=(self.key, SANDBOX_MASTER_SECRET),
                                 headers=ACCEPT, timeout=30)
        self.admin("POST", "/clock", json={"now": NOW})

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        body = kwargs.pop("json", None)
        if body is not None:
            kwargs["json"] = {"app_key": self.key, **body}
        else:
            kwargs["params"] = {"app_key": self.key}
        response = httpx.request(method, f"{self.base}/_sandbox{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def sends(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "/sends"))

    def get(self, path: str) -> Any:
        """A read through the library's own request path (auth, headers, errors)."""
        return self.client._request("GET", None, f"{self.base}/api/{path}", version=3).json()


@contextmanager
def fresh_project(served: ServedApp) -> Iterator[Project]:
    """A fresh project on `served`, its clients closed when the block ends."""
    made = Project(served)
    try:
        yield made
    finally:
        made.http.close()
        made.client.session.close()


def failure(call: Any) -> ua.AirshipFailure:
    with pytest.raises(ua.AirshipFailure) as caught:
        call()
    return caught.value


def assert_airship_error(err: ua.AirshipFailure, status: int) -> dict[str, Any]:
    """Airship's error body: ok false, error, error_code (status + 2 digits), details."""
    body = err.response.json()
    assert err.response.status_code == status
    assert body["ok"] is False and body["error"] == err.error
    assert body["error_code"] == err.error_code and body["error_code"] // 100 == status
    assert isinstance(body["details"], dict)
    return dict(body)


# the fixtures both SDK test modules take (imported there, so pytest finds them)
@pytest.fixture(scope="module", name="served")
def served_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """One served sandbox per test module."""
    with served_sandbox(tmp_path_factory.mktemp("airship") / "sandbox-airship.db") as running:
        yield running


@pytest.fixture(name="project")
def project_fixture(served: ServedApp) -> Iterator[Project]:
    """A fresh project on the module's sandbox."""
    with fresh_project(served) as made:
        yield made
