"""Saved plans (`plan --out FILE`, `apply FILE`).

The file is the §8 document plus a `saved` block: the specs' content hash
and, per change, the live object's fingerprint and body at plan time, so
apply can refuse a stale plan and say what changed. A checksum over the
whole document detects accidental hand edits; it is a keyless hash, so it
is no security boundary: apply re-derives the plan and executes only what a
fresh plan agrees with (reconciler.apply.stale). Written atomically: a crash leaves the
old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from reconciler.errors import StalePlanError
from reconciler.plan.model import (
    FORMAT_VERSION,
    Action,
    Change,
    FieldChange,
    Phrase,
    Plan,
    Problem,
    Unmanaged,
    Words,
)


def save(plan: Plan, path: Path) -> None:
    doc = plan.to_json()
    doc["saved"] = {
        "content_hash": plan.content_hash,
        "fingerprints": {c.ref: c.fingerprint for c in plan.changes},
        "live_bodies": {c.ref: c.live_body for c in plan.changes if c.live_body is not None},
        "refusals": plan.refusals,
        "target_args": list(plan.target_args),
        "send_test": plan.send_test,
        "scope": list(plan.scope),
        "words": {c.ref: [p.to_json() for p in c.words] for c in plan.changes if c.words},
        "words_before": {c.ref: [p.to_json() for p in c.words_before]
                         for c in plan.changes if c.words_before},
        "names": plan.names,
        "shown": {c.ref: c.shown for c in plan.changes if c.shown},
    }
    doc["checksum"] = _checksum(doc)
    atomic_write(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def load(path: Path) -> Plan:
    """The plan and its live bodies; refuses files edited by hand or of another format."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StalePlanError(f"{path}: plan file not found") from None
    except (ValueError, RecursionError) as e:  # not JSON, not UTF-8, 5,000-digit ints, too deep
        raise StalePlanError(f"{path}: not a plan file ({str(e)[:200] or 'nested too deep'})"
                             ) from None
    if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION or "saved" not in doc:
        raise StalePlanError(f"{path}: not a saved plan of format_version {FORMAT_VERSION}")
    if doc.get("checksum") != _checksum({k: v for k, v in doc.items() if k != "checksum"}):
        raise StalePlanError(f"{path}: checksum mismatch: the plan file was edited; plan again")
    saved = doc["saved"]
    fingerprints = saved["fingerprints"]
    changes = []
    for c in doc["changes"]:
        change = Change(
            kind=c["kind"], key=c["key"], name=c["name"], action=Action(c["action"]),
            live_id=c["live_id"], diff=[FieldChange(**d) for d in c["diff"]],
            go_live=c["go_live"], reach=c["reach"], depends_on=tuple(c["depends_on"]),
            warnings=list(c["warnings"]), schedule=c.get("schedule"),
            reach_before=c.get("reach_before"), stop=c.get("stop"),
        )
        change.fingerprint = fingerprints.get(change.ref, "absent")
        change.live_body = saved.get("live_bodies", {}).get(change.ref)
        change.words = _words(saved.get("words", {}).get(change.ref))
        change.words_before = _words(saved.get("words_before", {}).get(change.ref))
        change.shown = _shown(saved.get("shown", {}).get(change.ref))
        changes.append(change)
    plan = Plan(
        env=doc["env"], target=doc["target"], changes=changes,
        unmanaged=[Unmanaged(**u) for u in doc["unmanaged"]],
        refusals=list(saved.get("refusals", [])), content_hash=saved["content_hash"],
        # older files lack it: naming the env is never wrong
        target_args=tuple(saved.get("target_args", ("--env", doc["env"]))),
        send_test=bool(saved.get("send_test", False)),
        scope=tuple(str(t) for t in saved.get("scope", ())),
        errors=[Problem(**e) for e in doc.get("errors", [])],  # older files have none
        names={str(k): str(v) for k, v in (saved.get("names") or {}).items()},
    )
    return plan


def _shown(doc: Any) -> dict[str, list[str | None]]:
    """Field-table values in words of a saved plan; older files have none."""
    if not isinstance(doc, dict):
        return {}
    return {str(k): [x if isinstance(x, str) else None for x in v][:2]
            for k, v in doc.items() if isinstance(v, list) and len(v) == 2}


def _words(docs: Any) -> Words:
    """Phrases of a saved plan; files written before the words layer have none."""
    return tuple(Phrase.from_json(d) for d in docs) if isinstance(docs, list) else ()


def _checksum(doc: dict[str, Any]) -> str:
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
