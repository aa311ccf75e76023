"""The in-process sandbox: the same handlers through httpx's ASGI transport, no socket."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox import Faults, create_app, inprocess_transport
from tests.sandbox_helpers import audience_body, campaign_body


def test_inprocess_transport_needs_no_socket(tmp_path: Path, monkeypatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the in-process sandbox opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "bind", no_network)
    db = tmp_path / ".reconciler" / "sandbox.db"

    async def run(app_id: str) -> list[str]:
        transport = inprocess_transport(db, 3, app_id)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox",
                                     auth=("sandbox", "sandbox")) as c:
            base = f"/api/v6/orgs/3/apps/{app_id}"
            assert (await c.post(base + "/audiences", json=audience_body())).status_code == 201
            r = await c.post(base + "/push/campaigns", json=campaign_body())
            assert r.status_code == 201 and r.json()["creatives"][0]["letter"] == "A"
            listing = await c.get(base + "/campaigns")
            return [x["name"] for x in listing.json()["campaigns"]]

    assert asyncio.run(run("local")) == ["Spring sale"]
    assert asyncio.run(run("local")) == ["Spring sale", "Spring sale"], "kept in the db file"
    assert db.is_file()


def test_create_app_options(tmp_path: Path) -> None:
    app = create_app(tmp_path / "s.db", api_key="k", api_secret="s", apps=[(5, "five")])

    async def run() -> tuple[int, int, int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox") as c:
            ok = await c.get("/api/v6/orgs/5/apps/five/audiences", auth=("k", "s"))
            default = await c.get("/api/v6/orgs/1/apps/demo-app/audiences", auth=("k", "s"))
            wrong = await c.get("/api/v6/orgs/5/apps/five/audiences", auth=("sandbox", "sandbox"))
            return ok.status_code, default.status_code, wrong.status_code

    assert asyncio.run(run()) == (200, 404, 401)


def test_faults_reject_bad_rates() -> None:
    with pytest.raises(ValueError):
        Faults(error_rate=1.5)
