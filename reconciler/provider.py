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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.config import EnvConfig, SafetyConfig
from reconciler.spec.workspace import Spec


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
        """Whether an object created for `spec` must be pinned into its file (and, in CI,
        proposed as a pin pull request) because the API cannot find it again."""
        return False

    def pin(self, spec: Spec, live: LiveObject) -> dict[str, Any] | None:
        """Top-level values apply writes into `spec`'s file after writing `live` (its id and
        what git must remember), or None where identity does not live in git."""
        return None

    # --- reads -----------------------------------------------------------
    @abstractmethod
    async def list_live(self, kind: str) -> list[LiveObject]:
        """Every live, non-archived object of `kind`; bodies may be None."""

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

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
