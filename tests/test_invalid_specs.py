"""The invalid-spec corpus: each case is one mistake a user makes, checked through the real CLI.

A case is a folder under tests/invalid_specs/ whose files are copied over a small
valid repo (tests/invalid_specs/_base). Its expect.txt lists the exact stderr lines
(`path:line:col: message`); a first line `# exit N` expects another exit code than 1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.workspace.cache import user_cache_dir
from tests.helpers import INVALID_SPECS, make_repo, run_cli

CASES = sorted(p.name for p in INVALID_SPECS.iterdir() if p.is_dir() and p.name != "_base")
NO_CACHE = {"RECONCILER_NO_CACHE": "1"}


def validate(repo: Path) -> tuple[int, str, str]:
    return run_cli(["validate", "--config", str(repo / "reconciler.yaml")], repo, env=NO_CACHE)


def expected(case: str) -> tuple[int, list[str]]:
    lines = (INVALID_SPECS / case / "expect.txt").read_text(encoding="utf-8").splitlines()
    code = 1
    if lines and lines[0].startswith("# exit "):
        code = int(lines.pop(0).removeprefix("# exit "))
    return code, lines


def check_output(code: int, out: str, err: str, want_code: int, want: list[str]) -> None:
    assert "Traceback" not in err + out
    assert code == want_code, err
    if want_code == 1:
        assert out == ""
    assert err.splitlines() == want


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_invalid_spec(case: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, INVALID_SPECS / case)
    want_code, want = expected(case)
    assert want, f"{case}: expect.txt is empty"
    check_output(*validate(repo), want_code, want)


def test_errors_are_the_same_with_the_parse_cache(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, INVALID_SPECS / "several-files-at-once")
    (repo / "campaigns" / "spring-sale.yaml").write_text(
        (repo / "campaigns" / "spring-sale.yaml").read_text().replace("draft", "drafty")
    )
    first = run_cli(["validate"], repo)
    second = run_cli(["validate"], repo)  # the valid files now come from the cache
    assert (user_cache_dir(repo) / "specs.json").is_file()
    assert first == second
    assert "campaigns/spring-sale.yaml:2:1: status: invalid value 'drafty'" in first[2]


def test_symlink_outside_the_repo(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: Secret\n")
    repo = make_repo(tmp_path / "repo")
    os.symlink(outside, repo / "campaigns" / "linked.yaml")
    code, out, err = validate(repo)
    check_output(code, out, err, 1, [
        f"campaigns/linked.yaml:1:1: symlink points outside the repository ({outside.resolve()})"
    ])


def test_symlinked_folder_outside_the_repo(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.yaml").write_text("name: Secret\n")
    repo = make_repo(tmp_path / "repo")
    os.symlink(outside, repo / "campaigns" / "shared")
    code, out, err = validate(repo)
    check_output(code, out, err, 1, [
        "campaigns/shared:1:1: symlinked folder points outside the repository "
        f"({outside.resolve()})"
    ])


def test_symlink_inside_the_repo_is_fine(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "shared").mkdir()
    os.replace(repo / "campaigns" / "spring-sale.yaml", repo / "shared" / "spring-sale.yaml")
    os.symlink(repo / "shared" / "spring-sale.yaml", repo / "campaigns" / "spring-sale.yaml")
    code, out, err = validate(repo)
    assert (code, err) == (0, "")
    assert out == "valid: 1 audience, 1 campaign (env sandbox)\n"


def test_fifty_megabyte_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    size = 50 * 1024 * 1024
    with open(repo / "campaigns" / "huge.yaml", "wb") as f:
        f.write(b"name: Huge\n")
        f.write(b"# padding\n" * ((size - 11) // 10))
    actual = (repo / "campaigns" / "huge.yaml").stat().st_size
    code, out, err = validate(repo)
    check_output(code, out, err, 1, [
        f"campaigns/huge.yaml:1:1: file is {actual:,} bytes; the limit is 1,000,000 bytes"
    ])


def test_all_problems_of_all_files_at_once(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, INVALID_SPECS / "several-files-at-once",
                     INVALID_SPECS / "not-utf8", INVALID_SPECS / "empty-file")
    code, out, err = validate(repo)
    # empty-file and not-utf8 both write campaigns/bad.yaml: the later copy wins
    _, want = expected("several-files-at-once")
    _, want_empty = expected("empty-file")
    assert code == 1 and out == ""
    assert err.splitlines() == sorted(want + want_empty)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, INVALID_SPECS / "bad-enum")
    code, _, err = run_cli(["--debug", "validate"], repo, env=NO_CACHE)
    assert code == 1
    assert "Traceback" in err and "SpecErrors" in err
