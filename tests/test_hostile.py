"""Hostile input, one test per case: templates, YAML, paths, names, text bound for terminals
and PR comments, and saved plans tampered with or aimed at another app.

Together with tests/invalid_specs (the corpus), test_templating, test_render and
test_gitops this is the hostile-input suite docs/security.md counts. Cases that need
no live API run in-process or against the embedded sandbox; live names with
escape sequences are planted on the served sandbox.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import SpecErrors
from reconciler.workspace import load_workspace
from reconciler.workspace.confusables import fold
from reconciler.workspace.templating import Renderer, TemplateProblem
from tests.helpers import make_repo, run_cli
from tests.markdown_view import fold as fold_space
from tests.markdown_view import page
from tests.repo import Repo, campaign

NO_CACHE = {"RECONCILER_NO_CACHE": "1", "NO_COLOR": "1"}


def renderer() -> Renderer:
    return Renderer({"store_name": "Acme"}, "sandbox")


# --- Jinja: sandbox escapes and globals ------------------------------------
# An expression that names neither `vars` nor `env` belongs to the platform
# (Stream renders `{{ receiver.name }}` itself): it is handed over verbatim and
# never evaluated here, so no escape can run.
FOREIGN = [
    "{{ cycler.__init__.__globals__ }}",
    "{{ cycler }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ joiner() }}",
    "{{ namespace(x=1) }}",
    "{{ lipsum.__globals__ }}",
    "{{ lipsum(1000) }}",
    "{{ range.__globals__ }}",
    "{{ dict.__class__.__subclasses__() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ config.items() }}",
    "{{ request.application }}",
]


def _first_name(source: str) -> str:
    return source[3:].split(".")[0].split("(")[0].split(" ")[0].strip()


@pytest.mark.parametrize("source", FOREIGN)
def test_foreign_expressions_pass_through_unevaluated(source: str) -> None:
    """Names a platform declares (`Platform.template_names`) are handed over as written."""
    declared = frozenset({_first_name(source)})
    assert Renderer({"store_name": "Acme"}, "sandbox", lambda: declared).render(source) == source


@pytest.mark.parametrize("source", FOREIGN)
def test_undeclared_foreign_expressions_are_refused(source: str) -> None:
    """Without the declaration Jinja sees them: undefined or forbidden, never evaluated."""
    with pytest.raises(TemplateProblem):
        renderer().render(source)


# What Jinja does evaluate (our context, literals, statements) is sandboxed.
@pytest.mark.parametrize("source", [
    *(f"{{{{ vars.store_name ~ ({f[3:-3]}) }}}}" for f in FOREIGN),
    "{{ vars.__class__ }}",
    "{{ env.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.format.__globals__ }}",
    "{{ '{0.__class__}'.format(vars) }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}{{ os }}",
    "{% extends '/etc/passwd' %}",
])
def test_jinja_sandbox_escape_is_a_template_problem(source: str) -> None:
    with pytest.raises(TemplateProblem):
        renderer().render(source)


_RENDER_IN_CHILD = """
import sys
from reconciler.workspace.templating import Renderer, TemplateProblem
try:
    Renderer({"store_name": "Acme"}, "sandbox").render(sys.argv[1])
except TemplateProblem as e:
    print(e)
"""


@pytest.mark.parametrize("source", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for x in 'a' * 100000 %}{% for y in 'b' * 100000 %}{% endfor %}{% endfor %}",
])
def test_a_template_that_loops_forever_is_stopped(source: str) -> None:
    """In a child process without any tracer: the guard stands aside for one (a debugger,
    coverage), and `make test` measures coverage in this process and in the CLI's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    child = subprocess.run([sys.executable, "-c", _RENDER_IN_CHILD, source], env=env,
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert "runs longer than" in child.stdout, child.stdout


@pytest.mark.parametrize(("source", "message"), [
    ("{% macro m() %}{{ vars.store_name ~ m() }}{% endmacro %}{{ vars.store_name ~ m() }}",
     "recurses without end"),
    ("{{ 'x' * 100000 ~ 'y' * 100000 }}", "renders more than"),
    ("{{ vars.store_name ~ range(100000) | list | join(',') }}", "renders more than"),
    ("{% for i in range(100000) %}{{ vars.store_name }}{% endfor %}", "renders more than"),
])
def test_templates_that_would_render_gigabytes_or_recurse(source: str, message: str) -> None:
    with pytest.raises(TemplateProblem, match=message):
        renderer().render(source)


# --- YAML and files --------------------------------------------------------
def load_problems(repo: Path) -> list[str]:
    loaded = load_config(repo / "reconciler.yaml")
    with pytest.raises(SpecErrors) as caught:
        load_workspace(loaded, warn=lambda _line: None)
    lines = [line.replace(f"{repo}{os.sep}", "") for line in caught.value.lines()]
    assert lines and all("\n" not in line for line in lines)
    return lines


@pytest.mark.parametrize("text", [
    "name: x\nd: " + "[" * 5000 + "]" * 5000 + "\n",
    "name: x\nd: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(1500)) + "  " * 1500 + "v\n",
    "name: x\nd: &a [" + ",".join(["x" * 1000] * 500) + "]\n"
    + "".join(f"e{i}: &a{i} [*a,*a,*a,*a]\n" for i in range(1)) + "f: [" + ",".join(["*a"] * 2000)
    + "]\n",
    "name: &n x\n*n : 1\n",
    "? " + "[" * 2000 + "]" * 2000 + "\n: 1\nname: x\n",
])
def test_yaml_bombs_and_deep_nesting_are_located_problems(tmp_path: Path, text: str) -> None:
    repo = make_repo(tmp_path)
    (repo / "campaigns" / "bomb.yaml").write_text(text)
    lines = load_problems(repo)
    assert any(line.startswith("campaigns/bomb.yaml") for line in lines), lines


def test_a_named_pipe_in_a_spec_folder_does_not_hang(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    os.mkfifo(repo / "campaigns" / "pipe.yaml")
    lines = load_problems(repo)
    assert lines == ["campaigns/pipe.yaml:1:1: not a regular file"]


def test_a_symlink_loop_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "campaigns" / "a.yaml").symlink_to(repo / "campaigns" / "b.yaml")
    (repo / "campaigns" / "b.yaml").symlink_to(repo / "campaigns" / "a.yaml")
    lines = load_problems(repo)
    assert any("campaigns/a.yaml" in line for line in lines), lines


def test_a_symlink_to_a_device_outside_the_repo_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "campaigns" / "zero.yaml").symlink_to("/dev/zero")
    lines = load_problems(repo)
    assert any("campaigns/zero.yaml" in line and "outside" in line for line in lines), lines


# --- path traversal in keys and in --out -----------------------------------
@pytest.mark.parametrize("ref", ["../../etc/passwd", "/etc/passwd", "lapsed-buyers/../x",
                                 "..", "lapsed-buyers\x00"])
def test_audience_keys_cannot_traverse(tmp_path: Path, ref: str) -> None:
    repo = make_repo(tmp_path)
    path = repo / "campaigns" / "spring-sale.yaml"
    text = path.read_text().replace("[lapsed-buyers]", json.dumps([ref]))
    path.write_text(text)
    lines = load_problems(repo)
    assert any("unknown audience key" in line or "control character" in line
               for line in lines), lines


def test_target_cannot_traverse(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    code, out, err = run_cli(["plan", "--target", "../../etc/passwd"], repo, env=NO_CACHE)
    assert code == 1 and "no spec with key" in err and out == ""


@pytest.mark.parametrize("out", ["campaigns/plan.json", "audiences/deep/plan.json",
                                 "reconciler.yaml", "./campaigns/../campaigns/x.yaml",
                                 "link/plan.json", "campaigns"])
def test_plan_out_refuses_the_repos_own_inputs(tmp_path: Path, out: str) -> None:
    repo = make_repo(tmp_path)
    (repo / "link").symlink_to(repo / "campaigns")
    config = (repo / "reconciler.yaml").read_bytes()
    code, _, err = run_cli(["plan", "--out", out], repo, env=NO_CACHE)
    assert code == 1 and ("refusing --out" in err or "is a directory" in err), err
    assert (repo / "reconciler.yaml").read_bytes() == config
    assert sorted(p.name for p in (repo / "campaigns").iterdir()) == ["spring-sale.yaml"]


def test_plan_out_may_write_anywhere_else_the_user_says(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, _, err = run_cli(["plan", "--out", "../elsewhere/plan.json"], repo, env=NO_CACHE)
    assert code == 0, err
    assert json.loads((tmp_path / "elsewhere" / "plan.json").read_text())["format_version"] == "1"


def test_apply_journal_refuses_a_spec_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    code, _, err = run_cli(["apply", "--auto-approve", "--journal", "audiences/j.jsonl"], repo,
                           env=NO_CACHE)
    assert code == 1 and "refusing --journal" in err


# --- names that look alike -------------------------------------------------
LOOKALIKES = [
    "Spring s\u0430le",         # Cyrillic a
    "Spring\u200b sale",        # zero-width space
    "\uff33pring sale",         # fullwidth S (NFKC)
    "SPRING SALE",              # case only
    "Spring  sale",             # two spaces
    "Spring sal\u0435",         # Cyrillic e
]


def twin_repo(tmp_path: Path, name: str) -> Path:
    repo = make_repo(tmp_path)
    base = (repo / "campaigns" / "spring-sale.yaml").read_text()
    (repo / "campaigns" / "twin.yaml").write_text(base.replace("Spring sale", name))
    return repo


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_confusable_names_warn(tmp_path: Path, lookalike: str) -> None:
    repo = twin_repo(tmp_path, lookalike)
    assert fold(lookalike) == fold("Spring sale")
    warnings: list[str] = []
    load_workspace(load_config(repo / "reconciler.yaml"), warn=warnings.append)
    assert len(warnings) == 1 and "looks the same as" in warnings[0], warnings
    assert warnings[0].startswith("warning: campaigns/twin.yaml: campaign name")
    assert warnings[0].isascii()  # the difference is spelled out (\u0430), not hidden


def test_confusable_names_warn_on_validate_and_plan_stderr(tmp_path: Path) -> None:
    repo = twin_repo(tmp_path, LOOKALIKES[0])
    for args in (["validate"], ["plan"]):
        code, _, err = run_cli(args, repo, env=NO_CACHE)
        assert code == 0, err
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and "looks the same as" in warnings[0], err
        assert "\\u0430" in warnings[0]


def test_names_that_merely_resemble_do_not_warn(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    base = (repo / "campaigns" / "spring-sale.yaml").read_text()
    (repo / "campaigns" / "twin.yaml").write_text(base.replace("Spring sale", "Spring sales"))
    code, _, err = run_cli(["validate"], repo, env=NO_CACHE)
    assert code == 0 and "warning" not in err


# --- text from the API and from specs, bound for terminals and PR comments --
ESCAPES = ["\x1b[2J\x1b[31mEvil\x07", "\x1b]0;pwned\x07title", "Bell\x07\x08\x7f",
           "RTL\u202egnp.exe", "\x9b31mC1"]


@pytest.mark.parametrize("name", ESCAPES)
def test_live_names_with_escape_sequences_never_reach_output_raw(
    name: str, repo: Repo, tmp_path: Path
) -> None:
    repo.env_extra = {"prune": True}  # the hostile object is pruned: plan, comment, report
    repo.write_config()
    repo.put("campaign", "mine", campaign("Mine"))
    with repo.api() as api:
        body = campaign(name)
        body["creatives"] = body["creatives"][0]
        api.post("/push/campaigns", json=body).raise_for_status()
    outputs = [repo.run("--debug", "plan", "--out", "p.json"),
               repo.run("gitops", "comment", "--env", "test", "--plan-file", "p.json"),
               repo.run("apply", "--auto-approve")]
    for run in outputs:
        text = run.stdout + run.stderr
        for bad in ("\x1b", "\x07", "\x08", "\x9b", "\u202e"):
            assert bad not in text, (run.code, text)
    assert [r.code for r in outputs] == [0, 0, 0]
    assert "archive" in outputs[0].stdout and "archive" in outputs[2].stdout
    assert [c["name"] for c in repo.live_campaigns()] == ["Mine"]


INJECTIONS = [
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "![pixel](http://evil.example/p.png)",
    "--> <!-- hidden",
    "</details></td></table><h1>Hi</h1>",
    "| col | col |\n|---|---|",
    "```\nfenced\n```",
    "@everyone #1 :shipit:",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_markdown_and_html_in_campaign_text_render_literally(
    tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.cli.workflow import compute_plan
    from reconciler.render.markdown import render_markdown

    repo = make_repo(tmp_path)
    path = repo / "campaigns" / "spring-sale.yaml"
    path.write_text(path.read_text().replace(
        '"Spring deals at {{ vars.store_name }}"', json.dumps(text)
    ).replace("name: Spring sale", f"name: {json.dumps(text)}"))
    monkeypatch.chdir(repo)
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    plan = asyncio.run(compute_plan(repo / "reconciler.yaml", None, ()))
    body = render_markdown(plan).split("\n", 1)[1]  # after the marker comment
    seen, tags = page(body)
    assert fold_space(text) in seen  # a reader sees the text as written, whole
    assert not {"script", "a", "img", "h1", "!--"} & set(tags)
    assert tags.count("table") == 1 + 2  # the summary and the two raw field tables only
    for bad in ("<script", "](", "<!--", "-->", "</details></td>", "<h1>", "```\nfenced",
                "@everyone", "| col |"):
        assert bad not in body, bad


# --- saved plans: tampered or for another app -----------------------------
TWO_ENVS = """default_env: a
envs:
  a: {api_url: sandbox, org_id: 1, app_id: app-a}
  b: {api_url: sandbox, org_id: 1, app_id: app-b}
"""


def test_a_plan_for_another_env_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "reconciler.yaml").write_text(TWO_ENVS)
    (repo / "campaigns" / "spring-sale.yaml").write_text(
        (repo / "campaigns" / "spring-sale.yaml").read_text().replace("{{ vars.store_name }}", "x"))
    assert run_cli(["plan", "--env", "a", "--out", "a.json"], repo, env=NO_CACHE)[0] == 0
    code, _, err = run_cli(["apply", "--env", "b", "--auto-approve", "a.json"], repo, env=NO_CACHE)
    assert code == 1 and "plan is for env 'a'" in err and "app-b" in err


def test_a_plan_for_another_app_of_the_same_env_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert run_cli(["plan", "--out", "p.json"], repo, env=NO_CACHE)[0] == 0
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text().replace("app_id: test-app", "app_id: other-app"))
    code, _, err = run_cli(["apply", "--auto-approve", "p.json"], repo, env=NO_CACHE)
    assert code == 1 and "plan is for env" in err and "other-app" in err


@pytest.fixture(scope="module")
def saved_plan(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One plan file of the base repo (planning is the costly part)."""
    repo = make_repo(tmp_path_factory.mktemp("saved"))
    assert run_cli(["plan", "--out", "p.json"], repo, env=NO_CACHE)[0] == 0
    return (repo / "p.json").read_text()


@pytest.mark.parametrize("edit", ["action", "payload", "target", "truncate", "not-json"])
def test_a_hand_edited_plan_file_is_refused(tmp_path: Path, edit: str, saved_plan: str) -> None:
    repo = make_repo(tmp_path)
    path = repo / "p.json"
    text = saved_plan
    doc = json.loads(text)
    if edit == "action":
        doc["changes"][0]["action"] = "delete"
    elif edit == "payload":
        doc["saved"]["content_hash"] = "0" * 64
    elif edit == "target":
        doc["target"]["app_id"] = "someone-else"
    new = json.dumps(doc)
    if edit == "truncate":
        new = text[: len(text) // 2]
    elif edit == "not-json":
        new = "\x1b[2Jhello"
    path.write_text(new)
    code, _, err = run_cli(["apply", "--auto-approve", "p.json"], repo, env=NO_CACHE)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "checksum" in err or "not a plan file" in err
    assert "\x1b" not in err
