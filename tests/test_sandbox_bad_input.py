"""Hostile and odd input: every case gets a clear status and the server stays sound."""

from __future__ import annotations

import pytest

from tests.sandbox_helpers import api_client, campaign_body


@pytest.fixture
def client(sandbox_server, sandbox_app):
    with api_client(sandbox_server, sandbox_app) as c:
        yield c


@pytest.mark.parametrize("payload", [b"{", b"[1,", b"nul", b"{\"a\": NaN}", b"\xff\xfe"])
def test_malformed_json_is_422(client, payload) -> None:
    r = client.post("/push/campaigns", content=payload,
                    headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"].startswith("Malformed JSON")


def test_lone_surrogate_is_422_not_500(client) -> None:
    r = client.post("/audiences", content=b'{"name": "\\ud800", "target_rules": {}}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_non_object_body_and_empty_body(client) -> None:
    assert client.post("/push/campaigns", json=[1]).status_code == 422
    assert client.post("/push/campaigns", content=b"",
                       headers={"content-type": "application/json"}).status_code == 422


def test_wrong_content_type_is_415(client) -> None:
    r = client.post("/push/campaigns", content=b"name=x",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert client.post("/audiences", content=b"{}").status_code == 415


def test_body_over_1mb_is_413(client) -> None:
    r = client.post("/push/campaigns", json=campaign_body("x" * (1024 * 1024 + 10)))
    assert r.status_code == 413 and r.json()["error"]

    def chunks():
        yield b'{"name": "'
        for _ in range(20):
            yield b"y" * 65536
        yield b'"}'

    chunked = client.post("/audiences", content=chunks(),
                          headers={"content-type": "application/json"})
    assert chunked.status_code == 413


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", "1.5", "99999999999999999999999999",
                                    "9223372036854775808", "%27%20OR%201=1"])
def test_odd_ids_are_404(client, bad_id) -> None:
    for method, path in [("GET", f"/push/campaigns/{bad_id}"),
                         ("DELETE", f"/push/campaigns/{bad_id}"),
                         ("PUT", f"/push/campaigns/{bad_id}/archive"),
                         ("GET", f"/audiences/{bad_id}"),
                         ("DELETE", f"/audiences/{bad_id}"),
                         ("POST", f"/audiences/{bad_id}/segmentation")]:
        r = client.request(method, path)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json() == {"error": "Not found"}


def test_huge_audience_id_in_a_campaign_is_422(client) -> None:
    target = {"campaign_type": "saved_audience", "target_rules": {"audience": [10**30, -5]}}
    r = client.post("/push/campaigns", json=campaign_body(audiences=target))
    assert r.status_code == 422 and len(r.json()["details"]) == 2


@pytest.mark.parametrize("name", [
    "'; DROP TABLE campaigns; --",
    "Robert'); DELETE FROM audiences WHERE ('1'='1",
    "💥 Flash sale 🎉 — ünïcödé 日本語",
    "e\u0301 vs \u00e9",
    "tab\tand\nnewline and NUL \u0000 end",
    "%_ like wildcards",
])
def test_names_are_stored_verbatim(client, name) -> None:
    created = client.post("/push/campaigns", json=campaign_body(name))
    assert created.status_code == 201
    assert created.json()["name"] == name
    assert client.get(f"/push/campaigns/{created.json()['id']}").json()["name"] == name
    listed = client.get("/campaigns").json()["campaigns"]
    assert [c["name"] for c in listed] == [name]
    audience = client.post("/audiences", json={"name": name, "target_rules": {
        "targeting_type": "install_id", "profile": {"operator": "and", "criteria": [
            {"key": "k", "scope": "app", "operator": "is defined"}]}}})
    assert audience.status_code == 201
    assert client.get("/audiences").json()[0]["name"] == name


def test_unknown_app_and_bad_auth(sandbox_server, sandbox_app) -> None:
    with api_client(sandbox_server, sandbox_app) as client:
        other = client.get(f"{sandbox_server.api_url}/orgs/2/apps/{sandbox_app.app_id}/campaigns")
        assert other.status_code == 404 and other.json() == {"error": "app not found"}
        assert client.get(f"{sandbox_server.api_url}/orgs/x/apps/y/audiences").status_code == 404
    with api_client(sandbox_server, sandbox_app, headers={"authorization": "Basic !!"}) as c:
        c.auth = None
        r = c.get("/campaigns")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    with api_client(sandbox_server, sandbox_app) as c:
        c.auth = ("sandbox", "wrong")
        assert c.get("/campaigns").json() == {"error": "Unauthorized"}


def test_unknown_path_and_method(client) -> None:
    assert client.get("/nothing").status_code == 404
    r = client.patch("/push/campaigns/1")
    assert r.status_code == 405 and r.json()["error"]
