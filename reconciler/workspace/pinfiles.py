"""Pins written into spec files on a worker thread while apply goes on.

Apply pins what the API cannot find again (Smartech app push) into the spec
files. Written after the last request, 500 files took 0.25-0.3 s (a temporary
file and a rename each: the file system's time, which more threads did not
shorten) while the lease waited to be released (issue 29). Each pin is handed
over as soon as its write's outcome is known, so the files are written while
the rest of the wave is still waiting on the API, and only the last few are
left when it ends.

A file may then hold a pin a moment before the env's record does (the record
is pushed at the wave's end): it only ever says what the write did, which the
file was to say anyway, also when the record write fails; a run killed in
between leaves the file knowing more than the record, never something false
(gitops.staterecord.merged: an id the record lacks is the file's).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any


def _write(path: Path, values: Mapping[str, Any]) -> None:
    from reconciler.workspace import pins  # ruamel: imported on the worker, for a pin only

    pins.pin_file(path, values)


class PinFiles:
    """Writes pins into files in the order they are put, one at a time, on one thread."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None  # started by the first pin
        self._written: list[Future[None]] = []

    def put(self, path: Path, values: Mapping[str, Any]) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="pin-files")
        self._written.append(self._pool.submit(_write, path, dict(values)))

    def close(self) -> BaseException | None:
        """Wait for every file put; the first failure, else None. Every file is tried:
        one that cannot be written does not keep the others from theirs."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        return next((e for f in self._written if (e := f.exception()) is not None), None)
