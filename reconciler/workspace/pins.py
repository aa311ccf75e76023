"""Write pins into a spec file: the id (and what was created) of an object the API
cannot find again (Smartech app push), comments, quotes and key order kept.

ruamel.yaml round-trip, written atomically through the importer's writer, so
an interrupted apply leaves the old file or the new one. Only the top-level
keys given change; a `pin` block is replaced whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.errors import ReconcilerError
from reconciler.importer.write import dump, write_atomic
from reconciler.source.roundtrip import parse_rt
from reconciler.source.yamlio import FileProblem

NOTE = "written by reconciler apply: the API cannot find this campaign again"


def pinned_text(text: str, values: Mapping[str, Any], where: str = "") -> str:
    """`text` with the top-level `values` set (new keys at the end; None removes a key)."""
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


def pin_file(path: Path, values: Mapping[str, Any]) -> None:
    write_atomic(path, pinned_text(path.read_text(encoding="utf-8"), values, str(path)))
