"""Drive one import: list, choose, name, build, write — campaigns a batch at a time.

Audiences come whole from their listing; campaigns are listed as summaries
and their details read `BATCH` at a time, written, then dropped, so memory
does not grow with the size of the app. An object a spec already manages is
"existing": reported, or merged into its file with `--update`. A live name
shared by several objects is pinned with `id:` (the plan could not tell them
apart by name); a second object of one name in the same run is skipped,
since two specs may not share a name. On platforms where an object's id
follows from its file's key (Stream: `rcl-<key>`), the file takes that key
when it can, and an object whose id is not its file's own is pinned.

Kinds: the provider's kinds (Stream: segment, campaign) live in the folder
kinds' folders (audiences/, campaigns/), validated by the platform's models
(reconciler.workspace.validate.PLATFORM_KINDS).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.config import LoadedConfig
from reconciler.errors import ConfigError
from reconciler.importer import document
from reconciler.importer.existing import ExistingSpecs, scan
from reconciler.importer.select import Candidate, Chosen, Selection, choose
from reconciler.importer.slugs import SlugBook, slugify
from reconciler.importer.write import new_text, updated_text, write_atomic
from reconciler.platform import Imports
from reconciler.provider import ImportRefs, LiveId, LiveObject, Provider
from reconciler.workspace.fmt import root_type
from reconciler.workspace.templating import Renderer, TemplateProblem, platform_names
from reconciler.workspace.validate import PLATFORM_KINDS
from reconciler.workspace.workspace import FOLDERS, Spec

BATCH = 50

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    update: bool = False
    dry_run: bool = False
    pin_ids: bool = False


@dataclass
class Summary:
    written: dict[str, int] = field(default_factory=lambda: {"audience": 0, "campaign": 0})
    updated: int = 0
    unchanged: int = 0
    existed: int = 0
    skipped_archived: int = 0
    failed: int = 0
    dry_run: bool = False

    def line(self) -> str:
        verb = "would write" if self.dry_run else "wrote"
        parts = [f"{verb} " + ", ".join(f"{n} {k}s" for k, n in self.written.items())]
        if self.updated:
            parts.append(f"{'would update' if self.dry_run else 'updated'} {self.updated}")
        if self.unchanged:
            parts.append(f"{self.unchanged} up to date")
        if self.skipped_archived:
            parts.append(f"skipped {self.skipped_archived} archived")
        if self.existed:
            parts.append(f"{self.existed} existed (use --update)")
        if self.failed:
            parts.append(f"{self.failed} not imported (see warnings)")
        return f"import{' (dry run)' if self.dry_run else ''}: " + "; ".join(parts)


class Importer:
    def __init__(self, loaded: LoadedConfig, provider: Provider, options: Options,
                 echo: Echo, warn: Echo, progress: Echo):
        self.loaded = loaded
        self.provider = provider
        self.options = options
        self.echo, self.warn, self.progress = echo, warn, progress
        self.renderer = Renderer(loaded.env.vars, loaded.env_name, platform_names(loaded))
        table = PLATFORM_KINDS[loaded.env.provider]
        self.kinds = [k.name for k in provider.kinds]  # dependency order
        self.folder = {spec: folder for folder, (spec, _model) in table.items()}
        self.model = {spec: model for spec, model in table.values()}
        self.ref_kind = table["audience"][0]  # what campaigns refer to
        self.summary = Summary(written=dict.fromkeys(self.kinds, 0), dry_run=options.dry_run)
        self.books = {k: SlugBook(loaded.root / FOLDERS[self.folder[k]]) for k in self.kinds}
        self.written_names: dict[str, dict[str, LiveId]] = {k: {} for k in self.kinds}
        self.audience_keys: dict[LiveId, str] = {}
        self.audience_names: dict[LiveId, str] = {}
        self.existing = ExistingSpecs([])

    async def run(self, sel: Selection) -> Summary:
        self.existing = scan(self.loaded, self._own_id)
        self.progress("listing live objects")
        live, audiences = await self._list(sel.kind)
        chosen = choose(live, sel)
        self.summary.skipped_archived = chosen.skipped_archived
        for a in audiences:
            self.audience_names[a.id] = a.name
            managed = self.existing.managing("audience", a.id, a.name)
            if managed is not None:
                self.audience_keys[a.id] = managed.key
        placed = {k: [self._place(k, c, chosen) for c in chosen.by_kind.get(k, [])]
                  for k in self.kinds}
        for p in placed[self.ref_kind]:
            if p is not None:
                self.audience_keys[p.cand.live.id] = p.key
        for k in self.kinds:
            await self._pipeline(k, [p for p in placed[k] if p is not None])
        return self.summary

    async def _pipeline(self, kind: str, todo: list[_Placed]) -> None:
        """Read details a batch at a time, the next batch in flight while this one is
        written, so only two batches of live objects are ever held."""
        batches = [todo[i:i + BATCH] for i in range(0, len(todo), BATCH)]

        def fetch(batch: list[_Placed]) -> asyncio.Future[list[LiveObject | None]]:
            return asyncio.ensure_future(asyncio.gather(*(self._detail(p) for p in batch)))

        pending = fetch(batches[0]) if batches else None
        for i, batch in enumerate(batches):
            assert pending is not None
            details = await pending
            pending = fetch(batches[i + 1]) if i + 1 < len(batches) else None
            self.progress(f"importing {kind}s: {i * BATCH:,} of {len(todo):,}")
            for p, obj in zip(batch, details, strict=True):
                self._emit(kind, p, obj)

    async def _list(self, kind: str | None
                    ) -> tuple[dict[str, list[Candidate]], list[LiveObject]]:
        """Candidates of the chosen kinds (archived ones marked), and every live
        audience (campaign references need their names and keys)."""
        out: dict[str, list[Candidate]] = {}
        audiences: list[LiveObject] = []
        for info in self.provider.kinds:
            wanted = kind is None or kind in (info.name, self.folder[info.name])
            if not wanted and info.name != self.ref_kind:
                continue
            current = await self.provider.list_live(info.name)
            if info.name == self.ref_kind:
                audiences = current
            if wanted:
                archived = await self.provider.list_archived(info.name)
                out[info.name] = [Candidate(o) for o in current] + [
                    Candidate(o, archived=True) for o in archived]
        return out, audiences

    def _place(self, kind: str, cand: Candidate, chosen: Chosen) -> _Placed | None:
        """Decide the file of one object, or report why it gets none."""
        obj = cand.live
        folder = self.folder[kind]
        managed = None if cand.archived else self.existing.managing(folder, obj.id, obj.name)
        if managed is not None:
            self.books[kind].reserve(managed.key)
            if not self.options.update:
                self.summary.existed += 1
                self.echo(f"exists {_rel(self.loaded.root, managed.path)} "
                          f"({kind} {obj.id}; use --update to rewrite it)")
                return None
            return _Placed(cand, managed.key, managed.path, update=True)
        clash = self.existing.named(folder, obj.name)
        if clash is not None or obj.name in self.written_names[kind]:
            where = (_rel(self.loaded.root, clash.path) if clash is not None
                     else f"{kind} {self.written_names[kind][obj.name]}, imported above")
            self.warn(f"warning: {kind} {obj.id} {obj.name!r} not imported: its name is "
                      f"already used by {where}; spec names must be unique, so rename one "
                      "in the dashboard and import again")
            self.summary.failed += 1
            return None
        self.written_names[kind][obj.name] = obj.id
        own = self.provider.import_key(obj)
        if own is None or not self.books[kind].claim_exact(own):
            own = None
        key = own or self.books[kind].claim(slugify(obj.name, f"{kind}-{obj.id}"))
        default = self._own_id(folder, key)
        pin = (self.options.pin_ids or default is not None and default != obj.id
               or default is None and chosen.name_counts[kind][obj.name] > 1)
        return _Placed(cand, key, self.loaded.root / FOLDERS[folder] / f"{key}.yaml",
                       pin=pin and not cand.archived)

    def _own_id(self, folder: str, key: str) -> LiveId | None:
        """The id a file of `key` has without `id:` (None: it is matched by name)."""
        kind = PLATFORM_KINDS[self.loaded.env.provider][folder][0]
        return self.provider.default_id(Spec(kind=kind, key=key, path="", body={}))

    async def _detail(self, p: _Placed) -> LiveObject | None:
        if p.cand.live.body is not None:
            return p.cand.live
        return await self.provider.get_live(p.cand.live.kind, p.cand.live.id)

    def _emit(self, kind: str, p: _Placed, obj: LiveObject | None) -> None:
        live = p.cand.live
        if obj is None or obj.body is None:
            self.warn(f"warning: {kind} {live.id} {live.name!r} vanished while importing")
            self.summary.failed += 1
            return
        refs = ImportRefs(keys=self.audience_keys, names=self.audience_names)
        if not isinstance(self.provider, Imports):
            raise ConfigError(f"import is not available for {self.loaded.env.provider} envs")
        doc = self.provider.spec_document(obj, refs, archived=p.cand.archived)
        model = self.model[kind]
        built = document.known_fields(model, doc.body, doc.dropped)
        rel = _rel(self.loaded.root, p.path)
        for path in built.dropped:
            self.warn(f"warning: {rel}: live field {path} of {kind} {live.id} is not a spec "
                      "field; dropped (a later update through reconciler removes it)")
        plain = built.plain
        if p.pin:
            plain["id"] = live.id
        reason = doc.problem
        if reason is None:
            problem = document.problem(model, plain)
            reason = problem and f"the live object is not a valid spec ({problem})"
        if reason is not None:
            self.warn(f"warning: {kind} {live.id} {live.name!r} not imported: {reason}")
            self.summary.failed += 1
            if kind == self.ref_kind and not p.update:
                self.audience_keys.pop(live.id, None)  # campaigns keep the raw id
            return
        if p.update:
            self._update(kind, p, plain, rel)
        else:
            self._write(kind, p, plain, rel, doc.notes, doc.header)

    def _write(self, kind: str, p: _Placed, plain: dict[str, Any], rel: str,
               notes: dict[tuple[str | int, ...], str], header: tuple[str, ...]) -> None:
        doc = document.to_yaml(self.model[kind], plain, notes=notes, header=header,
                               verbatim=self._verbatim,
                               fmt_type=root_type(rel, self.loaded.env.provider))
        text = new_text(doc)
        self.summary.written[kind] += 1
        if self.options.dry_run:
            self.echo(f"would write {rel}")
            return
        write_atomic(p.path, text)
        self.echo(f"wrote {rel}")

    def _update(self, kind: str, p: _Placed, plain: dict[str, Any], rel: str) -> None:
        plain.pop("id", None)  # reconciler-only keys stay as the user has them
        text = p.path.read_text(encoding="utf-8")
        base = self.provider.comparable(kind, plain)

        def redundant(path: tuple[str | int, ...]) -> bool:
            return self.provider.comparable(kind, document.without(plain, path)) == base

        def same(path: tuple[str | int, ...], old: Any) -> bool:
            return self.provider.comparable(kind, document.replaced(plain, path, old)) == base

        new = updated_text(self.model[kind], text, rel, plain, self.renderer, redundant, same,
                           self._verbatim)
        if new is None or new == text:
            self.summary.unchanged += 1
            return
        self.summary.updated += 1
        if self.options.dry_run:
            self.echo(f"would update {rel}")
            return
        write_atomic(p.path, new)
        self.echo(f"updated {rel}")


    def _verbatim(self, text: str) -> bool:
        """Whether `text` renders to itself, so it needs no escaping (Stream's own
        `{{ receiver.name }}` does; literal braces of ours do not)."""
        try:
            return self.renderer.render(text) == text
        except TemplateProblem:
            return False


@dataclass
class _Placed:
    cand: Candidate
    key: str
    path: Path
    update: bool = False
    pin: bool = False


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
