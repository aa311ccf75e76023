"""Field checks that collect every problem, and the audience definition rules.

Validation answers 422 with one `details` entry per problem, each naming the
field the way a client addresses it (`creatives[1].percent`), so a caller can
fix everything in one round. The rules are the OpenAPI's (types, enums,
required fields, minimums) plus what its descriptions promise in prose
(behavior_profile_operator when both parts exist, `and_then` only for two
rules whose first is an event rule, values optional for is (not) defined).
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.localytics.protocol import ApiProblem

STRING_OPERATORS = ("is defined", "is not defined", "is one of", "is none of")
NUMBER_OPERATORS = ("is one of", "is none of", "<", "<=", ">", ">=", "is between", "is defined")
DATE_OPERATORS = (
    "is on or before", "is on or after", "is exactly", "is not", "is between",
    "is defined", "is not defined",
)
PROFILE_OPERATORS = tuple(dict.fromkeys(STRING_OPERATORS + NUMBER_OPERATORS + DATE_OPERATORS))
DIMENSION_OPERATORS = (
    "is one of", "is none of", "greater than", "at least", "less than", "no more than",
    "equal to", "between",
)
VALUELESS_OPERATORS = ("is defined", "is not defined")
AND_OR = ("and", "or")
_MISSING = object()


def at(path: str, key: str | int) -> str:
    """`creatives` + 1 → `creatives[1]`; `audiences` + `x` → `audiences.x`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def type_name(value: Any) -> str:
    return "null" if value is None else {
        bool: "boolean", int: "integer", float: "number", str: "string",
        list: "array", dict: "object",
    }.get(type(value), type(value).__name__)


class Problems:
    """Collects (field, message) pairs; `raise_if_any` turns them into one 422."""

    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.details.append({"field": field, "message": message})

    def raise_if_any(self) -> None:
        if not self.details:
            return
        first = self.details[0]
        more = f" (and {len(self.details) - 1} more)" if len(self.details) > 1 else ""
        where = f"{first['field']}: " if first["field"] else ""
        raise ApiProblem(422, f"Invalid input parameters: {where}{first['message']}{more}",
                         self.details)

    # typed getters: each returns the value when it is acceptable, else None

    def field(
        self, parent: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...],
        *, required: bool = False,
    ) -> Any:
        value = parent.get(key, _MISSING)
        where = at(path, key)
        if value is _MISSING or (value is None and required):
            if required:
                self.add(where, "is required")
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        is_bool = isinstance(value, bool)
        if not isinstance(value, kinds) or (is_bool and bool not in kinds):
            wanted = " or ".join(type_name(k()) for k in kinds)
            self.add(where, f"must be {'an' if wanted[0] in 'aeiou' else 'a'} {wanted}, "
                            f"not {type_name(value)}")
            return None
        return value

    def text(self, parent: dict[str, Any], key: str, path: str, *, required: bool = False) -> Any:
        value = self.field(parent, key, path, str, required=required)
        if value is not None and required and not value.strip():
            self.add(at(path, key), "must not be empty")
            return None
        return value

    def integer(
        self, parent: dict[str, Any], key: str, path: str, *, required: bool = False,
        minimum: int | None = None, maximum: int | None = None,
    ) -> int | None:
        value = self.field(parent, key, path, int, required=required)
        if value is None:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = (f"between {minimum} and {maximum}" if maximum is not None
                      else f"at least {minimum}")
            self.add(at(path, key), f"must be {bounds}")
            return None
        return value

    def choice(
        self, parent: dict[str, Any], key: str, path: str, choices: tuple[Any, ...],
        *, required: bool = False,
    ) -> Any:
        kind = type(choices[0])
        value = self.field(parent, key, path, kind, required=required)
        if value is not None and value not in choices:
            self.add(at(path, key), f"must be one of: {', '.join(map(str, choices))}")
            return None
        return value

    def obj(self, parent: dict[str, Any], key: str, path: str, *, required: bool = False) -> Any:
        return self.field(parent, key, path, dict, required=required)

    def items(
        self, parent: dict[str, Any], key: str, path: str, *, required: bool = False,
        nonempty: bool = False,
    ) -> list[Any] | None:
        value = self.field(parent, key, path, list, required=required)
        if value is not None and nonempty and not value:
            self.add(at(path, key), "must not be empty")
        return value

    def dicts(self, values: list[Any], path: str) -> list[tuple[str, dict[str, Any]]]:
        """The object items of a list with their paths; other items are problems."""
        found = []
        for i, item in enumerate(values):
            if isinstance(item, dict):
                found.append((at(path, i), item))
            else:
                self.add(at(path, i), f"must be an object, not {type_name(item)}")
        return found


def check_body_object(value: Any) -> dict[str, Any]:
    """A request body must be one JSON object."""
    if not isinstance(value, dict):
        raise ApiProblem(422, f"Request body must be a JSON object, not {type_name(value)}",
                         [{"field": "", "message": "must be an object"}])
    return value


def check_audience_definition(p: Problems, rules: Any, path: str) -> None:
    """AudienceDefinition: targeting_type, behavior and/or profile and their rules."""
    if not isinstance(rules, dict):
        p.add(path, f"must be an object, not {type_name(rules)}")
        return
    p.choice(rules, "targeting_type", path, ("install_id", "customer_id"), required=True)
    behavior = p.obj(rules, "behavior", path)
    profile = p.obj(rules, "profile", path)
    if "behavior" not in rules and "profile" not in rules:
        p.add(path, "needs behavior, profile or both")
    operator = p.choice(rules, "behavior_profile_operator", path, AND_OR)
    if "behavior" in rules and "profile" in rules and operator is None \
            and "behavior_profile_operator" not in rules:
        p.add(at(path, "behavior_profile_operator"), "is required when both behavior and "
              "profile are given")
    if behavior is not None:
        _check_behavior(p, behavior, at(path, "behavior"))
    if profile is not None:
        _check_profile(p, profile, at(path, "profile"))


def _check_behavior(p: Problems, behavior: dict[str, Any], path: str) -> None:
    p.integer(behavior, "days", path, required=True, minimum=1)
    operator = p.choice(behavior, "behavior_rule_operator", path, ("and", "or", "and_then"),
                        required=True)
    rules = p.items(behavior, "rules", path, required=True, nonempty=True)
    if rules is None:
        return
    checked = p.dicts(rules, at(path, "rules"))
    for rule_path, rule in checked:
        _check_behavior_rule(p, rule, rule_path)
    if operator == "and_then":
        kinds = [rule.get("rule_type", "event") for _, rule in checked]
        if len(rules) != 2:
            p.add(at(path, "rules"), "and_then needs exactly 2 rules")
        elif kinds and kinds[0] != "event":
            p.add(at(at(path, "rules"), 0), "with and_then the first rule must be an event rule")
        elif len(kinds) == 2 and kinds[1] not in ("event", "not-event"):
            p.add(at(at(path, "rules"), 1), "with and_then the second rule must be an event "
                  "or not-event rule")


def _check_behavior_rule(p: Problems, rule: dict[str, Any], path: str) -> None:
    rule_type = p.choice(rule, "rule_type", path, ("not-event", "event", "not-session", "session"))
    p.integer(rule, "count", path, required=True, minimum=0)
    p.choice(rule, "count_operator", path, ("less_than", "exactly", "atleast"), required=True)
    needs_event = rule_type in ("event", "not-event") or "rule_type" not in rule
    p.text(rule, "event_name", path, required=needs_event)
    window = p.items(rule, "neg_time_window", path)
    for i, item in enumerate(window or []):
        if not isinstance(item, int) or isinstance(item, bool):
            p.add(at(at(path, "neg_time_window"), i), "must be an integer")
    conditions = p.obj(rule, "conditions", path, required=True)
    if conditions is not None:
        check_filters(p, conditions, at(path, "conditions"), DIMENSION_OPERATORS)


def check_filters(
    p: Problems, conditions: dict[str, Any], path: str, operators: tuple[str, ...],
    *, required: bool = False,
) -> None:
    """`{filters: [{dimension_name, operator, value}], operator: and|or}`."""
    p.choice(conditions, "operator", path, AND_OR, required=required)
    filters = p.items(conditions, "filters", path, required=required)
    for item_path, item in p.dicts(filters or [], at(path, "filters")):
        p.text(item, "dimension_name", item_path, required=True)
        p.choice(item, "operator", item_path, operators, required=True)
        value = item.get("value", _MISSING)
        if value is _MISSING:
            p.add(at(item_path, "value"), "is required")
        elif isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                p.add(at(item_path, "value"), "a list value must hold strings")
        elif not isinstance(value, str | int) or isinstance(value, bool):
            p.add(at(item_path, "value"), "must be a string, an integer or a list of strings")


def _check_profile(p: Problems, profile: dict[str, Any], path: str) -> None:
    p.choice(profile, "operator", path, AND_OR, required=True)
    criteria = p.items(profile, "criteria", path, required=True, nonempty=True)
    for item_path, item in p.dicts(criteria or [], at(path, "criteria")):
        p.text(item, "key", item_path, required=True)
        p.choice(item, "scope", item_path, ("app", "org"), required=True)
        p.choice(item, "date_type", item_path, ("date", "days ago", "days from now"))
        operator = p.choice(item, "operator", item_path, PROFILE_OPERATORS, required=True)
        values = p.items(item, "values", item_path,
                         required=operator not in VALUELESS_OPERATORS)
        for i, value in enumerate(values or []):
            if not isinstance(value, str):
                p.add(at(at(item_path, "values"), i), "must be a string")
