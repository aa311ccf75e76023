"""What runs before an apply's or a plan's first request (issue 29).

A 1,000-spec apply waits for start-up before its first request: every library
imported, certificate store loaded or file parsed twice there is wall time no
request hides. Time is not asserted (shared machines are noisy); what the
process did is: its modules, how often it loaded CA certificates, how many
lines of each spec it looked up.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reconciler.gitfind import maybe_in_git
from reconciler.httpboot import tls_verify
from reconciler.source.yamlio import load_document
from reconciler.workspace.workspace import FieldLines
from tests.helpers import FIXTURES, cli_modules, copy_tree, git, git_checkout
from tests.repo import Repo, audience, campaign
from tests.stream_repo import StreamRepo, segment, stream_campaign
from tests.test_parse_counts import counts, spec_files

HTTP_CLIENT = ("httpx", "httpcore")

# Runs the real CLI after SETUP, then prints [exit code, *RESULT].
_RUN = """
import json, ssl, subprocess, sys
SETUP
from reconciler.cli.main import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
sys.stderr.write("\\nPROBE " + json.dumps([code, RESULT]) + "\\n")
"""
# Counts CA certificate loads (httpx loads certifi's store into each client's context)
# and lists the modules.
_PROBE = _RUN.replace("SETUP", """
loads = []
load = ssl.SSLContext.load_verify_locations
def counting(self, *args, **kwargs):
    loads.append(1)
    return load(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counting
""").replace("RESULT", "len(loads), sorted(sys.modules)")


def run_probe(probe: str, cwd: Path, secrets: dict[str, str], *args: str
              ) -> tuple[list[Any], str]:
    """What `probe` printed after running `reconciler ARGS` in cwd, and the stderr before."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({**secrets, "NO_COLOR": "1"})
    env.pop("CI", None)
    proc = subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    head, _, tail = proc.stderr.rpartition("\nPROBE ")
    assert tail, proc.stderr
    return json.loads(tail), head


def probed(repo: StreamRepo, *args: str) -> tuple[int, int, set[str], str]:
    """(exit code, CA loads, modules, stderr) of `reconciler ARGS` in the repo."""
    (code, loads, modules), stderr = run_probe(_PROBE, repo.root,
                                               {"STREAM_API_SECRET": repo.secret}, *args)
    return code, loads, set(modules), stderr


def test_stream_specs_with_platform_templates_load_without_the_http_client(
        tmp_path: Path) -> None:
    """`{{ receiver.name }}` is Stream's: spec loading asks the platform's descriptor for
    its template names, not the provider class, whose module imports httpx (which then
    came in without reconciler.httpboot's lean import: trio, httpx's CLI, ~60 ms)."""
    repo = tmp_path / "repo"
    copy_tree(FIXTURES / "stream", repo)
    assert "{{ receiver.name }}" in (repo / "campaigns" / "welcome.yaml").read_text("utf-8")
    modules, stdout, stderr, code = cli_modules(["validate"], repo)
    assert code == 0 and stdout.startswith("valid: "), stderr
    assert sorted(m for m in modules if m.split(".")[0] in HTTP_CLIENT) == []
    assert "reconciler.stream.provider" not in modules


def test_an_apply_over_http_imports_no_trio_and_loads_no_ca_store(
        stream_repo: StreamRepo) -> None:
    stream_repo.put("segment", "norway", segment("Norway"))
    stream_repo.put("campaign", "hello", stream_campaign("Hello", ["norway"]))
    assert stream_repo.api_url.startswith("http://")
    code, loads, modules, stderr = probed(stream_repo, "apply", "--auto-approve",
                                          "--format", "json")
    assert code == 0, stderr
    assert "httpcore" in modules  # it did talk to the API
    assert modules & {"trio", "httpx._main"} == set()
    assert loads == 0
    # rich draws text for a terminal; a JSON report needs none of it (~20 ms of imports)
    assert sorted(m for m in modules if m.split(".")[0] == "rich") == []


def test_tls_verify_trusts_no_certificate_for_plain_http_and_httpx_for_https() -> None:
    ctx = tls_verify("http://127.0.0.1:8080/stream", "HTTP://localhost")
    assert isinstance(ctx, ssl.SSLContext)
    # an https:// URL reached anyway would fail verification, never pass unchecked
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509"] == 0
    for urls in (("https://api.example",), ("http://127.0.0.1", "https://api.example"),
                 ("ftp://x",), ()):
        assert tls_verify(*urls) is True  # httpx's own verification, its CA store


def test_field_lines_name_the_lines_the_file_has(tmp_path: Path) -> None:
    raw = b"# a comment\nname: Spring\n\nchannel: email\nsend:\n  audience: [a]\n"
    doc = load_document(raw, "campaigns/spring.yaml")
    doc.node = None  # as the loader keeps it: the text only
    lines = FieldLines(doc, doc.data)
    assert len(lines) == 3 and doc.node is None  # sized without a parse
    assert dict(lines) == {"name": 2, "channel": 4, "send": 5}


# Lists every subprocess the run starts.
_GIT_PROBE = _RUN.replace("SETUP", """
started = []
init = subprocess.Popen.__init__
def counting(self, args, *a, **k):
    started.append(list(args) if not isinstance(args, str) else [args])
    init(self, args, *a, **k)
subprocess.Popen.__init__ = counting
""").replace("RESULT", "started")


def test_a_plan_outside_any_checkout_starts_no_git(repo: Repo) -> None:
    """Refusing tracked state (.reconciler/ in git) and reading stops (an `origin`)
    each started git to hear "not a git repository": ~4 ms each before the request."""
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "spring", campaign("Spring", ["buyers"]))
    assert repo.apply().code == 0  # .reconciler/ exists: the tracked-state check runs
    assert (repo.root / ".reconciler").is_dir() and not maybe_in_git(repo.root)
    secrets = {"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret}
    (code, started), stderr = run_probe(_GIT_PROBE, repo.root, secrets, "plan", "--format",
                                        "json")
    assert code == 0, stderr
    assert [args for args in started if "git" in Path(args[0]).name] == []


def test_maybe_in_git_says_no_only_where_git_finds_no_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    plain = tmp_path / "plain" / "deep"
    plain.mkdir(parents=True)
    assert not maybe_in_git(plain)
    (tmp_path / "co").mkdir()
    checkout = git_checkout(tmp_path / "co", {"README.md": "specs\n"})
    (checkout / "specs" / "x").mkdir(parents=True)
    assert maybe_in_git(checkout / "specs" / "x")
    worktree = tmp_path / "wt"  # a linked worktree or submodule: `.git` is a file
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: /elsewhere\n")
    assert maybe_in_git(worktree)
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    (tmp_path / "bare.git" / "inside").mkdir()
    assert maybe_in_git(tmp_path / "bare.git" / "inside")
    link = tmp_path / "plain" / "link"  # git walks up the resolved path
    link.symlink_to(checkout / "specs")
    assert maybe_in_git(link)
    monkeypatch.setenv("GIT_DIR", str(checkout / ".git"))
    assert maybe_in_git(plain)


def test_a_smartech_plan_of_an_unchanged_repo_replays_the_spec_memo(tmp_path: Path) -> None:
    """Smartech specs' field lines are found lazily (`FieldLines`); the spec memo still
    keeps them, so the second plan parses no spec file."""
    repo = tmp_path / "repo"
    copy_tree(FIXTURES / "smartech", repo)
    parses, _ = counts(repo, "plan", "--format", "json", cache=True)
    # it did the work (keeping the memo finds the lines: a second parse of each file)
    assert set(parses.values()) == {1, 2} and len(parses) == len(spec_files(repo)) + 1
    parses, _ = counts(repo, "plan", "--format", "json", cache=True)
    assert parses == Counter({(repo / "reconciler.yaml").read_text(encoding="utf-8"): 1})


# The number of objects frozen out of the cycle collector when the first request leaves.
_FROZEN = _RUN.replace("SETUP", """
import gc
import reconciler.httpboot as boot
boot.import_http()
import httpx
frozen = []
send = httpx.AsyncClient.send
async def counting(self, *args, **kwargs):
    frozen.append(gc.get_freeze_count())
    return await send(self, *args, **kwargs)
httpx.AsyncClient.send = counting
""").replace("RESULT", "frozen[:1]")


def test_what_start_up_loaded_is_frozen_before_the_first_request(repo: Repo) -> None:
    """Modules, config and specs live until the run ends; the cycle collector's older
    generations walked them again mid-plan (an 18 ms stall of every answer in flight, in
    a plan of 1,000). They are frozen out of it before the platform opens."""
    repo.put("campaign", "c", campaign("Mine"))
    (code, frozen), stderr = run_probe(_FROZEN, repo.root, {
        "LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret},
        "plan", "--format", "json")
    assert code == 0, stderr
    assert frozen and frozen[0] > 10_000, frozen  # the modules alone are tens of thousands


# The order in which the first request was handed to httpx and the spec memo written.
_ORDER = _RUN.replace("SETUP", """
import reconciler.httpboot as boot
boot.import_http()
import httpx
import reconciler.workspace.specmemo as specmemo
events = []
send = httpx.AsyncClient.send
async def noting(self, *args, **kwargs):
    events.append("send")
    return await send(self, *args, **kwargs)
httpx.AsyncClient.send = noting
put = specmemo.put_entry
def storing(*args, **kwargs):
    events.append("store")
    return put(*args, **kwargs)
specmemo.put_entry = storing
""").replace("RESULT", "events")


def test_a_plan_keeps_its_spec_memo_after_its_first_request_has_left(repo: Repo) -> None:
    """Keeping the specs a plan loaded for the next plan is 35 ms of CPU at 1,200 specs;
    it ran before the first request. Now it runs while the first requests are answered,
    and is done before the plan ends: the next plan replays it (and keeps nothing)."""
    repo.put("campaign", "c", campaign("Mine"))
    secrets = {"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret}
    (code, events), stderr = run_probe(_ORDER, repo.root, secrets, "plan", "--format", "json")
    assert code == 0, stderr
    assert events.count("store") == 1 and events.index("store") > events.index("send"), events
    (code, events), stderr = run_probe(_ORDER, repo.root, secrets, "plan", "--format", "json")
    assert code == 0, stderr
    assert "store" not in events and "send" in events  # replayed: the memo was kept


def test_a_plan_after_validate_replays_the_specs_validate_loaded(repo: Repo) -> None:
    """`validate` then `plan` is the usual order: validate keeps the specs it loaded for
    the plan, so the plan after it loads none (no memo kept, none needed) and its first
    request leaves sooner. Before, the plan loaded them all again and kept them itself."""
    repo.put("campaign", "c", campaign("Mine"))
    done = repo.run("validate")
    assert done.code == 0 and done.stdout.startswith("valid: "), done.stderr
    secrets = {"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret}
    (code, events), stderr = run_probe(_ORDER, repo.root, secrets, "plan", "--format", "json")
    assert code == 0, stderr
    assert "store" not in events and "send" in events, events
