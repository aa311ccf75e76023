"""Apply results as GitHub workflow annotations, so failed objects show on the run page."""

from __future__ import annotations

import json
from typing import Any


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(report: dict[str, Any]) -> list[str]:
    """`::error` per failed object, `::warning` per skipped one (§8 apply JSON)."""
    lines = []
    for r in report.get("results", []):
        if r.get("status") not in ("failed", "skipped"):
            continue
        level = "error" if r["status"] == "failed" else "warning"
        ident = r.get("key") or f"#{r.get('live_id')}"
        head = f"{r['status']}: {r.get('action')} {r.get('kind')} {ident}"
        detail = r.get("error") or "skipped: something it depends on failed"
        lines.append(f"::{level} title={escape_property(head)}::"
                     f"{escape_data(str(r.get('name', '')))}: {escape_data(str(detail))}")
    return lines


def read_report(text: str) -> dict[str, Any] | None:
    """The apply report, or None when apply printed none (it was refused or crashed)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and "results" in doc else None
