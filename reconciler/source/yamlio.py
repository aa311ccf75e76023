"""Reading spec files: bytes → round-trip YAML → plain data with the position of every value.

Everything that can go wrong with a file itself (size, encoding, tabs, syntax,
duplicate keys, alias bombs, a document that is not a mapping) becomes a
`SpecProblem` at a 1-based line and column; nothing here raises a bare
`ValueError` or a ruamel exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml as _yaml
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarfloat import ScalarFloat
from ruamel.yaml.scalarint import ScalarInt

from reconciler.errors import Location, SpecProblem

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 50_000  # values after alias expansion; a spec has a few hundred

_Loader = getattr(_yaml, "CSafeLoader", _yaml.SafeLoader)

Path_ = tuple[str | int, ...]
Pos = tuple[int, int]


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that keeps timestamps as the text the user wrote."""


def _timestamp_as_text(self: RoundTripConstructor, node: Any) -> str:
    return str(node.value)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def round_trip_yaml(*, keep_timestamps: bool = False) -> YAML:
    """The one ruamel configuration: 2-space maps, sequences indented under their key."""
    y = YAML(typ="rt")
    if not keep_timestamps:
        y.Constructor = _Constructor
    y.preserve_quotes = True
    y.allow_duplicate_keys = False
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    return y


class FileProblem(Exception):
    """A file cannot be read as one YAML mapping; carries its SpecProblem."""

    def __init__(self, problem: SpecProblem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Document:
    """One parsed file: plain data plus where each value sits (path → line, col)."""

    path: str
    data: dict[str, Any]
    positions: dict[Path_, Pos] = field(default_factory=dict)

    def location(self, path: Path_) -> Location:
        while path and path not in self.positions:
            path = path[:-1]
        line, col = self.positions.get(path, (1, 1))
        return Location(self.path, line, col)


_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)


def too_big(size: int, path: str) -> SpecProblem:
    return SpecProblem(
        Location(path, 1, 1),
        f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes",
    )


def _too_deep(path: str) -> SpecProblem:
    return SpecProblem(Location(path, 1, 1), "invalid YAML: nesting too deep")


def decode(raw: bytes, path: str) -> str:
    """UTF-8 text of a file, or a FileProblem at the first bad byte."""
    if len(raw) > MAX_FILE_BYTES:
        raise FileProblem(too_big(len(raw), path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise FileProblem(SpecProblem(
            Location(path, line, col), f"file is not UTF-8 text (byte 0x{raw[e.start]:02x})"
        )) from None


def parse_rt(text: str, path: str, yaml: YAML | None = None) -> Any:
    """Round-trip parse (fmt): syntax errors, tabs, duplicate keys become FileProblems."""
    _check_tabs(text, path)
    y = yaml or round_trip_yaml()
    try:
        return y.load(text)
    except MarkedYAMLError as e:
        raise FileProblem(_marked_problem(e, path)) from None
    except YAMLError as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise FileProblem(SpecProblem(Location(path, 1, 1), f"invalid YAML: {msg}")) from None
    except RecursionError:
        raise FileProblem(_too_deep(path)) from None


def _check_tabs(text: str, path: str) -> None:
    m = _TAB_INDENT.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        col = m.end() - m.start()
        raise FileProblem(SpecProblem(
            Location(path, line, col), "tab character in indentation; YAML indents with spaces"
        ))


def _marked_problem(e: Any, path: str) -> SpecProblem:
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = (e.problem or "").strip()
    context = (e.context or "").strip()
    text = problem if not context else f"{context}: {problem}" if problem else context
    return SpecProblem(Location(path, line, col), f"invalid YAML: {text}")


def load_document(raw: bytes, path: str) -> Document:
    """Bytes of one spec file → Document, or FileProblem.

    Validation reads through libyaml (PyYAML's C parser) for speed — ruamel's
    pure-Python round-trip parser costs ~5 ms a file — and resolves plain
    scalars by the YAML 1.2 core schema itself, like ruamel does, so `yes`
    stays a string and timestamps stay the text the user wrote. `fmt` keeps
    using ruamel's round-trip parser for comments.
    """
    text = decode(raw, path)
    _check_tabs(text, path)
    try:
        node = _yaml.compose(text, Loader=_Loader)
    except _yaml.MarkedYAMLError as e:
        raise FileProblem(_marked_problem(e, path)) from None
    except _yaml.YAMLError as e:
        raise FileProblem(SpecProblem(Location(path, 1, 1), f"invalid YAML: {e}")) from None
    except RecursionError:
        raise FileProblem(_too_deep(path)) from None
    if node is None:
        raise FileProblem(SpecProblem(Location(path, 1, 1), "file is empty; expected a mapping"))
    if not isinstance(node, _yaml.MappingNode):
        line = node.start_mark.line + 1
        kind = "a list" if isinstance(node, _yaml.SequenceNode) else "a single value"
        raise FileProblem(SpecProblem(
            Location(path, line, 1), f"document is {kind}; expected a mapping of fields"
        ))
    doc = Document(path=path, data={})
    walker = _Walker(path, doc.positions)
    try:
        doc.data = walker.value(node, ())
    except _TooBig:
        raise FileProblem(SpecProblem(
            Location(path, 1, 1),
            f"document expands to more than {MAX_NODES:,} values (YAML alias bomb?)",
        )) from None
    except RecursionError:
        raise FileProblem(_too_deep(path)) from None
    doc.positions[()] = (1, 1)
    return doc


class _TooBig(Exception):
    pass


_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = {".inf": "inf", ".Inf": "inf", ".INF": "inf", "+.inf": "inf", "+.Inf": "inf",
                  "+.INF": "inf", "-.inf": "-inf", "-.Inf": "-inf", "-.INF": "-inf",
                  ".nan": "nan", ".NaN": "nan", ".NAN": "nan"}
_CORE = "tag:yaml.org,2002:"


def resolve_plain(v: str) -> Any:
    """A plain (unquoted) scalar by the YAML 1.2 core schema."""
    if v in _NULL:
        return None
    if v in _BOOL:
        return _BOOL[v]
    if _INT.match(v):
        return int(v)
    if v.startswith(("0o", "0x")):
        try:
            return int(v[2:], 8 if v[1] == "o" else 16)
        except ValueError:
            return v
    if _FLOAT.match(v):
        return float(v)
    if v in _SPECIAL_FLOAT:
        return float(_SPECIAL_FLOAT[v])
    return v


class _Walker:
    """libyaml node tree → plain data, recording positions, bounding alias expansion."""

    def __init__(self, path: str, positions: dict[Path_, Pos]):
        self.path = path
        self.positions = positions
        self.budget = MAX_NODES

    def _fail(self, node: Any, message: str) -> FileProblem:
        m = node.start_mark
        return FileProblem(SpecProblem(Location(self.path, m.line + 1, m.column + 1), message))

    def value(self, node: Any, path: Path_) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _TooBig
        tag = node.tag or ""
        if not tag.startswith(_CORE) and tag != "!":
            raise self._fail(node, f"unsupported YAML tag {tag!r}")
        if isinstance(node, _yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, _yaml.SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                self.positions[(*path, i)] = (item.start_mark.line + 1, item.start_mark.column + 1)
                out.append(self.value(item, (*path, i)))
            return out
        if not node.style:
            return resolve_plain(node.value)
        return node.value

    def mapping(self, node: Any, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        merges = []
        for knode, vnode in node.value:
            if knode.tag == _CORE + "merge":
                merges.append(vnode)
                continue
            if not isinstance(knode, _yaml.ScalarNode):
                raise self._fail(knode, "mapping keys must be plain strings")
            key = knode.value
            if key in first:
                raise self._fail(knode, f"duplicate key {key!r} (first at line {first[key]})")
            first[key] = knode.start_mark.line + 1
            self.positions[(*path, key)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            out[key] = self.value(vnode, (*path, key))
        for vnode in merges:
            sources = vnode.value if isinstance(vnode, _yaml.SequenceNode) else [vnode]
            for src in sources:
                if not isinstance(src, _yaml.MappingNode):
                    raise self._fail(src, "a merge key '<<' takes a mapping or a list of mappings")
                saved, self.positions = self.positions, {}
                try:
                    merged = self.mapping(src, path)
                finally:
                    tmp, self.positions = self.positions, saved
                for k, v in merged.items():
                    if k not in out:
                        out[k] = v
                        self.positions.update(
                            (p, xy) for p, xy in tmp.items() if p[len(path)] == k
                        )
        return out


def scalar(v: Any) -> Any:
    """ruamel's round-trip scalar types → plain Python scalars."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, ScalarBoolean):
        return bool(v)
    if isinstance(v, ScalarInt):
        return int(v)
    if isinstance(v, ScalarFloat):
        return float(v)
    if isinstance(v, str):
        return str(v)
    return v
