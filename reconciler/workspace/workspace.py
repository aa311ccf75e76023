"""What the rest of reconciler sees of the spec files: validated, rendered specs.

`Spec.body` holds the spec's fields under the API's own names, after Jinja
rendering, as plain dicts/lists/scalars, without the reconciler-only fields
(`id`, `protect`, `ignore_changes`), which become attributes. Audience
references in campaigns stay as written (keys as strings, raw ids as ints);
the provider resolves keys to live ids when it builds the wire payload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from reconciler.config import LoadedConfig

KINDS = ("audience", "campaign")  # dependency order: audiences before campaigns
FOLDERS = {"audience": "audiences", "campaign": "campaigns"}

# Apply leases (reconciler.apply.lease) are reserved draft objects whose name starts
# with this marker: providers hide them from list_live, so they are never planned,
# pruned or imported, and specs may not use names that start with it. Here rather than
# in reconciler.provider, so a platform's spec checks (validate) need not import that.
LEASE_MARKER = "reconciler-lease"


def is_lease_name(name: str) -> bool:
    return name.startswith(LEASE_MARKER)


V = TypeVar("V")


class Lazy(Mapping[str, V]):
    """A table built on first use, by `build`."""

    def __init__(self, build: Callable[[], dict[str, V]]) -> None:
        self._build: Callable[[], dict[str, V]] | None = build
        self._built: dict[str, V] | None = None

    def _table(self) -> dict[str, V]:
        if self._built is None:
            assert self._build is not None
            self._built, self._build = self._build(), None  # what it closes over is let go
        return self._built

    def __getitem__(self, key: str) -> V:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


class FieldLines(Lazy[int]):
    """The 1-based line of each top-level field of a parsed file, found on first use.

    Finding lines composes the file's YAML a second time (the loader drops the node
    tree to keep memory low), and they are read only for an error message: building
    them for every spec before the first request was 10 % of a Smartech apply's
    start-up (issue 29).
    """

    def __init__(self, doc: Any, keys: Iterable[Any]) -> None:
        # doc: a reconciler.source.yamlio.Document, its text kept
        self._keys = tuple(keys)
        super().__init__(lambda: {str(k): doc.location((k,)).line for k in self._keys})

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:  # as the dict it stands for (the spec memo compares reprs)
        return repr(self._table())


@dataclass(frozen=True)
class Spec:
    kind: str
    key: str
    # relative to the env's spec root (its `specs:` folder), e.g. "campaigns/seasonal/x.yaml"
    path: str
    body: Mapping[str, Any]
    pin_id: int | str | None = None  # Localytics ids are ints, Stream ids strings
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()  # refs such as "audience:lapsed-buyers"
    # Written by apply where identity lives in git (Smartech app push): what was created.
    pin_state: Mapping[str, Any] | None = None
    people: str | None = None  # an audience's people group (`people:`), never sent
    # 1-based line of each top-level field, so plan errors can name file:line.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def at(self, key: str = "") -> str:
        """`path:line` of a top-level field (or of the file's first line)."""
        return f"{self.path}:{self.lines.get(key, 1)}"

    @property
    def name(self) -> str:
        return str(self.body["name"])

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Workspace:
    """Every spec of one env, plus a hash of the files they came from."""

    loaded: LoadedConfig
    specs: tuple[Spec, ...]
    content_hash: str = ""
    _by_ref: dict[str, Spec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_ref.update({s.ref: s for s in self.specs})

    def of_kind(self, kind: str) -> list[Spec]:
        return [s for s in self.specs if s.kind == kind]

    def get(self, ref: str) -> Spec | None:
        return self._by_ref.get(ref)

    def __iter__(self) -> Iterator[Spec]:
        return iter(self.specs)
