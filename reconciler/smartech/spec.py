"""Spec files of a Netcore Smartech env: audience references and campaigns.

Field names are Smartech's own (legacy app-push create: `type`→`channel`,
`name`, `app_ids`, `template_id`, `tags`; v4 email: `sender_details`,
`subject_line`, `preheader`), so its docs apply directly. The documented
limits are checked here, offline, with file:line errors: at most 5 app ids,
at most 5 tags of 5 to 25 characters each (the managed tag reconciler adds
counts), unique names (v4 requires it; the loader checks across files).

`audiences/` holds references to lists and segments built in the Smartech
panel, never created or deleted by reconciler (like Terraform data sources).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictInt, StrictStr, field_validator, model_validator

from reconciler.workspace.base import (
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

MAX_APP_IDS = 5
MAX_TAGS = 5
TAG_LENGTH = (5, 25)
MANAGED_TAG = "reconciler"  # on every campaign reconciler creates (5-25 chars, as tags must be)
PIN_STATES = ("unknown",)

Tag = Annotated[str, Field(min_length=TAG_LENGTH[0], max_length=TAG_LENGTH[1])]
# Smartech refers to panel templates by numeric id, sent as a string or a number: a
# `4021x` would be accepted by apply's create and fail only at execute, so it is refused here.
def _panel_id(v: int | str) -> int | str:
    if isinstance(v, str) and re.fullmatch(r"[1-9][0-9]{0,18}", v) or (
            isinstance(v, int) and 0 < v < 10**19):
        return v
    shown = "" if isinstance(v, int) else f" (got {v!r})"  # numbers: problems_from adds it
    raise ValueError(f"expected the id of a template built in the panel: digits, as the "
                     f"panel shows it{shown}")


TemplateId = Annotated[
    StrictInt | StrictStr, AfterValidator(_panel_id),
    Field(description="Id of a template built in the Smartech panel (digits)."),
]


class AudienceRef(SpecModel):
    """A list or segment of the panel by its numeric id (inside a campaign's send.audience)."""

    type: Literal["list", "segment"] = Field(description="list | segment.")
    id: StrictInt = Field(gt=0, description="The list's or segment's id in the panel.")


class SmartechAudienceSpec(SpecModel):
    """One file under audiences/: a read-only reference to a panel list or segment."""

    type: Literal["list", "segment"] = Field(description="list | segment (the data source).")
    id: StrictInt | None = Field(None, gt=0, description="Its id in the panel; or give name.")
    name: NonEmptyStr | None = Field(
        None, description="Its exact name in the panel (when id is not given).")
    people: PeopleName | None = people_field()

    @model_validator(mode="after")
    def _one(self) -> SmartechAudienceSpec:
        if self.id is None and self.name is None:
            raise rule("give id or name: which panel list or segment this is")
        return self


class EmailSender(SpecModel):
    sender_name: NonEmptyStr = Field(description="From name.")
    sender_email: NonEmptyStr = Field(description="From address (verified in the panel).")


class Send(SpecModel):
    """The go-live: execute (app push) or schedule (email), once, at apply."""

    audience: list[NonEmptyStr | AudienceRef] = Field(
        min_length=1, max_length=50,
        description="Audience keys (files under audiences/) or {type, id} of panel lists/"
        "segments; app push takes one data source type per execute.")
    frequency_capping: bool = Field(
        True, description="Apply the account's frequency capping (enable_frequency_capping).")
    personalization: dict[str, StrictStr] | None = Field(
        None, description="App push: key/value pairs sent with execute (templates render with "
        "vars and env only).")
    at: str = Field("now", description="Email: now, or an ISO 8601 date-time to schedule. "
                    "App push executes now (no schedule is documented).")

    @field_validator("at")
    @classmethod
    def _at(cls, v: str) -> str:
        return v if v == "now" else iso_datetime(v)


class Pin(SpecModel):
    """Written by apply, for app push only (no read API): what git knows of the campaign."""

    digest: StrictStr | None = Field(None, description="Hash of the campaign as created.")
    executed: bool | StrictStr | None = Field(
        None, description="false, the digest of the send block executed, or unknown after an "
        "ambiguous execute (check the panel, then set it).")
    created: Literal["unknown"] | None = Field(
        None, description="unknown after an ambiguous create: find the campaign in the panel "
        "and add `id:`, or delete this pin block if it does not exist.")


class SmartechCampaignSpec(SpecModel):
    """One file under campaigns/ in a Smartech env."""

    channel: Literal["apn", "email"] = Field(
        description="apn (app push: create, then execute) | email (v4: create, update, "
        "schedule).")
    name: NonEmptyStr = Field(max_length=255, description="Campaign name (unique per account).")
    app_ids: list[NonEmptyStr] | None = Field(
        None, min_length=1, max_length=MAX_APP_IDS,
        description="App push: the app ids (at most 5) of apps with the Smartech SDK.")
    template_id: TemplateId = Field(description="Template built in the panel (its id).")
    tags: list[Tag] = Field(
        default_factory=list, max_length=MAX_TAGS - 1,
        description="At most 4 of your own (Smartech allows 5; reconciler adds "
        f"'{MANAGED_TAG}'), each 5 to 25 characters.")
    sender_details: EmailSender | None = Field(None, description="Email: the sender.")
    subject_line: str | None = Field(None, max_length=998, description="Email: subject line.")
    preheader: str | None = Field(None, max_length=255, description="Email: preheader text.")
    send: Send | None = Field(
        None, description="Go live: execute (app push) or schedule (email) once. An executed "
        "campaign is immutable: to send again, create a new campaign key.")
    id: StrictInt | None = Field(
        None, gt=0, description="The campaign's id. For app push apply writes it here "
        "(identity lives in git). Reconciler-only.")
    pin: Pin | None = Field(None, description="Written by apply for app push. Reconciler-only.")
    protect: bool = protect_field()
    ignore_changes: list[NonEmptyStr] = ignore_changes_field()

    @model_validator(mode="after")
    def _channel_fields(self) -> SmartechCampaignSpec:
        if self.channel == "apn":
            if not self.app_ids:
                raise rule("app push needs app_ids (1 to 5)", at="channel")
            for f in ("sender_details", "subject_line", "preheader"):
                if getattr(self, f) is not None:
                    raise rule(f"{f} is an email field (channel is apn)", at=f)
            if self.send is not None and self.send.at != "now":
                raise rule("app push documents no schedule: send.at must be now", at="send.at")
        else:
            if self.app_ids is not None:
                raise rule("app_ids is an app push field (channel is email)", at="app_ids")
            if self.sender_details is None or not self.subject_line:
                raise rule("email needs sender_details and subject_line", at="channel")
            if self.send is not None and self.send.personalization:
                raise rule("personalization is sent with app push execute only",
                           at="send.personalization")
            if self.pin is not None:
                raise rule("pin is for app push (email is found by its unique name)", at="pin")
        if len(set(self.tags)) != len(self.tags):
            raise rule("tags repeat", at="tags")
        if MANAGED_TAG in self.tags:
            raise rule(f"'{MANAGED_TAG}' is the managed tag reconciler adds itself", at="tags")
        check_ignore_paths(type(self), self.ignore_changes)
        return self


def audience_ref_id(ref: Any) -> str | None:
    """`{type, id}` of a send.audience item as the live id ("list:12"); None for a key."""
    if isinstance(ref, dict):
        return f"{ref['type']}:{ref['id']}"
    return None
