"""Shared pieces of the spec models: the strict base class, rule errors, small types."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError


class SpecModel(BaseModel):
    """Unknown fields are errors; types are not coerced (a quoted "5" is not an int)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def rule(message: str, at: str = "") -> PydanticCustomError:
    """A broken rule; `at` names the field inside the model the error points at."""
    return PydanticCustomError("spec_rule", message, {"at": at} if at else None)


_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?\Z"
)


def _iso_datetime(v: str) -> str:
    text = v.strip()
    try:
        if not _ISO.match(text):
            raise ValueError
        datetime.fromisoformat(_with_time(text))
    except ValueError:
        raise rule(
            f"{v!r} is not an ISO 8601 date or date-time (e.g. \"2026-12-01T09:00:00Z\")"
        ) from None
    try:
        parse_instant(text)
    except ValueError:
        raise rule(f"{v!r} is outside the years 1 to 9999 once taken to UTC") from None
    return v


iso_datetime = _iso_datetime  # for fields that also take a keyword (send.at: now)

DateTimeText = Annotated[
    str,
    AfterValidator(_iso_datetime),
    WithJsonSchema({"type": "string", "format": "date-time",
                    "description": "UTC date-time, e.g. 2026-12-01T09:00:00Z"}),
]


def parse_instant(v: str) -> datetime:
    """An ISO 8601 text as an aware datetime in UTC (naive: taken as UTC); ValueError for
    one that is no time, or whose UTC falls outside the years 1 to 9999 (the first hours
    of year 1 at a positive offset), which datetime cannot hold."""
    parsed = datetime.fromisoformat(_with_time(v.strip()))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{v!r} is outside the years 1 to 9999 in UTC") from None


def _with_time(text: str) -> str:
    """`text` with `Z` as +00:00 and a bare date at midnight, as fromisoformat takes it."""
    text = text.replace("Z", "+00:00")
    return text if ("T" in text or " " in text) else text + "T00:00:00"


def _filter_value(v: Any) -> Any:
    if isinstance(v, bool) or not (
        isinstance(v, str | int) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
    ):
        raise rule("must be a string, an integer or a list of strings")
    return v


FilterValue = Annotated[
    Any,
    AfterValidator(_filter_value),
    WithJsonSchema({"oneOf": [{"type": "string"}, {"type": "integer"},
                              {"type": "array", "items": {"type": "string"}}]}),
]

NonEmptyStr = Annotated[str, Field(min_length=1)]


PinId = Annotated[int, Field(gt=0, le=2**63 - 1)]  # ids are 64-bit on every API

RECONCILER_ONLY = ("id", "protect", "ignore_changes", "pin", "people")

# A people group: the charset of spec keys (folders allowed), e.g. `lapsed-buyers`.
PEOPLE_NAME = r"^\w[\w.-]*(/\w[\w.-]*)*$"


def _people(v: str) -> str:
    if not re.fullmatch(PEOPLE_NAME.strip("^$"), v) or len(v) > 200:
        raise rule(f"people group {v!r} is not a name: use letters, digits, '_', '.' and '-' "
                   "(and '/' between parts), as in spec keys, e.g. lapsed-buyers")
    return v


PeopleName = Annotated[str, AfterValidator(_people), WithJsonSchema(
    {"type": "string", "pattern": PEOPLE_NAME, "maxLength": 200})]


def people_field() -> Any:
    return Field(
        None,
        description="The people this audience reaches, as a group name shared across "
        "platforms and envs (e.g. lapsed-buyers): safety.max_messages_per_day caps what one "
        "group gets a day from every env together. Default: the audience is its own group. "
        "Reconciler-only: never sent to the API.",
    )


def pin_field() -> Any:
    return Field(
        None,
        description="Pin this spec to one live object by its id (adoption, renames). "
        "Reconciler-only: never sent to the API.",
    )


def protect_field() -> Any:
    return Field(
        False, description="When true, reconciler never archives or deletes the live object. "
        "Reconciler-only.",
    )


def ignore_changes_field() -> Any:
    return Field(
        default_factory=list,
        description="Field paths (dots and [i], e.g. creatives[0].build_attributes.push_message) "
        "left out of the diff, for fields edited in the dashboard. Reconciler-only.",
    )


def check_ignore_paths(model: type[BaseModel], paths: list[str]) -> None:
    """Each ignore_changes path must start with a field of the spec."""
    if not paths:
        return
    fields = [f for f in model.model_fields if f not in RECONCILER_ONLY]
    for i, p in enumerate(paths):
        head = re.split(r"[.\[]", p, maxsplit=1)[0]
        if head not in fields:
            hint = difflib.get_close_matches(head, fields, n=1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise rule(f"ignore_changes path {p!r} does not start with a spec field{tip}",
                       at=f"ignore_changes.{i}")
