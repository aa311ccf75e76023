"""The composite action installs exactly the versions in requirements/action.txt.

Every line is `name==version`, and every distribution reconciler needs at run
time — direct or transitive, extras included, markers evaluated for this
Python — is among them, so a production run installs nothing unpinned.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "requirements" / "action.txt"
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!-]*)")


def pins() -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in PINS.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.fullmatch(line)
        assert match, f"not pinned to one version: {raw!r}"
        out[canonicalize_name(match[1])] = match[2]
    return out


def runtime_closure(root: str = "reconciler") -> set[str]:
    """Distributions `root` needs installed here: its requirements, theirs, and so on."""
    seen: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while todo:
        name, extras = todo.pop()
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            env_ok = any(req.marker is None or req.marker.evaluate({"extra": e})
                         for e in (extras or {""}))
            if not env_ok:
                continue
            key = canonicalize_name(req.name)
            if key not in seen or req.extras:
                seen.add(key)
                todo.append((req.name, frozenset(req.extras)))
    return seen


def test_every_line_pins_one_version() -> None:
    assert len(pins()) >= 10


def test_every_runtime_dependency_is_pinned() -> None:
    missing = runtime_closure() - set(pins())
    assert not missing, f"add to requirements/action.txt: {sorted(missing)}"


def test_the_action_installs_with_the_constraints() -> None:
    steps = YAML(typ="safe").load((ROOT / "action.yml").read_text())["runs"]["steps"]
    install = next(s for s in steps if s.get("name") == "Install reconciler")
    assert install["env"]["PIP_CONSTRAINT"] == "${{ github.action_path }}/requirements/action.txt"
    assert "pip install" in install["run"]
