"""Push campaign specs: who (audiences), when (schedule), what (creatives)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from reconciler.localytics.audience import AndOr, AudienceDefinition
from reconciler.workspace.base import (
    DateTimeText,
    FilterValue,
    NonEmptyStr,
    PinId,
    SpecModel,
    check_ignore_paths,
    ignore_changes_field,
    parse_instant,
    pin_field,
    protect_field,
    rule,
)

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
SCHEDULE_KINDS = ("begin_immediately", "on_schedule", "recurring", "optimized")


# --- conversion ---------------------------------------------------------------------------


class ConversionFilter(SpecModel):
    """A condition on the conversion event's attributes."""

    dimension_name: NonEmptyStr = Field(description="Event attribute, e.g. 'App Version'.")
    operator: Literal["is_one_of", "is_none_of"] = Field(description="is_one_of | is_none_of.")
    value: FilterValue = Field(description="A string, an integer or a list of strings.")


class ConversionAttributes(SpecModel):
    """Attribute filters on the conversion event."""

    operator: AndOr = Field(description="How the filters combine: and | or.")
    filters: list[ConversionFilter] = Field(description="Conditions on the event's attributes.")


class ConversionEvent(SpecModel):
    """The event that counts as a conversion; omit to disable conversion tracking."""

    event_name: NonEmptyStr = Field(description="Event from the app's event list.")
    conversion_attributes: ConversionAttributes | None = Field(
        None, description="Optional attribute filters on the event."
    )


# --- audiences -----------------------------------------------------------------------------

CONTROL_GROUP = Field(
    None, ge=0, le=100, description="Percent of the audience held back as a control group (0-100)."
)


class EveryoneAudiences(SpecModel):
    """Send to every user of the app."""

    campaign_type: Literal["everyone"] = Field(description="everyone: all users of the app.")
    control_group_percent: int | None = CONTROL_GROUP
    target_rules: None = Field(None, description="Not allowed for campaign_type everyone.")

    @field_validator("target_rules", mode="before")
    @classmethod
    def _no_rules(cls, v: Any) -> None:
        if v is not None:
            raise rule("does not apply to campaign_type everyone; remove it, "
                       "or use saved_audience / new_audience")
        return None


class SavedAudienceRules(SpecModel):
    """Saved audiences the campaign targets."""

    audience: list[Annotated[Any, Field()]] = Field(
        min_length=1,
        description="Audience keys (file names under audiences/, strings) or raw live "
        "audience ids (integers).",
        json_schema_extra={"items": {"oneOf": [{"type": "string", "minLength": 1},
                                               {"type": "integer", "exclusiveMinimum": 0}]}},
    )

    @field_validator("audience")
    @classmethod
    def _refs(cls, refs: list[Any]) -> list[Any]:
        for i, r in enumerate(refs):
            if isinstance(r, bool) or not isinstance(r, str | int) or r in ("", 0) or (
                isinstance(r, int) and r < 0
            ):
                raise rule("an audience reference is an audience key (string) or a live "
                           f"audience id (positive integer), not {r!r}", at=str(i))
        return refs


class SavedAudiences(SpecModel):
    """Send to one or more saved audiences."""

    campaign_type: Literal["saved_audience"] = Field(description="saved_audience.")
    control_group_percent: int | None = CONTROL_GROUP
    target_rules: SavedAudienceRules = Field(description="{audience: [keys or ids]}.")


class NewAudiences(SpecModel):
    """Send to an audience defined inline."""

    campaign_type: Literal["new_audience"] = Field(description="new_audience.")
    control_group_percent: int | None = CONTROL_GROUP
    target_rules: AudienceDefinition = Field(description="An inline audience definition.")


Audiences = Annotated[
    Annotated[EveryoneAudiences, Tag("everyone")]
    | Annotated[SavedAudiences, Tag("saved_audience")]
    | Annotated[NewAudiences, Tag("new_audience")],
    Field(discriminator="campaign_type"),
]


# --- schedule ------------------------------------------------------------------------------

THROTTLE = Field(None, ge=1, description="Messages per minute; not with starting_time_zone_id.")
TIME_ZONE = Field(None, description="Time zone the send starts in (local-time delivery).")


def _throttle_or_zone(m: Any) -> None:
    if m.push_throttle_num_msgs is not None and m.starting_time_zone_id is not None:
        raise rule("push_throttle_num_msgs cannot be used with starting_time_zone_id",
                   at="push_throttle_num_msgs")


class BeginImmediately(SpecModel):
    """Send as soon as the campaign is active. `begin_immediately: {}` for no options."""

    push_throttle_num_msgs: int | None = THROTTLE


class OnSchedule(SpecModel):
    """Send once, at begin_date."""

    begin_date: DateTimeText = Field(description="When to send (UTC), e.g. 2026-12-01T09:00:00Z.")
    starting_time_zone_id: int | None = TIME_ZONE
    push_throttle_num_msgs: int | None = THROTTLE

    @model_validator(mode="after")
    def _rules(self) -> OnSchedule:
        _throttle_or_zone(self)
        return self


class Interval(SpecModel):
    """How often a recurring campaign sends."""

    interval: Literal["every hour", "every day", "every other day", "weekly", "monthly"] = Field(
        description="every hour | every day | every other day | weekly | monthly."
    )
    day_of_week: Literal[WEEKDAYS] | None = Field(  # type: ignore[valid-type]
        None, description="Weekly only (required there): sunday … saturday."
    )
    on_day: int | None = Field(
        None, ge=1, le=31, description="Monthly only (required there): day of month, 1-31."
    )

    @model_validator(mode="after")
    def _days(self) -> Interval:
        if self.interval == "weekly" and self.day_of_week is None:
            raise rule("a weekly interval needs day_of_week (sunday … saturday)")
        if self.interval == "monthly" and self.on_day is None:
            raise rule("a monthly interval needs on_day (1-31)")
        if self.interval != "weekly" and self.day_of_week is not None:
            raise rule(f"day_of_week applies only to weekly intervals, not {self.interval!r}",
                       at="day_of_week")
        if self.interval != "monthly" and self.on_day is not None:
            raise rule(f"on_day applies only to monthly intervals, not {self.interval!r}",
                       at="on_day")
        return self


class FrequencyCap(SpecModel):
    """A frequency cap on a recurring campaign."""

    name: Literal["messages_per_days", "total_message_ever"] = Field(
        description="messages_per_days: at most count messages per days days; "
        "total_message_ever: at most count messages in all."
    )
    days: int | None = Field(None, ge=1, description="messages_per_days only (required there).")
    count: int = Field(ge=1, description="Maximum number of messages.")
    messages_atleast_days_apart: int | None = Field(
        None, ge=0, description="messages_per_days only (required there): minimum days between."
    )

    @model_validator(mode="after")
    def _by_name(self) -> FrequencyCap:
        extra = ("days", "messages_atleast_days_apart")
        for f in extra:
            value = getattr(self, f)
            if self.name == "messages_per_days" and value is None:
                raise rule(f"a messages_per_days cap needs {f}")
            if self.name == "total_message_ever" and value is not None:
                raise rule(f"{f} applies only to messages_per_days caps", at=f)
        return self


class Recurring(SpecModel):
    """Send repeatedly between begin_date and end_date."""

    begin_date: DateTimeText = Field(description="First send (UTC).")
    end_date: DateTimeText | None = Field(None, description="No sends after this (UTC).")
    starting_time_zone_id: int | None = TIME_ZONE
    push_throttle_num_msgs: int | None = THROTTLE
    frequency_attributes: list[FrequencyCap] | None = Field(None, description="Frequency caps.")
    intervals: list[Interval] = Field(min_length=1, description="When it repeats.")

    @model_validator(mode="after")
    def _rules(self) -> Recurring:
        _throttle_or_zone(self)
        if self.end_date is not None and parse_instant(self.end_date) <= parse_instant(
            self.begin_date
        ):
            raise rule("end_date must be after begin_date", at="end_date")
        return self


class Optimized(SpecModel):
    """Send at each user's best time, falling back to fallback_time."""

    fallback_time: DateTimeText = Field(description="Send time for users without a best time.")


class Schedule(SpecModel):
    """Exactly one of begin_immediately, on_schedule, recurring, optimized."""

    begin_immediately: BeginImmediately | None = Field(None, description="Send at once.")
    on_schedule: OnSchedule | None = Field(None, description="Send once at a date.")
    recurring: Recurring | None = Field(None, description="Send repeatedly.")
    optimized: Optimized | None = Field(None, description="Send at each user's best time.")

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        given = [k for k in SCHEDULE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            found = f" (found {' and '.join(given)})" if given else ""
            raise rule("needs exactly one of begin_immediately, on_schedule, "
                       f"recurring, optimized{found}", at=given[1] if len(given) > 1 else "")
        return self


# --- creatives -----------------------------------------------------------------------------


class KeyValue(SpecModel):
    """A custom key/value pair delivered with the push."""

    key: NonEmptyStr = Field(description="Key.")
    value: str = Field(description="Value (a string).")


class BuildAttributes(SpecModel):
    """The push itself; needs push_message, push_title or attachment_url."""

    push_title: str | None = Field(None, description="Title line.")
    push_subtitle: str | None = Field(None, description="Subtitle (iOS).")
    push_message: str | None = Field(None, description="Message body.")
    attachment_url: str | None = Field(
        None, description="Rich media URL; required with ll_mi_deep_link_url."
    )
    push_category: str | None = Field(None, description="Notification category, e.g. like_dislike.")
    ll_deep_link_url: str | None = Field(
        None, description="Deep link opened on tap; web URLs and app schemes (myapp://…)."
    )
    ll_mi_deep_link_url: str | None = Field(
        None, description="Movable Ink URL (from a partner snippet); needs attachment_url."
    )
    sound: str | None = Field(None, description="Sound file name (iOS only).")

    @model_validator(mode="after")
    def _content(self) -> BuildAttributes:
        if not (self.push_message or self.push_title or self.attachment_url):
            raise rule("needs push_message, push_title or attachment_url")
        if self.ll_mi_deep_link_url is not None and self.attachment_url is None:
            raise rule("ll_mi_deep_link_url needs attachment_url", at="ll_mi_deep_link_url")
        if self.attachment_url is not None and not self.attachment_url.startswith(
            ("https://", "http://")
        ):
            raise rule("attachment_url must be an http(s):// URL", at="attachment_url")
        return self


class Creative(SpecModel):
    """One variant of the push; several make an A/B test."""

    title: str | None = Field(None, description="Variant name, e.g. 'Variant A'.")
    percent: int | None = Field(
        None, ge=0, le=100,
        description="Share of the audience (0-100); required when there are several creatives, "
        "and then they sum to 100.",
    )
    key_values: list[KeyValue] | None = Field(None, description="Custom key/value pairs.")
    build_attributes: BuildAttributes = Field(description="The push content.")


def _creatives_shape(v: Any) -> str:
    return "one" if isinstance(v, dict) else "many"


Creatives = Annotated[
    Annotated[list[Creative], Tag("many")] | Annotated[Creative, Tag("one")],
    Discriminator(_creatives_shape),
]


# --- the spec file -------------------------------------------------------------------------


class CampaignSpec(SpecModel):
    """One push campaign file: campaigns/<key>.yaml."""

    name: NonEmptyStr = Field(description="Campaign name; identifies the live campaign.")
    status: Literal["draft", "active"] = Field(
        description="draft | active. active = sent to real users on its schedule, no further "
        "confirmation."
    )
    goal: Literal["activate", "drive_behavior", "nurture", "monetize", "reengage", "notify"] = (
        Field(description="activate | drive_behavior | nurture | monetize | reengage | notify.")
    )
    conversion_event: ConversionEvent | None = Field(
        None, description="Event that counts as a conversion; omit to disable tracking."
    )
    audiences: Audiences = Field(description="Who receives it.")
    schedule: Schedule = Field(description="When it is sent: exactly one schedule kind.")
    creatives: Creatives = Field(
        description="One creative, or a list of creatives (A/B test: percents sum to 100)."
    )
    id: PinId | None = pin_field()
    protect: bool = protect_field()
    ignore_changes: list[NonEmptyStr] = ignore_changes_field()

    @field_validator("creatives")
    @classmethod
    def _percents(cls, v: list[Creative] | Creative) -> list[Creative]:
        creatives = v if isinstance(v, list) else [v]
        if not creatives:
            raise rule("creatives needs at least one creative")
        if len(creatives) == 1:
            p = creatives[0].percent
            if p is not None and p != 100:
                at = "0.percent" if isinstance(v, list) else "percent"
                raise rule(f"a single creative gets 100 percent (found {p}); omit percent", at=at)
            return creatives
        for i, c in enumerate(creatives):
            if c.percent is None:
                raise rule(f"with {len(creatives)} creatives each needs percent "
                           f"(creative {i + 1} has none)", at=str(i))
        total = sum(c.percent or 0 for c in creatives)
        if total != 100:
            shares = " + ".join(str(c.percent) for c in creatives)
            raise rule(f"creative percents must sum to 100 (found {shares} = {total})")
        return creatives

    @model_validator(mode="after")
    def _ignore(self) -> CampaignSpec:
        check_ignore_paths(type(self), self.ignore_changes)
        return self
