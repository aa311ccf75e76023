"""A pin written into a spec file: a first pin is appended as text (fast), anything else
goes through ruamel's round trip, and both read back as the same data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.errors import ReconcilerError
from reconciler.source.yamlio import load_document
from reconciler.workspace.pins import NOTE, pinned_text, round_trip_pinned

PIN = {"id": 10003, "pin": {"digest": "0123", "executed": False}}
UNKNOWN = {"id": 10004, "pin": {"digest": "ab12", "executed": "unknown"}}


def data(text: str) -> dict[str, Any]:
    return load_document(text.encode(), "spec.yaml").data


BLOCK = ("# the spring push\nchannel: apn  # app push\nname: Spring sale\n"
         "app_ids:\n  - acme-android\ntemplate_id: '4021'\n")
JSON = json.dumps({"channel": "apn", "name": "Campaign 2", "app_ids": ["acme-android"],
                   "template_id": "4021"})


@pytest.mark.parametrize("text", [BLOCK, JSON, BLOCK.rstrip("\n"), "name: x\n\n# end\n"])
@pytest.mark.parametrize("values", [PIN, UNKNOWN])
def test_a_first_pin_is_appended_keeping_every_byte_before_it(
        text: str, values: dict[str, Any]) -> None:
    out = pinned_text(text, values)
    assert out.startswith(text.rstrip().rstrip("}"))  # comments and layout untouched
    assert data(out) == {**data(text), **values}
    assert data(out) == data(round_trip_pinned(text, values))
    assert f"# {NOTE}" in out
    assert data(out)["pin"]["digest"] == values["pin"]["digest"]  # digits stay a string


@pytest.mark.parametrize(("text", "values"), [
    (BLOCK + "id: 9\npin: {digest: \"9\", executed: true}\n", PIN),  # replaced, not added
    ("name: x\nid: 9\npin: {created: \"unknown\"}\n", {"id": None, "pin": None}),  # removed
    ("name: x\nbody: |+\n  kept\n\n", PIN),  # trailing blank lines belong to the scalar
    ("name: x\n...\n", PIN),  # after a document end, an append would be a second document
    ('{"name": "x"}  # a comment after the mapping\n', PIN),
])
def test_what_an_append_cannot_write_goes_through_the_round_trip(
        text: str, values: dict[str, Any]) -> None:
    assert pinned_text(text, values) == round_trip_pinned(text, values)


def test_a_file_that_is_not_a_mapping_is_refused_either_way() -> None:
    with pytest.raises(ReconcilerError, match="not a mapping"):
        pinned_text("- a\n- b\n", PIN, "spec.yaml")


scalars = st.one_of(st.integers(-10**6, 10**6), st.booleans(),
                    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                            max_size=12))
keys = st.text("abcdefghij_", min_size=1, max_size=8)
docs = st.dictionaries(keys, st.one_of(scalars, st.lists(scalars, max_size=3),
                                       st.dictionaries(keys, scalars, max_size=3)),
                       min_size=1, max_size=5)
pins = st.fixed_dictionaries({"id": st.one_of(st.integers(1, 10**9), keys),
                              "pin": st.dictionaries(keys, scalars, min_size=1, max_size=3)})


@settings(max_examples=60, deadline=None)
@given(docs, pins, st.booleans())
def test_appended_and_round_tripped_pins_read_back_alike(
        doc: dict[str, Any], values: dict[str, Any], as_json: bool) -> None:
    text = json.dumps(doc, ensure_ascii=False) if as_json else "".join(
        f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in doc.items())
    values = {k: v for k, v in values.items() if k not in doc}
    expected = {**data(text), **values}
    assert data(pinned_text(text, values)) == expected
    if values:
        assert data(round_trip_pinned(text, values)) == expected


def test_an_apply_of_many_app_pushes_pins_every_file(smartech_repo: Any) -> None:
    """Twenty pins are written on a worker thread (workspace.pinfiles): each file gets
    its own id, appended after what it held."""
    from tests.smartech_repo import push_campaign

    before = {i: smartech_repo.put("campaign", f"push{i}", push_campaign(f"Push {i}"))
              .read_text() for i in range(20)}
    run = smartech_repo.run("apply", "--auto-approve")
    assert run.code == 0, run.stderr
    texts = {i: smartech_repo.text("campaign", f"push{i}") for i in before}
    pinned = {i: data(t) for i, t in texts.items()}
    assert len({p["id"] for p in pinned.values()}) == 20
    for i, text in texts.items():
        assert text.startswith(before[i].rstrip()) and f"# {NOTE}" in text
        assert pinned[i]["pin"]["executed"] is False
