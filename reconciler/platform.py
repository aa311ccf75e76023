"""A platform as one plug-in: the descriptor each platform package exports.

Shared code (config, workspace, plan, apply, render, cli, the marketer's tools)
never asks "which platform is this?": it asks the env's descriptor
(`reconciler.registry.platform_of`) for what only the platform knows, as
octoDNS asks a provider class named in its config and Terraform detects a
resource's optional interfaces by type. Each platform package has a
`platform.py` with `PLATFORM = Platform(...)`; `reconciler/registry.py` lists
them. This module names no platform and imports none.

Optional capabilities are small `Protocol`s checked by type on the platform's
`Provider` class (`has(cls, SendsTests)`): a platform that lacks one simply does
not define the method, and the command that needs it says so in one line.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from reconciler.calendar.grid import Sending
    from reconciler.calls import Caller
    from reconciler.config import EnvConfig, LoadedConfig
    from reconciler.describe import Context
    from reconciler.doctor import Check
    from reconciler.errors import SpecProblem
    from reconciler.plan.model import Words
    from reconciler.preview.render import Picture
    from reconciler.provider import ImportRefs, LeaseObject, LiveObject, Provider, SpecDocument
    from reconciler.sendtest.core import TestSender
    from reconciler.source.yamlio import Document
    from reconciler.workspace.base import SpecModel
    from reconciler.workspace.workspace import Spec

FOLDER_KINDS = ("audience", "campaign")  # audiences/ and campaigns/, in dependency order

# (folder kind, key, rendered document, its data, the validated model) -> the Spec
SpecBuilder = Callable[[str, str, "Document", dict[str, Any], Any], "Spec"]
# (valid specs, their documents by ref, every audience file's key) -> problems
CrossCheck = Callable[[list["Spec"], dict[str, "Document"], list[str]], list["SpecProblem"]]
Opener = Callable[["LoadedConfig", "Caller"], AbstractAsyncContextManager["Provider"]]
# (loaded, caller, names, every, dry_run, echo) -> the summary line
Adopter = Callable[["LoadedConfig", "Caller", tuple[str, ...], bool, bool,
                    Callable[[str], None]], Awaitable[str]]


@cache
def _model(path: str) -> type[SpecModel]:
    module, name = path.split(":")
    found: type[SpecModel] = getattr(importlib.import_module(module), name)
    return found


@dataclass(frozen=True)
class SpecKind:
    """One kind of spec file on a platform: which folder holds it, what the plan calls it,
    the model that validates it, and how a validated file becomes a `Spec`."""

    folder: str  # "audience" (audiences/) or "campaign" (campaigns/)
    kind: str  # the kind providers, plans and `Spec.kind` use (e.g. segment)
    schema: str  # the model's name: `reconciler schema --kind`, schemas/<schema>.schema.json
    # "module:Class" of the model, imported on first use: registering every platform (the
    # config union) then builds no other platform's pydantic models (issue 29)
    model_path: str
    build: SpecBuilder

    @property
    def model(self) -> type[SpecModel]:
        return _model(self.model_path)


@dataclass(frozen=True)
class References:
    """Where a campaign file names the audience files it targets, and what they are called
    (checked before the models: a file with other errors shows its unknown keys too)."""

    path: tuple[str, ...]
    word: str


@dataclass(frozen=True)
class Platform:
    """Everything shared code asks of one platform, by value."""

    name: str  # an env's `provider:` value
    title: str  # how people name it
    env_model: type[EnvConfig]  # this platform's env in reconciler.yaml
    kinds: tuple[SpecKind, ...]  # one per folder kind, in FOLDER_KINDS order
    open: Opener  # the live provider of an env (the in-process sandbox for `api_url: sandbox`)
    provider_class: Callable[[], type[Provider]]  # for class-level hooks, no client opened
    cross_checks: CrossCheck  # checks across the workspace's specs
    references: References
    secrets: tuple[str, ...]  # environment variables holding credentials (redacted, action.yml)
    sandbox: str  # "module:function" mounting this platform's sandbox (`sandbox serve`)
    scaffold: str  # folder under reconciler/scaffold/files/ that `init --provider` copies
    adopt: Adopter | None = None  # `import` by adopting drafts, for a platform without
    #                               `spec_document` (its live objects cannot become specs)
    fmt_by_model: bool = True  # `fmt` orders keys by this platform's models
    notes: Mapping[str, str] = field(default_factory=dict)  # capability -> why it is absent
    # Root names of the platform's own template language (Stream fills `{{ receiver.name }}`
    # per recipient). Spec rendering hands a `{{ … }}` starting with one of these to the
    # platform verbatim; any other name that is not `vars` or `env` is a validate error,
    # since a platform without such variables would show the braces to users. On the
    # descriptor, not the Provider: loading specs then imports no HTTP client (issue 29).
    template_names: frozenset[str] = frozenset()

    def kind(self, folder: str) -> SpecKind:
        """The spec kind of files in `folder` (audience|campaign)."""
        return next(k for k in self.kinds if k.folder == folder)

    @property
    def kind_names(self) -> tuple[str, ...]:
        """The kinds in dependency order (audiences before campaigns)."""
        return tuple(k.kind for k in self.kinds)

    def capabilities(self) -> dict[str, bool]:
        """Which optional capability this platform has, by name (the docs' matrix)."""
        cls = self.provider_class()
        found = {name: isinstance(cls, proto) for name, proto in CAPABILITIES.items()}
        found["import"] = found["import"] or self.adopt is not None
        return found


# --- optional capabilities, checked by type on the Provider class ---------------
@runtime_checkable
class SendsTests(Protocol):
    """`reconciler send-test`: reach test recipients only, once a UTC day."""

    @classmethod
    def test_sender(cls) -> TestSender: ...


@runtime_checkable
class Previews(Protocol):
    """`reconciler preview`: the spec drawn as the platform's UI shows it, offline."""

    @classmethod
    def preview(cls, spec: Spec, env: EnvConfig, which: str) -> Picture: ...


@runtime_checkable
class Sends(Protocol):
    """`reconciler calendar` and the cross-channel cap: specs expanded into sends."""

    @classmethod
    def sendings(cls, specs: Sequence[Spec], start: date, days: int, now: datetime, *,
                 drafts: bool = False) -> list[Sending]: ...


@runtime_checkable
class Doctors(Protocol):
    """`reconciler doctor`: the platform's assumptions checked against the account."""

    async def doctor_checks(self, write: bool) -> list[Check]: ...


@runtime_checkable
class Describes(Protocol):
    """Plans in a reviewer's words instead of field paths."""

    def describe(self, kind: str, payload: Mapping[str, Any], context: Context) -> Words: ...


@runtime_checkable
class Imports(Protocol):
    """`reconciler import` and the drift pull request: a live object as a spec document."""

    def spec_document(self, live: LiveObject, refs: ImportRefs, archived: bool = False
                      ) -> SpecDocument: ...


@runtime_checkable
class HoldsLease(Protocol):
    """The capability of keeping an apply lease in the platform (reconciler.apply.lease).

    A provider has it by defining these five members; apply checks it with
    isinstance, so a platform without it is told apart from a broken one.
    Lease objects are reserved drafts that never reach users, told apart from
    users' objects by a platform field as well as by their name.
    """

    async def lease_create(self, name: str) -> LeaseObject | None:
        """Create a lease object named `name`. None when the platform itself refuses it
        because a lease exists (a lock by a fixed id). Ranks grow with creation order."""

    async def lease_list(self) -> list[LeaseObject]:
        """Every lease object on the app (never a user's object of a similar name)."""

    async def lease_renew(self, lease_id: int | str, name: str) -> None:
        """Rename our lease object in place (a new expiry), keeping its rank."""

    async def lease_delete(self, lease_id: int | str) -> None:
        """Remove a lease object for good; one already gone is not an error."""

    def platform_now(self) -> datetime | None:
        """The platform's own time: the `Date` of its latest answer (None: none seen)."""


@runtime_checkable
class Stops(Protocol):
    """`reconciler stop`: halt a live or scheduled campaign now, on the platform's own terms.

    The command (reconciler.apply.stop) reads the campaign, asks `is_stopped` (nothing
    to do: "was not live"), then `stoppable` (None, or why this platform cannot stop it,
    in words), calls `stop`, and judges the outcome with `is_stopped` on a fresh read
    (`Provider.get_live`). `stop` sends the platform's stop call(s) through the env's
    `Caller` as NOT idempotent: after a lost answer the command reads the campaign back
    before it sends anything again, so a stop is never written twice. A platform whose
    API refuses a stop in some state says so in `stoppable`; its sandbox refuses it too.
    """

    def stoppable(self, live: LiveObject) -> str | None:
        """None when `stop` can halt `live`; else why not, for a marketer on call."""

    async def stop(self, live: LiveObject) -> None:
        """The platform's stop call(s) for `live` (a listing summary or a full read)."""

    def is_stopped(self, live: LiveObject) -> bool:
        """Whether `live` sends nothing more (never started, stopped, or finished)."""

    def stopped_state(self, live: LiveObject) -> str:
        """The state a stop leaves `live` in, in the platform's words ("draft", "stopped")."""

    def stop_view(self, live: LiveObject) -> Mapping[str, Any]:
        """`live` as a payload, so the `reach` and `schedule` hooks say who it reaches
        and when it sends next (what the stop prompt shows)."""


CAPABILITIES: dict[str, type] = {
    "import": Imports,
    "send-test": SendsTests,
    "preview": Previews,
    "calendar": Sends,
    "doctor": Doctors,
    "words": Describes,
    "lease": HoldsLease,
    "stop": Stops,
}


def has(cls: object, capability: type) -> bool:
    """Whether a Provider class (or instance) offers an optional capability."""
    return isinstance(cls, capability)
