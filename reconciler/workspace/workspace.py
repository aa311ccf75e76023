"""What the rest of reconciler sees of the spec files: validated, rendered specs.

`Spec.body` holds the spec's fields under the API's own names, after Jinja
rendering, as plain dicts/lists/scalars, without the reconciler-only fields
(`id`, `protect`, `ignore_changes`), which become attributes. Audience
references in campaigns stay as written (keys as strings, raw ids as ints);
the provider resolves keys to live ids when it builds the wire payload.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
