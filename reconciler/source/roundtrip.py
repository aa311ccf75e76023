"""ruamel.yaml round-trip reading and writing, for `fmt` (comments and quotes kept)."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from reconciler.errors import Location, SpecProblem
from reconciler.source.yamlio import FileProblem, check_tabs, marked_problem, too_deep


def round_trip_yaml() -> YAML:
    """The canonical layout: 2-space maps, sequences indented under their key, no wrapping."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.allow_duplicate_keys = False
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    return y


def parse_rt(text: str, path: str, yaml: YAML | None = None) -> Any:
    """Round-trip parse: syntax errors, tabs and duplicate keys become FileProblems."""
    check_tabs(text, path)
    y = yaml or round_trip_yaml()
    try:
        return y.load(text)
    except MarkedYAMLError as e:
        raise FileProblem(marked_problem(e, path)) from None
    except YAMLError as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise FileProblem(SpecProblem(Location(path, 1, 1), f"invalid YAML: {msg}")) from None
    except RecursionError:
        raise FileProblem(too_deep(path)) from None
