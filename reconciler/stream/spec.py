"""Spec files of a Stream Chat env: segments (audiences/) and campaigns (campaigns/).

Field names are Stream's own (CreateSegmentRequest, CreateCampaignRequest), so
its docs apply directly. The documented maxima and the mutually exclusive
fields are checked here, offline, with file:line errors; what Stream checks
only at send time (sender exists, filter syntax) is left to Stream.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reconciler.workspace.base import (
    DateTimeText,
    NonEmptyStr,
    PeopleName,
    SpecModel,
    check_ignore_paths,
    ignore_changes_field,
    iso_datetime,
    people_field,
    protect_field,
    rule,
)

ID_PREFIX = "rcl-"
# Campaigns `send-test` makes (reconciler.stream.sendtest). No default id starts so: a key
# starts with a letter, digit or `_`, never `-`. Hidden from plan, prune and import.
TEST_PREFIX = "rcl--test-"
MAX_ID = 255  # Stream's id length limit, for segments and campaigns alike
MAX_SEGMENTS = 25
MAX_USER_IDS = 10_000
SEGMENT_SOURCES = ("filter", "all_users", "all_sender_channels", "target_ids")

StreamId = Field(min_length=1, max_length=MAX_ID)


def stream_id(key: str) -> str:
    """The id reconciler gives the object of spec `key` on create (names are not unique)."""
    return ID_PREFIX + key.replace("/", "--")


def is_test_id(campaign_id: object) -> bool:
    """Whether a live campaign is a send-test campaign (never planned, pruned or imported)."""
    return isinstance(campaign_id, str) and campaign_id.startswith(TEST_PREFIX)


def _pin() -> Any:
    return Field(
        None, min_length=1, max_length=MAX_ID,
        description="Pin this spec to an existing live object by its Stream id (adoption). "
        "Default: rcl-<key>. Reconciler-only.",
    )


class SegmentSpec(SpecModel):
    """One segment file: audiences/<key>.yaml in a Stream env."""

    type: Literal["user", "channel"] = Field(
        description="user | channel. Cannot change in place: a change replaces the segment."
    )
    name: NonEmptyStr = Field(max_length=128, description="Display name (not unique on Stream).")
    description: str | None = Field(None, max_length=256, description="Free text.")
    filter: dict[str, Any] | None = Field(
        None, description="Stream query filter, e.g. {country: {$eq: NO}}."
    )
    all_users: bool | None = Field(None, description="Every user (type user only).")
    all_sender_channels: bool | None = Field(
        None, description="Every channel of the sender (type channel only)."
    )
    target_ids: list[NonEmptyStr] | None = Field(
        None, max_length=1_000_000,
        description="Explicit targets: user ids, or channel CIDs (type:id) for channel "
        "segments; synced with addtargets/deletetargets.",
    )
    id: str | None = _pin()
    people: PeopleName | None = people_field()
    protect: bool = protect_field()
    ignore_changes: list[NonEmptyStr] = ignore_changes_field()

    @model_validator(mode="after")
    def _one_source(self) -> SegmentSpec:
        given = [f for f in SEGMENT_SOURCES if getattr(self, f) not in (None, False)]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise rule(f"give exactly one of {', '.join(SEGMENT_SOURCES)} (found {found})")
        if self.all_users and self.type != "user":
            raise rule("all_users needs type user", at="all_users")
        if self.all_sender_channels and self.type != "channel":
            raise rule("all_sender_channels needs type channel", at="all_sender_channels")
        check_ignore_paths(type(self), self.ignore_changes)
        return self


class MessageTemplate(SpecModel):
    """The message every receiver gets; `{{ receiver.name }}` etc. are Stream's to fill."""

    text: NonEmptyStr = Field(description="Message text; Stream template variables allowed.")
    attachments: list[dict[str, Any]] | None = Field(
        None, max_length=30, description="Stream attachments (at most 30).")
    custom: dict[str, Any] | None = Field(None, description="Custom message data.")
    poll_id: str | None = Field(None, description="Poll to attach.")
    searchable: bool | None = Field(None, description="Whether the message is searchable.")


class MemberTemplate(SpecModel):
    user_id: NonEmptyStr = Field(description="Member user id (templates allowed).")
    channel_role: str | None = Field(None, description="Channel role of the member.")
    custom: dict[str, Any] | None = Field(None, description="Custom member data.")


class ChannelTemplate(SpecModel):
    """The channel created per receiver when create_channels is true."""

    type: NonEmptyStr = Field(max_length=64, description="Channel type, e.g. messaging.")
    id: str | None = Field(None, description='Id template, e.g. "{{receiver.id}}-{{sender.id}}".')
    team: str | None = Field(None, description="Team of the channel (multi-tenant apps).")
    custom: dict[str, Any] | None = Field(None, description="Custom channel data.")
    members: list[NonEmptyStr] | None = Field(
        None, max_length=1000, description="Member user ids (at most 1000).")
    members_template: list[MemberTemplate] | None = Field(
        None, max_length=1000, description="Members with roles (at most 1000); not with members.")

    @model_validator(mode="after")
    def _members(self) -> ChannelTemplate:
        if self.members is not None and self.members_template is not None:
            raise rule("give members or members_template, not both")
        return self


class Send(SpecModel):
    """The go-live: `start` is called once, at apply, when the campaign is a draft."""

    at: str = Field(description="now, or an RFC 3339 date-time.")
    stop_at: DateTimeText | None = Field(None, description="Stop sending at this time.")

    @field_validator("at")
    @classmethod
    def _at(cls, v: str) -> str:
        return v if v == "now" else iso_datetime(v)


class StreamCampaignSpec(SpecModel):
    """One campaign file: campaigns/<key>.yaml in a Stream env."""

    name: NonEmptyStr = Field(description="Display name (not unique on Stream).")
    description: str | None = Field(None, description="Free text.")
    segments: list[NonEmptyStr] | None = Field(
        None, max_length=MAX_SEGMENTS, description="Segment keys (files under audiences/)."
    )
    user_ids: list[NonEmptyStr] | None = Field(
        None, max_length=MAX_USER_IDS,
        description="Explicit receivers (at most 10,000; above 1000 prefer a segment); "
        "not with segments.")
    sender_id: NonEmptyStr = Field(description="User the messages come from.")
    sender_mode: Literal["exclude", "include"] | None = Field(
        None, description="exclude | include; omitted: the sender joins new channels only.")
    sender_visibility: Literal["hidden", "archived"] | None = Field(
        None, description="hidden | archived: how the channels show to the sender.")
    message_template: MessageTemplate = Field(description="The message sent.")
    create_channels: bool | None = Field(
        None, description="Create a channel per receiver (needs channel_template).")
    show_channels: bool | None = Field(None, description="Show created channels.")
    channel_template: ChannelTemplate | None = Field(
        None, description="The channel created per receiver.")
    skip_push: bool | None = Field(None, description="Send no push notifications.")
    skip_webhook: bool | None = Field(None, description="Trigger no webhooks.")
    send: Send | None = Field(
        None, description="Go live: start the campaign (once) at `at`. A sent campaign is "
        "immutable; to send again, create a new campaign key."
    )
    id: str | None = _pin()
    protect: bool = protect_field()
    ignore_changes: list[NonEmptyStr] = ignore_changes_field()

    @field_validator("id")
    @classmethod
    def _not_a_test_id(cls, v: str | None) -> str | None:
        if v is not None and is_test_id(v):
            raise ValueError(f"ids starting with {TEST_PREFIX!r} are send-test campaigns: "
                             "reconciler never manages them")
        return v

    @model_validator(mode="after")
    def _rules(self) -> StreamCampaignSpec:
        if (self.segments is None) == (self.user_ids is None):
            raise rule("give exactly one of segments and user_ids")
        if self.create_channels and self.channel_template is None:
            raise rule("create_channels needs channel_template", at="create_channels")
        check_ignore_paths(type(self), self.ignore_changes)
        return self
