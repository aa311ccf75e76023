"""`reconciler doctor`: check a provider's assumptions against the env's API.

Platform-free: a provider returns `Check` rows from `Provider.doctor_checks`
(a provider with no checks returns none); this module runs them, writes the
findings to `.reconciler/doctor-<env>.json` and reads them back for later
runs. A finding only chooses between forms the platform documents (which key
saved audiences are written under, how a page past the last answers): it never
changes what a spec means, and an explicit setting in reconciler.yaml beats it
(issue 16: nothing cached beats the files).

Nothing secret goes into a row or the file: rows carry what the API answered
(statuses, keys, counts), never request headers or credentials.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT_VERSION = "1"
PROBE_PREFIX = "reconciler-doctor-"


@dataclass(frozen=True)
class Check:
    """One assumption and whether the API bore it out.

    `held` is None when the check could not run (an earlier one failed, or
    the account has nothing to check it against); only False fails doctor.
    `choices` are the documented forms this check found the account to use,
    e.g. `{"audience_key": "audiences"}`.
    """

    id: str
    assumption: str
    held: bool | None
    evidence: str
    choices: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "assumption": self.assumption, "held": self.held,
                "evidence": self.evidence, "choices": dict(self.choices)}


def probe_name() -> str:
    """A name no spec uses and no two doctor runs share."""
    return PROBE_PREFIX + secrets.token_hex(4)


def first_line(e: BaseException) -> str:
    """An error as evidence: its first line, short (messages never carry credentials)."""
    return str(e).splitlines()[0][:300] if str(e) else type(e).__name__


def skipped(check_id: str, assumption: str, why: str) -> Check:
    return Check(check_id, assumption, None, f"not checked: {why}")


def assumed(check_id: str, assumption: str, why: str) -> Check:
    """An assumption doctor cannot check without harm (stopping a real send): shown as a
    row, never as held, so it stays on the list to confirm with the vendor."""
    return Check(check_id, assumption, None, f"ASSUMED, not checked: {why}")


def shape_check(check_id: str, what: str, rows: list[Any], keys: tuple[str, ...]) -> Check:
    """A listing's rows all carry the keys reconciler reads (identity, references)."""
    assumption = f"{what} {', '.join(keys)} for each record"
    bad = [r for r in rows if not isinstance(r, Mapping) or any(k not in r for k in keys)]
    return Check(check_id, assumption, not bad,
                 f"{len(rows)} read" + (f", {len(bad)} lack a key" if bad else ", all complete"))


def all_held(checks: Sequence[Check]) -> bool:
    return all(c.held is not False for c in checks)


def choices_of(checks: Sequence[Check]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in checks:
        out.update(c.choices)
    return dict(sorted(out.items()))


def findings_path(state_dir: Path, env_name: str) -> Path:
    return state_dir / f"doctor-{env_name}.json"


def save_findings(state_dir: Path, env_name: str, provider: str, write: bool,
                  checks: Sequence[Check]) -> Path:
    """Write the findings atomically (a reader never sees half a file)."""
    path = findings_path(state_dir, env_name)
    state_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "format_version": FORMAT_VERSION, "env": env_name, "provider": provider,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "write": write, "all_held": all_held(checks), "choices": choices_of(checks),
        "checks": [c.to_json() for c in checks],
    }
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class Findings:
    """The choices a doctor run recorded for an env, and where they came from."""

    path: Path
    choices: Mapping[str, str]

    def choice(self, name: str, allowed: Sequence[str]) -> str | None:
        """A recorded choice, only if it is one of the documented `allowed` forms."""
        value = self.choices.get(name)
        return value if value in allowed else None

    def note(self, what: str, value: str, relative_to: Path | None = None) -> str:
        shown = self.path
        if relative_to is not None:
            try:
                shown = self.path.relative_to(relative_to)
            except ValueError:
                pass
        return f"using doctor finding: {what} {value!r} (from {shown})"


def load_findings(state_dir: Path, env_name: str) -> Findings | None:
    """The env's findings, or None when doctor never ran or its file is unreadable
    (a damaged findings file only loses the learned choices: defaults hold)."""
    path = findings_path(state_dir, env_name)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    choices = doc.get("choices") if isinstance(doc, dict) else None
    if not isinstance(choices, dict):
        return None
    return Findings(path, {str(k): v for k, v in choices.items() if isinstance(v, str)})
