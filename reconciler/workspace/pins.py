"""Write pins into a spec file: the id (and what was created) of an object the API
cannot find again (Smartech app push), comments, quotes and key order kept.

ruamel.yaml round-trip, written atomically through the importer's writer, so
an interrupted apply leaves the old file or the new one. Only the top-level
keys given change; a `pin` block is replaced whole.

A first pin (keys the file does not have yet) is appended as text instead, and
kept only if libyaml reads the new text as exactly the old data plus the pin:
ruamel's round trip costs ~3 ms a file, which an apply of 500 app push
campaigns spent (1.5 s) after its last request (issue 29).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.errors import ReconcilerError
from reconciler.importer.write import dump, write_atomic
from reconciler.source.roundtrip import parse_rt
from reconciler.source.yamlio import FileProblem, load_document

NOTE = "written by reconciler apply: the API cannot find this campaign again"


def pinned_text(text: str, values: Mapping[str, Any], where: str = "") -> str:
    """`text` with the top-level `values` set (new keys at the end; None removes a key)."""
    appended = _appended(text, values, where)
    return appended if appended is not None else round_trip_pinned(text, values, where)


def round_trip_pinned(text: str, values: Mapping[str, Any], where: str = "") -> str:
    """`pinned_text` through ruamel's round trip: any edit, comments and quotes kept."""
    try:
        doc = parse_rt(text, where)
    except FileProblem as e:
        raise ReconcilerError(f"{e.problem}: cannot write the pin") from None
    if not isinstance(doc, CommentedMap):
        raise ReconcilerError(f"{where}: not a mapping; cannot write the pin")
    for key, value in values.items():
        if value is None:  # e.g. an id that no longer stands for the campaign
            doc.pop(key, None)
            continue
        if isinstance(value, Mapping):
            # quoted: a hex digest of digits only must not read back as a number
            block = CommentedMap({k: DoubleQuotedScalarString(v) if isinstance(v, str) else v
                                  for k, v in value.items()})
            block.fa.set_flow_style()
            value = block
        doc[key] = value
    if values.get("id") is not None:
        doc.yaml_add_eol_comment(NOTE, "id")
    return dump(doc)


def _appended(text: str, values: Mapping[str, Any], where: str) -> str | None:
    """`text` with new top-level `values` added at its end, as ruamel writes them (a flow
    mapping's last entries, or lines of a block mapping); None where that does not read
    back as the old data plus `values` (a key already there, a removal, a value that is
    not a scalar or a mapping of scalars, a document end marker, ...)."""
    if not values or not all(_plain(v) or isinstance(v, Mapping) and all(
            _plain(x) for x in v.values()) for v in values.values()):
        return None
    entries = [f"{k}: {_flow(v)}" + (f"  # {NOTE}\n" if k == "id" else "")
               for k, v in values.items()]
    body = text.rstrip()
    if body.endswith("}") and body.lstrip().startswith("{"):  # a flow mapping (JSON)
        new = body[:-1] + "".join(f", {e}" for e in entries) + "}\n"
    else:
        new = body + "\n" + "".join(e if e.endswith("\n") else e + "\n" for e in entries)
    try:
        old_data, new_data = (load_document(t.encode("utf-8"), where).data for t in (text, new))
    except FileProblem:
        return None
    expected = {k: dict(v) if isinstance(v, Mapping) else v for k, v in values.items()}
    if set(values) & set(old_data) or new_data != {**old_data, **expected}:
        return None
    return new


def _plain(value: Any) -> bool:
    return value is not None and isinstance(value, bool | int | str)


def _flow(value: Any) -> str:
    """A value as YAML flow text: strings double-quoted (a digest of digits only must not
    read back as a number), a mapping as `{k: v, ...}`."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def pin_file(path: Path, values: Mapping[str, Any]) -> None:
    write_atomic(path, pinned_text(path.read_text(encoding="utf-8"), values, str(path)))
