"""`fold`'s ASCII shortcut (a plan folds every live name) gives what the full fold gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler.workspace.confusables import fold, full_fold


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_the_ascii_shortcut_folds_as_the_full_fold(name: str) -> None:
    assert fold(name) == full_fold(name)


def test_every_ascii_character_folds_as_the_full_fold() -> None:
    for code in range(128):
        name = f"a{chr(code)}B {chr(code)}"
        assert fold(name) == full_fold(name), repr(chr(code))
