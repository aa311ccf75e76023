"""The times in a lease's name are parsed exactly as datetime.strptime parsed them.

The parser no longer calls strptime (its first call imports _strptime and locale on
the path to every apply's first write, issue 29): every string strptime took is taken
with the same value, every one it refused is refused, with ValueError as before.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reconciler.apply.lease import _iso, _parse_iso

FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DIGITS = "0123456789" + "٢٣٩" + "０５"  # Arabic-Indic and full-width digits too


def _strptime(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _ours(text: str) -> datetime | None:
    try:
        return _parse_iso(text)
    except ValueError:
        return None


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(st.integers(low, high).map(str), st.integers(low, high).map(
        lambda n: f"{n:02d}"), st.text(alphabet=DIGITS + " ", min_size=0, max_size=3))


near_times = st.tuples(
    st.one_of(st.integers(0, 9999).map(lambda n: f"{n:04d}"), st.text(DIGITS, max_size=5)),
    st.sampled_from("-/ "), _field(0, 13), st.sampled_from("-"), _field(0, 32),
    st.sampled_from("Tt _"), _field(0, 24), st.sampled_from(":"), _field(0, 60),
    st.sampled_from(":."), _field(0, 62), st.sampled_from(["Z", "z", "", "Z ", "ZZ", "+00:00"]),
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(near_times, st.text(max_size=24)))
@example("2026-12-07T11:39:28Z")
@example("2024-02-29T23:59:59Z")
@example("2026-1-7T1:2:3Z")
@example("2026-01- 7T00:00:00Z")
@example("2026-01-07t00:00:00z")
@example("٢٠٢٦-01-17T00:00:00Z")
@example("2026-02-29T00:00:00Z")
@example("2026-01-01T00:00:60Z")
@example("2026-01-01T00:00:61Z")
@example("0000-01-01T00:00:00Z")
@example("2026-01-01T00:00:00Z ")
@example("2026-01-01T00:00:00")
@example("2026-01-01T24:00:00Z")
def test_lease_times_parse_as_strptime_parsed_them(text: str) -> None:
    assert _ours(text) == _strptime(text)


def test_every_time_a_lease_is_named_with_reads_back_as_itself() -> None:
    for t in (datetime(2026, 12, 7, 11, 39, 28, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC),
              datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)):
        assert _parse_iso(_iso(t)) == t


def test_a_time_that_is_not_one_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        _parse_iso("2026-13-01T00:00:00Z")
