"""The emergency stop on Airship (reconciler.platform.Stops): what can stop, and how.

- A pipeline (automation) stops when written back with `enabled: false`: the PUT is a
  full replace, so the whole object goes back as read (its `historical_trigger`'s
  `creation_time` included, which Airship resets when a PUT leaves it out), read-only
  fields aside. A disabled pipeline triggers nothing more; a completed one (past its
  `deactivation_time`) sends nothing more either.
- A scheduled push has no disabled state: it stops by `DELETE /api/schedules/{id}`,
  after which nothing of it is left to read (a 404 on the read-back is the stop
  verified; a second stop finds nothing: "was not live"). Airship cancels only a
  schedule that has not begun sending [SUP-DEL]: a one-time push whose time has come
  for some devices is being delivered and cannot be stopped (a local-time push begins
  when its time comes in the first time zone, UTC+14, and goes on for a day; a
  best-time push from the start of its day there). A recurring schedule can always be
  deleted: every later send is cancelled. A paused recurring schedule sends nothing.

ASSUMED (doctor says so): that a disabled pipeline also drops the sends it already
triggered and holds back on its `timing`; that Airship answers 409 to the DELETE of a
one-time schedule that has begun sending (the support article says only "cannot").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.airship.client import AirshipClient
from reconciler.airship.sendings import first_time, passed, times
from reconciler.provider import LiveObject

PIPELINE, SCHEDULE = "pipeline", "schedule"
PATHS = {PIPELINE: "pipelines", SCHEDULE: "schedules"}
READ_ONLY = frozenset({"uid", "url", "status", "creation_time", "last_modified_time"})
FIRST_ZONE = timedelta(hours=14)  # a local or best time comes first in UTC+14
STOPPED_STATE = {PIPELINE: "disabled", SCHEDULE: "deleted"}
ASSUMPTION = ("a pipeline written back with enabled false drops the sends it holds on its "
              "timing; a one-time schedule that began sending refuses DELETE (409)")


def which(live: LiveObject) -> str:
    """pipeline | schedule: the endpoint the campaign was read from."""
    return str((live.body or {}).get("type") or PIPELINE)


def is_stopped(live: LiveObject, now: datetime) -> bool:
    """Whether nothing more of `live` sends: a disabled or completed pipeline; a paused
    recurring schedule, or a one-time one whose window is over everywhere."""
    raw = live.raw or {}
    if which(live) == PIPELINE:
        return not raw.get("enabled") or live.status == "completed"
    schedule = raw.get("schedule") or {}
    recurring = schedule.get("recurring")
    if isinstance(recurring, Mapping):
        return bool(recurring.get("paused"))
    return passed(schedule, now)


def began(schedule: Mapping[str, Any], now: datetime) -> bool:
    """Whether a one-time schedule is being delivered: its time came in the first zone."""
    at = first_time(schedule)
    if at is None or isinstance(schedule.get("recurring"), Mapping):
        return False
    if "scheduled_time" not in schedule:
        at -= FIRST_ZONE  # local or best time: wall-clock time, first reached in UTC+14
    return at <= now


def stoppable(live: LiveObject, now: datetime) -> str | None:
    """None when the stop can halt `live`; else why not, in words."""
    if which(live) == PIPELINE:
        return None
    if began((live.raw or {}).get("schedule") or {}, now):
        return ("it has begun sending (a local-time or best-time push goes out over a day "
                "across time zones), and Airship cancels only a scheduled push that has not "
                "begun; devices that have not got it yet will still get it")
    return None


def stop_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The pipeline as read, as the full PUT takes it, with `enabled: false`."""
    return {**{k: v for k, v in raw.items() if k not in READ_ONLY}, "enabled": False}


def stopped_state(live: LiveObject) -> str:
    return STOPPED_STATE[which(live)]


def stop_view(live: LiveObject, now: datetime) -> Mapping[str, Any]:
    """The campaign as a payload for the `schedule` hook: a scheduled push's next send
    (`at`, in words for a local or best time); a pipeline sends on its trigger."""
    body = dict(live.body or {})
    if which(live) != SCHEDULE:
        return body
    schedule = (live.raw or {}).get("schedule") or {}
    return {**body, "schedule": {"at": next_send(schedule, now)}}


def next_send(schedule: Mapping[str, Any], now: datetime) -> str:
    """When a schedule sends next, as Airship states its times (UTC, no zone)."""
    soon = next((t for t in times(schedule, now + timedelta(days=400)) if t >= now), None)
    at = soon or first_time(schedule)
    if at is None:
        return "unknown"
    if schedule.get("best_time"):
        return f"{at.date().isoformat()} at each user's best time"
    text = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text} in each device's time" if schedule.get("local_scheduled_time") else text


class AirshipStop:
    """The `Stops` members of AirshipProvider (a mixin, so the provider stays one page)."""

    client: AirshipClient

    def stoppable(self, live: LiveObject) -> str | None:
        return stoppable(live, self._now())

    async def stop(self, live: LiveObject) -> None:
        """A pipeline: the full PUT with `enabled: false`; a schedule: DELETE (a 404 is a
        schedule already gone). Both not idempotent: a lost answer is read back."""
        sid = str(live.id)
        if which(live) == SCHEDULE:
            await self.client.delete(PATHS[SCHEDULE], sid, idempotent=False)
            return
        raw = live.raw if live.body is not None else await self.client.get(PATHS[PIPELINE], sid)
        if raw is not None:  # gone: nothing sends
            await self.client.update(PATHS[PIPELINE], sid, stop_body(raw), idempotent=False)

    def is_stopped(self, live: LiveObject) -> bool:
        return live.kind != "campaign" or is_stopped(live, self._now())

    def stopped_state(self, live: LiveObject) -> str:
        return stopped_state(live)

    def stop_view(self, live: LiveObject) -> Mapping[str, Any]:
        return stop_view(live, self._now())

    def _now(self) -> datetime:
        """The platform's time (its latest `Date`), else this machine's."""
        return self.client.clock.last or datetime.now(UTC)
