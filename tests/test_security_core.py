"""Issue 16, core guards: no cache over the files, saved plans re-derived, the journal.

Each test reproduces an attack or failure from the security review and shows
it refused (one `error:` line, zero writes) or harmless.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.plan import planfile
from reconciler.workspace.cache import ParseCache, user_cache_dir
from tests.repo import Repo, campaign

URGENT = "URGENT: your account is locked, tap here"


def poison(repo: Repo, spec: Path) -> dict[str, Any]:
    """Cache entries that say the spec is live with another message, under every key a
    forger could compute: the old one (sha256 of the bytes) and the current one."""
    raw = spec.read_bytes()
    evil = campaign("Weekly digest", status="active", message=URGENT)
    new_key = ParseCache.for_repo(repo.root, "test", {"store_name": "Acme"}).key(raw)
    entries = {hashlib.sha256(raw).hexdigest(): [evil, []], new_key: [evil, []]}
    return {"version": 2, "entries": entries}


def messages(repo: Repo) -> list[tuple[str, str]]:
    out = []
    with repo.api() as api:
        for c in repo.live_campaigns():
            body = api.get(f"/push/campaigns/{c['id']}").json()
            creative = body["creatives"]
            creative = creative[0] if isinstance(creative, list) else creative
            out.append((body["status"], creative["build_attributes"]["push_message"]))
    return out


def test_a_committed_cache_entry_is_refused_then_never_read(repo: Repo) -> None:
    spec = repo.put("campaign", "weekly-digest", campaign("Weekly digest", message="Digest"))
    cache = repo.root / ".reconciler" / "cache" / "specs.json"
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps(poison(repo, spec)))
    git = ["git", "-C", str(repo.root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", ".reconciler/cache/specs.json"], check=True)
    for args in (["validate"], ["plan"], ["apply", "--auto-approve"]):
        run = repo.run(*args)
        assert run.code == 1 and "Traceback" not in run.stderr
        [line] = run.stderr.strip().splitlines()
        assert line.startswith("error: .reconciler/cache/specs.json is tracked by git"), line
    assert repo.live_campaigns() == []

    subprocess.run([*git, "rm", "-q", "--cached", ".reconciler/cache/specs.json"], check=True)
    plan = repo.plan()  # the old in-tree cache file is simply not a cache any more
    [change] = plan.json["changes"]
    assert change["go_live"] is False and URGENT not in json.dumps(change)
    assert repo.apply().code == 0
    assert messages(repo) == [("draft", "Digest 0")]


def test_even_a_poisoned_user_cache_never_reaches_apply_or_ci(repo: Repo) -> None:
    spec = repo.put("campaign", "weekly-digest", campaign("Weekly digest", message="Digest"))
    cache = user_cache_dir(repo.root) / "specs.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(poison(repo, spec)))
    ci_plan = repo.run("plan", "--format", "json", env={"CI": "true"})
    [change] = ci_plan.json["changes"]
    assert change["go_live"] is False and URGENT not in ci_plan.stdout
    assert repo.apply().code == 0
    assert messages(repo) == [("draft", "Digest 0")]


def test_the_parse_cache_key_covers_env_and_vars(tmp_path: Path) -> None:
    one = ParseCache.for_repo(tmp_path, "staging", {"x": 1})
    assert one.key(b"a") != ParseCache.for_repo(tmp_path, "prod", {"x": 1}).key(b"a")
    assert one.key(b"a") != ParseCache.for_repo(tmp_path, "staging", {"x": 2}).key(b"a")
    assert one.key(b"a") == ParseCache.for_repo(tmp_path, "staging", {"x": 1}).key(b"a")
    assert one.path is not None and not one.path.is_relative_to(tmp_path)


# --- forged saved plans ----------------------------------------------------
def forge(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Edit a saved plan and recompute its (keyless) checksum, as an attacker can."""
    doc = json.loads(path.read_text())
    edit(doc)
    doc.pop("checksum")
    doc["checksum"] = planfile._checksum(doc)
    path.write_text(json.dumps(doc))


def removal(live_id: int, name: str) -> dict[str, Any]:
    return {"kind": "campaign", "key": None, "name": name, "action": "archive",
            "live_id": live_id, "diff": [], "go_live": False, "reach": None,
            "depends_on": [], "warnings": []}


def archive_unmanaged(repo: Repo) -> Callable[[dict[str, Any]], None]:
    with repo.api() as api:
        r = api.post("/push/campaigns", json=campaign("Made by hand"))
        r.raise_for_status()
        live_id = r.json()["id"]
    return lambda doc: doc["changes"].append(removal(live_id, "Made by hand"))


def archive_protected(repo: Repo) -> Callable[[dict[str, Any]], None]:
    repo.put("campaign", "guarded", {**campaign("Guarded"), "protect": True})
    assert repo.apply().code == 0
    live_id = repo.live_campaigns()[0]["id"]

    def edit(doc: dict[str, Any]) -> None:
        doc["changes"] = [c for c in doc["changes"] if c["key"] != "guarded"]
        doc["changes"].append(removal(live_id, "Guarded"))
    return edit


def hide_go_live(repo: Repo) -> Callable[[dict[str, Any]], None]:
    repo.env_extra = {"allow_go_live": False}
    repo.write_config()
    repo.put("campaign", "launch", campaign("Launch", status="active"))

    def edit(doc: dict[str, Any]) -> None:
        for c in doc["changes"]:
            c["go_live"] = False
    return edit


@pytest.mark.parametrize("attack", [archive_unmanaged, archive_protected, hide_go_live])
def test_a_forged_plan_file_is_refused_with_zero_writes(
    repo: Repo, attack: Callable[[Repo], Callable[[dict[str, Any]], None]]
) -> None:
    repo.put("campaign", "mine", campaign("Mine"))
    edit = attack(repo)
    assert repo.run("plan", "--out", "plan.json").code == 0
    forge(repo.root / "plan.json", edit)
    before = (repo.live_campaigns(), repo.live_campaigns(archived=True))
    run = repo.apply("plan.json")
    assert run.code == 1 and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("error: plan is stale, nothing applied"), line
    assert (repo.live_campaigns(), repo.live_campaigns(archived=True)) == before


def test_an_honest_saved_plan_still_applies_scoped_to_its_targets(repo: Repo) -> None:
    repo.put("campaign", "one", campaign("One"))
    repo.put("campaign", "two", campaign("Two"))
    assert repo.run("plan", "--target", "one", "--out", "plan.json").code == 0
    assert repo.apply("plan.json").code == 0
    assert [c["name"] for c in repo.live_campaigns()] == ["One"]


# --- the journal ------------------------------------------------------------
def test_a_full_disk_journal_stops_writes_and_reports_what_was_written(repo: Repo) -> None:
    repo.env_extra = {"concurrency": 1}
    repo.write_config()
    for i in range(3):
        repo.put("campaign", f"c{i}", campaign(f"C{i}"))
    run = repo.apply("--journal", "/dev/full")
    assert run.code == 1 and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("error: cannot write the journal /dev/full: No space left"), line
    statuses = [r["status"] for r in run.json["results"]]
    assert statuses.count("applied") == len(repo.live_campaigns()) == 1, statuses
    assert statuses.count("skipped") == 2


def test_a_folder_in_the_journals_place_refuses_before_any_write(repo: Repo) -> None:
    repo.put("campaign", "c", campaign("C"))
    (repo.root / ".reconciler" / "journal.jsonl").mkdir(parents=True)
    run = repo.apply()
    assert run.code == 1 and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("error: cannot open the journal") and "nothing applied" in line
    assert repo.live_campaigns() == []
