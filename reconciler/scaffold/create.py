"""Write a new campaign repository from the files shipped in `scaffold/files/`.

A team gets its own repo (config with a sandbox env, one audience, one campaign,
the GitHub workflows, pre-commit, editor schemas) instead of forking the tool's,
whose tests and examples are not theirs. Every target path is checked before the
first write, so a refusal leaves the folder as it was.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from reconciler.errors import RefusedError

# Where the Action and the pre-commit hooks are published: `--action` overrides it.
ACTION_REPO = "reconciler-dev/reconciler"
# The commit of ACTION_REPO this build was released as, written by the release process
# (docs/contributing.md); `null` between releases, when init asks for `--action`.
RELEASE_FILE = "release.json"
_SHA = re.compile(r"[0-9a-f]{40}")
_ACTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+@[0-9a-f]{40}")


@dataclass(frozen=True)
class Action:
    """The Action (and pre-commit hook repo) the new repo's files pin, by commit SHA."""

    repo: str
    sha: str

    @property
    def uses(self) -> str:
        return f"{self.repo}@{self.sha}"


def parse_action(text: str) -> Action:
    """`owner/repo@<40-hex sha>`: a tag or branch is refused, as a moved tag would run other code."""
    if not _ACTION.fullmatch(text):
        raise RefusedError(f"--action {text!r}: expected owner/repo@<40-hex commit sha>")
    repo, sha = text.split("@")
    return Action(repo, sha)


def released_commit() -> str | None:
    """The release commit shipped in the package, or None (not a release, or unreadable).

    Never a git repository's HEAD found near the installed files: installed in a
    project's `.venv`, that would be the project's commit, not reconciler's."""
    try:
        doc = json.loads(resources.files("reconciler.scaffold").joinpath(RELEASE_FILE)
                         .read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sha = doc.get("commit") if isinstance(doc, dict) else None
    return sha if isinstance(sha, str) and _SHA.fullmatch(sha) else None


def source_commit() -> str | None:
    """HEAD of reconciler's own source checkout, when this package runs from one (a clone
    of reconciler installed editable, as the README's `make plan` does), else None.

    The checkout must be the folder right above this package and hold reconciler's own
    `action.yml` and `pyproject.toml`: an installed copy sits in `site-packages`, never
    there, so another project's repository around a `.venv` is never asked."""
    package = Path(__file__).resolve().parents[1]
    top = package.parent
    try:
        project = (top / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    if not (top / "action.yml").is_file() or 'name = "reconciler"' not in project:
        return None
    try:
        found = subprocess.run(["git", "-C", str(top), "rev-parse", "--show-toplevel", "HEAD"],
                               capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = found.stdout.split()
    if len(lines) != 2 or Path(lines[0]).resolve() != top or not _SHA.fullmatch(lines[1]):
        return None
    return lines[1]


def default_action() -> Action:
    """The release's commit, else the commit of reconciler's own checkout this runs from;
    neither (an unreleased install): the user names one with `--action`."""
    sha = released_commit() or source_commit()
    if sha is None:
        raise RefusedError("this reconciler is not a release, so it knows no commit to pin "
                           f"the Action to; pass --action {ACTION_REPO}@<commit sha>")
    return Action(ACTION_REPO, sha)


def plan_files(provider: str, action: Action) -> dict[str, str]:
    """Every file of the new repo: relative path -> text."""
    from reconciler.registry import platform
    from reconciler.workspace.schema import schema_text

    found = platform(provider)
    root = resources.files("reconciler.scaffold") / "files"
    files = dict(_tree(root / found.scaffold, ""))
    files[".gitignore"] = (root / "common" / "gitignore").read_text(encoding="utf-8")
    files[".pre-commit-config.yaml"] = _pin(
        (root / "common" / "pre-commit-config.yaml").read_text(encoding="utf-8"), action)
    for name, text in _tree(root / "workflows", ".github/workflows/"):
        files[name] = _pin(text, action)
    for kind in ("config", *(k.schema for k in found.kinds)):  # schemas for editors
        files[f"schemas/{kind}.schema.json"] = schema_text(kind)
    return files


def _tree(folder: Traversable, prefix: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.is_dir():
            out.extend(_tree(item, f"{prefix}{item.name}/"))
        elif item.name.endswith((".yaml", ".yml")):
            out.append((f"{prefix}{item.name}", item.read_text(encoding="utf-8")))
    return out


def _pin(text: str, action: Action) -> str:
    """The tool's own workflows use the Action in place (`uses: ./`, or `./base`, the base
    branch's copy on a pull request); a user's pins it by SHA, which no pull request moves."""
    text = re.sub(r"uses: \./(?:base)?(\s)", lambda m: f"uses: {action.uses}{m.group(1)}", text)
    return (text.replace("@ACTION_URL@", f"https://github.com/{action.repo}")
            .replace("@ACTION_REF@", action.sha))


def write_repo(target: Path, provider: str, action: Action) -> list[str]:
    """Write the files under `target`; refuse, writing nothing, if any already exists."""
    from reconciler.registry import names

    if provider not in names():
        raise RefusedError(f"--provider {provider!r}: expected one of {', '.join(names())}")
    if target.exists() and not target.is_dir():
        raise RefusedError(f"{target} exists and is not a folder")
    files = plan_files(provider, action)
    clash = sorted(p for p in files if (target / p).exists() or (target / p).is_symlink())
    if clash:
        raise RefusedError(f"{target / clash[0]} already exists; init writes only into a "
                           "new or empty repository (nothing was written)")
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(files)
