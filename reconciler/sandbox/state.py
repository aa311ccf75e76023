"""The sandbox's files, one naming scheme, and what to say when one is unusable.

Every platform's sandbox keeps its state in a file named after the sandbox's
database: the registry's default platform (Localytics) keeps the database itself
(`sandbox.db`), every other platform `<stem>-<platform>.db` beside it
(`sandbox-stream.db`, `sandbox-smartech.db`, or beside any `--db`), for the embedded
sandbox in `.reconciler/` and a served one alike. Before this scheme the embedded
files were `<platform>-sandbox.db`: such a file is renamed on first use, so an
existing embedded sandbox keeps its objects. The names follow from the registry by
rule, so this module names no platform.

A damaged or foreign file is one error line that names the file and the way out,
`reconciler sandbox reset`, which removes exactly these files (never the journal,
ledger or cache beside them).
"""

from __future__ import annotations

from pathlib import Path

from reconciler import registry
from reconciler.errors import ConfigError

ROOT_PLATFORM = registry.DEFAULT  # its file is the database itself
PLATFORMS = registry.names()
DATABASE = "sandbox.db"  # the embedded sandbox's database in `.reconciler/`
WAL = ("", "-wal", "-shm")


def _embedded_names() -> tuple[str, ...]:
    """The embedded files' names: the database, each other platform's file beside it,
    and last their older names (`<platform>-sandbox.db`), so a reset removes those too."""
    stem = Path(DATABASE).stem
    others = [p for p in PLATFORMS if p != ROOT_PLATFORM]
    return (DATABASE, *(f"{stem}-{p}.db" for p in others),
            *(f"{p}-{DATABASE}" for p in others))


# The embedded files, each with its WAL companions.
SANDBOX_FILES = tuple(f"{name}{suffix}" for name in _embedded_names() for suffix in WAL)
RESET = "reconciler sandbox reset"
TOKEN_HEADER = "X-Sandbox-Token"  # what `/_sandbox/` needs when `serve` has an admin token


def platform_file(db: Path, platform: str) -> Path:
    """The file of `platform`'s sandbox beside the sandbox database `db`."""
    if platform == ROOT_PLATFORM:
        return db
    path = db.with_name(f"{db.stem}-{platform}.db")
    legacy = db.with_name(f"{platform}-{db.name}")
    if db.name == DATABASE and legacy.is_file() and not path.exists():
        for suffix in WAL:  # the embedded file's older name: keep its objects
            old = legacy.with_name(legacy.name + suffix)
            if old.is_file():
                old.rename(path.with_name(path.name + suffix))
    return path


def embedded_file(state_dir: Path, platform: str) -> Path:
    """`platform`'s embedded sandbox file in the state folder (`.reconciler/`)."""
    return platform_file(state_dir / DATABASE, platform)


def unusable(path: Path, cause: BaseException | str, embedded: bool = True) -> ConfigError:
    """The one-line error for a sandbox file that cannot be used as the sandbox's.

    `embedded`: the file is the one in `.reconciler/` that `sandbox reset` removes;
    otherwise (`serve --db FILE`) the way out is another file.
    """
    reason = str(cause).splitlines()[0][:200] if str(cause) else type(cause).__name__
    way_out = (f"start it afresh with `{RESET}` (this deletes every object in the embedded "
               "sandbox)" if embedded else "give another --db FILE, or delete this one")
    return ConfigError(f"{path}: the sandbox's data is damaged or not the sandbox's "
                       f"({reason}); {way_out}")


def reset_files(state_dir: Path) -> list[Path]:
    """Remove the embedded sandbox's files under `state_dir`; the ones removed."""
    removed = []
    for name in SANDBOX_FILES:
        path = state_dir / name
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed
