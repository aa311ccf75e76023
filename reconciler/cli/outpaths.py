"""Where a command may write a file the user names (every `--out`, `--out-dir`, `--journal`).

The path is the user's own: anywhere they can write, outside the repo too.
Except the repo's own inputs: a plan written into audiences/ or campaigns/
would be read back as a spec (or warned about on every run), and one written
over reconciler.yaml destroys the config. Symlinks are resolved first, so a
link cannot smuggle the write in.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import RefusedError
from reconciler.workspace.workspace import FOLDERS


def check_writable(path: Path, config_path: Path, option: str) -> None:
    """Refuse `path` when it is the config file or inside a spec folder."""
    from reconciler.config.loader import spec_roots

    target = path.resolve()
    if target == config_path.resolve():
        raise RefusedError(f"refusing {option} {path}: that is the config file")
    for root in spec_roots(config_path):
        for folder in FOLDERS.values():
            if target.is_relative_to(root.resolve() / folder):
                raise RefusedError(
                    f"refusing {option} {path}: it is inside the spec folder {folder}/; "
                    "write the file elsewhere"
                )
    if target.is_dir():
        raise RefusedError(f"refusing {option} {path}: it is a folder")
