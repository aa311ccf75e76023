"""One apply per app, anywhere: a lease held in the platform itself.

The local file lock (apply/lock.py) only serializes applies of one working
copy. Two clones, a laptop and CI, or two envs pointed at one app would each
plan "missing" and each create. So before planning, apply takes a lease
held in the platform: a reserved draft object (never active, started or
sent) named `reconciler-lease <token> <holder> <pid> <since> <until>`.

Algorithm (platform-free; providers only create, list and delete):
1. create our lease object, with a fresh random token;
2. list every lease; expired ones are deleted (their holder crashed);
3. among the unexpired, the lowest rank (the platform's creation order, e.g.
   an auto-increment id) wins. A tie for lowest loses for everyone, so two
   contenders can never both win; the loser deletes its own object and is
   refused with one line naming the holder and its age, or waits and retries
   while `wait` seconds allow.
A platform whose ids are chosen by the client (Stream) uses a fixed id
instead: its create refuses a second lease, which is itself the lock.
The lease is released (deleted) when apply ends, also on failure or on
SIGINT, SIGTERM or SIGHUP. One left by a killed run expires after its TTL
(`lease.expiry_seconds`), is cleared with `reconciler unlock`, or, when its
holder is ours (same user, host and CI run) and its process is gone (kill -9
on this machine), is treated as expired at once.

Every time in a lease name is the platform's (the `Date` of its answers,
platform.HoldsLease.platform_now), never this machine's: a contender whose clock runs
an hour ahead still reads the holder's lease as held. Before the platform's first
answer a lease is named by this machine's clock, and the create's own answer checks it:
a name more than CLOCK_AGREES off the platform's Date is deleted unused and the lease
taken again by the platform's time (a lease shorter than TRUSTED_TTL lists first). A name claiming an
expiry more than MAX_TTL ahead of the platform's time was not written by
apply (no setting allows it) and never blocks. The holder renews its lease
while it works and confirms it before each write (keeper.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import random
import re
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reconciler.calls import send_once
from reconciler.config.models import LEASE_SECONDS_MAX
from reconciler.errors import ApiError, RefusedError, TransportError
from reconciler.platform import HoldsLease
from reconciler.provider import LEASE_MARKER, LeaseObject

TTL = timedelta(hours=1)
MAX_TTL = timedelta(seconds=LEASE_SECONDS_MAX)  # the longest lease apply ever writes
SKEW = timedelta(minutes=1)  # what two answers' Date may disagree by (a platform's servers)
# A lease is named by this machine's clock when the platform has not answered yet (the
# create's answer then shows whether that clock is the platform's): one round trip less
# before every apply than listing first only to read a Date. The name's times may be off
# by CLOCK_AGREES (Date counts whole seconds), which matters nothing to a lease of at
# least TRUSTED_TTL (renewed every third of it); a shorter lease lists first, as before.
CLOCK_AGREES = timedelta(seconds=3)
TRUSTED_TTL = timedelta(seconds=60)
RETRY_SECONDS = 2.0
CREATE_ATTEMPTS = 4
_NAME = re.compile(
    rf"{re.escape(LEASE_MARKER)} (?P<token>[0-9a-f]{{8,32}}) (?P<holder>\S{{1,48}}) "
    r"(?P<pid>\d{1,10}) (?P<since>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (?P<until>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$"
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._@:+-]")


@dataclass(frozen=True)
class Lease:
    """A parsed lease object."""

    id: int | str
    token: str
    holder: str
    pid: int
    since: datetime
    until: datetime
    rank: tuple[object, ...]

    def expired(self, now: datetime, holder: str = "") -> bool:
        """Past its expiry (by the platform's time `now`), claiming one further ahead than
        any apply writes (forged or broken), or held by `holder` (us) in a process that
        no longer runs."""
        return (self.until <= now or self.until > now + MAX_TTL + SKEW
                or (self.holder == holder and not _running(self.pid)))

    def renamed(self, until: datetime) -> str:
        """This lease's name with a new expiry (a renewal keeps token, holder and since)."""
        return lease_name(self.token, self.holder, self.since, until, self.pid)

    def describe(self, now: datetime) -> str:
        return (f"{self.holder} (pid {self.pid}), started {_age(now - self.since)} ago, expires in "
                f"{_age(self.until - now)} (lease object id {self.id})")


class LeaseHeld(RefusedError):
    """Another apply holds the app's lease."""

    def __init__(self, message: str, holder: Lease | None):
        super().__init__(message)
        self.holder = holder


def default_holder() -> str:
    """Who is applying, as it shows in the lease: user@host, and the CI run when there is one."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    holder = f"{user}@{socket.gethostname()}"  # the pid goes in the name on its own
    run = os.environ.get("GITHUB_RUN_ID")
    if run:
        holder += f":run-{run}"
    return _UNSAFE.sub("_", holder)[:48] or "unknown"


def lease_name(token: str, holder: str, since: datetime, until: datetime,
               pid: int | None = None) -> str:
    safe = _UNSAFE.sub("_", holder)[:48] or "unknown"
    pid = os.getpid() if pid is None else pid
    return f"{LEASE_MARKER} {token} {safe} {pid} {_iso(since)} {_iso(until)}"


def parse(obj: LeaseObject) -> Lease | None:
    """The lease an object's name describes; None for a name in another format, and for
    one in this format whose times are no real times (a February 31st, a month 13):
    `lease_name` never writes those, so that object is not a lease, and its name, which
    anyone with the platform's API can give an object, must not stop every apply with
    a traceback."""
    m = _NAME.match(obj.name)
    if m is None:
        return None
    try:
        since, until = _parse_iso(m["since"]), _parse_iso(m["until"])
    except ValueError:
        return None
    return Lease(obj.id, m["token"], m["holder"], int(m["pid"]), since, until, obj.rank)


async def acquire(provider: HoldsLease, holder: str, *, wait: float = 0.0,
                  ttl: timedelta = TTL) -> Lease:
    """Our lease, or LeaseHeld once `wait` seconds have passed without getting it."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return await _attempt(provider, holder, ttl)
        except LeaseHeld:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            await asyncio.sleep(min(left, RETRY_SECONDS * random.uniform(0.5, 1.5)))


async def _attempt(provider: HoldsLease, holder: str, ttl: timedelta) -> Lease:
    unknown = provider.platform_now() is None
    if unknown and ttl < TRUSTED_TTL:
        await provider.lease_list()  # an answer, so that its Date tells the platform's time
        unknown = False
    now = platform_time(provider)
    token = secrets.token_hex(4)
    name = lease_name(token, holder, now, now + ttl)
    created = await _create(provider, name, token)
    if unknown and not _agrees(provider, now):
        # Named by this machine's clock, which the create's answer shows is not the
        # platform's: a rival would misjudge its expiry. Never used; taken again by the
        # platform's time, known now.
        if created is not None:
            await provider.lease_delete(created.id)
        return await _attempt(provider, holder, ttl)
    try:
        live = await _unexpired(provider, holder)
        if created is None and not live:  # the fixed-id lease had expired: cleared, try again
            now = platform_time(provider)
            created = await _create(provider, lease_name(token, holder, now, now + ttl), token)
            live = await _unexpired(provider, holder)
    except asyncio.CancelledError:  # stopped by a signal while taking it: leave none behind
        if created is not None:
            with contextlib.suppress(ApiError, TransportError):
                await provider.lease_delete(created.id)
        raise
    now = platform_time(provider)
    mine = next((lease for lease in live if lease.token == token), None)
    if mine is not None:
        first = min(lease.rank for lease in live)
        rivals = [lease for lease in live if lease.rank == first and lease.token != token]
        if mine.rank == first and not rivals:
            return mine
    if created is not None:
        await provider.lease_delete(created.id)
    others = sorted((lease for lease in live if lease.token != token), key=lambda le: le.rank)
    if not others:
        raise LeaseHeld("refusing: could not take the apply lease of this app (another "
                        "apply was taking it at the same moment); try again", None)
    raise LeaseHeld(
        f"refusing: another apply holds the lease of this app: {others[0].describe(now)}; "
        "wait for it to finish (or if that run died, run `reconciler unlock`)", others[0])


async def _create(provider: HoldsLease, name: str, token: str) -> LeaseObject | None:
    """Create our lease once, even across ambiguous failures (calls.send_once looks for our
    token before sending again); when it still fails, remove whatever it may have made,
    so a lost answer cannot leave a lease that blocks every apply until it expires."""
    async def ours() -> LeaseObject | None:
        for obj in await provider.lease_list():
            lease = parse(obj)
            if lease is not None and lease.token == token:
                return obj
        return None

    try:
        return await send_once(lambda: provider.lease_create(name), ours, CREATE_ATTEMPTS)
    except (ApiError, TransportError):
        with contextlib.suppress(ApiError, TransportError):
            left = await ours()
            if left is not None:
                await provider.lease_delete(left.id)
        raise


async def _unexpired(provider: HoldsLease, holder: str) -> list[Lease]:
    """Every unexpired lease, by the platform's time of the listing; expired ones are
    deleted on the way (their holder died). One whose delete the platform refuses is
    left alone and not counted: it blocks nothing, and never fails the apply."""
    unexpired = []
    objects = await provider.lease_list()
    now = platform_time(provider)
    for obj in objects:
        lease = parse(obj)
        if lease is None:
            continue  # not ours to judge (another format): never deleted, never winning
        if not lease.expired(now, holder):
            unexpired.append(lease)
            continue
        with contextlib.suppress(ApiError):
            await provider.lease_delete(lease.id)
    return unexpired


def _agrees(provider: HoldsLease, named: datetime) -> bool:
    """Whether the time a lease was named with (this machine's) is the platform's, as the
    create's answer dates it, within CLOCK_AGREES; a platform that sends no Date has only
    this machine's time (platform_time), so there is nothing to disagree with."""
    seen = provider.platform_now()
    return seen is None or abs(platform_time(provider) - named) <= CLOCK_AGREES


def platform_time(provider: HoldsLease) -> datetime:
    """The platform's time (its latest answer's Date); this machine's only before its first
    answer (checked against that answer: `_agrees`) or when the platform sends no Date at
    all, which HTTP requires of any server with a clock."""
    now = provider.platform_now() or datetime.now(UTC)
    return now.astimezone(UTC).replace(microsecond=0)


async def clear_leases(provider: HoldsLease) -> list[Lease | LeaseObject]:
    """Delete every lease object of the app (`reconciler unlock`); what was deleted."""
    cleared: list[Lease | LeaseObject] = []
    for obj in await provider.lease_list():
        await provider.lease_delete(obj.id)
        cleared.append(parse(obj) or obj)
    return cleared


def _running(pid: int) -> bool:
    """Whether process `pid` exists on this machine (unsure counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# What datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") accepts, as the stdlib's _strptime
# spells that format (one-digit fields, a space before a one-digit day, any case of T and Z):
# strptime's first call imports _strptime and locale, ~3 ms before every apply's first
# write (issue 29); this parses exactly the same strings and rejects the same (ValueError).
_ISO_TIME = re.compile(
    r"(?P<Y>\d\d\d\d)-(?P<m>1[0-2]|0[1-9]|[1-9])-(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])"
    r"T(?P<H>2[0-3]|[0-1]\d|\d):(?P<M>[0-5]\d|\d):(?P<S>6[0-1]|[0-5]\d|\d)Z", re.IGNORECASE)


def _parse_iso(text: str) -> datetime:
    """A time as `_iso` writes it (UTC); ValueError for what is not one."""
    m = _ISO_TIME.match(text)
    if m is None or m.end() != len(text):
        raise ValueError(f"time data {text!r} is not %Y-%m-%dT%H:%M:%SZ")
    year, month, day, hour, minute, second = (int(field) for field in m.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
