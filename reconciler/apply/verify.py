"""Verify every write (DESIGN §6): "applied" means the API now keeps the spec.

Terraform stops at "provider produced inconsistent result after apply"; this
names the field. After each create or update the object as the API keeps it
(its answer, or a read-back: `Provider.stored`) is compared with what was
sent, both in the provider's comparable form and without `ignore_changes`
paths, using the same diff the planner uses. So whatever a verified apply
wrote, the next plan shows as unchanged; a field that did not stick fails
the change instead of becoming a perpetual diff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.plan import paths
from reconciler.plan.diff import diff
from reconciler.plan.model import FieldChange
from reconciler.provider import LiveObject, Provider

SHOWN = 60  # characters of a value quoted in a message


class NotKept(ReconcilerError):
    """The API answered a write but does not keep what was sent.

    `live_id` is the object the write left behind (a draft, when a go-live
    was held back), so the report and journal can point at it.
    """

    def __init__(self, message: str, live_id: int | str | None) -> None:
        super().__init__(message)
        self.live_id = live_id


async def verify_write(
    provider: Provider,
    kind: str,
    written: LiveObject,
    payload: Mapping[str, Any],
    ignore: Sequence[str] = (),
    *,
    after: str = "",
) -> LiveObject:
    """The stored object when it equals `payload` in comparable form; else NotKept.

    `after` ends the message (e.g. "; left as a draft, not activated").
    """
    sent = paths.without(provider.comparable(kind, payload), tuple(ignore))
    stored = await provider.stored(kind, written, sent)
    if stored is None or stored.body is None:
        raise NotKept(f"the API answered the write of {kind} {written.id} but the object "
                      f"cannot be read back{after}", written.id)
    kept = paths.without(dict(stored.body), tuple(ignore))
    lost = diff(kept, sent)
    if lost:
        raise NotKept(describe(lost) + after, stored.id)
    return stored


def describe(lost: list[FieldChange]) -> str:
    """One line naming the first field that did not stick, and how many more."""
    first = lost[0]
    more = f" and {len(lost) - 1} more field(s)" if len(lost) > 1 else ""
    sent, answered = _shown(first.after), _shown(first.before)
    return f"the API did not keep {first.path or 'the object'}{more} (sent {sent}, " \
           f"answered {answered})"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"
