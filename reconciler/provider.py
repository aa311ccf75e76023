"""The small interface plan and apply speak to; one implementation per platform.

A provider lists, reads, creates, updates and removes live objects, and
translates a spec into the payload its API receives. It never diffs, orders,
retries or prints: the framework (reconciler.plan, reconciler.apply,
reconciler.calls) owns that, so a second platform only fills in these hooks.

Errors: a provider raises `reconciler.errors.ApiError` (with `.status`) or
`reconciler.errors.TransportError` (with `.ambiguous`: the request may have
been performed) and nothing else; `reconciler.calls` decides what to retry.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reconciler.config import EnvConfig, SafetyConfig
from reconciler.workspace.workspace import LEASE_MARKER as LEASE_MARKER  # the leases' names
from reconciler.workspace.workspace import Spec
from reconciler.workspace.workspace import is_lease_name as is_lease_name

if TYPE_CHECKING:
    pass

LiveId = int | str
"""A live object's id: Localytics ids are ints, Stream ids are the strings reconciler chose."""


@dataclass(frozen=True)
class KindInfo:
    """A kind of object, in dependency order, and how it is removed."""

    name: str
    removal: str  # "archive" (reversible) or "delete"


@dataclass(frozen=True)
class LiveObject:
    """One object as the API has it.

    `body` is the comparable form (see `Provider.comparable`), or None when only
    a listing summary was fetched. `targets` are the live ids of the objects it
    depends on (a campaign's audiences), used by prune guards.
    """

    kind: str
    id: int | str  # Localytics: int; Stream: the string id reconciler chose
    name: str
    updated_at: str | None = None
    body: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    reach: Mapping[str, Any] | None = None
    targets: tuple[int | str, ...] = ()
    status: str | None = None

    @property
    def fingerprint(self) -> str:
        """Hash of what the user owns of this object: changes iff its body changes."""
        return fingerprint(self.body)


def fingerprint(body: Mapping[str, Any] | None) -> str:
    if body is None:
        return "absent"
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]




@dataclass(frozen=True)
class LeaseObject:
    """A lease as the platform holds it: its id, its name (which carries holder and
    expiry) and its rank, the platform's order of creation (lower: created earlier)."""

    id: int | str
    name: str
    rank: tuple[Any, ...]


@dataclass(frozen=True)
class ImportRefs:
    """What `reconciler import` knows of the objects a live object refers to (a
    campaign's audiences or segments): the spec key of each one that has a spec file
    or gets one in this run, and the live name of every live one."""

    keys: Mapping[LiveId, str]
    names: Mapping[LiveId, str]


@dataclass
class SpecDocument:
    """A live object as the spec document a user would have written (`reconciler import`).

    `body` holds plain values as the loader sees them after rendering, without the
    reconciler-only keys (the importer adds `id:` where needed). `dropped` names the
    live fields (rendered paths) that no spec field holds and that hold more than a
    server default: they are reported, since a later update through reconciler
    removes them. `notes` are end-of-line comments by path (what a raw id names),
    `header` comment lines under the schema line. `problem` says why the object
    cannot become a spec file in this import; it is reported and nothing is written.
    """

    body: dict[str, Any]
    dropped: list[str] = field(default_factory=list)
    notes: dict[tuple[str | int, ...], str] = field(default_factory=dict)
    header: tuple[str, ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class LintItem:
    """A spec the plan creates or updates, and whether that makes it go live."""

    spec: Spec
    go_live: bool = False


class Provider(ABC):
    """What a platform must offer. `kinds` is in dependency order."""

    kinds: tuple[KindInfo, ...]
    # Keys the server computes at any depth (ids, timestamps, counts): never a user's.
    server_fields: frozenset[str] = frozenset()
    reach_kind: str = "audience"  # the kind whose live counts give a campaign's reach
    platform: str = ""  # an env's `provider:` value

    def kind(self, name: str) -> KindInfo:
        return next(k for k in self.kinds if k.name == name)

    # --- optional hooks (defaults fit Localytics) ------------------------
    def default_id(self, spec: Spec) -> int | str | None:
        """The live id an unpinned spec has by construction (None: match by name).

        A platform without unique names gives objects an id derived from the key;
        a spec then matches the object of that id, or is created with it.
        """
        return None

    def immutable(self, live: LiveObject) -> str | None:
        """Why `live` cannot be changed any more (a plan error on any diff), or None."""
        return None

    def replaces(self, kind: str, live: LiveObject, payload: Mapping[str, Any]) -> bool:
        """Whether writing `payload` over `live` deletes and re-creates the object."""
        return False

    def removable(self, live: LiveObject) -> bool:
        """Whether prune may remove `live` at all (a sent message cannot be unsent)."""
        return True

    def compare_salt(self) -> str | None:
        """Every setting besides spec and live object that shapes `payload` and the
        comparison (reconciler.plan.comparememo keys its kept outcomes by it); None, the
        default, never memoizes a comparison of this platform."""
        return None

    def dangling_ids(self, spec: Spec, live: Mapping[str, Mapping[int | str, LiveObject]]
                     ) -> list[tuple[tuple[str | int, ...], str]]:
        """Live ids written in `spec` (not keys) that name no live object, as
        (path in the spec, message) pairs; the planner refuses the plan, located.

        `live` maps each kind to its live objects by id. A raw id is the user's
        promise that the object exists; only the live state can check it, and
        sending a dangling id would fail in apply, or target nobody.
        """
        return []

    async def find_created(self, kind: str, payload: Mapping[str, Any]) -> list[LiveObject]:
        """What an ambiguous create of `payload` may have made, looked up before a retry.

        A platform that cannot look it up raises `PartialWrite` (with what to pin), so
        the create is reported failed and never sent again blindly.
        """
        return await self.find_by_name(kind, str(payload.get("name", "")))

    def read_only(self, kind: str) -> bool:
        """Whether specs of `kind` only refer to objects owned elsewhere (a panel).

        Plan checks they exist (a missing one is a plan error at the spec's file:line)
        and never creates, updates, prunes or lists them as unmanaged.
        """
        return False

    def git_live(self, spec: Spec) -> LiveObject | None:
        """The live object a spec stands for when its identity lives in git.

        For objects the API cannot list or read (Smartech app push), the id and what
        was created are pinned in the spec file by apply; this rebuilds the live side
        from them. Raises PlanError (file:line) when the file records an unresolved,
        ambiguous write. None: the spec is matched by the API as usual.
        """
        return None

    def identity_in_git(self, spec: Spec) -> bool:
        """Whether an object created for `spec` must be recorded (the env's record, before
        any send; then its file, and in CI a pin pull request) because the API cannot find
        it again."""
        return False

    def pin(self, spec: Spec, live: LiveObject) -> dict[str, Any] | None:
        """Top-level values apply writes into `spec`'s file after writing `live` (its id and
        what git must remember), or None where identity does not live in git."""
        return None

    def pin_in_doubt(self, spec: Spec, draft: LiveObject) -> dict[str, Any] | None:
        """The pin to record durably before `draft` is activated: as it must read if the
        activation's outcome is lost (the send marked unknown, so it is never repeated
        blindly). None: nothing needs recording first."""
        return None
    # --- verify after write, two-phase go-live (DESIGN §6) ---------------
    async def stored(
        self, kind: str, written: LiveObject, sent: Mapping[str, Any]
    ) -> LiveObject | None:
        """The object as the API now keeps it, to verify a write against `sent`.

        `sent` is the comparable form of what was written. Default: the write's
        own answer when its body carries every top-level field that was sent,
        else a GET: an answer that omits a field proves nothing about whether
        it was kept. A platform whose write takes several calls (Stream: create,
        then add targets) reads the object back instead. None: it is gone.
        """
        body = written.body
        if body is not None and set(sent) <= set(body):
            return written
        return await self.get_live(kind, written.id)

    def held_back(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """`payload` as an object that reaches nobody yet, or None (no such form).

        A change that goes live is written this way first (Localytics: status
        draft; Stream: created without starting), read back and verified, and
        only then activated: a campaign whose audience the API did not keep is
        never live, not even for a moment. None writes it in one step, still
        verified after; a platform that can go live should implement this.
        """
        return None

    async def activate(
        self, kind: str, draft: LiveObject, payload: Mapping[str, Any]
    ) -> LiveObject:
        """Make the verified draft `draft` live as `payload` says (Localytics: PUT with
        status active; Stream: start). Called only after `held_back`'s form was
        written and verified; the framework verifies the answer again."""
        return await self.update(kind, draft.id, payload)

    # --- import (live objects -> spec files; `spec_document` is the optional
    # capability `reconciler.platform.Imports`) ----------------------------
    def import_key(self, live: LiveObject) -> str | None:
        """The file stem under which `live` needs no `id:` pin, because `default_id` of
        that key is its id (Stream: `k` for the id `rcl-k`), or None: the file is named
        after the live name (and matched by it)."""
        return None

    # --- reads -----------------------------------------------------------
    @abstractmethod
    async def list_live(self, kind: str) -> list[LiveObject]:
        """Every live, non-archived object of `kind`; bodies may be None."""

    async def list_live_seen(self, kind: str,
                             seen: Callable[[list[LiveObject]], None]) -> list[LiveObject]:
        """`list_live`, handing each part of the listing to `seen` as it arrives, so a
        plan can start reading what it needs while the rest is still listed. What `seen`
        is given is unchecked (a later page may repeat a name); only the returned list is
        the listing. By default the whole listing, once, at the end."""
        live = await self.list_live(kind)
        seen(live)
        return live

    async def list_archived(self, kind: str) -> list[LiveObject]:
        """Archived objects of `kind` (listing summaries); none where a kind has no archive."""
        return []

    @abstractmethod
    async def get_live(self, kind: str, live_id: int | str) -> LiveObject | None:
        """One object with its body, or None when it does not exist."""

    @abstractmethod
    async def find_by_name(self, kind: str, name: str) -> list[LiveObject]:
        """Live objects whose name is exactly `name` (for duplicate-safe creates)."""

    # --- writes ----------------------------------------------------------
    @abstractmethod
    async def create(self, kind: str, payload: Mapping[str, Any]) -> LiveObject: ...

    @abstractmethod
    async def update(
        self, kind: str, live_id: int | str, payload: Mapping[str, Any]
    ) -> LiveObject: ...

    @abstractmethod
    async def remove(self, kind: str, live_id: int | str) -> None:
        """Archive or delete, per `KindInfo.removal`."""

    # --- translation -----------------------------------------------------
    @abstractmethod
    def payload(self, spec: Spec, ids: Mapping[str, int | str]) -> dict[str, Any]:
        """The wire payload for `spec`; `ids` maps refs ("audience:key") to live ids.

        A ref missing from `ids` (its object is created in the same run) is
        left as the placeholder string "<ref>", which `comparable` keeps.
        """

    @abstractmethod
    def comparable(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Normalize a payload or a live body so equal meaning compares equal."""

    @abstractmethod
    def goes_live(self, kind: str, before: LiveObject | None, payload: Mapping[str, Any]) -> bool:
        """Whether writing `payload` over `before` starts sending to real users."""

    @abstractmethod
    def is_live(self, live: LiveObject) -> bool:
        """Whether the object is currently sending (edits reach users)."""

    @abstractmethod
    def reach(
        self, payload: Mapping[str, Any], audiences: Mapping[Any, LiveObject]
    ) -> dict[str, Any] | None:
        """Who a campaign payload would reach, from live audience counts."""

    def lint(
        self,
        items: Sequence[LintItem],
        every: Sequence[Spec],
        env: EnvConfig,
        safety: SafetyConfig,
    ) -> dict[str, list[str]]:
        """Warnings about what the changed objects will show or do to people, by spec ref.

        Optional: message and scheduling rules are the platform's, so the planner
        only attaches what this returns. `every` is the whole workspace (for
        checks across objects, such as the daily push cap).
        """
        return {}

    def plan_notes(self) -> list[str]:
        """Lines the plan shows about how this env is read or written, e.g. a doctor
        finding in use. Optional."""
        return []

    def schedule(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """When the object sends, as its spec says it (a schedule block, `send.at`), for
        the plan JSON's `schedule`; None for objects that never send. Optional."""
        return None

    def show_value(self, kind: str, path: str, value: Any, payload: Mapping[str, Any]
                   ) -> str | None:
        """A field-table value in words (`path` flattened, `payload` the whole side it is
        from, so a time reads in its schedule's zone and `true` as what it does); None
        leaves the value as it is. Optional."""
        return None

    # Optional capabilities (send-test, preview, calendar sendings, doctor rows, plans
    # in words, import) are methods a platform adds when it has them, checked by type:
    # the Protocols in reconciler.platform.

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

