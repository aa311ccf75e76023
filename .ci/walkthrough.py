"""Run the README's walk-through as typed, in a fresh clone: CI proves the door works.

Every ```console block's `$ command` runs in order in ONE bash session, as typed top to
bottom in one terminal: it starts in the clone with `reconciler` on PATH (as after
`. .venv/bin/activate`), and a `cd` carries over to the commands after it. Every output
line the README shows (except `…`) must appear, in order, in what it printed.
```sh blocks run too. A yaml block whose paragraph says "Save this as `PATH`" is
written to PATH first. A block right after `<!-- walkthrough: skip -->` is not run
(the real-account and GitHub parts). Exit 1 with the first difference.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SAVE = re.compile(r"Save this as `([^`]+)`")
TIMEOUT = 600  # seconds one command may take


def blocks(readme: str) -> list[tuple[str, str, str]]:
    """(language, body, text before the block since the previous block)."""
    out, last = [], 0
    for m in FENCE.finditer(readme):
        out.append((m.group(1), m.group(2), readme[last:m.start()]))
        last = m.end()
    return out


def console_steps(body: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps and line.strip() not in ("", "…"):
            steps[-1][1].append(line.rstrip())
    return steps


class Shell:
    """One bash process that every command is typed into, so cwd (and anything a command
    exports) carries on to the next, as in a terminal. Each command reads /dev/null (a
    command that asks must not swallow the commands after it) and its stderr joins stdout."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=cwd, env=env,
                                     text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=1)
        self.marker = f"__walkthrough_done_{uuid.uuid4().hex}__"

    def run(self, command: str) -> tuple[int, str]:
        """Type `command`; its exit status and everything it printed."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{{ {command}\n}} </dev/null 2>&1; "
                              f"printf '\\n%s %s\\n' {self.marker} $?\n")
        self.proc.stdin.flush()
        out: list[str] = []
        watchdog = threading.Timer(TIMEOUT, self.proc.kill)  # a hung command fails, not hangs
        watchdog.start()
        try:
            for line in self.proc.stdout:
                if line.startswith(self.marker + " "):
                    return int(line.split()[1]), "".join(out)
                out.append(line)
        finally:
            watchdog.cancel()
        return self.proc.wait(), "".join(out)  # the shell ended: `exit` typed, or timed out

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def shows(expected: list[str], output: str) -> str | None:
    """The first expected line missing from `output` (in order), or None."""
    lines = iter(line.rstrip() for line in output.splitlines())
    for want in expected:
        if not any(got == want for got in lines):
            return want
    return None


def main() -> int:
    venv_bin = ROOT / ".venv" / "bin"
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
           "VIRTUAL_ENV": str(venv_bin.parent)}
    env.pop("CI", None)  # the walk-through is a laptop's
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        shell = Shell(clone, env)
        try:
            count = _walk(readme, clone, shell)
        finally:
            shell.close()
        if count is None:
            return 1
        print(f"walkthrough: {count} README commands ran as typed")
    return 0


def _walk(readme: str, clone: Path, shell: Shell) -> int | None:
    """Run every block in order; the number of commands run, or None at the first failure
    (printed). A file to save is written relative to the clone."""
    count = 0
    for lang, body, before in blocks(readme):
        if "<!-- walkthrough: skip -->" in before.strip().splitlines()[-1:]:
            continue
        saved = SAVE.search(before)
        if lang == "yaml" and saved:
            (clone / saved.group(1)).write_text(body, encoding="utf-8")
            continue
        if lang == "console":
            steps = console_steps(body)
        elif lang == "sh":
            steps = [(c, []) for c in body.splitlines()
                     if c.strip() and not c.lstrip().startswith("#")]
        else:
            continue
        for command, expected in steps:
            code, out = shell.run(command)
            missing = shows(expected, out)
            if code != 0 or missing is not None:
                print(f"walkthrough: `{command}` exited {code}"
                      + (f"; README shows {missing!r}" if missing else "")
                      + f"\n--- output ---\n{out}", file=sys.stderr)
                return None
            count += 1
    return count


if __name__ == "__main__":
    sys.exit(main())
