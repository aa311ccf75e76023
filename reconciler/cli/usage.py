"""Click's usage errors as the one `error:` line every other error is.

Click prints a usage block, a "Try --help" line and the message (three
lines); a misspelled command gets no suggestion. Here the message is one
line naming the command it is about, with a did-you-mean (difflib, as
click does for options) for commands and options.
"""

from __future__ import annotations

import difflib
import re

import click

_NO_SUCH_COMMAND = re.compile(r"No such command '(.*?)'\.", re.DOTALL)  # click < 8.4


def usage_line(e: click.UsageError) -> str:
    """`error: reconciler plan: no such option --confg (did you mean --config?)`."""
    where = e.ctx.command_path if e.ctx is not None else "reconciler"
    if isinstance(e, click.exceptions.NoSuchOption):
        options = [o for p in e.ctx.command.params for o in p.opts] if e.ctx else []
        hint = _hint(e.option_name, options)
        return f"error: {where}: no such option {_shown(e.option_name)}{hint}"
    message = e.format_message()
    name = getattr(e, "command_name", None)
    if name is None and (m := _NO_SUCH_COMMAND.match(message)):
        name = m.group(1)
    if name is not None and e.ctx is not None and isinstance(e.ctx.command, click.Group):
        known = e.ctx.command.list_commands(e.ctx)
        return (f"error: {where}: no such command {_shown(name)}{_hint(name, known)}; "
                f"commands: {', '.join(known)}")
    return f"error: {where}: {_one_line(message)}"


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]}?)" if close else ""


def _shown(word: str) -> str:
    """What the user typed, with control characters escaped (it reaches a terminal)."""
    return word.encode("unicode_escape").decode("ascii")


def _one_line(message: str) -> str:
    return " ".join(part.strip() for part in message.splitlines() if part.strip())
