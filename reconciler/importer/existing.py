"""The spec files a repo already has, read just enough to know which live object each is.

Import must not write a second file for an object a spec already manages
(two specs with one name are invalid), so each file's `name` (rendered, as
the plan sees it) and pinned `id` are read, and the id an unpinned file has
by construction on platforms that give one (Stream: `rcl-<key>`), which then
matches instead of the name, as in the plan. A file that does not parse is
skipped here: `validate` reports it, and import does not need to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reconciler.config import LoadedConfig
from reconciler.provider import LiveId
from reconciler.source.yamlio import FileProblem, load_document
from reconciler.workspace.loader import discover
from reconciler.workspace.templating import Renderer, TemplateProblem, platform_names


@dataclass(frozen=True)
class ExistingSpec:
    kind: str
    key: str
    path: Path
    name: str | None
    pin_id: LiveId | None
    own_id: LiveId | None = None  # the id it has unpinned, where the platform gives one


@dataclass
class ExistingSpecs:
    """Existing specs by kind, findable by pinned id and by name."""

    specs: list[ExistingSpec]

    def __post_init__(self) -> None:
        self._by_id = {(s.kind, s.pin_id): s for s in self.specs if s.pin_id is not None}
        self._by_own = {(s.kind, s.own_id): s for s in self.specs
                        if s.pin_id is None and s.own_id is not None}
        self._by_name: dict[tuple[str, str], ExistingSpec] = {}
        for s in self.specs:
            if s.name is not None:
                self._by_name.setdefault((s.kind, s.name), s)

    def managing(self, kind: str, live_id: LiveId, name: str) -> ExistingSpec | None:
        """The spec that plans against this live object: pinned to its id, else the one
        whose own id it is, else by name (when that spec has no id of its own)."""
        pinned = self._by_id.get((kind, live_id)) or self._by_own.get((kind, live_id))
        if pinned is not None:
            return pinned
        named = self._by_name.get((kind, name))
        if named is not None and named.pin_id is None and named.own_id is None:
            return named
        return None

    def named(self, kind: str, name: str) -> ExistingSpec | None:
        return self._by_name.get((kind, name))


OwnId = Callable[[str, str], LiveId | None]  # (folder kind, key) → the id it has unpinned


def scan(loaded: LoadedConfig, own_id: OwnId = lambda _kind, _key: None) -> ExistingSpecs:
    files, _ = discover(loaded.root, warn=lambda _line: None)
    renderer = Renderer(loaded.env.vars, loaded.env_name, platform_names(loaded))
    specs: list[ExistingSpec] = []
    for f in files:
        try:
            data = load_document(f.path.read_bytes(), f.rel).data
        except (FileProblem, OSError):
            continue
        name = data.get("name")
        if isinstance(name, str):
            try:
                name = renderer.render(name)
            except TemplateProblem:
                pass
        else:
            name = None
        pin = data.get("id")
        # Localytics pins are ints, Stream pins the string id: both pin a spec to its object
        pin_id = pin if (isinstance(pin, int) and not isinstance(pin, bool)
                         or isinstance(pin, str) and pin) else None
        specs.append(ExistingSpec(f.kind, f.key, f.path, name, pin_id, own_id(f.kind, f.key)))
    return ExistingSpecs(specs)
