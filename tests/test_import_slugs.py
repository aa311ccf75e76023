"""Slugs: any name gives a file name that stays inside its folder, unique within a run."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.importer.slugs import MAX_SLUG, SlugBook, slugify

SAFE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_name_gives_a_safe_slug(name: str) -> None:
    slug = slugify(name, "campaign-7")
    assert slug == "campaign-7" or (SAFE.match(slug) and len(slug) <= MAX_SLUG)


def test_examples() -> None:
    assert slugify("Spring Sale – 20% off!", "x") == "spring-sale-20-off"
    assert slugify("Crème brûlée", "x") == "creme-brulee"
    assert slugify("../../etc/passwd", "x") == "etc-passwd"
    for fallback in ("..", "!!!", "日本語", "", "CON", "{{ }}"):
        assert slugify(fallback, "campaign-9") == "campaign-9"


def test_collisions_take_the_next_free_suffix(tmp_path: Path) -> None:
    (tmp_path / "sale.yaml").write_text("")
    (tmp_path / "sale-2.yaml").mkdir()
    book = SlugBook(tmp_path)
    book.reserve("promo")
    assert [book.claim("sale"), book.claim("sale"), book.claim("promo")] == [
        "sale-3", "sale-4", "promo-2"]
