"""Figures beside the last kept ones: `benchmarks/baseline.json`, and REGRESSED marks.

The baseline is the figures of the last full-size `make bench`, written back by
that run, so each run shows what moved since. A figure more than 15 % worse
than its baseline is marked REGRESSED; a figure past its target says MISSED.
Timings are noisy on shared machines: a REGRESSED figure is a reason to run
the group again (`benchmarks/run.py --only GROUP`), then to profile.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASELINE = Path(__file__).resolve().parent / "baseline.json"
TOLERANCE = 0.15


@dataclass(frozen=True)
class Figure:
    key: str  # stable name in baseline.json
    label: str
    value: float
    unit: str  # "x", " s", " MB" or ""
    target: float | None  # the bound it must stay within; None: shown, not judged
    detail: str = ""
    higher_is_better: bool = False

    def shown(self, value: float | None = None) -> str:
        v = self.value if value is None else value
        return f"{v:.2f}{self.unit}" if isinstance(v, float) else f"{v}{self.unit}"

    def meets_target(self) -> bool:
        if self.target is None:
            return True
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def regressed(self, before: float) -> bool:
        if self.higher_is_better:
            return self.value < before * (1 - TOLERANCE)
        return self.value > before * (1 + TOLERANCE) and self.value - before > 1e-9


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"figures": {}}
    return data if isinstance(data.get("figures"), dict) else {"figures": {}}


def save_baseline(figures: list[Figure], baseline: dict[str, Any], path: Path = BASELINE) -> None:
    """Keep this run's figures (others' stay as they were: a run of some groups)."""
    kept = {**baseline.get("figures", {}), **{f.key: round(f.value, 4) for f in figures}}
    doc = {"measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "figures": kept}
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def compare(figures: list[Figure], baseline: dict[str, Any]) -> str:
    """The table: measure, figure (detail), baseline, target, verdicts."""
    kept = baseline.get("figures", {})
    rows = [("measure", "figure", "baseline", "target", "")]
    for f in figures:
        before = kept.get(f.key)
        marks = [] if f.meets_target() else ["MISSED"]
        if isinstance(before, int | float) and f.regressed(float(before)):
            marks.append("REGRESSED")
        target = "" if f.target is None else f"{'>=' if f.higher_is_better else '<='} " \
                                              f"{f.shown(f.target)}"
        rows.append((f.label, f.shown() + (f" ({f.detail})" if f.detail else ""),
                     f.shown(before) if isinstance(before, int | float) else "-",
                     target, " ".join(marks) or "ok"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)
