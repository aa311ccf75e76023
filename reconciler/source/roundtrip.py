"""ruamel.yaml round-trip reading and writing, for `fmt` (comments and quotes kept)."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver

from reconciler.errors import Location, SpecProblem
from reconciler.source.yamlio import FileProblem, check_tabs, marked_problem, too_deep


class _Resolver(VersionedResolver):
    """No implicit timestamps: `2026-02-30` is the text the user wrote, as validate reads it.

    ruamel would build a date from it (and crash on an impossible one); validate's loader
    uses the YAML 1.2 core schema, which has no timestamps. Dumping asks the same
    resolver, so such strings stay unquoted.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)
        if str(tag) == _TIMESTAMP:
            return super().resolve(kind, "text", implicit)  # the plain string's tag
        return tag


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def round_trip_yaml() -> YAML:
    """The canonical layout: 2-space maps, sequences indented under their key, no wrapping."""
    y = YAML(typ="rt")
    y.Resolver = _Resolver
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
        raise FileProblem(marked_problem(e, path, text)) from None
    except YAMLError as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise FileProblem(SpecProblem(Location(path, 1, 1), f"invalid YAML: {msg}")) from None
    except RecursionError:
        raise FileProblem(too_deep(path)) from None
    except (ValueError, TypeError, OverflowError) as e:  # a tagged value ruamel cannot build
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise FileProblem(SpecProblem(Location(path, 1, 1),
                                      f"cannot format: a value cannot be read ({first})")) from None
