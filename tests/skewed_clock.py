"""Run the reconciler CLI as a machine whose clock is off: `python skewed_clock.py SECONDS ARGS…`.

Test only. Every wall-clock reading of the process (time.time, datetime.now,
datetime.utcnow) is moved by SECONDS before reconciler is imported, as on a
machine whose clock runs that far ahead (or behind, when negative); the
monotonic clock is left alone, as an NTP-less machine's would be.
"""

from __future__ import annotations

import datetime as _dt
import runpy
import sys
import time
from typing import Any

OFFSET = float(sys.argv[1])
_real_time = time.time


def _skewed_time() -> float:
    return _real_time() + OFFSET


class _SkewedDateTime(_dt.datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return _dt.datetime.fromtimestamp(_skewed_time(), tz)

    @classmethod
    def utcnow(cls) -> Any:
        return _dt.datetime.fromtimestamp(_skewed_time(), _dt.UTC).replace(tzinfo=None)


time.time = _skewed_time
_dt.datetime = _SkewedDateTime  # type: ignore[misc]
sys.argv = ["reconciler", *sys.argv[2:]]
runpy.run_module("reconciler", run_name="__main__", alter_sys=True)
