"""Stream import round trip: random segments and campaigns made through the sandbox's Stream
API (ids of reconciler's form, of their own or made up by Stream; every segment source;
campaigns on segments or user ids, drafts and started ones, literal braces beside Stream's
variables) → `reconciler import --all` → `reconciler plan` finds every object unchanged.
Three examples in the default suite; forty under `make test-slow` (RECONCILER_SLOW=1)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import SLOW, awkward_names, messages
from tests.stream_repo import StreamRepo

counter = itertools.count()
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
words = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)
# rcl-<key> (a file of that key needs no pin), an id of its own, or none (Stream makes one)
ids = st.one_of(words.map(lambda w: f"rcl-{w}"),
                st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,20}", fullmatch=True)
                .filter(lambda s: not s.startswith("rcl-")),
                st.none())
texts = st.one_of(messages, messages.map(lambda m: "{{ receiver.name }} " + m),
                  st.just("Hi {{ receiver.name }} from {{ sender.id }}"))
bools = st.one_of(st.none(), st.booleans())


@st.composite
def segment(draw: st.DrawFn, name: str) -> tuple[dict[str, Any], list[str]]:
    """A CreateSegmentRequest and the targets to add after it."""
    kind = draw(st.sampled_from(["user", "channel"]))
    body: dict[str, Any] = {"type": kind, "name": name}
    sid = draw(ids)
    if sid is not None:
        body["id"] = sid
    if draw(st.booleans()):
        body["description"] = draw(messages.map(lambda m: m[:200]))
    source = draw(st.sampled_from(["filter", "all", "targets"]))
    targets: list[str] = []
    if source == "filter":
        body["filter"] = {draw(words): {"$eq": draw(st.one_of(words, st.integers(0, 9)))}}
    elif source == "all":
        body["all_users" if kind == "user" else "all_sender_channels"] = True
    else:
        one = words.map(lambda w: w if kind == "user" else f"messaging:{w}")
        targets = draw(st.lists(one, max_size=4, unique=True))
    return body, targets


@st.composite
def campaign(draw: st.DrawFn, name: str, segment_ids: list[str]
             ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A CreateCampaignRequest and the `start` body (None: left a draft)."""
    body: dict[str, Any] = {"name": name, "sender_id": draw(words),
                            "message_template": {"text": draw(texts)}}
    cid = draw(ids)
    if cid is not None:
        body["id"] = cid
    if segment_ids and draw(st.booleans()):
        body["segment_ids"] = draw(st.lists(st.sampled_from(segment_ids), min_size=1,
                                            max_size=3, unique=True))
    else:
        body["user_ids"] = draw(st.lists(words, min_size=1, max_size=4, unique=True))
    for key, choices in (("sender_mode", ["exclude", "include"]),
                         ("sender_visibility", ["hidden", "archived"])):
        if draw(st.booleans()):
            body[key] = draw(st.sampled_from(choices))
    for key in ("show_channels", "skip_push", "skip_webhook"):
        flag = draw(bools)
        if flag is not None:
            body[key] = flag
    template = body["message_template"]
    if draw(st.booleans()):
        template["custom"] = {draw(words): draw(st.one_of(words, st.integers(), st.booleans()))}
    if draw(st.booleans()):
        template["attachments"] = [{"type": "image", "image_url": f"https://x.test/{draw(words)}"}]
    if draw(st.booleans()):
        body["create_channels"] = True
        body["channel_template"] = {"type": "messaging", "id": "{{ receiver.id }}-" + draw(words)}
    start = draw(st.sampled_from([None, {}, {"scheduled_for": "2031-02-03T04:05:06Z"},
                                  {"scheduled_for": "2031-02-03T04:05:06Z",
                                   "stop_at": "2031-02-04T00:00:00Z"}]))
    return body, start


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code < 300, r.text
    return r.json()  # type: ignore[no-any-return]


def made_through_the_api(repo: StreamRepo, data: st.DataObject) -> int:
    """Random objects on the repo's app; how many."""
    seg_names = data.draw(st.lists(awkward_names, max_size=3, unique=True), "segments")
    camp_names = data.draw(st.lists(awkward_names, min_size=1, max_size=3, unique=True),
                           "campaigns")
    made: list[str] = []
    with repo.stream() as api:
        for name in seg_names:
            body, targets = data.draw(segment(name[:128]))
            if body.get("id") in made:
                body.pop("id")
            sid = _ok(api.post("/segments", json=body))["segment"]["id"]
            made.append(sid)
            if targets:
                _ok(api.post(f"/segments/{sid}/addtargets", json={"target_ids": targets}))
        taken: set[str] = set()
        for name in camp_names:
            body, start = data.draw(campaign(name, made))
            if body.get("id") in taken:
                body.pop("id")
            cid = _ok(api.post("/campaigns", json=body))["campaign"]["id"]
            taken.add(cid)
            if start is not None:
                _ok(api.post(f"/campaigns/{cid}/start", json=start))
    return len(seg_names) + len(camp_names)


def round_trip(data: st.DataObject, sandbox_server: Any, tmp_path: Path) -> None:
    repo = StreamRepo(tmp_path / f"r{next(counter)}", sandbox_server.base_url + "/stream", 0, "")
    count = made_through_the_api(repo, data)
    imported = repo.run("import", "--all")
    assert imported.code == 0, imported.stdout + imported.stderr
    assert "warning" not in imported.stderr, imported.stderr
    assert repo.run("fmt", "--check").code == 0  # written in the canonical fmt layout
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    leftovers = [c for c in plan.json["changes"] if c["action"] != "noop"]
    assert leftovers == [], leftovers
    assert plan.json["unmanaged"] == []
    assert len(plan.json["changes"]) == count


@pytest.mark.slow
@settings(max_examples=40 if SLOW else 3, deadline=None, derandomize=not SLOW,
          suppress_health_check=HEALTH)
@given(data=st.data())
def test_stream_app_imports_as_unchanged(data: st.DataObject, sandbox_server: Any,
                                         tmp_path: Path) -> None:
    round_trip(data, sandbox_server, tmp_path)
