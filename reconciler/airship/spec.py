"""Spec files of an Airship env: segments (audiences/) and campaigns (campaigns/).

Field names are Airship's own (docs/specs/airship.md), so its API reference
applies directly. A campaign file is one of two Airship objects, told apart by
`type:` in one model (the seam has one model per folder): `pipeline` (an
automation: a trigger and the push it sends each device that triggers it) or
`schedule` (a push to segments at a time, once or recurring). Rules the API
documents are checked here, offline, with file:line errors; what Airship
checks only with the live project (tag groups, lists, events) is left to it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reconciler.airship import criteria as selectors
from reconciler.workspace.base import (
    DateTimeText,
    NonEmptyStr,
    PeopleName,
    SpecModel,
    check_ignore_paths,
    ignore_changes_field,
    people_field,
    protect_field,
    rule,
)

DEVICES = ("ios", "android", "web")
SIMPLE_TRIGGERS = ("open", "first_open", "first_opt_in", "double_opt_in")
COMPOUND_TRIGGERS = ("tag_added", "tag_removed", "custom_event", "subscription_added",
                     "subscription_removed", "double_opt_in", "pipeline_event")
REFUSED_TRIGGERS = ("region_entered", "region_exited")  # location: see criteria.REFUSED
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?\Z")
MAX_SEGMENTS = 10  # the audience becomes an `or` of them: 1-10 items [OAS]


def _pin() -> Any:
    return Field(None, min_length=1, max_length=64,
                 description="Pin this spec to one live object by its Airship id (adoption, "
                 "a name used twice). Default: matched by exact name. Reconciler-only.")


class AirshipSegmentSpec(SpecModel):
    """One segment file: audiences/<key>.yaml in an Airship env."""

    display_name: NonEmptyStr = Field(description="The segment's name (matched exactly).")
    criteria: Any = Field(
        description="Airship audience selector: and/or/not over tag ({tag, group}), "
        "named_user, static_list, subscription_list, attribute, activity, segment, or "
        "\"all\". location and tag_class are not supported.",
        json_schema_extra={"type": ["object", "string"]})
    id: str | None = _pin()
    people: PeopleName | None = people_field()
    protect: bool = protect_field()
    ignore_changes: list[NonEmptyStr] = ignore_changes_field()

    @model_validator(mode="after")
    def _criteria(self) -> AirshipSegmentSpec:
        for at, message in selectors.problems(self.criteria):
            raise rule(message, at=at)
        check_ignore_paths(type(self), self.ignore_changes)
        return self


class IosOverride(SpecModel):
    """notification.ios: what iPhones show (APNs)."""

    alert: str | None = Field(None, description="Text shown on iOS (overrides alert).")
    title: str | None = Field(None, description="Bold first line.")
    subtitle: str | None = Field(None, description="Second line.")
    badge: int | str | None = Field(None, description='Badge: a number, "auto", "+n" or "-n".')
    sound: str | None = Field(None, description="Sound file, or default.")
    thread_id: str | None = Field(None, description="Groups notifications.")
    collapse_id: str | None = Field(None, max_length=64, description="Replaces an earlier one.")
    category: str | None = Field(None, description="Interactive category.")
    interruption_level: Literal["passive", "active", "time-sensitive", "critical"] | None = \
        Field(None, description="passive | active | time-sensitive | critical.")
    mutable_content: bool | None = Field(None, description="Lets the app modify it.")
    media_attachment: dict[str, Any] | None = Field(
        None, description="{url, options, content}: an image or video.")
    extra: dict[str, str] | None = Field(None, description="Key-value data (no aps key).")

    @field_validator("extra")
    @classmethod
    def _no_aps(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v and "aps" in v:
            raise ValueError("extra must not hold aps (APNs reserves it)")
        return v


ANDROID_BANNED = ("from", "message_type", "data")


class AndroidOverride(SpecModel):
    """notification.android: what Android phones show (FCM)."""

    alert: str | None = Field(None, description="Text shown on Android (overrides alert).")
    title: str | None = Field(None, description="Bold first line.")
    summary: str | None = Field(None, description="Line under the text.")
    icon: str | None = Field(None, description="Drawable name.")
    icon_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb.")
    notification_channel: str | None = Field(None, description="Android channel id.")
    priority: int | None = Field(None, ge=-2, le=2, description="-2..2.")
    delivery_priority: Literal["high", "normal"] | None = Field(None, description="high|normal.")
    visibility: int | None = Field(None, ge=-1, le=1, description="-1 secret, 0 private, 1 public.")
    style: dict[str, Any] | None = Field(
        None, description="{type: big_picture|big_text|inbox, ...}.")
    extra: dict[str, str] | None = Field(None, description="Key-value data (text only).")

    @field_validator("extra")
    @classmethod
    def _keys(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        for key in v or {}:
            if key in ANDROID_BANNED or key.startswith(("google", "gcm")):
                raise ValueError(f"extra key {key!r} is reserved by FCM")
        return v


class WebOverride(SpecModel):
    """notification.web: what browsers show."""

    alert: str | None = Field(None, description="Text shown in browsers.")
    title: str | None = Field(None, description="Title line.")
    require_interaction: bool | None = Field(None, description="Stays until clicked.")
    icon: dict[str, str] | None = Field(None, description="{url}.")


class Notification(SpecModel):
    """The push: a default alert and per-platform overrides."""

    alert: str | None = Field(None, description="Default text for every platform.")
    ios: IosOverride | None = Field(None, description="iOS override.")
    android: AndroidOverride | None = Field(None, description="Android override.")
    web: WebOverride | None = Field(None, description="Web override.")
    actions: dict[str, Any] | None = Field(
        None, description="{open: {type: url|deep_link, content}}, add_tag, ...")


class Rate(SpecModel):
    pushes: int = Field(ge=1, description="At most this many pushes…")
    days: int | None = Field(None, ge=1, le=90, description="…per this many days (≤ 90).")
    hours: int | None = Field(None, ge=1, le=72, description="…per this many hours (≤ 72).")
    lifetimes: Literal[1] | None = Field(None, description="…per device, ever (1).")

    @model_validator(mode="after")
    def _one(self) -> Rate:
        if sum(x is not None for x in (self.days, self.hours, self.lifetimes)) != 1:
            raise rule("give exactly one of days, hours and lifetimes")
        return self


class Constraint(SpecModel):
    rate: Rate = Field(description="A frequency cap.")


class Cadence(SpecModel):
    type: Literal["hourly", "daily", "weekly", "monthly", "yearly"] = Field(
        description="hourly | daily | weekly | monthly | yearly.")
    count: int = Field(1, ge=1, description="Every this many periods.")
    days_of_week: list[Literal["monday", "tuesday", "wednesday", "thursday", "friday",
                               "saturday", "sunday"]] | None = Field(
        None, min_length=1, description="Weekly only: the days.")


class Recurring(SpecModel):
    cadence: Cadence = Field(description="How often it repeats.")
    end_time: DateTimeText | None = Field(None, description="Stop repeating (UTC).")
    exclusions: list[dict[str, Any]] | None = Field(
        None, description="[{hour_range}|{date_range}|{days_of_week}].")


class BestTime(SpecModel):
    send_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD.")


class Schedule(SpecModel):
    """When a scheduled push sends: one of the three times, optionally recurring."""

    scheduled_time: DateTimeText | None = Field(None, description="UTC date-time.")
    local_scheduled_time: str | None = Field(
        None, description="Device-local YYYY-MM-DDTHH:MM:SS (no zone).")
    best_time: BestTime | None = Field(None, description="Airship picks the hour that day.")
    recurring: Recurring | None = Field(None, description="Repeat from the first time.")

    @field_validator("local_scheduled_time")
    @classmethod
    def _local(cls, v: str | None) -> str | None:
        if v is not None and not LOCAL_TIME.match(v):
            raise ValueError(f"{v!r} is not a local date-time (YYYY-MM-DDTHH:MM:SS, no zone)")
        return v

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        given = [f for f in ("scheduled_time", "local_scheduled_time", "best_time")
                 if getattr(self, f) is not None]
        if len(given) != 1:
            raise rule("give exactly one of scheduled_time, local_scheduled_time and best_time")
        if self.recurring and self.best_time:
            raise rule("best_time cannot recur", at="recurring")
        return self


def _trigger_problem(trigger: Any) -> str | None:
    items = trigger if isinstance(trigger, list) else [trigger]
    if not items:
        return "give at least one trigger"
    for item in items:
        key = item if isinstance(item, str) else (
            next(iter(item)) if isinstance(item, dict) and len(item) == 1 else None)
        if key in REFUSED_TRIGGERS:
            return f"{key}: location triggers are not supported (dashboard-built regions)"
        if isinstance(item, str) and item not in SIMPLE_TRIGGERS:
            return f"unknown trigger {item!r}; known: {', '.join(SIMPLE_TRIGGERS)}"
        if not isinstance(item, str) and key not in COMPOUND_TRIGGERS:
            return (f"a trigger is one of {', '.join(SIMPLE_TRIGGERS)} or a mapping of one "
                    f"of {', '.join(COMPOUND_TRIGGERS)}")
    return None


class AirshipCampaignSpec(SpecModel):
    """One campaign file: campaigns/<key>.yaml: a pipeline or a scheduled push."""

    type: Literal["pipeline", "schedule"] = Field(
        description="pipeline (automation, sent on a trigger) | schedule (scheduled push). "
        "Changing it replaces the live object.")
    name: NonEmptyStr = Field(description="The name (matched exactly).")
    segments: list[NonEmptyStr] | None = Field(
        None, min_length=1, max_length=MAX_SEGMENTS,
        description="schedule: segment keys (files under audiences/); anyone in one of them.")
    schedule: Schedule | None = Field(None, description="schedule: when it sends.")
    immediate_trigger: Any = Field(
        None, description="pipeline: what starts it, e.g. first_open or {tag_added: vip}.",
        json_schema_extra={"type": ["string", "object", "array"]})
    enabled: bool = Field(
        False, description="pipeline: go live (sending on its trigger). Created disabled, "
        "read back, then enabled.")
    constraint: list[Constraint] | None = Field(
        None, max_length=3, description="pipeline: frequency caps (at most 3).")
    activation_time: DateTimeText | None = Field(None, description="pipeline: starts (UTC).")
    deactivation_time: DateTimeText | None = Field(None, description="pipeline: ends (UTC).")
    device_types: list[Literal["ios", "android", "web"]] = Field(
        min_length=1, description="Platforms it sends to: ios, android, web.")
    notification: Notification = Field(description="The push each device gets.")
    id: str | None = _pin()
    protect: bool = protect_field()
    ignore_changes: list[NonEmptyStr] = ignore_changes_field()

    @model_validator(mode="after")
    def _rules(self) -> AirshipCampaignSpec:
        if self.type == "schedule":
            self._only_for("schedule", ("immediate_trigger", "constraint", "activation_time",
                                        "deactivation_time"))
            if self.enabled:
                raise rule("a schedule has no enabled: its creation is its go-live",
                           at="enabled")
            for needed in ("segments", "schedule"):
                if getattr(self, needed) is None:
                    raise rule(f"a schedule needs {needed}")
        else:
            self._only_for("pipeline", ("segments", "schedule"))
            if self.immediate_trigger is None:
                raise rule("a pipeline needs immediate_trigger")
            problem = _trigger_problem(self.immediate_trigger)
            if problem:
                raise rule(problem, at="immediate_trigger")
        self._payloads()
        check_ignore_paths(type(self), self.ignore_changes)
        return self

    def _only_for(self, kind: str, others: tuple[str, ...]) -> None:
        for name in others:
            if getattr(self, name) is not None:
                raise rule(f"{name} is not a field of a {kind}", at=name)

    def _payloads(self) -> None:
        """Every listed platform has text, and no override is for an unlisted one."""
        n = self.notification
        for device in DEVICES:
            override = getattr(n, device)
            if device in self.device_types and not (n.alert or (override and override.alert)):
                raise rule(f"{device} is in device_types but has no alert: give "
                           f"notification.alert or notification.{device}.alert",
                           at="notification")
            if device not in self.device_types and override is not None:
                raise rule(f"notification.{device} needs {device} in device_types",
                           at=f"notification.{device}")
