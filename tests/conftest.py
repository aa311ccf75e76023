"""Shared pytest setup: the sandbox fixtures every test may use."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest_plugins = ["tests.sandbox_fixtures", "tests.conftest_repo"]


@pytest.fixture(autouse=True, scope="session")
def _private_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The parse and live caches live in the user cache folder: keep the tests' own,
    and run as a laptop (no CI) unless a test sets CI itself."""
    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "CI")}
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    os.environ.pop("CI", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
