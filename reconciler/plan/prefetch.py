"""Detail reads begun while the listing is still arriving (issue 29).

A listing of several pages takes two round trips (the first page says how many there
are), and the reads of the managed objects waited for all of it, with most request
slots idle. The reads a plan will surely make are begun as each page arrives: an object
named like exactly one selected spec (so far), or with the id a selected spec pins or
is given by construction. They are guesses, used only when the complete listing pairs
that spec with that object; a name seen twice is dropped at once (the complete
listing will refuse it as today), and whatever is left unused at the end is cancelled.
At most `width` are under way at once, as the reads after the listing. A plan with
a live cache guesses nothing (most bodies are cached there: it gives no specs).

The reads the last plan made (`plan.readhint`) are guessed before any page arrives
(`guess`), once the listing's own requests have left. Those the listing does not confirm are dropped when it is
complete: the ones not yet begun are never sent, the ones under way are cancelled.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable, Mapping

from reconciler.provider import LiveId, LiveObject, Provider
from reconciler.workspace.workspace import Spec

Key = tuple[str, LiveId]


class Prefetch:
    def __init__(self, provider: Provider, selected: Iterable[Spec], every: Iterable[Spec],
                 width: int) -> None:
        self._provider = provider
        self._width = max(1, width)
        self._selected = list(selected)
        self._by_id: set[Key] = set()
        self._by_name: set[tuple[str, str]] = set()
        for spec in self._selected:
            own = spec.pin_id if spec.pin_id is not None else provider.default_id(spec)
            if own is not None:
                self._by_id.add((spec.kind, own))
            else:
                self._by_name.add((spec.kind, spec.name))
        # an object some spec pins is that spec's, whatever its name says
        self._pinned = {(s.kind, s.pin_id) for s in every if s.pin_id is not None}
        self._named: dict[tuple[str, str], Key] = {}  # first object seen with a spec's name
        self._twice: set[tuple[str, str]] = set()
        self._queue: deque[Key] = deque()
        self._tasks: dict[Key, asyncio.Task[LiveObject | None]] = {}
        self._guessed: set[Key] = set()  # begun before the listing showed them
        self._claimed: set[Key] = set()  # wanted for what the listing showed
        self._running = 0
        self._open = True

    def guess(self, last_read: Mapping[str, LiveId]) -> None:
        """Begin, before any page arrives, the reads the selected specs' last plan made
        (`last_read`: spec ref -> the id it read). Only ids a plan read are guessed: an
        object whose listing has its body, or that lives in git, is never read."""
        for spec in self._selected:
            live_id = last_read.get(spec.ref)
            key = (spec.kind, live_id) if live_id is not None else None
            if key is not None and key not in self._guessed:
                self._guessed.add(key)
                self._queue.append(key)
        self._pump()

    def seen(self, objs: list[LiveObject]) -> None:
        """A part of a listing arrived: begin the reads it shows the plan will make."""
        for obj in objs:
            key = (obj.kind, obj.id)
            if obj.body is not None:
                continue
            if key in self._by_id:
                self._want(key)
                continue
            name = (obj.kind, obj.name)
            if name not in self._by_name or key in self._pinned or name in self._twice:
                continue
            first = self._named.setdefault(name, key)
            if first != key:  # two objects with a spec's name: the listing decides
                self._twice.add(name)
                self._forget(first)
            else:
                self._want(key)

    def stop(self) -> None:
        """The listing is complete: begin no more; the plan reads the rest itself. A guess
        the listing did not confirm is dropped (a stale one costs no more requests)."""
        self._open = False
        self._queue.clear()
        for key in self._guessed - self._claimed:
            self._forget(key)

    async def read(self, kind: str, live_id: LiveId) -> LiveObject | None:
        """The object's read: the one begun early if there is one, else a new one."""
        task = self._tasks.pop((kind, live_id), None)
        if task is None:
            return await self._provider.get_live(kind, live_id)
        return await task

    async def close(self) -> None:
        """Cancel the reads begun early that the plan did not use (a failed plan's)."""
        self.stop()
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _want(self, key: Key) -> None:
        self._claimed.add(key)
        if self._open and key not in self._tasks and key not in self._guessed:
            self._queue.append(key)
            self._pump()

    def _forget(self, key: Key) -> None:
        self._claimed.discard(key)
        self._guessed.discard(key)
        self._queue = deque(k for k in self._queue if k != key)
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()

    def _pump(self) -> None:
        while self._open and self._queue and self._running < self._width:
            kind, live_id = key = self._queue.popleft()
            self._running += 1
            task = asyncio.ensure_future(self._provider.get_live(kind, live_id))
            task.add_done_callback(self._done)
            self._tasks[key] = task

    def _done(self, task: asyncio.Task[LiveObject | None]) -> None:
        self._running -= 1
        if not task.cancelled():
            task.exception()  # kept in the task for `read`; not "never retrieved" if unused
        self._pump()
