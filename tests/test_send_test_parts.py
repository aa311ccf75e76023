"""send-test's parts: the customer_id-only builder, content mapping, ids, hints, listing."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.calls import Caller
from reconciler.config import load_config
from reconciler.errors import SendTestError
from reconciler.localytics.push import Alert, CustomerIdBatch, CustomerMessage, PushClient
from reconciler.localytics.sendtest_content import content_of, select
from reconciler.localytics.sendtest_run import SendJob, send_tests
from reconciler.plan.model import Action, Change, Plan
from reconciler.render.markdown import render_markdown
from reconciler.render.pushes import render_pushes
from reconciler.render.text import console, render_plan
from reconciler.sendtest.ledger import Ledger, Sent, batch_request_id, message_id
from reconciler.workspace import Spec
from tests.misbehaving_api import QuietHTTPServer

customer_ids = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() == s and s)


def message(to: Any = "u1") -> CustomerMessage:
    return CustomerMessage(customer_id=to, alert=Alert(body="hi"))


@settings(max_examples=50, deadline=None)
@given(st.lists(customer_ids, min_size=1, max_size=5),
       st.text(max_size=30).filter(lambda t: t.strip() != ""))
def test_every_batch_built_is_customer_id(recipients: list[str], body: str) -> None:
    batch = CustomerIdBatch(
        request_id="r", campaign_key="rcl-test-x",
        messages=tuple(CustomerMessage(r, Alert(body=body)) for r in recipients),
    )
    wire = batch.to_json()
    assert wire["target_type"] == "customer_id"
    assert [m["target"] for m in wire["messages"]] == recipients


@pytest.mark.parametrize("body", ["", "  \n"])
def test_no_push_with_an_empty_alert_body(body: str) -> None:
    with pytest.raises(ValueError, match="non-empty alert body"):
        CustomerMessage(customer_id="u1", alert=Alert(body=body))


@pytest.mark.parametrize("target", [None, 4242, {"profile": {"criteria": []}}, ["a", "b"], "",
                                    "  "])
def test_no_other_target_can_be_built(target: Any) -> None:
    with pytest.raises(ValueError, match="one customer id string"):
        message(target)


def test_target_type_is_not_a_parameter_and_the_client_takes_only_batches() -> None:
    assert "target_type" not in inspect.signature(CustomerIdBatch).parameters
    assert "target_type" not in inspect.signature(CustomerMessage).parameters
    client = PushClient("http://127.0.0.1:9", "app", auth=("k", "s"), caller=Caller())
    broadcast = {"target_type": "broadcast", "messages": [{"alert": "everyone"}]}
    with pytest.raises(TypeError):
        asyncio.run(client.send(broadcast))  # type: ignore[arg-type]
    asyncio.run(client.aclose())


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "a/b", "café"])
def test_campaign_key_rules_of_the_api(key: str) -> None:
    with pytest.raises(ValueError, match="campaign_key"):
        CustomerIdBatch(request_id="r", campaign_key=key, messages=(message(),))


def test_campaign_key_of_a_nested_key_with_blanks() -> None:
    job = SendJob("e", "a", "promos/big  sale", (), ())
    assert job.campaign_key.startswith("rcl-test-promos.big__sale-")
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", job.campaign_key)
    assert SendJob("e", "a", "promos/big_sale", (), ()).campaign_key != job.campaign_key
    assert SendJob("e", "a", "spring", (), ()).campaign_key == "rcl-test-spring"


def test_content_mapping() -> None:
    creative = {
        "title": "Variant A", "percent": 50,
        "key_values": [{"key": "rcl_test", "value": "false"}, {"key": "k", "value": "v"}],
        "build_attributes": {"push_title": "T", "attachment_url": "https://x/i.png"},
    }
    c = content_of("A", creative)
    assert c.alert.to_json() == {"title": "T", "body": ""}  # body is required by the API
    assert c.ios == {"extra": {"rcl_test": "true", "k": "v", "ll_attachment_url": "https://x/i.png"},
                     "mutable_content": True}
    assert c.android == {"extra": {"rcl_test": "true", "k": "v",
                                   "ll_attachment_url": "https://x/i.png"}}
    assert c.preview == "T"


def spec(creatives: Any) -> Spec:
    return Spec("campaign", "k", "campaigns/k.yaml", {"name": "N", "creatives": creatives})


def test_select_letters() -> None:
    two = spec([{"build_attributes": {"push_message": m}} for m in ("a", "b")])
    assert [c.letter for c in select(two, ())] == ["A", "B"]
    assert [c.letter for c in select(two, ("b", "B"))] == ["B"]
    assert [c.letter for c in select(two, ("all",))] == ["A", "B"]
    assert [c.letter for c in select(spec({"build_attributes": {"push_message": "x"}}), ())] == ["A"]
    with pytest.raises(SendTestError, match="no creative 'C' \\(its creatives: A, B\\)"):
        select(two, ("C",))


def test_ids_are_deterministic_per_every_part() -> None:
    parts = ("env", "app", "key", "A", "content", "alice", "2026-11-23")
    base = message_id(*parts)
    assert message_id(*parts) == base and len(base) <= 255
    for i in range(len(parts)):
        changed = list(parts)
        changed[i] += "x"
        assert message_id(*changed) != base
    assert message_id(*parts, nonce="n") != base
    assert batch_request_id(["a", "b"]) == batch_request_id(["b", "a"]) != batch_request_id(["a"])


def test_ledger_keeps_today_and_survives_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "sent.jsonl"
    entry = Sent("2026-11-23", "id1", "e", "a", "k", "A", "alice", "r", "t")
    Ledger(path, "2026-11-23").add([entry])
    with path.open("a") as f:
        f.write('{"torn": ')
    assert "id1" in Ledger(path, "2026-11-23")
    later = Ledger(path, "2026-11-24")
    assert "id1" not in later
    later.add([Sent("2026-11-24", "id2", "e", "a", "k", "A", "alice", "r", "t")])
    assert [json.loads(x)["id"] for x in path.read_text().splitlines()] == ["id2"]


# --- a Push API that answers "duplicate request_id", over real loopback HTTP ------------------


class _Duplicate(BaseHTTPRequestHandler):
    bodies: list[Any] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        _Duplicate.bodies.append(json.loads(self.rfile.read(length)))
        data = json.dumps({"error": "Duplicate request_id 'x' within 24 hours"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def duplicate_api() -> Iterator[str]:
    server = QuietHTTPServer(("127.0.0.1", 0), _Duplicate)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_400_duplicate_request_id_counts_as_already_sent(duplicate_api: str,
                                                           tmp_path: Path) -> None:
    async def run() -> list[Any]:
        client = PushClient(duplicate_api, "app", auth=("k", "s"), caller=Caller())
        job = SendJob("e", "app", "k", tuple(select(spec([{"build_attributes": {
            "push_message": "m"}}]), ())), ("alice", "bob"))
        try:
            return await send_tests(job, client, ledger)
        finally:
            await client.aclose()

    ledger = Ledger(tmp_path / "sent.jsonl", "2026-11-23")
    outcomes = asyncio.run(run())
    assert [o.status for o in outcomes] == ["already sent today"] * 2
    assert _Duplicate.bodies[-1]["target_type"] == "customer_id"
    assert len(_Duplicate.bodies[-1]["messages"]) == 2  # both recipients in one batch
    assert len((tmp_path / "sent.jsonl").read_text().splitlines()) == 2  # remembered


# --- plan hints ---------------------------------------------------------------------------------


def go_live_plan(target_args: tuple[str, ...]) -> Plan:
    change = Change("campaign", "promos/spring", "Spring", Action.UPDATE, live_id=4001,
                    go_live=True, reach={"user_count": 10, "has_push": 5})
    return Plan("production", {"api_url": "u", "org_id": 1, "app_id": "a"}, [change],
                target_args=target_args, send_test=True)


@pytest.mark.parametrize("args, command", [
    ((), "reconciler send-test promos/spring"),
    (("--env", "production"), "reconciler send-test promos/spring --env production"),
    (("--config", "my dir/reconciler.yaml", "--env", "production"),
     "reconciler send-test promos/spring --config 'my dir/reconciler.yaml' --env production"),
])
def test_go_live_hint_names_the_exact_command(args: tuple[str, ...], command: str) -> None:
    buf = io.StringIO()
    render_plan(go_live_plan(args), console(buf))
    assert f"see it on a phone first: {command}\n" in buf.getvalue()
    assert f"test it first: `{command}`" in render_markdown(go_live_plan(args))


def test_cli_args_select_the_env_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        "default_env: a\nenvs:\n  a: {api_url: sandbox, org_id: 1, app_id: x}\n"
        "  b: {api_url: sandbox, org_id: 1, app_id: y}\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(Path("reconciler.yaml")).cli_args() == ()
    assert load_config(Path("reconciler.yaml"), "a").cli_args() == ()
    assert load_config(Path("reconciler.yaml"), "b").cli_args() == ("--env", "b")
    other = tmp_path / "reconciler.yaml"
    assert load_config(other, "b").cli_args() == ("--config", str(other), "--env", "b")


def test_sent_listing_is_printable() -> None:
    text = render_pushes([{
        "received_at": "t", "app_id": "a", "target_type": "customer_id", "target": "u\x1b[31m",
        "alert": {"title": "T", "body": "B\x07"}, "labels": {"label1": "x"},
        "campaign_key": "rcl-test-k",
        "platforms": {"ios": {"sound": "s", "extra": {"ll_deep_link_url": "d", "z": "1"}}},
    }])
    assert "\x1b" not in text and "\x07" not in text
    assert "deep link d · sound s · z=1" in text
    assert render_pushes([]) == "no pushes recorded\n"


def test_a_sandbox_file_from_before_platforms_were_recorded_still_opens(tmp_path: Path) -> None:
    import sqlite3

    from reconciler.sandbox.localytics.store import Store

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE pushes (seq INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT "
                   "NOT NULL, request_id TEXT, target_type TEXT NOT NULL, target TEXT, alert "
                   "TEXT, labels TEXT, campaign_key TEXT, received_at TEXT NOT NULL, "
                   "received_epoch REAL NOT NULL)")
        db.execute("INSERT INTO pushes VALUES (1, 'a', 'r', 'customer_id', '\"u\"', '\"hi\"', "
                   "'{}', NULL, 't', 0)")
    db.close()
    store = Store(path)
    try:
        assert [(p["target"], p["platforms"]) for p in store.pushes("a")] == [("u", {})]
    finally:
        store.close()
