"""A progress line on stderr, shown only on a terminal and only after 1 s."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


@asynccontextmanager
async def progress(delay: float = 1.0) -> AsyncIterator[Callable[[str], None]]:
    if not sys.stderr.isatty():
        yield lambda _msg: None
        return
    from rich.console import Console

    state = {"msg": "working"}
    status = Console(stderr=True).status(state["msg"])

    async def show() -> None:
        await asyncio.sleep(delay)
        status.start()

    task = asyncio.create_task(show())

    def update(msg: str) -> None:
        state["msg"] = msg
        status.update(msg)

    try:
        yield update
    finally:
        task.cancel()
        status.stop()
