"""`reconciler import` on Stream Chat, over real HTTP to the served sandbox, through the CLI:
applied specs come back as files the next plan finds unchanged; objects made through the
official SDK with ids of their own come back pinned; `--update` keeps comments and
templates; selection, dry runs, references to segments left out, bad answers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stream_chat import StreamChat
from stream_chat.types.segment import SegmentType

from reconciler.provider import ImportRefs, LiveObject
from reconciler.sandbox.stream import SANDBOX_SECRET
from reconciler.stream.importing import spec_document
from tests.stream_repo import StreamRepo

FIXTURE = Path(__file__).parent / "fixtures" / "stream"
VARS = {"vars": {"app_name": "Acme Chat"}}


def twin(repo: StreamRepo, root: Path) -> StreamRepo:
    """A fresh, empty repo on the same Stream app (the same API key)."""
    return StreamRepo(root, repo.api_url, 0, "", env_extra=dict(repo.env_extra),
                      stream_key=repo.stream_key)


def all_unchanged(repo: StreamRepo, count: int) -> None:
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    assert [c["action"] for c in plan.json["changes"]] == ["noop"] * count, plan.json["changes"]
    assert plan.json["unmanaged"] == []


@pytest.fixture
def applied(stream_repo: StreamRepo) -> StreamRepo:
    """The Stream fixture (three segments, a draft and a scheduled campaign), applied."""
    stream_repo.env_extra.update(VARS)
    stream_repo.write_config()
    for folder in ("audiences", "campaigns"):
        shutil.copytree(FIXTURE / folder, stream_repo.root / folder, dirs_exist_ok=True)
    done = stream_repo.apply()
    assert done.code == 0, done.stdout + done.stderr
    return stream_repo


@pytest.fixture
def sdk(stream_repo: StreamRepo) -> Iterator[StreamChat]:
    """The official SDK on the repo's app, past reconciler."""
    client = StreamChat(stream_repo.stream_key, SANDBOX_SECRET, base_url=stream_repo.api_url)
    try:
        yield client
    finally:
        client.session.close()


def test_applied_fixture_imports_into_an_empty_repo_unchanged(applied: StreamRepo,
                                                               tmp_path: Path) -> None:
    fresh = twin(applied, tmp_path / "fresh")
    run = fresh.run("import", "--all")
    assert run.code == 0, run.stderr
    assert run.stderr == ""  # no warnings: server defaults are not dropped fields
    assert run.stdout.endswith("import: wrote 3 segments, 2 campaigns\n")
    # ids rcl-<key> give back the original file names, so nothing needs `id:`
    for folder in ("audiences", "campaigns"):
        assert sorted(p.name for p in (fresh.root / folder).iterdir()) == \
            sorted(p.name for p in (FIXTURE / folder).iterdir())
    texts = {p.name: p.read_text() for p in (fresh.root / "campaigns").iterdir()}
    assert all("\nid:" not in t for t in texts.values())
    survey = texts["beta-survey.yaml"]
    assert "# Started in Stream (status scheduled)." in survey
    assert "send:\n  at: 2027-01-15T09:00:00.000Z\n" in survey
    assert "segments:\n  - beta-testers\n" in survey
    # Stream's own variables stay readable; nothing else in the text needed escaping
    assert "text: Hi {{ receiver.name }}, welcome to Acme Chat!" in texts["welcome.yaml"]
    assert fresh.run("validate").code == 0
    assert fresh.run("fmt", "--check").code == 0
    all_unchanged(fresh, 5)
    again = fresh.run("import", "--all")
    assert again.code == 0 and "5 existed (use --update)" in again.stdout


def test_sdk_objects_with_their_own_ids_import_pinned(stream_repo: StreamRepo,
                                                      sdk: StreamChat) -> None:
    sdk.create_segment(SegmentType.USER, segment_id="seg-vip-42",
                       data={"name": "VIP buyers", "filter": {"tier": {"$eq": "gold"}}})
    sdk.create_segment(SegmentType.CHANNEL, segment_id="rcl-support",
                       data={"name": "Support rooms"})
    sdk.add_segment_targets("rcl-support", ["messaging:help", "messaging:faq"])
    sdk.create_campaign(campaign_id="cmp-7", data={
        "name": "Gold offer", "segment_ids": ["seg-vip-42"], "sender_id": "shop",
        "message_template": {"text": "{{ receiver.name }}: {{ 50% }} off", "custom": {"k": 1}},
        "sender_mode": "include"})
    sdk.create_campaign(data={  # no id: Stream makes one up
        "name": "Direct", "user_ids": ["u1", "u2"], "sender_id": "shop",
        "message_template": {"text": "hello"}})
    sdk.create_campaign(campaign_id="rcl-gone", data={
        "name": "Sent", "segment_ids": ["rcl-support"], "sender_id": "shop",
        "message_template": {"text": "sent once"}})
    sdk.start_campaign("rcl-gone", scheduled_for="2030-05-01T10:00:00Z")

    run = stream_repo.run("import", "--all")
    assert run.code == 0, run.stderr
    assert "import: wrote 2 segments, 3 campaigns" in run.stdout
    aud = stream_repo.root / "audiences"
    camp = stream_repo.root / "campaigns"
    vip = (aud / "vip-buyers.yaml").read_text()
    assert "\nid: seg-vip-42\n" in vip
    support = (aud / "support.yaml").read_text()  # rcl-support: its own key, no pin
    assert "\nid:" not in support and "- messaging:faq\n  - messaging:help" in support
    gold = (camp / "gold-offer.yaml").read_text()
    assert "\nid: cmp-7\n" in gold and "segments:\n  - vip-buyers\n" in gold
    # a literal `{{ 50% }}` is not Stream's variable: escaped so it renders back exactly
    assert "{% raw %}{{ receiver.name }}: {{ 50% }} off{% endraw %}" in gold
    direct = (camp / "direct.yaml").read_text()
    assert "\nid: " in direct and "user_ids:\n  - u1\n  - u2\n" in direct
    sent = (camp / "gone.yaml").read_text()
    assert "# Started in Stream (status scheduled)." in sent
    assert "send:\n  at: '2030-05-01T10:00:00" in sent or "send:\n  at: 2030-05-01T10:00:00" in sent
    all_unchanged(stream_repo, 5)


def test_update_keeps_comments_templates_and_the_send_block(applied: StreamRepo,
                                                            sdk: StreamChat) -> None:
    welcome = applied.root / "campaigns" / "welcome.yaml"
    survey = applied.root / "campaigns" / "beta-survey.yaml"
    before, survey_before = welcome.read_text(), survey.read_text()
    live = applied.campaign("rcl-welcome")
    body = {k: live[k] for k in ("name", "description", "segment_ids", "sender_id",
                                 "message_template", "create_channels", "channel_template",
                                 "skip_webhook")}
    body["message_template"] = {**live["message_template"],
                                "text": "Hei {{ receiver.name }}, velkommen!"}
    sdk.update_campaign("rcl-welcome", body)  # a dashboard edit of the draft

    dry = applied.run("import", "--all", "--update", "--dry-run")
    assert dry.code == 0 and "would update campaigns/welcome.yaml" in dry.stdout
    assert welcome.read_text() == before

    run = applied.run("import", "--all", "--update")
    assert run.code == 0, run.stderr
    assert "updated campaigns/welcome.yaml" in run.stdout
    assert "import: wrote 0 segments, 0 campaigns; updated 1; 4 up to date" in run.stdout
    after = welcome.read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert changed == [('  text: "Hi {{ receiver.name }}, welcome to {{ vars.app_name }}!"',
                        '  text: "Hei {{ receiver.name }}, velkommen!"')]
    assert "name: Welcome to {{ vars.app_name }}" in after  # still renders to the live name
    assert "# {{ receiver.name }} is Stream's" in after
    # the started campaign's `at` differs in form only ("…00Z" vs "…00.000Z"): kept
    assert survey.read_text() == survey_before
    all_unchanged(applied, 5)


def test_selection_dry_run_and_segments_left_out(applied: StreamRepo, tmp_path: Path) -> None:
    fresh = twin(applied, tmp_path / "fresh")
    dry = fresh.run("import", "--all", "--dry-run")
    assert dry.code == 0 and "import (dry run): would write 3 segments, 2 campaigns" in dry.stdout
    assert list((fresh.root / "audiences").iterdir()) == []

    alone = fresh.run("import", "--kind", "campaign", "--id", "rcl-welcome")
    assert alone.code == 1
    assert ("warning: campaign rcl-welcome 'Welcome to Acme Chat' not imported: it targets "
            "segment rcl-norway-users ('Users in Norway'), which has no spec file; import it "
            "too (--id rcl-norway-users)") in alone.stderr
    assert list((fresh.root / "campaigns").iterdir()) == []

    both = fresh.run("import", "--id", "rcl-welcome", "--id", "rcl-norway-users")
    assert both.code == 0, both.stderr
    assert both.stdout.endswith("import: wrote 1 segments, 1 campaigns\n")
    seg = fresh.run("import", "--kind", "segment", "--name", "Everyone")
    assert seg.code == 0 and "wrote audiences/everyone.yaml" in seg.stdout
    missing = fresh.run("import", "--kind", "segment", "--id", "rcl-welcome")
    assert missing.code == 1
    assert missing.stderr.strip() == "error: no live segments match rcl-welcome (names match exactly)"
    all_unchanged_but_unmanaged = fresh.plan()
    assert {c["action"] for c in all_unchanged_but_unmanaged.json["changes"]} == {"noop"}


def test_a_bad_answer_is_one_error_line_and_no_half_file(applied: StreamRepo,
                                                         tmp_path: Path) -> None:
    fresh = twin(applied, tmp_path / "fresh")
    applied.knobs(drop={"get-segment": 100})  # every answer an HTML 502, retries and all
    run = fresh.run("import", "--all")
    applied.knobs(drop={"get-segment": 0})
    assert run.code == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "get-segment" in errors[0] or "segments/" in errors[0], errors[0]
    assert [p for p in fresh.root.rglob("*.yaml") if p.name != "reconciler.yaml"] == []
    assert not [p for p in fresh.root.rglob("*.tmp")]


def _live(kind: str, raw: dict[str, Any], body: dict[str, Any], status: str | None = None
          ) -> LiveObject:
    return LiveObject(kind=kind, id=str(raw["id"]), name=str(raw.get("name")), body=body,
                      raw=raw, status=status)


def test_server_defaults_are_not_reported_but_unknown_values_are() -> None:
    raw = {"id": "c1", "name": "N", "sender_id": "s", "segment_ids": [], "user_ids": ["u"],
           "message_template": {"text": "t"}, "create_channels": False, "skip_webhook": False,
           "channel_template": None, "sender_mode": "", "status": "draft", "stats": {},
           "created_at": "x", "updated_at": "x", "users": [], "segments": [],
           "future_flag": False, "future_text": "set by the dashboard"}
    body = {"name": "N", "sender_id": "s", "user_ids": ["u"], "message_template": {"text": "t"}}
    doc = spec_document(_live("campaign", raw, body, "draft"), ImportRefs({}, {}))
    assert doc.dropped == ["future_text"] and doc.problem is None
    assert doc.body == body and "send" not in doc.body
