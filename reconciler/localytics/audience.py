"""Audience definitions (the API's AudienceDefinition) and the audience spec file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from reconciler.workspace.base import (
    FilterValue,
    NonEmptyStr,
    PeopleName,
    PinId,
    SpecModel,
    check_ignore_paths,
    ignore_changes_field,
    people_field,
    pin_field,
    protect_field,
    rule,
)

AndOr = Literal["and", "or"]
DimensionOperator = Literal[
    "is one of", "is none of", "greater than", "at least", "less than", "no more than",
    "equal to", "between",
]
ProfileOperator = Literal[
    "is defined", "is not defined", "is one of", "is none of", "<", "<=", ">", ">=",
    "is between", "is on or before", "is on or after", "is exactly", "is not",
]
EVENT_RULES = ("event", "not-event")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


class DimensionFilter(SpecModel):
    """One condition on an event attribute (dimension)."""

    dimension_name: NonEmptyStr = Field(description="Event attribute, e.g. 'App Version'.")
    operator: DimensionOperator = Field(
        description="String: is one of / is none of; number: also greater than, at least, "
        "less than, no more than, equal to, between; version: is one of, is none of, "
        "greater than, less than."
    )
    value: FilterValue = Field(description="A string, an integer or a list of strings.")


class BehaviorConditions(SpecModel):
    """Attribute filters that narrow which events a behaviour rule counts."""

    operator: AndOr | None = Field(None, description="How the filters combine: and | or.")
    filters: list[DimensionFilter] = Field(
        default_factory=list, description="Conditions on the event's attributes."
    )


class BehaviorRule(SpecModel):
    """Did (or did not) the user trigger an event or a session, how many times."""

    rule_type: Literal["event", "not-event", "session", "not-session"] | None = Field(
        None, description="event | not-event | session | not-session."
    )
    event_name: NonEmptyStr | None = Field(
        None, description="Event from the app's event list; needed by event and not-event rules."
    )
    count: int = Field(ge=0, description="How many times, compared with count_operator.")
    count_operator: Literal["less_than", "exactly", "atleast"] = Field(
        description="less_than | exactly | atleast."
    )
    conditions: BehaviorConditions = Field(
        description="Attribute filters; {operator: and, filters: []} for none."
    )
    neg_time_window: list[int] | None = Field(
        None, description="Time window for and_then rules, e.g. [0, 15]."
    )

    @model_validator(mode="after")
    def _event_name(self) -> BehaviorRule:
        kind = self.rule_type or "event"
        if kind in EVENT_RULES and self.event_name is None:
            raise rule(f"{_article(kind)} {kind} rule needs event_name")
        if kind not in EVENT_RULES and self.event_name is not None:
            raise rule(f"event_name does not apply to {_article(kind)} {kind} rule",
                       at="event_name")
        return self


class Behavior(SpecModel):
    """What users did in the last `days` days."""

    days: int = Field(ge=1, description="Look-back window: the last N days (at least 1).")
    behavior_rule_operator: Literal["and", "or", "and_then"] = Field(
        description="and | or | and_then (and_then: exactly 2 rules, the first an event rule, "
        "the second an event or not-event rule)."
    )
    rules: list[BehaviorRule] = Field(min_length=1, description="The behaviour rules.")

    @model_validator(mode="after")
    def _and_then(self) -> Behavior:
        if self.behavior_rule_operator != "and_then":
            return self
        if len(self.rules) != 2:
            raise rule(f"and_then needs exactly 2 rules (found {len(self.rules)})", at="rules")
        if (self.rules[0].rule_type or "event") != "event":
            raise rule("and_then: the first rule must be an event rule", at="rules.0.rule_type")
        if (self.rules[1].rule_type or "event") not in EVENT_RULES:
            raise rule("and_then: the second rule must be an event or not-event rule",
                       at="rules.1.rule_type")
        return self


class ProfileCriterion(SpecModel):
    """One condition on a profile attribute."""

    key: NonEmptyStr = Field(description="Profile attribute name, e.g. 'country'.")
    scope: Literal["app", "org"] = Field(
        description="app: attribute of this app; org: global attribute shared by all apps."
    )
    date_type: Literal["date", "days ago", "days from now"] | None = Field(
        None, description="Needed when the attribute is a date: date | days ago | days from now."
    )
    operator: ProfileOperator = Field(
        description="String: is defined, is not defined, is one of, is none of; number: is one "
        "of, is none of, <, <=, >, >=, is between, is defined; date: is on or before, is on or "
        "after, is exactly, is not, is between, is defined, is not defined."
    )
    values: list[str] | None = Field(
        None, description="Values compared (strings); not needed for is defined / is not defined."
    )

    @model_validator(mode="after")
    def _values(self) -> ProfileCriterion:
        if self.operator in ("is defined", "is not defined"):
            return self
        if not self.values:
            raise rule(f"operator {self.operator!r} needs values")
        if self.operator == "is between" and len(self.values) != 2:
            raise rule("'is between' needs exactly 2 values", at="values")
        return self


class Profile(SpecModel):
    """Conditions on profile attributes."""

    operator: AndOr = Field(description="How the criteria combine: and | or.")
    criteria: list[ProfileCriterion] = Field(min_length=1, description="The profile criteria.")


class AudienceDefinition(SpecModel):
    """Who is in the audience: behaviour rules, profile rules, or both."""

    targeting_type: Literal["install_id", "customer_id"] = Field(
        description="install_id: all of a user's devices; customer_id: the latest device only."
    )
    behavior_profile_operator: AndOr | None = Field(
        None, description="and | or; required when both behavior and profile are given."
    )
    behavior: Behavior | None = Field(None, description="Behaviour (event/session) rules.")
    profile: Profile | None = Field(None, description="Profile attribute rules.")

    @model_validator(mode="after")
    def _parts(self) -> AudienceDefinition:
        if self.behavior is None and self.profile is None:
            raise rule("needs behavior, profile or both")
        both = self.behavior is not None and self.profile is not None
        if both and self.behavior_profile_operator is None:
            raise rule("behavior_profile_operator (and | or) is required when both behavior "
                       "and profile are given")
        if not both and self.behavior_profile_operator is not None:
            raise rule("behavior_profile_operator applies only when both behavior and profile "
                       "are given", at="behavior_profile_operator")
        return self


class AudienceSpec(SpecModel):
    """One audience file: audiences/<key>.yaml."""

    name: NonEmptyStr = Field(description="Audience name; identifies the live audience.")
    target_rules: AudienceDefinition = Field(description="Who is in the audience.")
    id: PinId | None = pin_field()
    people: PeopleName | None = people_field()
    protect: bool = protect_field()
    ignore_changes: list[NonEmptyStr] = ignore_changes_field()

    @model_validator(mode="after")
    def _ignore(self) -> AudienceSpec:
        check_ignore_paths(type(self), self.ignore_changes)
        return self
