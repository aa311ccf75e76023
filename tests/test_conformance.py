"""One behaviour, every registered platform (issue 27): each test runs for every platform
in `reconciler.registry`, so a new platform passes them or fails them.

A platform lacking an optional capability declares it (`Platform.notes` says why); a
platform with no entry in tests/conformance_repos.py fails here rather than being skipped."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.apply.lease import acquire
from reconciler.calls import Caller
from reconciler.cli.redact import RedactingFilter, secret_names
from reconciler.cli.session import open_provider
from reconciler.config import load_config
from reconciler.errors import ConfigError
from reconciler.platform import CAPABILITIES, HoldsLease
from reconciler.registry import PLATFORMS, platform, platforms
from tests.conformance_repos import ENTRIES, same_account, through
from tests.dropping_proxy import DroppingProxy
from tests.hostile_api import HOSTILE, HostileAPI
from tests.repo import Repo, committed
from tests.sandbox_fixtures import ServedSandbox
from tests.stream_repo import StreamRepo, segment, stream_campaign

ROOT = Path(__file__).resolve().parents[1]

NAMES = list(PLATFORMS)


def _config(tmp_path: Path, envs: list[dict[str, Any]]) -> Path:
    path = tmp_path / "reconciler.yaml"
    for i, env in enumerate(envs):
        (tmp_path / f"specs{i}").mkdir(exist_ok=True)
        env["specs"] = f"specs{i}"
    path.write_text(yaml.safe_dump({"default_env": "staging", "envs": dict(
        zip(("staging", "production"), envs, strict=True))}, sort_keys=False))
    return path


@pytest.mark.parametrize("name", NAMES)
def test_two_envs_on_two_accounts_are_allowed(tmp_path: Path, name: str) -> None:
    loaded = load_config(_config(tmp_path, ENTRIES[name].envs[0]))
    assert [e.provider for e in loaded.config.envs.values()] == [name, name]


@pytest.mark.parametrize("name", NAMES)
def test_two_envs_on_one_account_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="envs 'staging' and 'production' both target"):
        load_config(_config(tmp_path, ENTRIES[name].envs[1]))


@pytest.mark.parametrize("name", NAMES)
def test_an_env_without_provider_is_the_default_platform(tmp_path: Path, name: str) -> None:
    first = ENTRIES[next(iter(PLATFORMS))].envs[0]
    env = dict(first[0])
    loaded = load_config(_config(tmp_path, [env, dict(first[1])]))
    assert loaded.env.provider == next(iter(PLATFORMS)) == "localytics"
    assert isinstance(loaded.env, platform(loaded.env.provider).env_model)


def test_an_unknown_provider_is_one_line_naming_the_registered_ones(tmp_path: Path) -> None:
    path = tmp_path / "reconciler.yaml"
    path.write_text("envs:\n  x:\n    provider: airship\n    api_url: sandbox\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}:3:5: envs.x.provider: invalid value 'airship'; "
                              f"expected one of {', '.join(PLATFORMS)}")


# --- secrets ----------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_secrets_are_redacted_from_debug_logs(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    found = platform(name).secrets
    assert found
    for variable in found:
        value = f"{variable.lower()}-s3cr3t-Zq81"
        monkeypatch.setenv(variable, value)
        record = logging.LogRecord("httpx", logging.DEBUG, __file__, 1,
                                   "sent %s with %s", ("GET /x?q=1", f"token={value}"), None)
        RedactingFilter().filter(record)
        assert value not in record.getMessage()


@pytest.mark.parametrize("shown", ["api-key: {}", "{{'api-key': '{}'}}", "Authorization: {}",
                                   "?api_key={}"])
def test_credential_headers_are_redacted_whatever_the_secret(shown: str) -> None:
    record = logging.LogRecord("httpx", logging.DEBUG, __file__, 1, "headers %s",
                               (shown.format("0a1b2c3d4e5f60718293"),), None)
    RedactingFilter().filter(record)
    assert "0a1b2c3d4e5f60718293" not in record.getMessage()


def test_every_secret_is_an_input_of_the_action() -> None:
    """The Action passes each platform's secret variable from an input of its own."""
    action = (ROOT / "action.yml").read_text(encoding="utf-8")
    passed = dict(re.findall(r"^\s+([A-Z_]+): \$\{\{ inputs\.([a-z-]+) \}\}", action, re.M))
    inputs = set(re.findall(r"^  ([a-z][a-z-]+):\n    description:", action, re.M))
    for variable in secret_names():
        assert variable in passed, f"action.yml does not pass {variable}"
        assert passed[variable] in inputs


# --- capabilities -----------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_a_missing_capability_is_declared_with_its_reason(name: str) -> None:
    found = platform(name)
    missing = {c for c, has in found.capabilities().items() if not has}
    assert missing == set(found.notes), f"{name}: declare why each capability is absent"
    assert set(found.capabilities()) == set(CAPABILITIES)


def capability_matrix() -> str:
    """The docs' table: one row per registered platform, one column per capability."""
    names = list(CAPABILITIES)
    lines = ["| platform | " + " | ".join(names) + " |",
             "|---|" + "---|" * len(names)]
    for p in platforms():
        has = p.capabilities()
        lines.append(f"| {p.title} (`{p.name}`) | "
                     + " | ".join("yes" if has[c] else "no" for c in names) + " |")
    return "\n".join(lines)


def test_the_docs_capability_matrix_is_the_registrys() -> None:
    docs = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start, end = "<!-- capability matrix: start -->\n", "\n<!-- capability matrix: end -->"
    assert start in docs and end in docs
    shown = docs.split(start, 1)[1].split(end, 1)[0]
    assert shown == capability_matrix(), "update docs/architecture.md:\n" + capability_matrix()


# --- plans ------------------------------------------------------------------------
def test_a_stream_plan_names_send_test_as_the_first_look(stream_repo: StreamRepo) -> None:
    """The hint follows the capability, not a Localytics org id."""
    stream_repo.write_config()
    stream_repo.put("segment", "s", segment("S"))
    stream_repo.put("campaign", "hello", stream_campaign("Hello", ["s"], send={"at": "now"}))
    run = stream_repo.run("plan")
    assert run.code == 0, run.stderr
    assert "see it on a phone first: reconciler send-test hello" in run.stdout


# --- live behaviour, against each platform's served sandbox (tests/conformance_repos.py) --
def having(capability: str) -> list[str]:
    """The platforms offering `capability`; the others declare it (see the test above)."""
    return [n for n in NAMES if platform(n).capabilities()[capability]]


def test_every_registered_platform_has_a_conformance_entry() -> None:
    assert sorted(ENTRIES) == sorted(PLATFORMS)


@pytest.fixture
def fresh(tmp_path: Path, sandbox_server: ServedSandbox) -> Callable[[str], Repo]:
    """`fresh(name)`: a repo on a fresh account of platform `name`, its workspace written."""
    def make(name: str) -> Repo:
        repo = ENTRIES[name].repo(tmp_path / "repo", sandbox_server)
        ENTRIES[name].workspace(repo)
        return repo
    return make


JSON_TEXT = re.compile(r'\{"|"\s*:|\b(true|false|null)\b')


def raw_paths(plan: dict[str, Any]) -> set[str]:
    """The field paths a JSON plan changes that could not pass for a word (`foo[0].bar`,
    `send.audience`, `sender_details`), and their parts."""
    out: set[str] = set()
    for change in plan["changes"]:
        for d in change.get("diff") or []:
            path = str(d["path"])
            out.add(path)
            out.update(t.strip(".[]") for t in re.split(r"(?=[.\[])", path))
    return {p for p in out if re.search(r"[._\[]", p)}


@pytest.mark.parametrize("name", having("words"))
def test_a_plan_says_in_words_what_it_changes(fresh: Callable[[str], Repo], name: str) -> None:
    repo = fresh(name)
    planned = repo.plan()
    assert planned.code == 0, planned.stderr
    paths = raw_paths(planned.json)
    assert paths, "the workspace must set nested or API-named fields"
    for shown in ("text", "markdown"):
        run = repo.run("plan", "--format", shown)
        assert run.code == 0, run.stderr
        read = re.sub(r"<details>.*?</details>", "", run.stdout, flags=re.DOTALL)
        lines = [line for line in read.splitlines()
                 if not line.startswith(("<!--", "### ")) and (
                     JSON_TEXT.search(line) or any(
                         re.search(rf"(?<![\w/]){re.escape(p)}(?![\w/])", line) for p in paths))]
        assert lines == [], f"{name} {shown}"


@pytest.mark.parametrize("name", having("import"))
def test_an_applied_workspace_imports_back_with_no_change(
        fresh: Callable[[str], Repo], tmp_path: Path, name: str) -> None:
    repo = fresh(name)
    applied = repo.apply()
    assert applied.code == 0, applied.stderr
    empty = same_account(repo, tmp_path / "imported")
    imported = empty.run("import", "--all")
    assert imported.code == 0, imported.stderr
    planned = empty.plan("--detailed-exitcode")
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.json["changes"] and all(
        c["action"] == "noop" for c in planned.json["changes"]), planned.json["changes"]


@pytest.mark.parametrize("name", NAMES)
def test_a_write_that_does_not_stick_names_the_field(
        sandbox_server: ServedSandbox, tmp_path: Path,
        name: str) -> None:
    entry = ENTRIES[name]
    proxy = DroppingProxy(sandbox_server.base_url, entry.drop_path, entry.drop)
    try:
        repo = through(entry.repo(tmp_path / "direct", sandbox_server), proxy.base_url, entry,
                       tmp_path / "through")
        entry.workspace(repo)
        run = repo.apply()
    finally:
        proxy.stop()
    assert run.code == 1, run.stdout + run.stderr
    assert proxy.dropped, "the proxy dropped nothing: the entry's drop_path is wrong"
    failed = [r for r in run.json["results"] if r["status"] != "applied"]
    assert failed and all(f"did not keep {entry.dropped}" in str(r) for r in failed), failed


@pytest.mark.parametrize("answer", list(HOSTILE))
@pytest.mark.parametrize("name", NAMES)
def test_a_hostile_api_answer_is_one_error_line(
        sandbox_server: ServedSandbox, tmp_path: Path, name: str, answer: str) -> None:
    entry = ENTRIES[name]
    api = HostileAPI(*HOSTILE[answer])
    try:
        repo = through(entry.repo(tmp_path / "direct", sandbox_server), api.base_url, entry,
                       tmp_path / "hostile")
        entry.workspace(repo)
        run = repo.run("plan")
    finally:
        api.stop()
    assert run.code == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr


@pytest.mark.parametrize("name", having("lease"))
def test_a_second_apply_is_refused_while_the_lease_is_held(
        fresh: Callable[[str], Repo], monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    repo = fresh(name)
    for variable, value in ENTRIES[name].secrets(repo).items():
        monkeypatch.setenv(variable, value)
    loaded = load_config(repo.root / "reconciler.yaml")

    async def hold() -> None:
        async with open_provider(loaded, Caller()) as provider:
            assert isinstance(provider, HoldsLease)
            await acquire(provider, "alice@elsewhere")

    asyncio.run(hold())
    run = repo.apply()
    assert run.code == 1, run.stdout + run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("error: refusing: another apply holds the lease")
    assert "alice@elsewhere" in line
    assert repo.plan("--detailed-exitcode").code == 2  # nothing was written
    assert repo.run("unlock").code == 0
    assert repo.apply().code == 0


def test_each_capability_case_runs_for_exactly_the_platforms_having_it() -> None:
    """A platform leaves a case below only by declaring the capability missing."""
    for capability in ("send-test", "preview", "calendar", "doctor", "import", "lease", "words",
                       "stop"):
        lacking = {n for n in NAMES if n not in having(capability)}
        assert lacking == {n for n in NAMES if capability in platform(n).notes}, capability
    for name in having("send-test"):
        assert ENTRIES[name].testers and ENTRIES[name].reached, name
    for name in having("stop"):
        assert ENTRIES[name].status and ENTRIES[name].stopped, name


@pytest.mark.parametrize("name", having("send-test"))
def test_send_test_reaches_the_test_recipients_only(
        fresh: Callable[[str], Repo], sandbox_server: ServedSandbox, name: str) -> None:
    repo, entry = fresh(name), ENTRIES[name]
    assert entry.testers is not None and entry.reached is not None
    entry.testers(repo, sandbox_server)
    key = campaign_keys(repo)[0]
    run = repo.run("send-test", key)
    assert run.code == 0, run.stdout + run.stderr
    reached = entry.reached(repo, sandbox_server)
    assert reached and set(reached) == {"alice", "bob"}, reached


def campaign_keys(repo: Repo) -> list[str]:
    return sorted(p.stem for p in (repo.root / "campaigns").glob("*.yaml"))


@pytest.mark.parametrize("name", having("preview"))
def test_preview_draws_each_campaign(fresh: Callable[[str], Repo], name: str) -> None:
    repo = fresh(name)
    for key in campaign_keys(repo):
        out = repo.root / f"{key}.svg"
        run = repo.run("preview", key, "--out", str(out))
        assert run.code == 0, run.stderr
        assert out.stat().st_size > 0 and "<svg" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", having("calendar"))
def test_the_calendar_has_the_sendings(fresh: Callable[[str], Repo], name: str) -> None:
    repo = fresh(name)
    ENTRIES[name].scheduled(repo)
    run = repo.run("calendar", "--start", "2027-01-14", "--days", "3")
    assert run.code == 0, run.stderr
    assert sends_per_day(run.stdout) == [0, 1, 0], run.stdout
    before = repo.run("calendar", "--start", "2027-01-01", "--days", "3")
    assert before.code == 0 and sends_per_day(before.stdout) == [0, 0, 0], before.stdout


def sends_per_day(grid: str) -> list[int]:
    """Column sums of the text calendar's grid (one row per audience, `.` for none)."""
    lines = grid.splitlines()
    days = next(i for i, line in enumerate(lines) if re.fullmatch(r"\s+\d\d( \d\d)*", line))
    width = len(lines[days].split())
    sums = [0] * width
    for line in lines[days + 1:]:
        if not line.strip():
            break
        for i, cell in enumerate(line.split()[-width:]):
            sums[i] += 0 if cell == "." else int(cell)
    return sums


@pytest.mark.parametrize("name", having("doctor"))
def test_doctor_returns_rows(fresh: Callable[[str], Repo], name: str) -> None:
    repo = fresh(name)
    run = repo.run("doctor")
    assert run.code == 0, run.stdout + run.stderr
    assert len([line for line in run.stdout.splitlines() if line.strip()]) >= 2, run.stdout


@pytest.mark.parametrize("name", having("stop"))
def test_stop_all_live_stops_the_scheduled_campaign_once(fresh: Callable[[str], Repo],
                                                         name: str) -> None:
    repo, entry = fresh(name), ENTRIES[name]
    assert entry.status is not None
    entry.scheduled(repo)
    committed(repo)  # the stop is recorded in the env's record on origin
    assert repo.apply().code == 0
    run = repo.run("stop", "--all-live", "--auto-approve")
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout == "stopped: campaign:live 'Live'\n"
    assert entry.status(repo, "Live") == entry.stopped
    again = repo.run("stop", "--all-live", "--auto-approve")
    assert again.code == 0 and again.stdout == "", again.stdout + again.stderr
