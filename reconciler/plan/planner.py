"""Build a Plan: fetch live state, match it to specs, diff, order (DESIGN §4–§5).

Requests: one listing per kind (paged), then details only for the live
objects specs claim, begun as the listing's pages arrive (plan/prefetch.py);
unmanaged campaigns are read in full only when prune needs to know which
audiences they target.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from functools import partial
from typing import TypeVar

from reconciler.errors import PlanError, ReconcilerError
from reconciler.plan.cache import LiveCache
from reconciler.plan.compare import (
    Compared,
    add_words,
    compare,
    missing_reference,
)
from reconciler.plan.comparememo import CompareMemo
from reconciler.plan.identity import Matching, match
from reconciler.plan.model import Action, Change, Plan, Problem, Unmanaged, target_of
from reconciler.plan.prefetch import Prefetch
from reconciler.plan.readhint import ReadHint
from reconciler.plan.within import (
    Impossible,
    known_of_live,
    known_specs,
    mark_changed,
    names_of,
    reach_after_plan,
    repo_path,
)
from reconciler.platform import Describes, SendsTests, has
from reconciler.provider import LintItem, LiveId, LiveObject, Provider
from reconciler.workspace.confusables import fold, live_lookalike
from reconciler.workspace.workspace import Spec, Workspace

Progress = Callable[[str], None]
T = TypeVar("T")


def select(workspace: Workspace, targets: Iterable[str]) -> list[Spec]:
    """The specs `--target` names (by key or kind:key) and everything they depend on."""
    wanted = list(targets)
    if not wanted:
        return list(workspace.specs)
    chosen: dict[str, Spec] = {}
    unknown = []
    for t in wanted:
        hits = [s for s in workspace.specs if t in (s.key, s.ref)]
        if not hits:
            unknown.append(t)
        for s in hits:
            chosen[s.ref] = s
    if unknown:
        from reconciler.source.problems import suggest

        keys = sorted({s.key for s in workspace.specs})
        raise PlanError("--target", [
            f"--target: no spec with key {t!r}{suggest(t.partition(':')[2] or t, keys)}"
            for t in unknown
        ])
    queue = list(chosen.values())
    while queue:
        for ref in queue.pop().depends_on:
            dep = workspace.get(ref)
            if dep is not None and dep.ref not in chosen:
                chosen[ref] = dep
                queue.append(dep)
    return [s for s in workspace.specs if s.ref in chosen]


async def build_plan(
    workspace: Workspace,
    provider: Provider,
    *,
    targets: Iterable[str] = (),
    progress: Progress = lambda _msg: None,
    cache: LiveCache | None = None,
    reads_done: Callable[[], None] = lambda: None,
    words: bool = True,
    read_hint: ReadHint | None = None,
) -> Plan:
    """The plan of `workspace` against the live state. `reads_done` is called once the
    plan's last request is answered, with only its own work left (apply begins the lease's
    confirmation for the first wave then, beside that work: issue 29). `words=False`: the
    changes are not put in words (`add_words`, the field tables' values and audience
    names), for a plan nobody reads (apply's, under the lease: its report tells the
    results), whose words were CPU on the loop between the last read and the first
    write (issue 29). `read_hint`: the reads the last plan of this target made, begun
    with the listing, and this plan's kept for the next (`plan.readhint`)."""
    env = workspace.loaded.env
    targets = tuple(targets)
    specs = select(workspace, targets)
    scoped = bool(targets)
    kinds = [k.name for k in provider.kinds]

    progress("listing live objects")
    width = 2 * env.concurrency
    prefetch = Prefetch(provider, specs if cache is None else (), workspace.specs, width)
    prunes = env.prune and not scoped
    reading = [len(kinds)]

    def kind_read() -> None:  # the last kind's reads are answered: no prune, no more
        reading[0] -= 1
        if not reading[0] and not prunes:
            reads_done()

    try:
        live = await _list_live(provider, workspace, kinds, prefetch, read_hint)
        # Identity over every spec, so a --target plan still knows what is managed.
        matchings = {k: match(workspace.of_kind(k), live[k], provider.default_id,
                              missing_ok=provider.read_only(k)) for k in kinds}
        selected = {s.ref for s in specs}
        problems = [msg for m in matchings.values() for ref, msg in m.problems if ref in selected]
        problems += [missing_reference(s) for s in specs if provider.read_only(s.kind)
                     and matchings[s.kind].pairs.get(s.ref) is None]
        if problems:
            raise PlanError(problems[0], problems)

        progress("reading managed objects")
        ids = {ref: obj.id for m in matchings.values() for ref, obj in m.pairs.items() if obj}
        # what this plan reads (the listing lacks their bodies), kept for the next plan's
        # reads: taken before the reads put bodies in the pairs
        unread = {ref: obj.id for m in matchings.values() for ref, obj in m.pairs.items()
                  if obj is not None and obj.body is None} if read_hint is not None else {}
        by_id = {k: {o.id: o for o in live[k]} for k in kinds}
        _refuse_dangling_ids(provider, workspace, specs, by_id)
        compared: dict[str, Compared | Impossible | ReconcilerError] = {}
        memo = CompareMemo.start(cache.compared, provider, ids, by_id) if cache else None
        compare_one = memo.compare if memo else partial(compare, shown=words)

        def ready(spec: Spec, obj: LiveObject | None) -> None:
            """Compare a spec the moment its live object is complete, between responses; a
            failure is kept for its turn in the plan's order, as if compared there."""
            try:
                compared[spec.ref] = compare_one(provider, spec, obj, ids, by_id)
            except (Impossible, ReconcilerError) as e:
                compared[spec.ref] = e

        by_ref = {s.ref: s for s in specs}
        reads = asyncio.ensure_future(asyncio.gather(*(
            _fill_bodies(provider, matchings[k].pairs, by_ref, cache, ready, width,
                         prefetch.read, kind_read) for k in kinds)))
        try:
            await _let_requests_leave()
            known = known_of_live(matchings, live)  # while the first answers are awaited
        except BaseException:
            reads.cancel()
            raise
        await reads
    finally:
        await prefetch.close()
    if read_hint is not None:
        read_hint.keep(unread, bodiless={k for k in kinds
                                         if any(o.body is None for o in live[k])})
    if cache and memo:  # a --target plan keeps the other specs' entries
        cache.compared = {**{r: e for r, e in cache.compared.items()
                             if r not in by_ref and workspace.get(r)}, **memo.kept}
    known_specs(provider, workspace, matchings, known)
    changes: list[Change] = []
    errors: list[Problem] = []
    describes = words and has(provider, Describes)
    for k in kinds:
        for spec in sorted((s for s in specs if s.kind == k), key=lambda s: s.key):
            outcome = compared[spec.ref]
            if isinstance(outcome, Impossible):  # one error entry; the rest of the plan goes on
                errors.append(Problem(spec.kind, spec.key, spec.name,
                                      repo_path(workspace, spec.at()), str(outcome)))
                continue
            if isinstance(outcome, ReconcilerError):
                raise outcome
            change = add_words(provider, outcome, known, describes)
            changes.append(change)
            live_obj = outcome.live
            if change.action is Action.UPDATE and k == provider.reach_kind and live_obj:
                mark_changed(known, spec.ref, str(live_obj.id), live_obj.name)
    reach_after_plan(changes)

    people_notes = _lint(provider, workspace, specs, changes)
    _lookalikes(changes, matchings)

    removals: list[Change] = []
    unmanaged: list[Unmanaged] = []
    if prunes:
        removals = await _prune(provider, workspace, matchings, changes, ids)
        reads_done()
    pruned = {(c.kind, c.live_id) for c in removals}
    for k in (k for k in kinds if not provider.read_only(k)):  # panel-owned: not ours to list
        unmanaged += [
            Unmanaged(k, o.id, o.name) for o in matchings[k].unmanaged if (k, o.id) not in pruned
        ]

    plan = Plan(
        env=workspace.loaded.env_name,
        target=target_of(env),
        changes=changes + removals,
        unmanaged=unmanaged,
        content_hash=workspace.content_hash,
        target_args=workspace.loaded.cli_args(),
        scope=tuple(targets),
        errors=errors,
        names=names_of(changes, known, provider.reach_kind) if words else {},
        send_test=has(provider, SendsTests),
    )
    plan.refusals = _empty_kind_refusals(plan, workspace, kinds)
    plan.notes = provider.plan_notes() + people_notes
    return plan


async def _list_live(provider: Provider, workspace: Workspace, kinds: list[str],
                     prefetch: Prefetch, read_hint: ReadHint | None = None
                     ) -> dict[str, list[LiveObject]]:
    """Every kind's listing, plus the objects the API cannot list (identity in git). The
    reads the last plan made begin once the listing's requests have left (they queue
    behind them for the request slots)."""
    listing = asyncio.ensure_future(
        asyncio.gather(*(provider.list_live_seen(k, prefetch.seen) for k in kinds)))
    if read_hint is not None:
        try:
            await _let_requests_leave()
            prefetch.guess(read_hint.ids())
        except BaseException:
            listing.cancel()
            raise
    listed = await listing
    prefetch.stop()
    live = dict(zip(kinds, listed, strict=True))
    for k in kinds:
        live[k] = live[k] + [o for s in workspace.of_kind(k) if (o := provider.git_live(s))]
    return live
def _refuse_dangling_ids(provider: Provider, workspace: Workspace, specs: list[Spec],
                        live: Mapping[str, Mapping[int | str, LiveObject]]) -> None:
    """A PlanError with every raw live id in the specs that names nothing, at its line."""
    from reconciler.workspace.locate import locate

    problems = [
        f"{locate(workspace.loaded.root, spec.path, path)}: {message}"
        for spec in specs for path, message in provider.dangling_ids(spec, live)
    ]
    if problems:
        raise PlanError(problems[0], problems)


async def _fill_bodies(
    provider: Provider,
    pairs: dict[str, LiveObject | None],
    selected: Mapping[str, Spec],
    cache: LiveCache | None,
    ready: Callable[[Spec, LiveObject | None], None],
    width: int,
    get_live: Callable[[str, LiveId], Awaitable[LiveObject | None]] | None = None,
    answered: Callable[[], None] = lambda: None,
) -> None:
    """Read the details the listing lacked: only for selected specs, cache first. Each
    selected spec is handed to `ready` once its live object is complete, so the caller's
    work on it overlaps the reads still in flight. The reads leave first: the specs whose
    live object is complete already (a listing with bodies, the cache) are handed over
    while the first answers are awaited, not before the first requests. At most `width`
    reads are under way at once (twice the env's concurrency keeps the request gate full).
    `answered` is called once every read is."""
    now: list[tuple[Spec, LiveObject | None]] = []
    missing = []
    for ref, obj in pairs.items():
        spec = selected.get(ref)
        if spec is None:
            continue
        if obj is None or obj.body is not None:
            now.append((spec, obj))
            continue
        cached = cache.get(obj) if cache else None
        if cached is not None:
            pairs[ref] = cached
            now.append((spec, cached))
        else:
            missing.append((spec, obj))

    async def read(spec: Spec, old: LiveObject) -> None:
        new = await (get_live or provider.get_live)(old.kind, old.id)
        if new is None:
            raise PlanError(f"{old.kind} {old.id} ({old.name!r}) vanished while planning; re-run")
        if cache is not None:
            # keep the listing's updated_at: that is what the next plan compares
            new = replace(new, updated_at=old.updated_at or new.updated_at)
            cache.put(new)
        pairs[spec.ref] = new
        ready(spec, new)

    reads = asyncio.ensure_future(in_waves(missing, lambda pair: read(*pair), width))
    if missing:
        reads.add_done_callback(lambda r: None if r.cancelled() or r.exception() else answered())
    else:  # nothing to read: said before the requests' turns below, not after
        answered()
    try:
        if now:
            await _let_requests_leave()
            for i, (spec, obj) in enumerate(now, 1):
                ready(spec, obj)
                if not i % 64:
                    await asyncio.sleep(0)
    except BaseException:
        reads.cancel()
        raise
    await reads


async def _let_requests_leave() -> None:
    """Yield until the reads started just before have sent their requests (each runs up to
    its first wait on the network, the gate's or the answer's) and the other kinds' read
    tasks have started theirs: a task that is scheduled, and the workers it starts, run
    within three turns."""
    for _ in range(3):
        await asyncio.sleep(0)


async def in_waves(items: Iterable[T], work: Callable[[T], Awaitable[None]], width: int) -> None:
    """`work` on every item in order, at most `width` at once.

    One coroutine per item, all started at once, held each request's retry state,
    task and frames for the whole plan: 10,000 reads queued behind a gate of 8 were
    the largest part of a plan's peak memory (issue 29). `width` workers take the
    items in turn instead, so the same requests go out in the same order.
    """
    todo = iter(items)

    async def worker() -> None:
        for item in todo:
            await work(item)

    await asyncio.gather(*(worker() for _ in range(max(1, width))))


def _lint(provider: Provider, workspace: Workspace, specs: list[Spec],
          changes: list[Change]) -> list[str]:
    """Attach the provider's warnings (message lint, daily caps) to creates and updates,
    and the cross-channel cap's (every env's sends through `Provider.sendings`); return
    the plan notes for this env's unchanged campaigns in a group-day over that cap.

    Unchanged objects are not linted: their text was reviewed when it changed.
    """
    from datetime import UTC, datetime

    from reconciler.calendar.people import cap_findings

    by_ref = {s.ref: s for s in specs}
    items = [LintItem(by_ref[c.ref], c.go_live) for c in changes
             if c.action in (Action.CREATE, Action.UPDATE) and c.ref in by_ref]
    loaded = workspace.loaded
    found = provider.lint(items, workspace.specs, loaded.env, loaded.config.safety) \
        if items else {}
    across, notes = cap_findings(workspace, [i.spec for i in items], datetime.now(UTC))
    for change in changes:
        change.warnings.extend(found.get(change.ref, ()))
        change.warnings.extend(across.get(change.ref, ()))
    return notes


def _lookalikes(changes: list[Change], matchings: Mapping[str, Matching]) -> None:
    """Warn where an unmanaged live name looks like a spec's (case, blanks, zero-width or
    Cyrillic/Greek letters): two objects users cannot tell apart, both maybe sending."""
    folded: dict[tuple[str, str], list[LiveObject]] = {}
    for kind, m in matchings.items():
        for obj in m.unmanaged:
            folded.setdefault((kind, fold(obj.name)), []).append(obj)
    for change in changes:
        for obj in folded.get((change.kind, fold(change.name)), ()):
            warning = live_lookalike(change.name, obj.name, obj.id, change.kind)
            if warning:
                change.warnings.append(warning)


async def _prune(
    provider: Provider,
    workspace: Workspace,
    matchings: dict[str, Matching],
    changes: list[Change],
    ids: Mapping[str, int | str],
) -> list[Change]:
    """Removals for unmanaged objects in `prune_match` scope (DESIGN §5).

    Audiences are removed only when no live campaign, managed or not, targets
    them; that needs the unmanaged campaigns' bodies, read only here.
    """
    env = workspace.loaded.env
    removals: list[Change] = []
    targeted: set[int | str] = set()
    needs_targets = any(k.removal == "delete" for k in provider.kinds)
    if needs_targets:
        async def read_targets(listed: LiveObject) -> None:
            full = await provider.get_live(listed.kind, listed.id)
            targeted.update(full.targets if full else ())

        for m in matchings.values():
            # through in_waves, as the managed reads: one coroutine per unmanaged object
            # held its retry state and frames behind the gate for the whole prune
            await in_waves([o for o in m.unmanaged if o.body is None], read_targets,
                           2 * env.concurrency)
            targeted |= {t for o in m.pairs.values() if o for t in o.targets}
            targeted |= {t for o in m.unmanaged if o.body is not None for t in o.targets}
        targeted |= {ids[d] for c in changes for d in c.depends_on if d in ids}
    for info in reversed(provider.kinds):
        for obj in matchings[info.name].unmanaged:
            if not name_matches(obj.name, env.prune_match) or obj.id in targeted:
                continue
            if not provider.removable(obj):
                continue
            action = Action.ARCHIVE if info.removal == "archive" else Action.DELETE
            removals.append(
                Change(kind=info.name, key=None, name=obj.name, action=action, live_id=obj.id,
                       fingerprint=obj.fingerprint if obj.body is not None else "listed")
            )
    return removals


def name_matches(name: str, pattern: str) -> bool:
    """`prune_match`: `*` is any run of characters, `?` one character, all else literal.

    Campaign names carry brackets ("[git] Spring sale"), so fnmatch's character
    classes would make the natural pattern "[git] *" match "t shirts" instead.
    """
    regex = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern
    )
    return re.fullmatch(regex, name, flags=re.DOTALL) is not None


def _empty_kind_refusals(plan: Plan, workspace: Workspace, kinds: list[str]) -> list[str]:
    refusals = []
    for k in kinds:
        removing = sum(1 for c in plan.changes if c.kind == k and c.action.removes)
        if removing and not workspace.of_kind(k):
            refusals.append(
                f"prune would remove {removing} {k}(s) while there are no {k} specs at all "
                "(an emptied or mis-pointed folder?); use --force if that is intended"
            )
    return refusals
