"""The durable record of an env: a ref of the repository itself, `refs/reconciler/state/<env>`.

Where a platform cannot be asked what apply made (an app push has no list or
get), the created id must be recorded before the send, somewhere that
survives whatever happens next and that only this repository's apply job can
write (DESIGN §6, "Exactly once"). A pull request is none of that: it can be
refused, closed, or shadowed by a fork's branch of the same name. A ref is:
pull requests and forks cannot write the base repository's refs, it outlives
any checkout, and it is written by a fast-forward push (never `--force`), so
two writers that race are told apart by git itself: the loser's push is
refused, and a refused write stops the send.

The ref points at a commit whose tree holds one small JSON file:

    {"format": 1,
     "pins": {"campaign:spring-push": {"id": 41, "pin": {...}, "commit": "<sha>", "at": "<utc>"}},
     "applied": {"commit": "<sha>", "at": "<utc>"}}

`pins` keeps, per spec (`kind:key`), what the spec file's `id:`/`pin:` would
say; `applied` the last commit applied in full. Any other top-level section is
kept as it is on every write, so a later record (an emergency stop) can live
in the same ref. Platform-free: values are opaque except for the one rule of
`merged`, a recorded "unknown" that a person's answer in the file settles.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.errors import GitHubError, ReconcilerError
from reconciler.gitops.pins import GH_CREDENTIALS, Git, run_git

FILE = "state.json"
FORMAT = 1
UNKNOWN = "unknown"  # an outcome apply could not learn (an unanswered create or send)
_ENV_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
BOT = ["-c", "user.name=reconciler", "-c", "user.email=reconciler@users.noreply.github.com"]


class RecordError(ReconcilerError):
    """The record could not be read or written: what depends on it is refused."""


def ref(env: str) -> str:
    """The ref on origin that holds `env`'s record."""
    return f"refs/reconciler/state/{_ENV_SAFE.sub('_', env)[:100]}"


def _fetched(env: str) -> str:
    """The local copy of the record, refreshed by every read."""
    return ref(env).replace("refs/reconciler/state/", "refs/reconciler/fetched/", 1)


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Record:
    """The JSON document of one env's record (unknown sections kept as they are)."""

    doc: dict[str, Any] = field(default_factory=lambda: {"format": FORMAT})

    @property
    def pins(self) -> dict[str, dict[str, Any]]:
        pins = self.doc.get("pins")
        return pins if isinstance(pins, dict) else {}

    @property
    def stops(self) -> dict[str, dict[str, Any]]:
        """Emergency stops by `kind:key` (written by `reconciler stop`; see gitops.stops)."""
        stops = self.doc.get("stops")
        return stops if isinstance(stops, dict) else {}

    @property
    def applied(self) -> str | None:
        entry = self.doc.get("applied")
        sha = entry.get("commit") if isinstance(entry, dict) else None
        return sha if isinstance(sha, str) and sha else None

    def text(self) -> str:
        return json.dumps(self.doc, indent=2, sort_keys=True) + "\n"


def parse(text: str, where: str) -> Record:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise RecordError(f"{where}: not JSON ({e.msg} at line {e.lineno}); nothing that "
                          "depends on it is written") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RecordError(f"{where}: not a format-{FORMAT} record; nothing that depends on "
                          "it is written")
    return Record(doc)


def merged(file_id: Any, file_pin: Mapping[str, Any] | None, recorded: Mapping[str, Any]
           ) -> tuple[Any, dict[str, Any] | None]:
    """The id and pin block a spec stands for, from its file and the record.

    The record wins: it is written before a send, a pin pull request only copies it,
    so a file can only be older (an unmerged copy). Two exceptions, both a person's
    answer to a question the record leaves open: a recorded id of None (the create
    got no answer) yields to an id the file names, and a recorded "unknown" value
    yields to the file's answer for the same id.
    """
    rec_id, rec_pin = recorded.get("id"), recorded.get("pin")
    rec_pin = dict(rec_pin) if isinstance(rec_pin, Mapping) else None
    if rec_id is None and file_id is not None:
        return file_id, dict(file_pin) if file_pin is not None else None
    if rec_id == file_id and rec_pin is not None and file_pin is not None:
        for name, value in rec_pin.items():
            if value == UNKNOWN and file_pin.get(name, UNKNOWN) != UNKNOWN:
                rec_pin[name] = file_pin[name]
    return rec_id, rec_pin


class StateRef:
    """One env's record on origin: read it, and write it by fast-forward only.

    Writes are serialized (a lock): apply's concurrent creates each add their pin
    on top of the last. Every method runs git and blocks; call from a thread.
    """

    def __init__(self, root: Path, env: str, git: Git = run_git):
        self.root, self.env, self.git = root, env, git
        self.ref = ref(env)
        self._lock = threading.Lock()
        self._head: str | None = None  # the record's commit as last read or written
        self._record: Record | None = None
        self._top: Path | None = None
        self._head_commit: tuple[str | None] | None = None  # the checkout's HEAD, once asked
        self._checking: Future[None] | None = None  # a check_writable begun by start_check

    def top(self) -> Path:
        if self._top is None:
            try:
                self._top = Path(self.git(["rev-parse", "--show-toplevel"], self.root).strip())
            except GitHubError:
                raise RecordError(f"{self.root} is not in a git repository, so the record "
                                  f"{self.ref} cannot be kept") from None
        return self._top

    def read(self) -> Record:
        """Fetch the record from origin (an empty one where it does not exist yet)."""
        with self._lock:
            return self._read()

    def _read(self) -> Record:
        top = self.top()
        try:
            listed = self.git([*GH_CREDENTIALS, "ls-remote", "origin", self.ref], top).split()
            if listed:
                self.git([*GH_CREDENTIALS, "fetch", "--quiet", "--no-tags", "origin",
                          f"+{self.ref}:{_fetched(self.env)}"], top)
        except GitHubError as e:
            raise RecordError(f"cannot read the record {self.ref} from origin: {e}") from None
        if not listed:
            self._head, self._record = None, Record()
            return self._record
        self._head = self.git(["rev-parse", _fetched(self.env)], top).strip()
        text = self.git(["show", f"{self._head}:{FILE}"], top)
        self._record = parse(text, f"{self.ref}:{FILE}")
        return self._record

    def start_check(self) -> None:
        """Begin `check_writable` on a thread of its own; `check_writable` collects it.
        Apply begins it beside the plan where the plan is sure to write the record, so
        the round trip to origin is not made after the plan's last read (issue 29)."""
        if self._checking is not None:
            return
        pool = ThreadPoolExecutor(1, thread_name_prefix="record-check")
        self._checking = pool.submit(self._check_now)  # its failure: check_writable raises it
        pool.shutdown(wait=False)  # the one check still runs to its end

    def check_writable(self) -> None:
        """Refuse now, before any create, where the record could not be written later
        (no origin, no push access, another writer since the read): a `git push
        --dry-run` of the record as read, or where there is none yet of the checkout's
        commit. Nothing is sent either way; a commit of its own is made only in a
        repository with none (three git runs fewer than making one each time). The
        answer of the check `start_check` began, where it began one."""
        checking, self._checking = self._checking, None
        if checking is not None:
            checking.result()
            return
        self._check_now()

    def _check_now(self) -> None:
        with self._lock:
            record = self._record if self._record is not None else self._read()
            commit = self._head or self.commit() or self._commit(
                record, "check: can the record be written")
            try:
                self.git([*GH_CREDENTIALS, "push", "--dry-run", "--quiet", "origin",
                          f"{commit}:{self.ref}"], self.top())
            except GitHubError as e:
                raise RecordError(f"cannot write the record {self.ref} to origin: {e}") from None

    def update(self, change: Callable[[dict[str, Any]], None], message: str) -> Record:
        """Apply `change` to the record and push it as a fast forward of what was read.

        A refused push (someone else wrote the ref since) raises RecordError: nothing
        is retried over another writer's record."""
        with self._lock:
            if self._record is None:
                self._read()
            assert self._record is not None
            doc = json.loads(json.dumps(self._record.doc))
            change(doc)
            record = Record(doc)
            commit = self._commit(record, message)
            try:
                self.git([*GH_CREDENTIALS, "push", "--quiet", "origin",
                          f"{commit}:{self.ref}"], self.top())
            except GitHubError as e:
                raise RecordError(f"the record {self.ref} was not written: {e}") from None
            self.git(["update-ref", _fetched(self.env), commit], self.top())
            self._head, self._record = commit, record
            return record

    @property
    def last(self) -> Record | None:
        """The record as last read or written by this object (None before any read)."""
        return self._record

    def pin(self, spec_ref: str, values: Mapping[str, Any]) -> None:
        """Record what `spec_ref`'s file would say (`id`, `pin`), with commit and time."""
        self.pin_all({spec_ref: values})

    def pin_all(self, pins: Mapping[str, Mapping[str, Any]]) -> None:
        """Record the pins of several specs (`kind:key` to `id`/`pin`) in one push: apply
        records a wave's pins together, one push per wave, not one per campaign."""
        if not pins:
            return
        stamp = {"commit": self.commit(), "at": now()}
        entries = {spec_ref: {**dict(values), **stamp} for spec_ref, values in pins.items()}

        def change(doc: dict[str, Any]) -> None:
            doc.setdefault("pins", {}).update(entries)

        refs = list(pins)
        if len(refs) == 1:
            message = f"pin {refs[0]}: {pins[refs[0]].get('id')}"
        else:
            message = f"pin {len(refs)} specs: {', '.join(refs[:3])}{', ...' * (len(refs) > 3)}"
        self.update(change, message)

    def applied(self, commit: str) -> None:
        """Record `commit` as the last one applied in full."""

        def change(doc: dict[str, Any]) -> None:
            doc["applied"] = {"commit": commit, "at": now()}

        self.update(change, f"applied {commit}")

    def commit(self) -> str | None:
        """The checkout's commit (HEAD), or None in a repository with no commit yet: the
        one this run applies, asked once (a git run less for each pin write)."""
        if self._head_commit is None:
            proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"],
                                  cwd=self.top(), capture_output=True, text=True, check=False)
            self._head_commit = (proc.stdout.strip() or None,)
        return self._head_commit[0]

    def _commit(self, record: Record, message: str) -> str:
        top = self.top()
        blob = _stdin_git(["hash-object", "-w", "--stdin"], top, record.text())
        tree = _stdin_git(["mktree"], top, f"100644 blob {blob}\t{FILE}\n")
        parents = ["-p", self._head] if self._head else []
        return self.git([*BOT, "commit-tree", tree, *parents, "-m",
                         f"reconciler record ({self.env}): {message}"], top).strip()


def _stdin_git(args: list[str], cwd: Path, text: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, input=text, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RecordError(f"git {args[0]} failed: {proc.stderr.strip()[-200:]}")
    return proc.stdout.strip()
