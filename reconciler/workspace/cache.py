"""A parse cache in the user's cache folder: file bytes (+ context) → parsed data.

Parsing is most of what `validate` does; unchanged files are not parsed again.
No cache is trusted over the files (issue 16): the cache lives outside the
work tree (`$XDG_CACHE_HOME/reconciler/<repo hash>/` or `~/.cache/reconciler/…`),
so nothing committed to the repository can feed it; it is never used by
`apply` nor when the env var `CI` is set, so production runs read the YAML
only; and an entry's key hashes the code (`code_digest`: the package's files,
by content), the file's bytes and the env and vars the specs are rendered
with, so a hit can only ever stand for what parsing those same bytes gives. The cache is JSON (never pickle), is
rewritten only when something changed, and is ignored when unreadable, of
another version, or disabled with RECONCILER_NO_CACHE=1. Problems are never
cached: a file with a problem is parsed again on every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import reconciler
from reconciler import __version__

CACHE_VERSION = 3
FILE_NAME = "specs.json"


@cache
def code_digest() -> str:
    """A hash of the code that makes a cached result: every file of the reconciler
    package by content (not by mtime: a checkout or an editor can keep a file's mtime
    while changing it), the Python version, and the names (with versions) of the
    installed distributions, so an entry made by other code or another pydantic is
    never read as this code's. About 0.9 MB of source, hashed once per run."""
    digest = hashlib.blake2b(f"{__version__}\0{sys.version}\0".encode())  # 2x sha256
    package = os.path.dirname(os.path.abspath(reconciler.__file__))
    for rel in _package_files(package):
        digest.update(rel.encode() + b"\0" + read_file(os.path.join(package, rel)) + b"\0")
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".")
                           if n.endswith((".dist-info", ".egg-info")))
        except OSError:  # a zip file or a missing folder on sys.path
            continue
        digest.update(("\0".join(names) + "\0\0").encode())
    return digest.hexdigest()


def read_file(path: str, limit: int | None = None) -> bytes:
    """A file's bytes through the os layer (a third of the instructions of `open()` with
    its buffered reader, per file, when a run reads a thousand); OSError for anything but
    a regular file (a FIFO would block) or one over `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
            raise OSError(f"{path}: not a regular file or over {limit} bytes")
        first = os.read(fd, info.st_size + 1)
        if len(first) <= info.st_size:
            return first  # short of what was asked: the end (no second read to learn it)
        chunks = [first]
        while chunks[-1]:  # a file still growing: read to its end, as read() does
            chunks.append(os.read(fd, 1 << 20))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _package_files(package: str) -> list[str]:
    """The package's files relative to it, sorted, without bytecode folders."""
    found = []
    for folder, subdirs, files in os.walk(package):
        subdirs[:] = [d for d in subdirs if d != "__pycache__"]
        rel = os.path.relpath(folder, package)
        found += [n if rel == "." else f"{rel}/{n}" for n in files]
    return sorted(found)


class ContentHash:
    """The hash of what a run read: reconciler.yaml's bytes, then each spec file's path
    and bytes in order (`Workspace.content_hash`, the validate memo's key)."""

    def __init__(self, config_raw: bytes) -> None:
        self._digest = hashlib.sha256(b"reconciler.yaml\0" + config_raw + b"\0")

    def add(self, rel: str, raw: bytes) -> None:
        self._digest.update(rel.encode() + b"\0" + raw + b"\0")

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def user_cache_dir(root: Path) -> Path:
    """This repository's folder in the user cache (outside any work tree)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    repo = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:16]
    return Path(base) / "reconciler" / repo


def caches_allowed() -> bool:
    """Whether this run may use a cache at all: never in CI, never when turned off."""
    return not (os.environ.get("CI") or os.environ.get("RECONCILER_NO_CACHE"))


class ParseCache:
    def __init__(self, path: Path | None, context: str = ""):
        self.path = path
        # A disabled cache (path None) keeps nothing past the run: no code to salt with.
        code = code_digest() if path is not None else ""
        self._salt = f"{code}\0{CACHE_VERSION}\0{context}\0".encode()
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.dirty = False
        if path is None:
            return
        try:
            doc = json.loads(path.read_bytes())
            if doc.get("version") == CACHE_VERSION and isinstance(doc.get("entries"), dict):
                self.entries = doc["entries"]
        except (OSError, ValueError, AttributeError):
            self.entries = {}

    @classmethod
    def for_repo(cls, root: Path, env_name: str, variables: Mapping[str, Any],
                 enabled: bool = True) -> ParseCache:
        """The repo's cache in the user cache folder; a disabled one when not allowed."""
        context = json.dumps([env_name, variables], sort_keys=True, default=repr)
        if not (enabled and caches_allowed()):
            return cls(None, context)
        return cls(user_cache_dir(root) / FILE_NAME, context)

    def key(self, raw: bytes) -> str:
        """The entry key of a file: its bytes, salted with version and render context
        ("" from a disabled cache, which keeps nothing: no hash to compute)."""
        if self.path is None:
            return ""
        return hashlib.sha256(self._salt + raw).hexdigest()

    def get(self, digest: str) -> tuple[Any, list[Any]] | None:
        entry = self.entries.get(digest)
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], dict)):
            return None
        self.used[digest] = entry
        return entry[0], entry[1]

    def put(self, digest: str, data: Any, templates: list[Any]) -> None:
        if self.path is None:  # disabled: nothing is saved, so nothing is kept
            return
        self.used[digest] = [data, templates]
        self.dirty = True

    def save(self) -> None:
        """Write the entries used by this run, if anything changed; never fails."""
        if self.path is None or not (self.dirty or len(self.used) != len(self.entries)):
            return
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp.write_text(json.dumps({"version": CACHE_VERSION, "entries": self.used}),
                           encoding="utf-8")
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            tmp.unlink(missing_ok=True)


def refuse_tracked_state(root: Path) -> None:
    """ConfigError when git tracks a file under .reconciler/ (a committed cache, journal or
    sandbox would be state nobody reviewed). Outside a git repo, or without git, a no-op."""
    from reconciler.gitfind import maybe_in_git

    if not (root / ".reconciler").exists() or not maybe_in_git(root):
        return
    import subprocess  # only here: its import is 0.4 % of a cold validate

    from reconciler.errors import ConfigError

    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", ".reconciler"],
            capture_output=True, timeout=30, stdin=subprocess.DEVNULL, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return
    tracked = [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]
    if proc.returncode == 0 and tracked:
        more = f" (and {len(tracked) - 1} more)" if len(tracked) > 1 else ""
        raise ConfigError(
            f"{ascii(tracked[0])[1:-1]}{more} is tracked by git: .reconciler/ holds local "
            "state that must never come from the repository; run `git rm -r --cached "
            ".reconciler` and keep it in .gitignore"
        )


def memos_allowed() -> bool:
    """Whether a memo (validate's, plan's specs) may be used: where caches are, and not
    under a trusted config, whose file is one more input the memo does not read."""
    from reconciler.config.trust import TRUSTED_CONFIG_VARIABLE

    return caches_allowed() and not os.environ.get(TRUSTED_CONFIG_VARIABLE)


def memo_key(version: int, selector: str, content_hash: str) -> str:
    """A memo entry's key: the memo's version, the code, what the entry is for (config
    file and env) and the content hash of every input read now."""
    text = f"{version}\0{code_digest()}\0{selector}\0{content_hash}"
    return hashlib.sha256(text.encode()).hexdigest()


def read_entries(path: Path, version: int) -> dict[str, Any]:
    """The `entries` of a memo file (`{"version": …, "entries": {…}}`) of `version`;
    empty for a missing, unreadable or other file."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    ok = isinstance(doc, dict) and doc.get("version") == version
    entries = doc.get("entries") if ok else None
    return entries if isinstance(entries, dict) else {}


def put_entry(path: Path, version: int, selector: str, entry: dict[str, Any],
              limit: int) -> None:
    """Keep `entry` as the newest of a memo file, which keeps the newest `limit` (the
    oldest go first); never fails."""
    entries = read_entries(path, version)
    entries.pop(selector, None)
    while len(entries) >= limit:
        entries.pop(next(iter(entries)))
    entries[selector] = entry
    write_entries(path, version, entries)


def write_entries(path: Path, version: int, entries: dict[str, Any]) -> None:
    """Replace a memo file at once (its folder private); never fails."""
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp.write_text(json.dumps({"version": version, "entries": entries},
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)
