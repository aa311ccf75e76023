"""A pull request's reconciler.yaml cannot send credentials where it likes.

The attack: a PR points an env's api_url at a listener it controls and waits
for plan to send the secrets there. A tiny HTTP server on 127.0.0.1 stands in
for the attacker and records every Authorization header it receives. With the
base branch's config given as trusted config, the PR config's differing target
ends in one located `error:` line and the listener sees nothing; without it
(the control) the listener does receive the key, so the test can tell.
URL and env-name rules of reconciler.yaml are checked here too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import ReconcilerError
from tests.helpers import run_cli

KEY, SECRET = "prod-key", "PROD-SECRET"
CREDENTIALS = {"LOCALYTICS_API_KEY": KEY, "LOCALYTICS_API_SECRET": SECRET}
TRUSTED_URL = "https://dashboard.localytics.invalid/api/v6"


class Listener:
    """An HTTP server that records Authorization headers and answers `[]`."""

    def __init__(self) -> None:
        seen: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                seen.append(self.headers.get("Authorization", ""))
                body = b"[]"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.seen = seen
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v6"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    lst.thread.start()
    yield lst
    lst.server.shutdown()
    lst.server.server_close()


def env_yaml(api_url: str, org_id: int = 12345, app_id: str = "live-app",
             name: str = "production") -> str:
    return (f"default_env: {name}\nenvs:\n  sandbox: {{api_url: sandbox, org_id: 1, app_id: demo}}\n"
            f"  {name}:\n    api_url: {json.dumps(api_url)}\n    org_id: {org_id}\n"
            f"    app_id: {app_id}\n")


def workspace(tmp: Path, pr_config: str, trusted_config: str) -> Path:
    """base/ holds the trusted config, pr/ the pull request's config and (empty) specs."""
    (tmp / "base").mkdir()
    (tmp / "base" / "reconciler.yaml").write_text(trusted_config)
    for folder in ("pr/campaigns", "pr/audiences"):
        (tmp / folder).mkdir(parents=True)
    (tmp / "pr" / "reconciler.yaml").write_text(pr_config)
    return tmp


def plan(tmp: Path, *pre: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    return run_cli([*pre, "plan", "--config", "pr/reconciler.yaml"], cwd=tmp,
                   env={**CREDENTIALS, **(env or {})})


def test_control_without_trusted_config_the_listener_gets_the_credentials(
        tmp_path: Path, listener: Listener) -> None:
    tmp = workspace(tmp_path, env_yaml(listener.url), env_yaml(TRUSTED_URL))
    plan(tmp)
    assert listener.seen and all(h.startswith("Basic ") for h in listener.seen)


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_pr_config_pointing_at_a_listener_sends_no_credentials(
        tmp_path: Path, listener: Listener, how: str) -> None:
    tmp = workspace(tmp_path, env_yaml(listener.url), env_yaml(TRUSTED_URL))
    if how == "option":
        code, out, err = plan(tmp, "--trusted-config", "base/reconciler.yaml")
    else:
        code, out, err = plan(tmp, env={"RECONCILER_TRUSTED_CONFIG": "base/reconciler.yaml"})
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith("error: pr/reconciler.yaml:5:5: env 'production': api_url differs "
                           "from the trusted config base/reconciler.yaml"), line
    assert listener.seen == []
    assert SECRET not in out + err and KEY not in out + err


def test_another_org_or_a_new_env_gets_no_credentials(tmp_path: Path, listener: Listener) -> None:
    trusted = env_yaml(listener.url)
    tmp = workspace(tmp_path, env_yaml(listener.url, org_id=666), trusted)
    code, _, err = plan(tmp, "--trusted-config", "base/reconciler.yaml")
    assert code == 1 and "org_id differs from the trusted config" in err, err
    (tmp / "pr" / "reconciler.yaml").write_text(env_yaml(listener.url, name="evil"))
    code, _, err = plan(tmp, "--trusted-config", "base/reconciler.yaml")
    assert code == 1 and "env 'evil' is not in the trusted config" in err, err
    assert listener.seen == []


def test_a_pr_config_with_the_trusted_target_plans_and_may_change_the_rest(
        tmp_path: Path, listener: Listener) -> None:
    trusted = env_yaml(listener.url)
    pr = trusted + "    prune: true\n    vars: {deep_link_scheme: myapp}\n"
    tmp = workspace(tmp_path, pr, trusted)
    code, out, err = plan(tmp, "--trusted-config", "base/reconciler.yaml")
    assert "differs" not in err and listener.seen, (code, err)


def test_the_embedded_sandbox_needs_no_trust(tmp_path: Path) -> None:
    tmp = workspace(tmp_path, env_yaml(TRUSTED_URL, name="mine"), env_yaml(TRUSTED_URL))
    code, _, err = run_cli(["--trusted-config", "base/reconciler.yaml", "plan", "--config",
                            "pr/reconciler.yaml", "--env", "sandbox"], cwd=tmp)
    assert code == 0, err


def test_a_missing_trusted_config_is_one_line(tmp_path: Path) -> None:
    tmp = workspace(tmp_path, env_yaml(TRUSTED_URL), env_yaml(TRUSTED_URL))
    code, _, err = plan(tmp, "--trusted-config", "base/nope.yaml")
    assert code == 1 and err.splitlines() == [
        "error: base/nope.yaml: trusted config not found "
        "(RECONCILER_TRUSTED_CONFIG or --trusted-config)"]


# --- URL and env-name rules -------------------------------------------------

def config_errors(tmp: Path, text: str) -> list[str]:
    """The error lines load_config gives for `text` (in process: these are many cases)."""
    (tmp / "reconciler.yaml").write_text(text)
    try:
        load_config(tmp / "reconciler.yaml", "sandbox")
    except ReconcilerError as e:
        return [line.replace(str(tmp) + "/", "") for line in e.lines()]
    return []


@pytest.mark.parametrize(("url", "message"), [
    ("http://evil.example/api/v6", "must use https"),
    ("http://10.0.0.1/api/v6", "must use https"),
    ("https://a.example:70000/api/v6", "invalid port"),
    ("https://a.example/api/v6?x=1", "query string"),
    ("https://a.example/api/v6#top", "fragment"),
    ("https://key:secret@a.example/api/v6", "must not hold credentials"),
    ("https://a.example/api/v6\nX-Injected: 1", "control characters"),
    ("ftp://a.example/api", "https:// URL"),
    ("https:///api", "https:// URL"),
])
def test_unsafe_urls_are_one_located_line(tmp_path: Path, url: str, message: str) -> None:
    as_push = env_yaml("https://ok.example/api/v6") + f"    push_api_url: {json.dumps(url)}\n"
    for field, text, line_no in (("api_url", env_yaml(url), 5), ("push_api_url", as_push, 8)):
        (line,) = config_errors(tmp_path, text)
        assert line.startswith(f"error: reconciler.yaml:{line_no}:5: "), line
        assert message in line and field in line, line


def test_the_cli_reports_an_unsafe_url_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(env_yaml("http://evil.example/api/v6"))
    code, out, err = run_cli(["validate"], cwd=tmp_path)
    assert code == 1 and out == "" and err.splitlines() == [
        "error: reconciler.yaml:5:5: envs.production.api_url: must use https (http:// only to "
        "this machine: 127.0.0.1, ::1 or localhost), e.g. https://dashboard.localytics.com/api/v6"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8400/api/v6", "http://127.9.9.9/api",
                                 "http://[::1]:8400/api/v6", "http://localhost:1/api",
                                 "https://dashboard.localytics.com/api/v6/"])
def test_https_and_loopback_http_are_accepted(tmp_path: Path, url: str) -> None:
    assert config_errors(tmp_path, env_yaml(url)) == []


@pytest.mark.parametrize("name", ["../../x", "Prod", "a\\nb::error::x", "-x", "a.b", "x" * 64])
def test_unsafe_env_names_are_refused(tmp_path: Path, name: str) -> None:
    text = f'envs:\n  "{name}": {{api_url: sandbox, org_id: 1, app_id: demo}}\n'
    (line,) = config_errors(tmp_path, text)
    assert line.startswith("error: reconciler.yaml:2:3: env name "), line
    assert "is not allowed: use 1-63 lowercase letters" in line and "\n" not in line


def test_the_target_is_every_url_and_identity_of_any_platform() -> None:
    """Fields are matched by name, so a platform's new URL or account id is covered too."""
    from reconciler.config.trust import target_fields, target_key
    from reconciler.registry import platform

    env = platform("localytics").env_model(
        api_url="https://a.example/api", push_api_url="https://m.example", org_id=5,
        app_id="app", vars={"x": 1}, prune=True)
    assert set(target_fields(env)) == {"provider", "api_url", "push_api_url", "org_id",
                                       "app_id"}
    stream = platform("stream").env_model(provider="stream", api_url="https://chat.example",
                                          api_key="k 1")
    assert target_fields(stream)["api_key"] == "k 1"
    assert target_key(stream) == "stream-k_1"
    assert target_key(env) == "localytics-app-5"
