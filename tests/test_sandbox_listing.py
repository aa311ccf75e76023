"""The all-channel campaign listing and search: filters, sorting, pagination."""

from __future__ import annotations

import pytest

from tests.sandbox_helpers import api_client, campaign_body

RECURRING = {"recurring": {"begin_date": "2026-12-01", "intervals": [{"interval": "every day"}]}}


@pytest.fixture
def client(sandbox_server, sandbox_app):
    with api_client(sandbox_server, sandbox_app) as c:
        yield c


def _make(client, *names, **overrides):
    return [client.post("/push/campaigns", json=campaign_body(n, **overrides)).json()
            for n in names]


def test_listing_shape_and_default_order(client) -> None:
    made = _make(client, "b", "a", "c")
    body = client.get("/campaigns").json()
    assert body["app_id"] == client.base_url.path.rstrip("/").rsplit("/", 1)[-1]
    assert body["records_count"] == body["total_records"] == 3
    assert [c["id"] for c in body["campaigns"]] == sorted(c["id"] for c in made)
    summary = body["campaigns"][0]
    assert summary == {
        "id": made[0]["id"], "name": "b", "message_type": "push", "platform": "all",
        "send_local_tz": 1, "recurring": 0, "begin_date": "2026-12-01T09:00:00.000Z",
        "end_date": None, "status": "draft", "created_at": made[0]["created_at"],
        "updated_at": made[0]["updated_at"], "sends": 0, "open_rate": "0.0%",
    }


def test_pagination(client) -> None:
    _make(client, *[f"c{i}" for i in range(5)])
    page = client.get("/campaigns", params={"per_page": 2, "page_number": 3}).json()
    assert page["records_count"] == 1 and page["total_records"] == 5
    assert [c["name"] for c in page["campaigns"]] == ["c4"]
    past = client.get("/campaigns", params={"per_page": 2, "page_number": 4})
    assert past.status_code == 404  # as the OpenAPI documents for a page past the last
    search = client.get("/campaigns/search", params={"key": "c", "page_number": 2})
    assert search.status_code == 404
    capped = client.get("/campaigns", params={"per_page": 5000})
    assert capped.status_code == 200 and capped.json()["records_count"] == 5


def test_filters_and_sorting(client) -> None:
    _make(client, "Beta")
    _make(client, "alpha", status="active")
    _make(client, "Gamma", schedule=RECURRING)
    names = lambda **q: [c["name"] for c in client.get("/campaigns", params=q).json()["campaigns"]]  # noqa: E731
    assert names(status="active") == ["alpha"]
    assert names(status="draft,active") == ["Beta", "alpha", "Gamma"]
    assert names(recurring=1) == ["Gamma"]
    assert names(recurring=2) == ["Beta", "alpha"]
    assert names(channel="inbox") == []
    assert names(channel="push,inbox") == ["Beta", "alpha", "Gamma"]
    assert names(sort_by="name") == ["alpha", "Beta", "Gamma"]
    assert names(sort_by="name", sort_order="desc") == ["Gamma", "Beta", "alpha"]
    assert names(sort_by="created_at", sort_order="desc") == ["Gamma", "alpha", "Beta"]


@pytest.mark.parametrize("query", [{"status": "bogus"}, {"per_page": 0}, {"per_page": "x"},
                                   {"page_number": 0}, {"is_archived": 2}, {"sort_by": "id"},
                                   {"recurring": 7}])
def test_bad_query_is_422(client, query) -> None:
    r = client.get("/campaigns", params=query)
    assert r.status_code == 422 and r.json()["details"]


def test_search_by_substring_or_id(client) -> None:
    spring, _, other = _make(client, "Spring Sale", "spring sale 2", "Winter")
    found = client.get("/campaigns/search", params={"key": "SPRING"}).json()
    assert [c["name"] for c in found["campaigns"]] == ["Spring Sale", "spring sale 2"]
    by_id = client.get("/campaigns/search", params={"key": str(other["id"])}).json()
    assert [c["id"] for c in by_id["campaigns"]] == [other["id"]]
    assert client.get("/campaigns/search", params={"key": "%"}).json()["campaigns"] == []
    assert client.get("/campaigns/search").status_code == 422
    assert spring["id"]


def test_page_past_the_last_as_an_empty_page(sandbox_factory) -> None:
    """The `past_last_page: empty` knob: the empty 200 some accounts answer instead."""
    served = sandbox_factory()
    app = served.new_app()
    with api_client(served, app) as client:
        assert client.get("/campaigns", params={"page_number": 1}).json()["campaigns"] == []
        assert client.get("/campaigns", params={"page_number": 2}).status_code == 404
        assert served.answers(past_last_page="empty")["past_last_page"] == "empty"
        empty = client.get("/campaigns", params={"page_number": 2})
        assert empty.status_code == 200 and empty.json()["campaigns"] == []


def test_unknown_answer_knob_is_refused(sandbox_server) -> None:
    import httpx

    bad = httpx.post(sandbox_server.base_url + "/_sandbox/answers",
                     json={"audience_key": "audiencez", "colour": "red"})
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["details"]] == ["audience_key", "colour"]
