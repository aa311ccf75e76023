"""The embedded sandbox's files in `.reconciler/`, and what to say when they are unusable.

A damaged or foreign `sandbox.db` (or Stream's JSON file) is one error line
that names the file and the way out, `reconciler sandbox reset`, which
removes exactly these files (never the journal, ledger or cache beside them).
"""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import ConfigError

# Localytics' SQLite file, then Stream's and Smartech's (embedded, and the ones
# `sandbox serve` keeps beside its database), each with its WAL companions.
SANDBOX_FILES = tuple(f"{name}{suffix}" for name in ("sandbox.db", "stream-sandbox.db",
                                                     "sandbox-stream.db",
                                                     "smartech-sandbox.db",
                                                     "sandbox-smartech.db")
                      for suffix in ("", "-wal", "-shm"))
RESET = "reconciler sandbox reset"


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
