"""File names for imported objects: readable, safe, and never colliding.

A slug is the name lowercased, folded to ASCII and joined by `-`; a name
with nothing left (only punctuation, only non-Latin letters) falls back to
`<kind>-<id>`. Slugs never contain `/` or `.`, so a file always lands
directly in audiences/ or campaigns/. A slug already taken (by a file on
disk or an object imported earlier in the run) gets `-2`, `-3`, ….
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_SLUG = 60
_NON_WORD = re.compile(r"[^a-z0-9]+")
_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # what spec file names allow, minus `.`
MAX_STEM = 200  # below the 255 bytes a file name may have, `.yaml` and temp names included
# Windows device names are poor file names on any checkout
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                       *(f"lpt{i}" for i in range(10))})


def slugify(name: str, fallback: str) -> str:
    """`Spring Sale – 20%!` → `spring-sale-20`; `fallback` when nothing usable is left."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", folded.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rstrip("-")
    if not slug or slug in _RESERVED:
        return fallback
    return slug


class SlugBook:
    """Hands out unique keys within one folder, checking the disk and earlier picks."""

    def __init__(self, folder: Path, suffix: str = ".yaml"):
        self.folder = folder
        self.suffix = suffix
        self.taken: set[str] = set()

    def claim(self, slug: str) -> str:
        """`slug`, or `slug-2`, `slug-3`, … whichever is free."""
        n = 1
        key = slug
        while key in self.taken or (self.folder / f"{key}{self.suffix}").exists():
            n += 1
            key = f"{slug}-{n}"
        self.taken.add(key)
        return key

    def claim_exact(self, key: str) -> bool:
        """Take `key` itself if it is a safe, free file stem (a key the platform derives
        from the live id); False leaves it to `claim` of the name's slug."""
        if not _STEM.fullmatch(key) or key.lower() in _RESERVED or len(key) > MAX_STEM:
            return False
        if key in self.taken or (self.folder / f"{key}{self.suffix}").exists():
            return False
        self.taken.add(key)
        return True

    def reserve(self, key: str) -> None:
        """Mark a key used (a file this run will update in place)."""
        self.taken.add(key)
