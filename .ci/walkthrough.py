"""Run the README's walk-through as typed, in a fresh clone: CI proves the door works.

Every ```console block's `$ command` runs in order in one bash session per command
(cwd = the clone, `reconciler` on PATH as after `. .venv/bin/activate`), and every
output line the README shows (except `…`) must appear, in order, in what it printed.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SAVE = re.compile(r"Save this as `([^`]+)`")


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


def run(command: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=600, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


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
        count = 0
        for lang, body, before in blocks(readme):
            if "<!-- walkthrough: skip -->" in before.strip().splitlines()[-1:]:
                continue
            saved = SAVE.search(before)
            if lang == "yaml" and saved:
                (clone / saved.group(1)).write_text(body, encoding="utf-8")
            elif lang == "console":
                for command, expected in console_steps(body):
                    code, out = run(command, clone, env)
                    missing = shows(expected, out)
                    if code != 0 or missing is not None:
                        print(f"walkthrough: `{command}` exited {code}"
                              + (f"; README shows {missing!r}" if missing else "")
                              + f"\n--- output ---\n{out}", file=sys.stderr)
                        return 1
                    count += 1
            elif lang == "sh":
                for command in body.splitlines():
                    if command.strip() and not command.lstrip().startswith("#"):
                        code, out = run(command, clone, env)
                        if code != 0:
                            print(f"walkthrough: `{command}` exited {code}\n{out}",
                                  file=sys.stderr)
                            return 1
                        count += 1
        print(f"walkthrough: {count} README commands ran as typed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
