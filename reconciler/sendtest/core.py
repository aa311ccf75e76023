"""What every platform's send-test shares: the request, the sender interface, the checks.

`reconciler send-test KEY` finds the campaign, checks the recipients and asks
the env's provider class for its `TestSender` (`Provider.test_sender`). The
sender checks what it needs offline first (`prepare`), so bad input never
reaches the API, then sends (`send`) and returns the lines the CLI prints.
This module imports no platform package, like plan/ and apply/.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.errors import SendTestError

if TYPE_CHECKING:
    from reconciler.config import LoadedConfig
    from reconciler.workspace import Spec, Workspace


@dataclass(frozen=True)
class TestRequest:
    """One send-test run: the campaign, the chosen creatives, who gets it, and the UTC day."""

    __test__ = False  # not a pytest class, despite the name

    loaded: LoadedConfig
    spec: Spec
    creatives: tuple[str, ...]  # letters as given (`--creative`); empty: the default
    recipients: tuple[str, ...]  # checked, de-duplicated, in order
    again: bool
    day: str


class TestSender(ABC):
    """A platform's way to put a campaign in front of test recipients only."""

    __test__ = False
    recipient_noun = "ID"  # what `--to` takes, in error lines: CUSTOMER_ID, USER_ID

    def precheck(self, loaded: LoadedConfig) -> None:  # noqa: B027 - optional hook
        """Env settings the sender needs (a Push API URL), checked before the specs load."""

    @abstractmethod
    def prepare(self, request: TestRequest) -> object:
        """Everything checked offline (creatives, credentials); the result goes to `send`.
        Raises SendTestError (one line) on bad input, before any request."""

    @abstractmethod
    async def send(self, request: TestRequest, prepared: object) -> list[str]:
        """Send what is not already sent today; the report lines, in order."""


def campaign_of(workspace: Workspace, key: str) -> Spec:
    """The campaign spec of `key`, or one error line naming what the key is instead."""
    from reconciler.source.problems import suggest

    spec = workspace.get(f"campaign:{key}")
    if spec is not None:
        return spec
    if workspace.get(f"audience:{key}") is not None:
        raise SendTestError(f"{key!r} is an audience; send-test takes a campaign key")
    keys = [s.key for s in workspace.of_kind("campaign")]
    raise SendTestError(f"unknown campaign key {key!r}: no file campaigns/{key}.yaml"
                        f"{suggest(key, keys)}")


def recipients_of(given: tuple[str, ...], configured: list[str], env: str,
                  noun: str = "CUSTOMER_ID") -> tuple[str, ...]:
    """`--to` ids, else the env's test_recipients; none at all is an error."""
    for r in given:
        if not r or r != r.strip():
            raise SendTestError(f"--to {r!r}: a {noun.lower().replace('_', ' ')} must be "
                                "non-empty, without leading or trailing blanks")
    chosen = list(given) or list(configured)
    if not chosen:
        raise SendTestError(f"no recipients: pass --to {noun} or set test_recipients "
                            f"in env {env!r} of reconciler.yaml")
    return tuple(dict.fromkeys(chosen))
