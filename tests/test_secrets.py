"""LOCALYTICS_API_SECRET never leaves the process: not in output, debug logs or any file.

A distinctive secret (and a second, wrong one for the 401 path) is set, every
command runs with and without `--debug`, failing ones included, and every
byte the runs printed or wrote under the test's folders (repo, plan files,
journal, cache, schemas, TMPDIR, the served sandbox's log) is searched for the
secret, for the Basic header's base64 and for the secret's own base64.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.repo import Repo, Run, audience, campaign
from tests.sandbox_fixtures import start_sandbox

KEY = "key-for-secret-test"
SECRET = "Zq8-very-distinctive-secret-4d1e"
WRONG = "Wr0ng-distinctive-secret-77aa"


def needles() -> list[bytes]:
    out = []
    for secret in (SECRET, WRONG):
        out += [secret.encode(), base64.b64encode(secret.encode()),
                base64.b64encode(f"{KEY}:{secret}".encode())]
        # base64 of the pair at the other two alignments, as it would sit inside a longer blob
        for pad in ("x", "xx"):
            out.append(base64.b64encode(f"{pad}{KEY}:{secret}".encode())[4:-4])
    return out


def test_no_command_prints_or_writes_the_secret(tmp_path: Path) -> None:
    server = start_sandbox(tmp_path / "sandbox" / "sandbox.db", api_key=KEY, api_secret=SECRET)
    try:
        runs = run_everything(tmp_path, server)
    finally:
        server.stop()
    assert len(runs) >= 25
    failing = [r for r in runs if r.code != 0]
    assert len(failing) >= 6, "failing commands are part of the test"
    assert any("debug:" in r.stderr for r in runs), "debug logs were produced"
    leaks = []
    for i, run in enumerate(runs):
        text = (run.stdout + run.stderr).encode()
        leaks += [f"run {i}: {n!r}" for n in needles() if n in text]
        if "authorization" in run.stderr.lower():
            leaks.append(f"run {i}: an Authorization header was logged")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 10
    for path in files:
        data = path.read_bytes()
        leaks += [f"{path}: {n!r}" for n in needles() if n in data]
    assert leaks == []


def run_everything(tmp_path: Path, server) -> list[Run]:  # type: ignore[no-untyped-def]
    app = server.new_app()
    repo = Repo(tmp_path / "repo", server.api_url, app.org_id, app.app_id, KEY, SECRET)
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "sale", campaign("Sale", ["buyers"]))
    repo.put("campaign", "other", campaign("Other"))
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {"TMPDIR": str(tmpdir), "RECONCILER_NO_CACHE": ""}
    runs: list[Run] = []

    def run(*args: str, **extra: str) -> Run:
        r = repo.run(*args, env={**env, **extra}, timeout=90)
        assert "Traceback" not in r.stderr or "--debug" in args, r.stderr
        runs.append(r)
        return r

    for debug in ((), ("--debug",)):
        run(*debug, "validate")
        run(*debug, "fmt", "--check")
        run(*debug, "fmt")
        run(*debug, "schema")
        run(*debug, "schema", "--kind", "config", "--out-dir", str(tmp_path / "schemas"))
        for fmt in ("text", "markdown", "json"):
            run(*debug, "plan", "--format", fmt, "--out", f"plan-{fmt}.json")
        run(*debug, "plan", "--env", "nosuch")  # fails
        run(*debug, "plan", "--detailed-exitcode")
        run(*debug, "apply")  # refused: no terminal
    run("--debug", "plan", LOCALYTICS_API_SECRET=WRONG)  # 401
    run("--debug", "apply", "--auto-approve", LOCALYTICS_API_SECRET=WRONG)  # 401
    run("--debug", "apply", "--auto-approve", "--journal", "j.jsonl")
    run("--debug", "apply", "--auto-approve", "plan-json.json")  # stale: fails
    run("--debug", "apply", "--auto-approve", "--format", "json")  # nothing to do
    httpx.post(f"{server.base_url}/_sandbox/reject",
               json={"app_id": repo.app_id, "names": ["Broken"]}).raise_for_status()
    repo.put("campaign", "broken", campaign("Broken"))
    failed = run("--debug", "apply", "--auto-approve", "--format", "json")  # 422: fails
    (repo.root / "report.json").write_text(failed.stdout)
    run("--debug", "plan", "--out", "plan.json")

    unreachable = repo.root / "unreachable.yaml"
    unreachable.write_text(json.dumps({"envs": {"x": {
        "api_url": "http://127.0.0.1:9/api/v6", "org_id": 1, "app_id": "x"}}}))
    run("--debug", "plan", "--config", "unreachable.yaml")  # cannot connect

    run("gitops", "envs")
    run("--debug", "gitops", "comment", "--plan-file", "plan.json", "--env", "test")
    run("gitops", "labels", "plan.json")
    run("gitops", "annotate", "report.json")
    run("gitops", "drift-issue", "--env", "test", "--exit-code", "1", "--body-file", "x")
    runs.append(serve_briefly(tmp_path, env))
    return runs


def serve_briefly(tmp_path: Path, env: dict[str, str]) -> Run:
    """`--debug sandbox serve` with the secret as its credential, until it listens."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("LOCALYTICS_")}
    full.update(env, LOCALYTICS_API_KEY=KEY, LOCALYTICS_API_SECRET=SECRET)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "--debug", "sandbox", "serve", "--port", "0",
         "--db", str(tmp_path / "serve.db"), "--api-key", KEY, "--api-secret", SECRET],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline() + proc.stdout.readline()  # the banner, the ready line
    ready = first.splitlines()[-1] if first.strip() else ""
    url = json.loads(ready)["ready"]["localytics"] if ready.startswith('{"ready"') else ""
    if url:
        httpx.get(f"{url}/orgs/1/apps/demo-app/audiences", auth=(KEY, SECRET), timeout=10)
        httpx.get(f"{url}/orgs/1/apps/demo-app/audiences", auth=(KEY, WRONG), timeout=10)
    proc.terminate()
    out, err = proc.communicate(timeout=30)
    assert url, first + out + err
    return Run(proc.returncode, first + out, err)


def test_debug_log_filter_redacts_auth_headers_and_the_secret(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import logging

    from reconciler.cli.redact import RedactingFilter

    monkeypatch.setenv("LOCALYTICS_API_SECRET", SECRET)
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    messages = [
        ("headers %s", ({"Authorization": f"Basic {basic}"},)),
        ("send_request_headers: [(b'Authorization', b'Basic %s')]", (basic,)),
        ("authorization: bearer %s", ("abcdefghijkl",)),
        ("secret in a message: %s", (SECRET,)),
    ]
    for msg, args in messages:
        record = logging.LogRecord("httpx", logging.DEBUG, __file__, 1, msg, args, None)
        assert RedactingFilter().filter(record)
        shown = record.getMessage()
        assert basic not in shown and SECRET not in shown and "abcdefghijkl" not in shown
        assert "[redacted]" in shown
