"""The three query endpoints' shared machinery: filter, sort, cursor pages.

Filters are Stream's MongoDB-like conditions: `{field: value}` (= `$eq`),
`{field: {$eq|$ne|$gt|$gte|$lt|$lte: v, $in|$nin: [..]}}`, and `$and`/`$or`
over lists of conditions; keys side by side are ANDed. A field holding a list
(a campaign's `segments`) matches `$eq`/`$in` when any element does. Date
fields compare as instants, so `created_at: {$gte: "2026-01-01T00:00:00Z"}`
works whatever offset either side is written in. Each endpoint names the
fields it filters and sorts on; anything else is a 400, never a silent
wrong answer.

Cursors are opaque and bound to their query: a cursor carries the filter, the sort
and the scope (which query, which segment) of the request that made it, plus a
position. A request that sends one continues that query, whatever filter or sort
it sends beside it: the official SDK's own integration test pages on with a
different filter and expects the rest of the first query (`test_segment_targets`).
A cursor from another query or segment is a 400. `next` is answered exactly when
rows remain after the page, `prev` when rows precede it; both are accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.stream.protocol import bad_input, parse_date

COMPARE = ("$gt", "$gte", "$lt", "$lte")
OPERATORS = frozenset({"$eq", "$ne", "$in", "$nin", *COMPARE})
DATES = frozenset({"created_at", "updated_at", "scheduled_for", "stop_at"})
Getter = Callable[[Mapping[str, Any], str], Any]


def plain(row: Mapping[str, Any], field: str) -> Any:
    return row.get(field)


class Query:
    """One query request: fields it may name, checked filter and sort, page size."""

    def __init__(self, operation: str, fields: frozenset[str], getter: Getter = plain) -> None:
        self.operation, self.fields, self.getter = operation, fields, getter

    def check_filter(self, flt: Any) -> dict[str, Any]:
        if not isinstance(flt, dict):
            raise bad_input(self.operation, "filter must be an object")
        for key, cond in flt.items():
            if key in ("$and", "$or"):
                if not isinstance(cond, list) or not cond:
                    raise bad_input(self.operation, f"{key} needs a non-empty list")
                for part in cond:
                    self.check_filter(part)
            elif key not in self.fields:
                raise bad_input(self.operation, f"cannot filter on {key!r}")
            elif isinstance(cond, dict):
                self._check_operators(key, cond)
            elif key in DATES:
                self._date(key, cond)
        return flt

    def _check_operators(self, field: str, cond: dict[str, Any]) -> None:
        if not cond:
            raise bad_input(self.operation, f"empty condition on {field!r}")
        for op, value in cond.items():
            if op not in OPERATORS:
                raise bad_input(self.operation, f"operator {op!r} is not supported")
            values = value if op in ("$in", "$nin") else [value]
            if op in ("$in", "$nin") and not isinstance(value, list):
                raise bad_input(self.operation, f"{op} on {field!r} needs a list")
            if any(isinstance(v, (dict, list)) for v in values):
                raise bad_input(self.operation, f"{op} on {field!r} needs plain values")
            if field in DATES:
                for v in values:
                    self._date(field, v)

    def _date(self, field: str, value: Any) -> None:
        if parse_date(value) is None:
            raise bad_input(self.operation, f"{field} needs an RFC 3339 date-time")

    def matches(self, row: Mapping[str, Any], flt: Mapping[str, Any]) -> bool:
        for key, cond in flt.items():
            if key == "$and" and not all(self.matches(row, c) for c in cond):
                return False
            if key == "$or" and not any(self.matches(row, c) for c in cond):
                return False
            if key in ("$and", "$or"):
                continue
            ops = cond if isinstance(cond, dict) else {"$eq": cond}
            value = self.getter(row, key)
            if not all(_holds(op, _value(key, value), _arg(key, op, arg))
                       for op, arg in ops.items()):
                return False
        return True

    def check_sort(self, sort: Any) -> list[tuple[str, int]]:
        if sort is None:
            return []
        if not isinstance(sort, list):
            raise bad_input(self.operation, "sort must be a list of {field, direction}")
        out = []
        for item in sort:
            field = item.get("field") if isinstance(item, dict) else None
            direction = item.get("direction", 1) if isinstance(item, dict) else None
            if not isinstance(field, str) or field not in self.fields:
                raise bad_input(self.operation, f"cannot sort on {field!r}")
            if direction not in (1, -1) or isinstance(direction, bool):
                raise bad_input(self.operation, "sort direction must be 1 or -1")
            out.append((field, int(direction)))
        return out

    def sorted(self, rows: list[dict[str, Any]], sort: list[tuple[str, int]]
               ) -> list[dict[str, Any]]:
        """`rows` in their default order, re-sorted (stably) by each sort key, last first."""
        for field, direction in reversed(sort):
            rows = sorted(rows, key=self._key(field), reverse=direction == -1)
        return rows

    def _key(self, field: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
        def key(row: dict[str, Any]) -> tuple[int, Any]:
            return _rank(_value(field, self.getter(row, field)))

        return key


def _value(field: str, value: Any) -> Any:
    if field in DATES and isinstance(value, str):
        return parse_date(value) or value
    return value


def _arg(field: str, op: str, arg: Any) -> Any:
    if op in ("$in", "$nin"):
        return [_value(field, a) for a in arg]
    return _value(field, arg)


def _holds(op: str, value: Any, arg: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    if op == "$eq":
        return arg in items
    if op == "$ne":
        return arg not in items
    if op == "$in":
        return any(v in arg for v in items)
    if op == "$nin":
        return not any(v in arg for v in items)
    try:
        if op == "$gt":
            return any(v is not None and v > arg for v in items)
        if op == "$gte":
            return any(v is not None and v >= arg for v in items)
        if op == "$lt":
            return any(v is not None and v < arg for v in items)
        return any(v is not None and v <= arg for v in items)
    except TypeError:  # a string compared with a number: no match, as in a typed store
        return False


def _rank(value: Any) -> tuple[int, Any]:
    """A sort key that never compares across types: nulls, booleans, numbers, the rest."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if hasattr(value, "isoformat"):
        return (4, value)
    return (5, json.dumps(value, sort_keys=True, default=str))


@dataclass(frozen=True)
class Window:
    """What one query request asks for: its query (from its cursor, if it sent one) and
    the page of it."""

    scope: str
    flt: dict[str, Any]
    sort: list[tuple[str, int]]
    offset: int
    limit: int


def window(q: Query, body: Mapping[str, Any], scope: str, raw_filter: Any, raw_sort: Any,
           cap: int) -> Window:
    """The request's window: a cursor's own query and position, else the request's."""
    limit = body.get("limit")
    limit = min(cap, 25) if limit is None else limit
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= cap:
        raise bad_input(q.operation, f"limit must be between 1 and {cap}")
    cursor = body.get("next") if body.get("next") is not None else body.get("prev")
    if cursor is None or cursor == "":
        flt = q.check_filter({} if raw_filter is None else raw_filter)
        return Window(scope, flt, q.check_sort(raw_sort), 0, limit)
    data = _decoded(q.operation, cursor)
    if data.get("c") != scope:
        raise bad_input(q.operation, "next/prev belongs to another query")
    sort = [(str(f), int(d)) for f, d in data["s"]]
    return Window(scope, q.check_filter(data["f"]), sort, data["o"], limit)


def page(rows: Sequence[dict[str, Any]], win: Window, key: str) -> dict[str, Any]:
    """One page of `rows` (the window's query, filtered and sorted), with `next` exactly
    when rows follow and `prev` when rows precede."""
    end = win.offset + win.limit
    out: dict[str, Any] = {key: list(rows[win.offset:end])}
    if end < len(rows):
        out["next"] = _cursor(win, end)
    if win.offset > 0:
        out["prev"] = _cursor(win, max(0, win.offset - win.limit))
    return out


def _cursor(win: Window, offset: int) -> str:
    data = {"c": win.scope, "f": win.flt, "s": win.sort, "o": offset}
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decoded(operation: str, cursor: Any) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(str(cursor).encode()))
    except (ValueError, UnicodeError, binascii.Error):
        data = None
    valid = (isinstance(data, dict) and isinstance(data.get("f"), dict)
             and isinstance(data.get("s"), list)
             and all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                     and p[1] in (1, -1) for p in data["s"])
             and isinstance(data.get("o"), int) and not isinstance(data["o"], bool)
             and data["o"] >= 0)
    if not valid:
        raise bad_input(operation, "next/prev is not a valid cursor")
    assert isinstance(data, dict)
    return data
