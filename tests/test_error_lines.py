"""Output keeps its promises: every expected failure is ONE `error:` line, exit 1, no traceback.

Each case drives the real CLI on a throw-away repo (tests/invalid_specs/_base)
with the embedded sandbox. The invalid-spec corpus covers validate's own
lines (field and reference errors together, indentation, empty values, bare
template names, 5,000-digit numbers); these are the rest: usage errors,
`--out` guards, a damaged sandbox, file names, `fmt` and plan-time checks.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from reconciler.source.yamlio import load_document
from tests.helpers import make_repo, run_cli
from tests.stream_repo import StreamRepo, segment, stream_campaign


def one_error_line(code: int, out: str, err: str) -> str:
    """The single stderr line of a failed run (asserting exit 1 and nothing else printed)."""
    assert "Traceback" not in out + err, err
    assert code == 1, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


# --- click usage errors --------------------------------------------------------------


@pytest.mark.parametrize(("args", "want"), [
    (["valdate"], "error: reconciler: no such command valdate (did you mean validate?); "
                  "commands: apply, calendar, doctor"),
    (["plan", "--confg", "x"], "error: reconciler plan: no such option --confg "
                               "(did you mean --config?)"),
    (["sandbox", "rest"], "error: reconciler sandbox: no such command rest "
                          "(did you mean reset?)"),
    (["plan", "--format", "yaml"], "error: reconciler plan: Invalid value for '--format'"),
    (["va\x1b[2Jx"], "error: reconciler: no such command va\\x1b[2Jx;"),
])
def test_usage_errors_are_one_line_with_did_you_mean(repo: Path, args: list[str],
                                                     want: str) -> None:
    assert one_error_line(*run_cli(args, repo)).startswith(want)


def test_every_command_takes_config_and_env(repo: Path, tmp_path: Path) -> None:
    """The README promises --config/--env on every command; schema and sandbox too."""
    config = str(repo / "reconciler.yaml")
    code, out, err = run_cli(["schema", "--config", config, "--env", "sandbox"], tmp_path)
    assert code == 0 and '"$schema"' in out, err
    for args in (["sandbox", "reset"], ["sandbox", "sent"], ["sandbox", "serve"]):
        code, out, err = run_cli([*args, "--help"], tmp_path)
        assert "--config FILE" in out and "--env NAME" in out, args


def test_fmt_outside_a_repository_is_an_error(tmp_path: Path) -> None:
    line = one_error_line(*run_cli(["fmt"], tmp_path))
    assert f"no reconciler.yaml found in {tmp_path.resolve()}" in line


# --- the config is found as git finds its repository ---------------------------------

def test_commands_find_the_config_in_a_folder_above(repo: Path) -> None:
    """From campaigns/ (or deeper), a command uses the repository's reconciler.yaml, and
    paths in its messages are relative to where it was typed."""
    deeper = repo / "campaigns" / "sub"
    deeper.mkdir()
    code, out, err = run_cli(["validate"], deeper)
    assert code == 0 and out.startswith("valid: "), err
    (repo / "campaigns" / "spring-sale.yaml").write_text("name: [\n")
    code, out, err = run_cli(["validate"], repo / "campaigns")
    assert code == 1 and err.startswith("../campaigns/spring-sale.yaml:2:1: invalid YAML"), err


def test_the_search_stops_at_the_top_of_a_git_repository(tmp_path: Path) -> None:
    """A config outside the repository is never used: the error names the folders searched
    (up to the repository's top) and suggests `reconciler init`."""
    make_repo(tmp_path)  # a config above the git repository below: not ours
    inner = tmp_path / "inner"
    (inner / ".git").mkdir(parents=True)
    (inner / "campaigns").mkdir()
    line = one_error_line(*run_cli(["plan"], inner / "campaigns"))
    assert line == (f"error: no reconciler.yaml found in {(inner / 'campaigns').resolve()} or "
                    f"a folder above it, up to {inner.resolve()}; run commands inside a "
                    "campaign repository, pass --config FILE, or start one with "
                    "`reconciler init DIR`")


def test_outside_any_repository_the_error_suggests_init(tmp_path: Path) -> None:
    line = one_error_line(*run_cli(["validate"], tmp_path))
    assert f"no reconciler.yaml found in {tmp_path.resolve()} or a folder above it" in line
    assert line.endswith("or start one with `reconciler init DIR`")


def test_a_given_config_that_is_missing_names_it(tmp_path: Path) -> None:
    line = one_error_line(*run_cli(["plan", "--config", "nope.yaml"], tmp_path))
    assert line == ("error: nope.yaml: config file not found (check --config FILE; "
                    "`reconciler init DIR` starts a new campaign repository)")


def test_preview_names_the_creatives_that_exist(repo: Path) -> None:
    line = one_error_line(*run_cli(["preview", "spring-sale", "--creative", "B"], repo))
    assert line.endswith("no creative 'B' in this campaign; it has A (or use --creative all)")


def test_target_typo_has_did_you_mean(repo: Path) -> None:
    line = one_error_line(*run_cli(["plan", "--target", "spring-sal"], repo))
    assert line == "error: --target: no spec with key 'spring-sal' (did you mean 'spring-sale'?)"


def test_huge_org_id_is_a_config_error(repo: Path) -> None:
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text().replace("org_id: 1", "org_id: " + "9" * 40))
    line = one_error_line(*run_cli(["plan"], repo))
    assert "org_id: must be less than or equal to 9223372036854775807 (got a number with " \
           "40 digits)" in line


# --- every --out / --out-dir is guarded like plan --out ------------------------------


@pytest.mark.parametrize("args", [
    ["schema", "--out-dir", "campaigns"],
    ["schema", "--out-dir", "audiences/schemas"],
    ["calendar", "--out", "reconciler.yaml"],
    ["calendar", "--format", "html", "--out", "campaigns/cal.html"],
    ["preview", "spring-sale", "--out", "reconciler.yaml"],
    ["preview", "spring-sale", "--out", "audiences/p.svg"],
    ["gitops", "comment", "--env", "sandbox", "--out", "reconciler.yaml"],
])
def test_outputs_never_overwrite_config_or_specs(repo: Path, args: list[str]) -> None:
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    line = one_error_line(*run_cli(args, repo))
    assert line.startswith("error: refusing --out")
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_a_symlink_cannot_smuggle_schema_output_onto_the_config(repo: Path) -> None:
    out = repo / "schemas"
    out.mkdir()
    (out / "campaign.schema.json").symlink_to(repo / "reconciler.yaml")
    config = (repo / "reconciler.yaml").read_text()
    one_error_line(*run_cli(["schema", "--out-dir", "schemas"], repo))
    assert (repo / "reconciler.yaml").read_text() == config
    code, out_text, err = run_cli(["schema", "--out-dir", "elsewhere"], repo)
    assert code == 0 and (repo / "elsewhere" / "campaign.schema.json").is_file(), err


# --- a damaged or foreign sandbox ----------------------------------------------------


def _garbage(db: Path) -> None:
    db.write_bytes(b"\x00garbage, not SQLite" * 100)


def _foreign(db: Path) -> None:
    with sqlite3.connect(db) as conn:  # another program's database
        conn.execute("CREATE TABLE campaigns (title TEXT)")


@pytest.mark.parametrize("damage", [_garbage, _foreign])
def test_a_damaged_sandbox_is_one_line_that_says_how_to_reset(repo: Path, damage) -> None:
    state = repo / ".reconciler"
    state.mkdir()
    damage(state / "sandbox.db")
    for args in (["plan"], ["apply", "--auto-approve"], ["send-test", "spring-sale", "--to", "u1"],
                 ["import", "--all", "--dry-run"], ["sandbox", "sent"]):
        line = one_error_line(*run_cli(args, repo))
        assert line.startswith("error: .reconciler/sandbox.db: the sandbox's data is damaged")
        assert "`reconciler sandbox reset`" in line, args
    code, out, err = run_cli(["sandbox", "reset"], repo)
    assert (code, out, err) == (0, "sandbox reset: removed .reconciler/sandbox.db\n", "")
    code, out, err = run_cli(["plan"], repo)
    assert code == 0 and "2 to create" in out, err


def test_state_folder_as_a_plain_file_is_one_line(repo: Path) -> None:
    (repo / ".reconciler").write_text("oops")
    for args in (["plan"], ["validate"], ["send-test", "spring-sale", "--to", "u1"]):
        line = one_error_line(*run_cli(args, repo))
        assert line.startswith("error: .reconciler: is a file"), args


def test_a_non_utf8_ledger_does_not_stop_send_test(repo: Path) -> None:
    state = repo / ".reconciler"
    state.mkdir()
    (state / "sent.jsonl").write_bytes(b'{"day": "\xff\xfe"}\n\xc3(\n')
    for _ in range(2):  # the second run reads the ledger the first one rewrote
        code, out, err = run_cli(["send-test", "spring-sale", "--to", "u1", "--again"], repo)
        assert code == 0 and "Traceback" not in err, err
    assert (state / "sent.jsonl").read_text(encoding="utf-8").count("\n") == 2


# --- spec file names ------------------------------------------------------------------


def test_unsafe_file_names_are_refused_and_printed_escaped(repo: Path) -> None:
    spec = (repo / "campaigns" / "spring-sale.yaml").read_text()
    for name in ("x\n::error::pwned.yaml", "a\x1b[31mred.yaml", "tab\there.yaml",
                 unicodedata.normalize("NFD", "café.yaml"), "sp ace.yaml"):
        (repo / "campaigns" / name).write_text(spec.replace("Spring sale", name[:3]))
    (repo / "campaigns" / "note\n::warning::x.txt").write_text("")
    code, out, err = run_cli(["validate"], repo)
    assert code == 1 and "Traceback" not in err
    assert "\x1b" not in err
    assert not any(line.startswith("::") for line in err.splitlines())
    assert sum("file name not allowed" in line for line in err.splitlines()) == 5
    assert "campaigns/x\\n::error::pwned.yaml:1:1: file name not allowed" in err
    assert "campaigns/cafe\\u0301.yaml:1:1" in err


def test_keys_that_differ_only_by_case_are_refused(repo: Path) -> None:
    audience = (repo / "audiences" / "lapsed-buyers.yaml").read_text()
    (repo / "audiences" / "Lapsed-Buyers.yaml").write_text(audience.replace("Lapsed", "Other"))
    code, _, err = run_cli(["validate"], repo)
    assert code == 1
    assert ("audiences/lapsed-buyers.yaml:1:1: key 'lapsed-buyers' differs from "
            "audiences/Lapsed-Buyers.yaml only by case or Unicode form") in err


def test_an_nfc_name_is_a_valid_key(repo: Path) -> None:
    spec = (repo / "campaigns" / "spring-sale.yaml").read_text()
    (repo / "campaigns" / "café.yaml").write_text(spec.replace("Spring sale", "Café"))
    code, out, err = run_cli(["validate"], repo)
    assert code == 0, err


# --- fmt never changes what a value means ---------------------------------------------


def _meaning(path: Path) -> object:
    return load_document(path.read_bytes(), path.name).data


def test_fmt_keeps_an_impossible_date_as_the_text_written(repo: Path) -> None:
    path = repo / "campaigns" / "spring-sale.yaml"
    path.write_text("status: draft\n" + path.read_text().replace(
        "name: Spring sale", "name: 2026-02-30").replace("status: draft\n", "", 1))
    before = _meaning(path)
    code, out, err = run_cli(["fmt"], repo)
    assert code == 0 and "reformatted campaigns/spring-sale.yaml" in out, err
    assert path.read_text().startswith("name: 2026-02-30\n")
    assert _meaning(path) == before


def test_fmt_refuses_to_rewrite_a_binary_value(repo: Path) -> None:
    path = repo / "audiences" / "lapsed-buyers.yaml"
    text = "note: !!binary aGVsbG8=\n" + path.read_text()
    path.write_text(text)
    code, out, err = run_cli(["fmt"], repo)
    assert code == 1 and "Traceback" not in err
    # a tag the reader does not take is refused where it stands, before any rewrite
    assert err.strip() == "audiences/lapsed-buyers.yaml:1:7: unsupported YAML tag '!!binary'"
    assert path.read_text() == text


# --- plan-time references ---------------------------------------------------------------


def test_raw_audience_ids_are_checked_against_live_audiences(repo: Path) -> None:
    path = repo / "campaigns" / "spring-sale.yaml"
    spec = path.read_text()
    path.write_text(spec.replace("audience: [lapsed-buyers]", "audience: [lapsed-buyers, 99999]"))
    line = one_error_line(*run_cli(["plan"], repo))
    assert line.startswith("error: campaigns/spring-sale.yaml:7:31: audience id 99999 is not "
                           "a live audience of this app")
    path.write_text(spec)
    code, out, err = run_cli(["apply", "--auto-approve", "--format", "json"], repo)
    assert code == 0, err
    live_id = next(r["live_id"] for r in json.loads(out)["results"]
                   if r["kind"] == "audience")
    path.write_text(spec.replace("audience: [lapsed-buyers]", f"audience: [{live_id}]"))
    code, out, err = run_cli(["plan"], repo)
    assert code == 0, err


@pytest.mark.parametrize("content", [b'{"format_version": ' + b"1" * 5000 + b"}",
                                     b"[" * 100_000 + b"]" * 100_000])
def test_a_plan_file_json_cannot_hold_is_one_line(repo: Path, content: bytes) -> None:
    (repo / "saved.json").write_bytes(content)
    line = one_error_line(*run_cli(["apply", "saved.json", "--auto-approve"], repo))
    assert line.startswith("error: saved.json: not a plan file")


# --- Stream: its template names pass, others are located errors; its sandbox file too ----


def stream_repo(root: Path) -> StreamRepo:
    repo = StreamRepo(root, "sandbox", 0, "")
    repo.put("segment", "norway", segment("Norway"))
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"],
                                                  text="Hi {{ reciever.name }}"))
    return repo


def test_stream_template_names_have_did_you_mean(tmp_path: Path) -> None:
    repo = stream_repo(tmp_path)
    run = repo.run("validate")
    assert run.code == 1 and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        "campaigns/hello.yaml:6:3: undefined template variable 'reciever' (did you mean "
        "receiver? templates see 'vars', 'env', 'receiver', 'sender')"]


def test_a_damaged_stream_sandbox_is_one_line(tmp_path: Path) -> None:
    repo = stream_repo(tmp_path)
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"]))
    (repo.root / ".reconciler").mkdir()
    (repo.root / ".reconciler" / "sandbox-stream.db").write_bytes(b"\xff{not a database" * 50)
    run = repo.run("plan")
    line = one_error_line(run.code, run.stdout, run.stderr)
    assert line.startswith("error: .reconciler/sandbox-stream.db: the sandbox's data is "
                           "damaged") and "reconciler sandbox reset" in line
    assert repo.run("sandbox", "reset").code == 0
    assert repo.run("plan").code == 0


@pytest.mark.parametrize(("value", "shown"), [("4021x", "'4021x'"), ('"0"', "'0'"),
                                              ("-3", "-3"), ('" 4021"', "' 4021'")])
def test_a_smartech_template_id_is_digits(tmp_path: Path, value: str, shown: str) -> None:
    """`template_id: 4021x` would pass create and fail at execute: validate refuses it."""
    (tmp_path / "reconciler.yaml").write_text(
        "envs:\n  s:\n    provider: smartech\n    api_url: sandbox\n")
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "push.yaml").write_text(
        f"channel: apn\nname: Push\napp_ids: [acme-android]\ntemplate_id: {value}\n")
    code, out, err = run_cli(["validate"], tmp_path)
    assert (code, out) == (1, "")
    assert err == ("campaigns/push.yaml:4:1: template_id: expected the id of a template "
                   f"built in the panel: digits, as the panel shows it (got {shown})\n")


@pytest.mark.parametrize(("text", "where", "message"), [
    ("name: 'It's here'\n", "f.yaml:1:10",
     "the ' at column 10 ends the quoted value early (a ' inside single-quoted text); write "
     "it twice ('') or put the whole value in double quotes"),
    ('tags:\n  - "a "b" c"\n', "f.yaml:2:8",
     'the " at column 8 ends the quoted value early (a " inside double-quoted text); write '
     'it as \\" or put the whole value in single quotes'),
    ("a:\n  b:\n    c: 1\nd: 2\n    e: 3\n", "f.yaml:4:1",
     "bad indentation: 'd' is dedented out of the block of 'b:' (line 2), while line 5 below "
     "it is still in that block; indent it to column 5, as line 5 is"),
    # not these two mistakes: the parser's own account stays (validate's wording below)
    ("a:\n  b: 1\n c: 2\n", "f.yaml:3:2",
     "bad indentation: this line lines up with no key above it (did not find expected key)"),
    ("a: 1\n b: 2\n", "f.yaml:2:3",
     "a ': ' here is not allowed (a key indented too far, or a value with ': ' that needs "
     "quotes)"),
])
def test_yaml_errors_name_their_real_cause(text: str, where: str, message: str) -> None:
    """Both readers (validate's libyaml and fmt's ruamel) report the same cause and line;
    other indentation mistakes keep the parser's account."""
    from reconciler.source.roundtrip import parse_rt
    from reconciler.source.yamlio import FileProblem

    readers = [lambda: load_document(text.encode(), "f.yaml")]
    if not message.startswith(("bad indentation: this line", "a ': '")):
        readers.append(lambda: parse_rt(text, "f.yaml"))
    for read in readers:
        with pytest.raises(FileProblem) as e:
            read()
        assert str(e.value.problem) == f"{where}: invalid YAML: {message}"
