"""One naming scheme for every platform's sandbox file, and the move from the older names."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from reconciler.sandbox.state import embedded_file, platform_file, reset_files
from tests.helpers import FIXTURES, run_cli


def test_every_platform_file_is_named_after_the_database(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    assert [platform_file(db, p).name for p in ("localytics", "stream", "smartech")] == [
        "served.db", "served-stream.db", "served-smartech.db"]
    assert embedded_file(tmp_path, "stream") == tmp_path / "sandbox-stream.db"


def test_an_embedded_file_under_its_older_name_is_moved_with_its_objects(tmp_path: Path
                                                                          ) -> None:
    old = tmp_path / ".reconciler" / "smartech-sandbox.db"
    old.parent.mkdir()
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE kept (x)")
    (old.parent / "smartech-sandbox.db-wal").write_bytes(b"")
    new = embedded_file(old.parent, "smartech")
    assert new.name == "sandbox-smartech.db" and not old.exists()
    assert (old.parent / "sandbox-smartech.db-wal").exists()
    with sqlite3.connect(new) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("kept",)]


def test_reset_removes_the_new_and_the_older_names(tmp_path: Path) -> None:
    state = tmp_path / ".reconciler"
    state.mkdir()
    names = ["sandbox.db", "sandbox-stream.db", "sandbox-smartech.db-wal", "stream-sandbox.db"]
    for name in names:
        (state / name).write_bytes(b"x")
    (tmp_path / "reconciler.yaml").write_text("envs: {}\n")
    assert sorted(p.name for p in reset_files(state)) == sorted(names)
    code, out, _ = run_cli(["sandbox", "reset"], tmp_path)
    assert code == 0 and "nothing to remove" in out


def test_a_damaged_smartech_sandbox_is_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "smartech"
    shutil.copytree(FIXTURES / "smartech", repo)
    (repo / ".reconciler").mkdir(exist_ok=True)
    (repo / ".reconciler" / "sandbox-smartech.db").write_bytes(b"\xff{not a database" * 50)
    code, out, err = run_cli(["plan"], repo)
    assert code == 1 and "Traceback" not in err, err
    assert err.strip().splitlines() == [err.strip()] and err.startswith(
        "error: .reconciler/sandbox-smartech.db: the sandbox's data is damaged")
    assert "reconciler sandbox reset" in err
