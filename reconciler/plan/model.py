"""The Plan: what apply would do, as values apart from how they are printed.

One `Change` per managed spec (noops included) and per object prune would
remove, in apply order; `unmanaged` lists live objects nobody owns.
`to_json()` is the §8 contract (`format_version` "1").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # provider imports this module, so the alias is for annotations only
    from reconciler.config import EnvConfig
    from reconciler.provider import LiveId

FORMAT_VERSION = "1"


def target_of(env: EnvConfig) -> dict[str, Any]:
    """The account a plan is made against (a plan file's `target`, the key of what is
    kept per target in the user cache): the env's api_url, org and app."""
    return {"api_url": env.api_url, "org_id": env.org_id, "app_id": env.app_id}


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    NOOP = "noop"
    ARCHIVE = "archive"
    DELETE = "delete"

    @property
    def removes(self) -> bool:
        return self in (Action.ARCHIVE, Action.DELETE)


@dataclass(frozen=True)
class FieldChange:
    path: str  # dots and [i] over the spec's field names
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Phrase:
    """One sentence about an object in the domain's words: who, what, when, goal.

    Providers write them (`Provider.describe`); the text and markdown renderers
    print them, so both say the same thing. `parts` alternate our words and the
    user's text (even indices ours, odd ones theirs: names, messages, events),
    so a renderer can escape and set off user text without parsing anything.
    `label` pairs the before and after phrase of an update ("message A");
    `paths` are the diff paths the phrase puts in words; `block` marks prose
    (a message) that is shown whole as a quote, never cut.
    """

    label: str
    parts: tuple[str, ...]
    topic: str = "other"  # who | what | when | goal | name | other
    paths: tuple[str, ...] = ()
    block: bool = False
    short: tuple[str, ...] = ()  # the gist, parts alike, that a long change is shown by

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "parts": list(self.parts), "topic": self.topic,
                "paths": list(self.paths), "block": self.block, "short": list(self.short)}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Phrase:
        return cls(str(doc["label"]), tuple(map(str, doc["parts"])), str(doc.get("topic", "other")),
                   tuple(map(str, doc.get("paths", ()))), bool(doc.get("block", False)),
                   tuple(map(str, doc.get("short", ()))))


Words = tuple[Phrase, ...]


@dataclass
class Change:
    kind: str
    key: str | None  # None for an unmanaged object prune removes
    name: str
    action: Action
    live_id: LiveId | None = None
    diff: list[FieldChange] = field(default_factory=list)
    go_live: bool = False
    reach: dict[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    fingerprint: str = "absent"  # live body hash at plan time; "absent" for creates
    live_body: dict[str, Any] | None = field(default=None, repr=False)  # saved plans only
    # The object in words (not in the §8 JSON; saved plans keep them): as planned, and
    # as it is live (updates), so renderers show each changed field before → after.
    words: Words = field(default=(), repr=False)
    words_before: Words = field(default=(), repr=False)
    # When it sends, as the spec says it (`Provider.schedule`): `send.at`, a schedule block.
    schedule: dict[str, Any] | None = None
    # Who it reached before this plan, when the plan also changes its audience (then
    # `reach` is None: the new reach is known only after apply).
    reach_before: dict[str, Any] | None = None
    # Field-table values in the platform's words, by flattened path: [before, after]
    # (None where the raw value says it best), from `Provider.show_value` at plan time,
    # so a `…Z` time reads in the schedule's zone and `true` as what it does.
    shown: dict[str, list[str | None]] = field(default_factory=dict, repr=False)
    # An emergency stop of this spec (reconciler.gitops.stops): `at`, `by`, `held` (a
    # go-live held back) and `message` in words; None when it is not stopped.
    stop: dict[str, Any] | None = None

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.key}" if self.key else f"{self.kind}#{self.live_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "name": self.name,
            "action": self.action.value,
            "live_id": self.live_id,
            "diff": [d.to_json() for d in self.diff],
            "go_live": self.go_live,
            "reach": self.reach,
            "depends_on": list(self.depends_on),
            "warnings": list(self.warnings),
            "schedule": self.schedule,
            "reach_before": self.reach_before,
            **({"stop": self.stop} if self.stop is not None else {}),
        }


@dataclass(frozen=True)
class Problem:
    """An object whose change is impossible (a started campaign edited): one error entry.

    The rest of the plan is still computed and shown; the plan exits 1 and apply
    refuses while any remains. `path` is `file:line`, relative to the repository.
    """

    kind: str
    key: str
    name: str
    path: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "name": self.name, "path": self.path,
                "message": self.message}

    @property
    def line(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Unmanaged:
    kind: str
    live_id: LiveId
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "live_id": self.live_id, "name": self.name}


@dataclass
class Plan:
    env: str
    target: dict[str, Any]
    changes: list[Change]
    unmanaged: list[Unmanaged] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # apply refuses these without --force
    notes: list[str] = field(default_factory=list)  # how the provider reads this env (doctor)
    content_hash: str = ""
    # --config/--env options that select this env again (empty for the default env):
    # hints such as `reconciler send-test KEY` name the exact command with them.
    target_args: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()  # the --target keys the plan was limited to (none: all)
    errors: list[Problem] = field(default_factory=list)  # impossible changes: apply refuses
    # Names of the audiences the changes' who fields refer to, by the id or key written
    # there, so the field tables show `Lapsed buyers (104)`, not `104` (not in the JSON).
    names: dict[str, str] = field(default_factory=dict)
    send_test: bool = False  # whether the env's platform has send-test (the hint names it)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def summary(self) -> dict[str, int]:
        counts = {a.value: self.count(a) for a in Action}
        counts["unmanaged"] = len(self.unmanaged)
        return counts

    @property
    def existing(self) -> int:
        """Live objects the plan is about: the base of the safety percentage."""
        return sum(1 for c in self.changes if c.live_id is not None)

    @property
    def changed(self) -> int:
        """Existing objects the plan would alter: updates, archives, deletes."""
        return sum(1 for c in self.changes if c.action in (Action.UPDATE, Action.ARCHIVE,
                                                           Action.DELETE))

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.changes)

    @property
    def go_live(self) -> list[Change]:
        return [c for c in self.changes if c.go_live]

    @property
    def held(self) -> list[Change]:
        """Go-lives held back by an emergency stop: live differs from git, apply waits."""
        return [c for c in self.changes if c.stop is not None and c.stop.get("held")]

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "env": self.env,
            "target": dict(self.target),
            "summary": self.summary,
            "changes": [c.to_json() for c in self.changes],
            "unmanaged": [u.to_json() for u in self.unmanaged],
            "errors": [e.to_json() for e in self.errors],
        }
