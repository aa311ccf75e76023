"""Reading YAML files: bytes → plain data, with the position of every value on demand.

Everything that can go wrong with a file itself (size, encoding, tabs, syntax,
duplicate keys, alias bombs, a document that is not a mapping) becomes a
`FileProblem` carrying a `SpecProblem` at a 1-based line and column; nothing
here lets a bare `ValueError` or a parser exception escape.

Reading goes through libyaml (PyYAML's C parser) for speed — ruamel's
pure-Python round-trip parser costs ~5 ms a file — and plain scalars are
resolved by the YAML 1.2 core schema here, as ruamel does, so `yes` stays a
string and a timestamp stays the text the user wrote. Positions are computed
only when a problem needs one. `fmt` uses ruamel (`roundtrip.py`) for comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml as _yaml

from reconciler.errors import Location, SpecProblem
from reconciler.source.yamlcause import real_cause

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 50_000  # values after alias expansion; a spec has a few hundred

Path_ = tuple[str | int, ...]
Pos = tuple[int, int]

_CORE = "tag:yaml.org,2002:"
_BASE = getattr(_yaml, "CSafeLoader", _yaml.SafeLoader)


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """libyaml composer without PyYAML's (YAML 1.1) tag resolution: we resolve ourselves."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return "?"

    def descend_resolver(self, parent: Any, index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


class FileProblem(Exception):
    """A file cannot be read as one YAML mapping; carries its SpecProblem."""

    def __init__(self, problem: SpecProblem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Document:
    """One parsed file: plain data, and where each value sits (path → line, col)."""

    path: str
    data: dict[str, Any]
    node: Any = None
    source: str | None = field(default=None, repr=False)  # parsed again only for positions
    templates: list[Path_] = field(default_factory=list)  # paths of strings with `{`
    _positions: dict[Path_, Pos] | None = field(default=None, repr=False)

    @property
    def positions(self) -> dict[Path_, Pos]:
        if self._positions is None:
            self._positions = {(): (1, 1)}
            if self.node is None and self.source is not None:
                self.node = _yaml.compose(self.source, Loader=_Loader)
            if self.node is not None:
                _Positions(self._positions).walk(self.node, ())
        return self._positions

    def location(self, path: Path_) -> Location:
        pos = self.positions
        while path and path not in pos:
            path = path[:-1]
        line, col = pos.get(path, (1, 1))
        return Location(self.path, line, col)


_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)


def too_big(size: int, path: str) -> SpecProblem:
    return SpecProblem(
        Location(path, 1, 1), f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
    )


def too_deep(path: str) -> SpecProblem:
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


def check_tabs(text: str, path: str) -> None:
    if "\t" not in text:
        return
    m = _TAB_INDENT.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        col = m.end() - m.start()
        raise FileProblem(SpecProblem(
            Location(path, line, col), "tab character in indentation; YAML indents with spaces"
        ))


def marked_problem(e: Any, path: str, text: str = "") -> SpecProblem:
    """A parser error at the construct it was parsing (an unclosed `[` is where the
    mistake is), naming where the parser noticed it; an early-closing quote or a dedented
    key at its real cause (`yamlcause`, given the file's `text`)."""
    problem = (e.problem or "").strip()
    context = (e.context or "").strip()
    at, seen = e.context_mark or e.problem_mark, e.problem_mark
    if text and seen is not None and (cause := real_cause(text, seen.line + 1, path)):
        return cause
    if "single document" in context and seen is not None:
        line, col = seen.line + 1, seen.column + 1
        return SpecProblem(Location(path, line, col),
                           "invalid YAML: a second document ('---'); one spec per file")
    if context.startswith("while parsing a block") and seen is not None and at is not None:
        # An indentation slip: the faulty line is where the parser stopped, not where
        # the mapping or list it broke began.
        what = "list item or key" if "collection" in context else "key"
        return SpecProblem(Location(path, seen.line + 1, seen.column + 1),
                           f"invalid YAML: bad indentation: this line lines up with no "
                           f"{what} above it ({problem})")
    if problem == "mapping values are not allowed in this context":
        problem = ("a ': ' here is not allowed (a key indented too far, or a value with "
                   "': ' that needs quotes)")
    line, col = (at.line + 1, at.column + 1) if at is not None else (1, 1)
    text = f"{context}: {problem}" if context and problem else context or problem
    if seen is not None and at is not seen and (seen.line, seen.column) != (at.line, at.column):
        text += f" (noticed at line {seen.line + 1}, column {seen.column + 1})"
    return SpecProblem(Location(path, line, col), f"invalid YAML: {text}")


def load_document(raw: bytes, path: str, templates: list[Path_] | None = None) -> Document:
    """Bytes of one file → Document, or FileProblem. With `templates`, the paths of the
    strings that contain `{` (possible Jinja templates) are appended to it."""
    text = decode(raw, path)
    check_tabs(text, path)
    try:
        node = _yaml.compose(text, Loader=_Loader)
    except _yaml.MarkedYAMLError as e:
        raise FileProblem(marked_problem(e, path, text)) from None
    except _yaml.YAMLError as e:  # a reader error: a character YAML does not allow
        pos = getattr(e, "position", 0) or 0
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        first = str(e).strip().splitlines()[0]
        problem = SpecProblem(Location(path, line, col), f"invalid YAML: {first}")
        raise FileProblem(problem) from None
    except RecursionError:
        raise FileProblem(too_deep(path)) from None
    if node is None:
        raise FileProblem(SpecProblem(Location(path, 1, 1), "file is empty; expected a mapping"))
    if not isinstance(node, _yaml.MappingNode):
        kind = "a list" if isinstance(node, _yaml.SequenceNode) else "a single value"
        raise FileProblem(SpecProblem(
            Location(path, node.start_mark.line + 1, 1),
            f"document is {kind}; expected a mapping of fields",
        ))
    builder = _Builder(path, templates)
    try:
        data = builder.mapping(node)
    except _TooBig:
        raise FileProblem(SpecProblem(
            Location(path, 1, 1),
            f"document expands to more than {MAX_NODES:,} values (YAML alias bomb?)",
        )) from None
    except RecursionError:
        raise FileProblem(too_deep(path)) from None
    return Document(path=path, data=data, node=node, source=text)


class _TooBig(Exception):
    pass


_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NUMBER_START = frozenset("-+.0123456789")  # v[0] of any int, float or special float
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = {".inf": "inf", ".Inf": "inf", ".INF": "inf", "+.inf": "inf", "+.Inf": "inf",
                  "+.INF": "inf", "-.inf": "-inf", "-.Inf": "-inf", "-.INF": "-inf",
                  ".nan": "nan", ".NaN": "nan", ".NAN": "nan"}


def resolve_plain(v: str) -> Any:
    """A plain (unquoted) scalar by the YAML 1.2 core schema."""
    if v in _NULL:
        return None
    if v in _BOOL:
        return _BOOL[v]
    if v[0] not in _NUMBER_START:  # most values: text, at the cost of one lookup
        return v
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


# The tags a spec may carry: the plain ones of the YAML 1.2 core schema, each read as
# that type. Any other (`!!binary`, `!!timestamp`, `!!python/...`, a custom `!tag`) is
# refused rather than read as text that means something else to the one who wrote it.
_SCALAR_TAGS = frozenset({"?", "!", *(_CORE + t for t in ("str", "int", "float", "bool",
                                                           "null"))})
_TAGS = {_yaml.ScalarNode: _SCALAR_TAGS, _yaml.MappingNode: frozenset({"?", _CORE + "map"}),
         _yaml.SequenceNode: frozenset({"?", _CORE + "seq"})}
_RESOLVED: dict[str, Any] = {  # an explicit tag: its value must resolve to that type
    _CORE + "int": lambda v: type(v) is int, _CORE + "float": lambda v: type(v) in (int, float),
    _CORE + "bool": lambda v: type(v) is bool, _CORE + "null": lambda v: v is None}


_KEY_TAGS = frozenset({"?", "!", _CORE + "str"})
_FLOAT_TAG = _CORE + "float"


def _anything(v: Any) -> bool:
    return True


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _is_merge(knode: Any) -> bool:
    return knode.value == "<<" and not knode.style and knode.tag in ("?", _CORE + "merge")


class _Builder:
    """libyaml node tree → plain data; bounds alias expansion, rejects duplicate keys."""

    def __init__(self, path: str, templates: list[Path_] | None):
        self.path = path
        self.budget = MAX_NODES
        self.templates = templates
        self.stack: list[str | int] = []

    def _fail(self, node: Any, message: str) -> FileProblem:
        m = node.start_mark
        return FileProblem(SpecProblem(Location(self.path, m.line + 1, m.column + 1), message))

    def value(self, node: Any) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _TooBig
        cls = type(node)
        if cls is _yaml.ScalarNode and node.tag == "?":  # untagged: most of a file
            v = node.value
            if not node.style:
                try:
                    v = resolve_plain(v)
                except ValueError:  # an integer beyond Python's 4,300-digit limit
                    raise self._fail(node, f"number with {len(v):,} digits is too long "
                                           "for any field") from None
            if self.templates is not None and type(v) is str and "{" in v:
                self.templates.append(tuple(self.stack))
            return v
        if node.tag not in _TAGS[cls]:
            raise self._fail(node, f"unsupported YAML tag {_shown_tag(node.tag)!r}")
        if cls is _yaml.ScalarNode:
            v = node.value
            try:
                if node.tag in _RESOLVED or (node.tag == "?" and not node.style):
                    v = resolve_plain(v)
            except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
                raise self._fail(node, f"number with {len(v):,} digits is too long for "
                                       "any field") from None
            if not _RESOLVED.get(node.tag, _anything)(v):
                raise self._fail(node, f"{node.value!r} is not a {_shown_tag(node.tag)}")
            if node.tag == _FLOAT_TAG:
                v = float(v)
            if self.templates is not None and type(v) is str and "{" in v:
                self.templates.append(tuple(self.stack))
            return v
        if cls is _yaml.MappingNode:
            return self.mapping(node)
        out = []
        stack = self.stack
        for i, item in enumerate(node.value):
            stack.append(i)
            out.append(self.value(item))
            stack.pop()
        return out

    def mapping(self, node: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Any] = {}
        merges = []
        stack = self.stack
        for knode, vnode in node.value:
            if type(knode) is not _yaml.ScalarNode:
                raise self._fail(knode, "mapping keys must be plain strings")
            key = knode.value
            if key == "<<" and _is_merge(knode):
                merges.append(vnode)
                continue
            if knode.tag not in _KEY_TAGS:
                raise self._fail(knode, f"unsupported YAML tag {_shown_tag(knode.tag)!r}")
            if key in first:
                raise self._fail(knode, f"duplicate key {key!r} "
                                        f"(first at line {first[key].start_mark.line + 1})")
            first[key] = knode
            stack.append(key)
            out[key] = self.value(vnode)
            stack.pop()
        for vnode in merges:
            for src in _merge_sources(vnode, self._fail):
                for k, v in self.mapping(src).items():
                    if k not in out:
                        out[k] = v
        return out


def _merge_sources(vnode: Any, fail: Any) -> list[Any]:
    sources = vnode.value if isinstance(vnode, _yaml.SequenceNode) else [vnode]
    for src in sources:
        if not isinstance(src, _yaml.MappingNode):
            raise fail(src, "a merge key '<<' takes a mapping or a list of mappings")
    return sources


class _Positions:
    """Path → (line, col) of every key and list item, computed only when a problem needs it."""

    def __init__(self, out: dict[Path_, Pos]):
        self.out = out
        self.budget = MAX_NODES

    def walk(self, node: Any, path: Path_) -> None:
        self.budget -= 1
        if self.budget < 0:
            return
        if isinstance(node, _yaml.MappingNode):
            pairs = [(k, v) for k, v in node.value if isinstance(k, _yaml.ScalarNode)]
            for knode, vnode in pairs:  # merged keys first: explicit keys win
                if _is_merge(knode):
                    for src in vnode.value if isinstance(vnode, _yaml.SequenceNode) else [vnode]:
                        self.walk(src, path)
            for knode, vnode in pairs:
                if not _is_merge(knode):
                    p = (*path, knode.value)
                    self.out[p] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
                    self.walk(vnode, p)
        elif isinstance(node, _yaml.SequenceNode):
            for i, item in enumerate(node.value):
                p = (*path, i)
                self.out[p] = (item.start_mark.line + 1, item.start_mark.column + 1)
                self.walk(item, p)
