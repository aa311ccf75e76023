"""Fixtures that give each test a fresh repo on a fresh sandbox app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.repo import Repo


@pytest.fixture
def repo(tmp_path: Path, sandbox_server: Any) -> Repo:
    app = sandbox_server.new_app()
    return Repo(tmp_path / "repo", sandbox_server.api_url, app.org_id, app.app_id,
                sandbox_server.api_key, sandbox_server.api_secret)


@pytest.fixture
def repo_on(tmp_path: Path) -> Callable[..., Repo]:
    """A repo on a given served sandbox (e.g. one with fault knobs)."""
    count = iter(range(1000))

    def make(server: Any, **kwargs: Any) -> Repo:
        app = server.new_app()
        return Repo(tmp_path / f"repo{next(count)}", server.api_url, app.org_id, app.app_id,
                    server.api_key, server.api_secret, **kwargs)

    return make


@pytest.fixture
def stream_repo(tmp_path: Path, sandbox_server: Any) -> Any:
    """A Stream repo on the session's sandbox (its /stream API), with its own API key."""
    from tests.stream_repo import StreamRepo

    return StreamRepo(tmp_path / "stream-repo", sandbox_server.base_url + "/stream", 0, "")


@pytest.fixture
def smartech_repo(tmp_path: Path, sandbox_server: Any) -> Any:
    """A Smartech repo on the session's sandbox (its /smartech APIs), with its own API key."""
    from tests.smartech_repo import SmartechRepo

    return SmartechRepo(tmp_path / "smartech-repo", sandbox_server.base_url + "/smartech", 0, "")
