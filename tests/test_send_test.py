"""`reconciler send-test` end to end: the real CLI against a served sandbox's Push API.

The main flow and the secret check run the CLI as a subprocess, as users do;
the rest call the same entry point in-process (`cli`), which saves a Python
start per run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli.main import main
from reconciler.plan import planfile
from tests.repo import SECRET, Repo, Run, audience, campaign

PUSH_ROUTE = "POST /v2/push/{app_id}"


def sale(creatives: int = 2) -> dict[str, Any]:
    doc = campaign("Spring sale", creatives=creatives)
    doc["creatives"][0]["build_attributes"].update({
        "push_message": "20% off in {{ vars.store_name }}",
        "push_subtitle": "Today only",
        "ll_deep_link_url": "myapp://sale/{{ env }}",
        "attachment_url": "https://cdn.example.com/sale.png",
        "sound": "chime.caf",
        "push_category": "like_dislike",
    })
    doc["creatives"][0]["key_values"] = [{"key": "source", "value": "spring"},
                                        {"key": "rcl_test", "value": "false"}]
    return doc


def on_push_api(repo: Repo, server: Any, **extra: Any) -> Repo:
    """Point the repo's env at the served sandbox's Push API, with two test recipients."""
    repo.env_extra = {"push_api_url": server.base_url,
                      "test_recipients": ["alice", "bob"], **extra}
    repo.write_config()
    repo.put("campaign", "spring", sale())
    return repo


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> Callable[..., Run]:
    """`cli(repo, *args, env={...})`: `reconciler ARGS` in-process, in the repo's folder."""

    def run(repo: Repo, *args: str, env: dict[str, str] | None = None) -> Run:
        monkeypatch.chdir(repo.root)
        for key, value in {"LOCALYTICS_API_KEY": repo.api_key, "NO_COLOR": "1",
                           "LOCALYTICS_API_SECRET": repo.api_secret, **(env or {})}.items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


def push_calls(server: Any) -> int:
    return server.stats()["by_route"].get(PUSH_ROUTE, 0)


def test_two_recipients_two_creatives_then_repeat_then_again(repo: Repo, sandbox_server) -> None:
    on_push_api(repo, sandbox_server)
    calls = push_calls(sandbox_server)

    first = repo.run("send-test", "spring")
    assert first.code == 0, first.stderr
    pushes = sandbox_server.pushes(repo.app_id)
    assert len(pushes) == 4 and push_calls(sandbox_server) - calls == 2  # one batch per creative
    assert {(p["target"], p["alert"]["body"]) for p in pushes} == {
        ("alice", "20% off in Acme"), ("bob", "20% off in Acme"),
        ("alice", "Hello 1"), ("bob", "Hello 1"),
    }
    a = next(p for p in pushes if p["alert"]["body"].startswith("20%"))
    assert a["alert"] == {"title": "Sale", "subtitle": "Today only", "body": "20% off in Acme"}
    ios, android = a["platforms"]["ios"], a["platforms"]["android"]
    assert ios["extra"] == android["extra"] == {
        "source": "spring", "rcl_test": "true", "ll_deep_link_url": "myapp://sale/test",
        "ll_attachment_url": "https://cdn.example.com/sale.png",
    }
    assert ios["sound"] == "chime.caf" and ios["category"] == "like_dislike"
    assert ios["mutable_content"] is True
    assert {p["target_type"] for p in pushes} == {"customer_id"}
    assert {p["campaign_key"] for p in pushes} == {"rcl-test-spring"}
    assert all(p["labels"]["label1"] == "reconciler-test" for p in pushes)
    assert len({p["labels"]["label2"] for p in pushes}) == 4  # each message its own id
    assert "4 sent, 0 already sent today" in first.stdout

    repeat = repo.run("send-test", "spring")
    assert repeat.code == 0, repeat.stderr
    assert "already sent today" in repeat.stdout and "nothing sent" in repeat.stdout
    assert len(sandbox_server.pushes(repo.app_id)) == 4
    assert push_calls(sandbox_server) - calls == 2  # not even a request

    again = repo.run("send-test", "spring", "--again")
    assert again.code == 0, again.stderr
    pushes = sandbox_server.pushes(repo.app_id)
    assert len(pushes) == 8 and "4 sent" in again.stdout
    assert len({p["request_id"] for p in pushes}) == 4  # --again: new request ids


def test_one_creative_to_named_recipient_and_the_rest_later(repo: Repo, sandbox_server,
                                                           cli) -> None:
    on_push_api(repo, sandbox_server)
    one = cli(repo, "send-test", "spring", "--creative", "b", "--to", "carol")
    assert one.code == 0, one.stderr
    assert [(p["target"], p["alert"]["body"]) for p in sandbox_server.pushes(repo.app_id)] == [
        ("carol", "Hello 1")]
    both = cli(repo, "send-test", "spring", "--creative", "all", "--to", "carol")
    assert both.code == 0 and "1 sent, 1 already sent today" in both.stdout
    assert len(sandbox_server.pushes(repo.app_id)) == 2


def test_an_edited_message_or_a_new_day_sends_again(repo: Repo, sandbox_server, cli) -> None:
    on_push_api(repo, sandbox_server)
    assert cli(repo, "send-test", "spring", "--creative", "A").code == 0
    doc = sale()
    doc["creatives"][0]["build_attributes"]["push_message"] = "25% off"
    repo.put("campaign", "spring", doc)
    assert "2 sent" in cli(repo, "send-test", "spring", "--creative", "A").stdout

    record = repo.root / ".reconciler" / "sent.jsonl"
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(lines) == 4 and {line["day"] for line in lines} == {lines[0]["day"]}
    record.write_text("".join(json.dumps({**line, "day": "2000-01-01"}) + "\n"
                              for line in lines))
    tomorrow = cli(repo, "send-test", "spring", "--creative", "A")
    assert "2 sent" in tomorrow.stdout, tomorrow.stderr
    assert len(record.read_text().splitlines()) == 2  # older days dropped
    assert len(sandbox_server.pushes(repo.app_id)) == 6


def test_429_from_the_rate_limiter_is_retried(sandbox_factory, repo_on, cli) -> None:
    server = sandbox_factory(rate_limit=1, seed=3)
    repo = on_push_api(repo_on(server), server)
    repo.put("campaign", "spring", sale(creatives=3))
    run = cli(repo, "send-test", "spring")
    assert run.code == 0, run.stderr
    assert len(server.pushes(repo.app_id)) == 6
    assert push_calls(server) > 3  # three batches, at least one answered 429 and repeated


def test_secret_never_printed(sandbox_factory, repo_on) -> None:
    server = sandbox_factory(api_key="tester", api_secret=SECRET)
    repo = on_push_api(repo_on(server), server)
    ok = repo.run("--debug", "send-test", "spring")
    assert ok.code == 0, ok.stderr
    wrong = repo.run("send-test", "spring", "--again",
                     env={"LOCALYTICS_API_SECRET": SECRET + "-wrong"})
    assert wrong.code == 1 and "401" in wrong.stderr
    assert wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr
    record = (repo.root / ".reconciler" / "sent.jsonl").read_text()
    for text in (ok.stdout, ok.stderr, wrong.stdout, wrong.stderr, record):
        assert SECRET not in text


BAD_INPUT = {
    "unknown key": (("send-test", "sprin"), {},
                    "unknown campaign key 'sprin': no file campaigns/sprin.yaml "
                    "(did you mean 'spring'?)"),
    "audience key": (("send-test", "buyers"), {}, "'buyers' is an audience"),
    "missing creative": (("send-test", "spring", "--creative", "C"), {},
                         "campaign 'spring' has no creative 'C' (its creatives: A, B)"),
    "no recipients": (("send-test", "spring"), {"test_recipients": []}, "no recipients"),
    "blank --to": (("send-test", "spring", "--to", " bob"), {}, "customer id must be"),
    "recipient not a string": (("send-test", "spring"), {"test_recipients": ["alice", 42]},
                               "test_recipients[1]: expected a string, got integer 42"),
    "no push_api_url": (("send-test", "spring"), {"push_api_url": None},
                        "env 'test' has no push_api_url"),
    "no credentials": (("send-test", "spring"), {"LOCALYTICS_API_KEY": ""},
                       "needs credentials"),
    "empty alert body": (("send-test", "quiet"), {},
                         "campaign 'quiet' creative A has no push_message: the Push API "
                         "refuses a push with an empty alert body"),
}


def quiet() -> dict[str, Any]:
    """A campaign whose only creative has a title and no message: valid for the
    Campaigns API, but its alert body would be empty."""
    doc = campaign("Quiet")
    del doc["creatives"][0]["build_attributes"]["push_message"]
    return doc


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_error_line_and_no_call(case: str, repo: Repo, sandbox_server,
                                                 cli) -> None:
    args, extra, message = BAD_INPUT[case]
    env = {k: v for k, v in extra.items() if k.startswith("LOCALYTICS_")}
    on_push_api(repo, sandbox_server)
    repo.env_extra.update({k: v for k, v in extra.items() if k not in env})
    repo.env_extra = {k: v for k, v in repo.env_extra.items() if v is not None}
    repo.write_config()
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "quiet", quiet())
    calls = push_calls(sandbox_server)
    run = cli(repo, *args, env=env)
    assert run.code == 1
    assert message in run.stderr
    assert run.stderr.startswith("error:") and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert push_calls(sandbox_server) == calls
    assert sandbox_server.pushes(repo.app_id) == []


def test_embedded_sandbox_and_sandbox_sent(tmp_path: Path, sandbox_server, cli) -> None:
    repo = Repo(tmp_path / "embedded", "sandbox", 1, "demo-app",
                env_extra={"test_recipients": ["me"]})
    repo.put("campaign", "spring", sale())
    run = cli(repo, "send-test", "spring", "--creative", "A")
    assert run.code == 0, run.stderr
    shown = cli(repo, "sandbox", "sent")
    assert shown.code == 0, shown.stderr
    assert "customer_id me  [rcl-test-spring]" in shown.stdout
    assert "title: Sale" in shown.stdout and "body: 20% off in Acme" in shown.stdout
    assert "deep link myapp://sale/test · image https://cdn.example.com/sale.png" in shown.stdout
    listed = cli(repo, "sandbox", "sent", "--json", "--app", "demo-app").json
    assert [p["target"] for p in listed] == ["me"]

    served = on_push_api(Repo(tmp_path / "served", sandbox_server.api_url, 1,
                              sandbox_server.new_app().app_id), sandbox_server)
    assert cli(served, "send-test", "spring", "--creative", "B").code == 0
    remote = cli(served, "sandbox", "sent", "--url", sandbox_server.base_url, "--app",
                        served.app_id, "--json").json
    assert sorted(p["target"] for p in remote) == ["alice", "bob"]


def test_plan_of_a_go_live_names_send_test_with_its_env(repo: Repo, cli, tmp_path: Path,
                                                        sandbox_server) -> None:
    repo.env_extra = {"test_recipients": ["alice"]}
    repo.write_config()
    config = (repo.root / "reconciler.yaml").read_text()
    staging = config.split("envs:\n", 1)[1].replace("  test:", "  staging:", 1)
    staging = staging.replace(repo.app_id, sandbox_server.new_app().app_id)  # one env per app
    (repo.root / "reconciler.yaml").write_text(config + staging)
    repo.put("campaign", "sale", campaign("Sale", status="active"))

    text = cli(repo, "plan", "--env", "staging")
    assert text.code == 0, text.stderr
    assert "see it on a phone first: reconciler send-test sale --env staging\n" in text.stdout
    markdown = cli(repo, "plan", "--format", "markdown").stdout
    assert "test it first: `reconciler send-test sale`" in markdown

    saved = tmp_path / "plan.json"
    assert cli(repo, "plan", "--env", "staging", "--out", str(saved)).code == 0
    assert planfile.load(saved).target_args == ("--env", "staging")
