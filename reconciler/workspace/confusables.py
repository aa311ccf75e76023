"""Names that look the same but are not: a warning, since identity is by exact name.

Two specs named `Spring sale` and `Spring sаle` (Cyrillic а) are two live
objects to the API and one to a reviewer's eye. Folding: NFKC, casefold,
invisible characters removed, whitespace collapsed, and the common Cyrillic
and Greek letters that look like Latin ones mapped to them. It is a warning,
not an error: such names are legal, only probably a mistake.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from reconciler.workspace.workspace import Spec

# Lower-case homoglyphs (after casefold) of Latin letters, Cyrillic and Greek.
_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ѐ": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ζ": "z",
})
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}


def fold(name: str) -> str:
    """The form two names share when they look alike."""
    if name.isascii():  # the same form: NFKC and casefold of ASCII are lower(), and
        return " ".join(name.lower().split())  # it has no homoglyph, Mn or Cf character
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(ch for ch in text if ch not in _INVISIBLE
                   and unicodedata.category(ch) not in ("Mn", "Cf"))
    return " ".join(text.translate(_HOMOGLYPHS).split())


def live_lookalike(spec_name: str, live_name: str, live_id: object, kind: str) -> str | None:
    """A plan warning when a live object's name looks like a spec's but is not the same
    (identity is by exact name, so apply would make a parallel object beside it)."""
    if live_name == spec_name or fold(live_name) != fold(spec_name):
        return None
    return (f"live {kind} {live_id} is named {ascii(live_name)}, which looks the same as "
            f"{ascii(spec_name)} but is another name; if it is this object, pin it with "
            f"`id: {live_id}` in the spec")


def lookalikes(specs: Iterable[Spec]) -> list[str]:
    """One warning line per spec whose name looks like another spec's of the same kind."""
    first: dict[tuple[str, str], Spec] = {}
    out = []
    for spec in specs:
        key = (spec.kind, fold(spec.name))
        other = first.setdefault(key, spec)
        if other is not spec and other.name != spec.name:
            out.append(
                f"warning: {spec.path}: {spec.kind} name {ascii(spec.name)} looks the same as "
                f"{ascii(other.name)} in {other.path}; they are two different live objects"
            )
    return out
