"""Every error reconciler expects, in one tree.

The CLI catches `ReconcilerError` and prints one line per problem (`error: …`,
or `path:line:col: message` for spec files), exit 1. Anything else is a bug
and shows a traceback only under `--debug`.

    ReconcilerError
    ├── ConfigError          reconciler.yaml is missing or invalid
    │   └── ConfigErrors     … with every problem at its path:line:col
    ├── SpecErrors           one or more spec files are invalid (all collected)
    ├── ApiError             the API answered with an error status
    │   └── AuthError        401/403 on credentials
    ├── TransportError       the API could not be reached or timed out
    ├── PlanError            live state forbids a plan (duplicate live names, …)
    ├── StalePlanError       a saved plan no longer matches live or specs
    ├── PartialWrite         a write did part of its work (created, then execute failed) or
    │                        cannot tell whether it happened; carries what to pin in git
    ├── RefusedError         apply refused (safety threshold, no TTY, go-live forbidden)
    ├── JournalError         the apply journal cannot be written (writes stop; carries results)
    ├── SendTestError        send-test refused its input before any call (key, creative, recipients)
    └── GitHubError          the GitHub CLI failed (gitops commands in workflows)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ReconcilerError(Exception):
    """Root of every expected error; its message is one user-facing line."""

    def lines(self) -> list[str]:
        return [f"error: {self}"]


class ConfigError(ReconcilerError):
    pass


@dataclass(frozen=True, order=True)
class Location:
    """Where in a spec file a problem is: 1-based line and column."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.col or 1}"


@dataclass(frozen=True, order=True)
class SpecProblem:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecErrors(ReconcilerError):
    """All problems found in the spec files of one run, sorted by location."""

    def __init__(self, problems: list[SpecProblem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in spec files")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class ConfigErrors(ConfigError):
    """reconciler.yaml is invalid; one `path:line:col: message` line per problem."""

    def __init__(self, problems: list[SpecProblem]):
        self.problems = sorted(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [f"error: {p}" for p in self.problems]


class ApiError(ReconcilerError):
    """The API answered with a non-success status."""

    def __init__(
        self, message: str, status: int = 0, body: object = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.body = body
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE_STATUSES

    @property
    def ambiguous(self) -> bool:
        """The request may have been performed (a 5xx after a write)."""
        return self.status >= 500


class AuthError(ApiError):
    pass


RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class TransportError(ReconcilerError):
    """No usable answer: connection refused or reset, timeout, garbage body.

    `ambiguous` is False only when the request surely never reached the server
    (connection refused), so even a create may be sent again.
    """

    def __init__(self, message: str, ambiguous: bool = True):
        super().__init__(message)
        self.ambiguous = ambiguous

    retryable = True


class PlanError(ReconcilerError):
    """Live state forbids a plan; may carry several problems, one line each."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]

    def lines(self) -> list[str]:
        return [f"error: {p}" for p in self.problems]


class StalePlanError(ReconcilerError):
    pass


class PartialWrite(ReconcilerError):
    """A write whose outcome the applier must record though it failed.

    `live_id`: the object it did create (or None); `pin`: values apply writes into the
    spec file where identity lives in git (e.g. `{"id": 10001, "pin": {...}}`), so the
    next run neither loses the object nor repeats the write; `request`: the body sent,
    journaled when nothing could be looked up (never a secret).
    """

    def __init__(self, message: str, *, live_id: int | str | None = None,
                 pin: dict[str, object] | None = None, request: object = None):
        super().__init__(message)
        self.live_id = live_id
        self.pin = pin
        self.request = request


class RefusedError(ReconcilerError):
    pass


class JournalError(ReconcilerError):
    """The journal could not be written: no new write was started after that, and
    `results` holds what the run did, for the report."""

    def __init__(self, message: str, results: list[Any] | None = None):
        super().__init__(message)
        self.results = results or []


class SendTestError(ReconcilerError):
    pass


class GitHubError(ReconcilerError):
    pass


def relpath(path: Path, root: Path) -> str:
    """A path as users see it in messages: relative to the repo when inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
