"""One drift issue per env: opened or updated on drift, closed on none.

The issue is recognised by a hidden marker line in its body,
`<!-- reconciler:drift env=ENV -->`, in an issue opened by the workflow's bot
account, never by its title alone: anyone may open an issue titled "Drift
detected: production" first, and a decoy must not receive (or swallow) the
drift report. The title only narrows the search.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.gitops.gh import Runner, gh_json

CLOSE_NOTE = "The scheduled plan shows no drift any more: live matches the specs. Closing."
BOT = "github-actions"  # the account GITHUB_TOKEN writes as (login github-actions[bot])
_ENV_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def title(env: str) -> str:
    return f"Drift detected: {env}"


def drift_marker(env: str) -> str:
    return f"<!-- reconciler:drift env={_ENV_SAFE.sub('_', env)[:100]} -->"


@dataclass(frozen=True)
class IssueAction:
    verb: str  # "created" | "updated" | "closed" | "none"
    number: int | None = None


def is_bot(author: Any, bot: str = BOT) -> bool:
    """Whether an issue's author is the bot (gh shows `app/NAME` or `NAME[bot]`, is_bot)."""
    if not isinstance(author, dict) or author.get("is_bot") is not True:
        return False
    login = str(author.get("login", "")).removeprefix("app/").removesuffix("[bot]")
    return login == bot


def find_open(env: str, runner: Runner, bot: str = BOT) -> int | None:
    """The oldest open issue by the bot whose body carries this env's marker line."""
    wanted = drift_marker(env)
    found = gh_json(runner, ["issue", "list", "--state", "open", "--search",
                             f'"{title(env)}" in:title', "--json", "number,title,body,author",
                             "--limit", "100"])
    numbers = sorted(i["number"] for i in found or []
                     if wanted in str(i.get("body", "")).splitlines() and is_bot(i.get("author"), bot))
    return numbers[0] if numbers else None


def sync(env: str, drift: bool, body_file: str, runner: Runner, bot: str = BOT) -> IssueAction:
    """Exit 2 of `plan --detailed-exitcode` means drift; exit 0 means none."""
    number = find_open(env, runner, bot)
    if drift:
        with tempfile.TemporaryDirectory() as tmp:
            marked = Path(tmp) / "body.md"
            text = Path(body_file).read_text(encoding="utf-8", errors="replace")
            marked.write_text(f"{drift_marker(env)}\n{text}", encoding="utf-8")
            if number is None:
                url = runner(["issue", "create", "--title", title(env), "--body-file", str(marked)])
                tail = url.strip().rsplit("/", 1)[-1]
                return IssueAction("created", int(tail) if tail.isdigit() else None)
            runner(["issue", "edit", str(number), "--body-file", str(marked)])
            return IssueAction("updated", number)
    if number is None:
        return IssueAction("none")
    return close(env, CLOSE_NOTE, runner, bot, number)


def close(env: str, note: str, runner: Runner, bot: str = BOT,
          number: int | None = None) -> IssueAction:
    """Close the env's open drift issue (if any) with `note` as its last comment."""
    number = number if number is not None else find_open(env, runner, bot)
    if number is None:
        return IssueAction("none")
    runner(["issue", "close", str(number), "--comment", note])
    return IssueAction("closed", number)
