"""Pull-request labels that say what merging would do: go-live, removes, no-changes.

Decided from the §8 plan documents of every env the pull request was planned
for, so one env's plan never undoes another's label: `go-live` and `removes`
when any env has such a change, `no-changes` only when no env changes
anything. Only labels the decision owns are ever added or removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError
from reconciler.gitops.gh import Runner, gh_json

GO_LIVE, REMOVES, NO_CHANGES = "go-live", "removes", "no-changes"
# name -> (colour, description) for creating a label the repository lacks
LABELS: dict[str, tuple[str, str]] = {
    GO_LIVE: ("b60205", "Merging makes a push campaign go live to real users"),
    REMOVES: ("d93f0b", "Merging archives or deletes live campaigns or audiences"),
    NO_CHANGES: ("c5def5", "The plan shows no change to the live app"),
}


@dataclass(frozen=True)
class LabelChange:
    add: tuple[str, ...]
    remove: tuple[str, ...]

    def to_json(self) -> dict[str, list[str]]:
        return {"add": list(self.add), "remove": list(self.remove)}


def decide(plans: list[dict[str, Any]]) -> LabelChange:
    """Which owned labels the pull request should carry, given its plans."""
    changes = [c for p in plans for c in p.get("changes", [])]
    wanted = {
        GO_LIVE: any(c.get("go_live") for c in changes),
        REMOVES: any(c.get("action") in ("archive", "delete") for c in changes),
        NO_CHANGES: bool(plans) and all(c.get("action") == "noop" for c in changes),
    }
    return LabelChange(
        add=tuple(n for n in LABELS if wanted[n]),
        remove=tuple(n for n in LABELS if not wanted[n]),
    )


def find_plans(paths: list[Path]) -> list[Path]:
    """Plan files named, or every `plan.json` below folders named (e.g. downloaded artifacts)."""
    found: list[Path] = []
    for path in paths:
        found += sorted(path.rglob("plan.json")) if path.is_dir() else [path]
    return found


def read_plans(paths: list[Path]) -> list[dict[str, Any]]:
    """The §8 documents in plan files (saved plans are a superset)."""
    plans = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(f"{path}: not a plan file ({e})") from None
        if not isinstance(doc, dict) or doc.get("format_version") != "1":
            raise ConfigError(f"{path}: not a plan of format_version 1")
        plans.append(doc)
    return plans


def sync(pr: int, change: LabelChange, runner: Runner) -> LabelChange:
    """Make the pull request's owned labels match; returns what was actually changed."""
    view = gh_json(runner, ["pr", "view", str(pr), "--json", "labels"]) or {}
    current = {label["name"] for label in view.get("labels", [])}
    add = tuple(n for n in change.add if n not in current)
    remove = tuple(n for n in change.remove if n in current)
    for name in add:
        colour, description = LABELS[name]
        runner(["label", "create", name, "--color", colour, "--description", description,
                "--force"])
    if add or remove:
        args = ["pr", "edit", str(pr)]
        for name in add:
            args += ["--add-label", name]
        for name in remove:
            args += ["--remove-label", name]
        runner(args)
    return LabelChange(add, remove)
