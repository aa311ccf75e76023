"""What apply did, per change, for the report (DESIGN §8 apply JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.plan.model import Change

APPLIED, FAILED, SKIPPED = "applied", "failed", "skipped"


@dataclass
class Result:
    change: Change
    status: str
    live_id: int | str | None = None  # Localytics: int; Stream: the string id
    error: str | None = None
    note: str | None = None  # e.g. "adopted after an ambiguous failure"
    # Values to write into the spec file where identity lives in git (id, pin block).
    pin: dict[str, Any] | None = None
    request: Any = None  # journaled when an ambiguous write could not be looked up

    def to_json(self) -> dict[str, Any]:
        c = self.change
        return {
            "kind": c.kind, "key": c.key, "name": c.name, "action": c.action.value,
            "live_id": self.live_id, "status": self.status, "error": self.error,
        }


def summary(results: list[Result]) -> dict[str, int]:
    return {s: sum(1 for r in results if r.status == s) for s in (APPLIED, FAILED, SKIPPED)}


def report_json(results: list[Result]) -> dict[str, Any]:
    return {
        "format_version": "1",
        "results": [r.to_json() for r in results],
        "summary": summary(results),
    }
