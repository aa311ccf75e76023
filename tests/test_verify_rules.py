"""Verify-after-write (reconciler/apply/verify.py) on plain values: when the write's own
answer is trusted, when the object is read back, and what `ignore_changes` exempts.

tests/test_verify_writes.py runs the same checks end to end through the CLI against a
proxy that drops a field; these pin the choices it cannot force (an answer without a
field, a read-back that finds nothing).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reconciler.apply.verify import NotKept, verify_write
from reconciler.provider import LiveObject, Provider

SENT = {"name": "Sale", "goal": "monetize", "schedule": {"at": "09:00", "zone": 0}}


class Platform:
    """The three calls verify_write makes, with the default `stored` of every provider."""

    stored = Provider.stored

    def __init__(self, kept: dict[str, Any] | None) -> None:
        self.kept = kept
        self.reads = 0

    def comparable(self, kind: str, payload: Any) -> dict[str, Any]:
        return dict(payload)

    async def get_live(self, kind: str, live_id: int | str) -> LiveObject | None:
        self.reads += 1
        return None if self.kept is None else LiveObject(kind, live_id, "Sale", body=self.kept)


def verify(platform: Platform, answer: dict[str, Any] | None, ignore: tuple[str, ...] = (),
           after: str = "") -> LiveObject:
    written = LiveObject("campaign", 41, "Sale", body=answer)
    return asyncio.run(verify_write(platform, "campaign", written, SENT, ignore,  # type: ignore[arg-type]
                                    after=after))


def test_an_answer_with_every_field_sent_is_checked_without_a_read() -> None:
    platform = Platform(kept=None)
    assert verify(platform, dict(SENT)).id == 41  # bodies are in comparable form
    assert platform.reads == 0


def test_an_answer_that_omits_a_field_proves_nothing_so_the_object_is_read() -> None:
    platform = Platform(kept=dict(SENT))
    verify(platform, {"name": "Sale"})
    assert platform.reads == 1


def test_a_field_lost_on_read_back_fails_naming_it() -> None:
    platform = Platform(kept={**SENT, "schedule": {"at": "09:00"}})
    with pytest.raises(NotKept) as lost:
        verify(platform, None)
    assert str(lost.value) == "the API did not keep schedule.zone (sent 0, answered nothing)"
    assert lost.value.live_id == 41


def test_an_object_that_cannot_be_read_back_is_not_counted_as_applied() -> None:
    with pytest.raises(NotKept) as lost:
        verify(Platform(kept=None), None, after="; left as a draft, not activated")
    assert str(lost.value) == ("the API answered the write of campaign 41 but the object "
                               "cannot be read back; left as a draft, not activated")
    assert lost.value.live_id == 41  # the report and journal still point at it


def test_ignore_changes_paths_are_not_verified_and_nothing_else_is_exempt() -> None:
    rewritten = {**SENT, "schedule": {"at": "10:00", "zone": 0}}
    verify(Platform(kept=rewritten), None, ignore=("schedule.at",))
    with pytest.raises(NotKept, match="did not keep schedule.at"):
        verify(Platform(kept=rewritten), None, ignore=("schedule.zone",))
