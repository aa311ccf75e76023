"""One drift issue per env, found by its exact title: opened or updated on drift, closed on none."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.gitops.gh import Runner, gh_json

CLOSE_NOTE = "The scheduled plan shows no drift any more: live matches the specs. Closing."


def title(env: str) -> str:
    return f"Drift detected: {env}"


@dataclass(frozen=True)
class IssueAction:
    verb: str  # "created" | "updated" | "closed" | "none"
    number: int | None = None


def find_open(env: str, runner: Runner) -> int | None:
    """The open issue titled exactly `Drift detected: ENV` (search is fuzzy; the match is not)."""
    wanted = title(env)
    found = gh_json(runner, ["issue", "list", "--state", "open", "--search",
                             f'"{wanted}" in:title', "--json", "number,title", "--limit", "100"])
    numbers = sorted(i["number"] for i in found or [] if i.get("title") == wanted)
    return numbers[0] if numbers else None


def sync(env: str, drift: bool, body_file: str, runner: Runner) -> IssueAction:
    """Exit 2 of `plan --detailed-exitcode` means drift; exit 0 means none."""
    number = find_open(env, runner)
    if drift:
        if number is None:
            url = runner(["issue", "create", "--title", title(env), "--body-file", body_file])
            tail = url.strip().rsplit("/", 1)[-1]
            return IssueAction("created", int(tail) if tail.isdigit() else None)
        runner(["issue", "edit", str(number), "--body-file", body_file])
        return IssueAction("updated", number)
    if number is None:
        return IssueAction("none")
    runner(["issue", "close", str(number), "--comment", CLOSE_NOTE])
    return IssueAction("closed", number)
