"""Shared pytest setup: the sandbox fixtures every test may use."""

pytest_plugins = ["tests.sandbox_fixtures", "tests.conftest_repo"]
