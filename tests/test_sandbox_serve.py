"""`reconciler sandbox serve`: the machine-readable ready line, and the admin token that
guards `/_sandbox/` (always when given, and generated whenever the host is not loopback)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.launcher import ServedProcess, _ready, start_served
from reconciler.sandbox.server import TOKEN_HEADER, admin_token, is_loopback
from tests.helpers import run_cli

ADMIN = ("/_sandbox/stats", "/stream/_sandbox/starts?api_key=k",
         "/smartech/_sandbox/executions?api_key=k")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    served = start_served(tmp_path_factory.mktemp("guarded") / "sandbox.db",
                          admin_token="t0ken-for-tests", ports={"stream": 0})
    try:
        yield served
    finally:
        served.stop()


def test_the_ready_line_names_every_platforms_url_and_the_token(guarded: ServedProcess) -> None:
    assert set(guarded.urls) == {"localytics", "stream", "smartech", "airship"}
    assert guarded.urls["localytics"].endswith("/api/v6")
    assert guarded.urls["smartech"] == guarded.base_url + "/smartech"
    assert guarded.urls["airship"] == guarded.base_url + "/airship"
    assert guarded.url("stream") == guarded.urls["stream"] and "/stream" not in guarded.url("stream")
    assert guarded.admin_token == "t0ken-for-tests"
    campaigns = httpx.get(guarded.api_url + "/orgs/1/apps/demo-app/campaigns",
                          auth=("sandbox", "sandbox"), timeout=10)
    assert campaigns.status_code == 200  # the APIs themselves need no admin token


def test_admin_endpoints_need_the_token(guarded: ServedProcess) -> None:
    for path in ADMIN:
        bare = httpx.get(guarded.base_url + path, timeout=10)
        wrong = httpx.get(guarded.base_url + path, headers={TOKEN_HEADER: "guess"}, timeout=10)
        right = httpx.get(guarded.base_url + path, headers={TOKEN_HEADER: "t0ken-for-tests"},
                          timeout=10)
        assert (bare.status_code, wrong.status_code, right.status_code) == (401, 401, 200), path
    port = httpx.post(guarded.url("stream") + "/_sandbox/config", json={"api_key": "k"}, timeout=10)
    assert port.status_code == 401  # the Stream port's knobs too
    reset = httpx.post(guarded.base_url + "/_sandbox/stats/reset", timeout=10)
    assert reset.status_code == 401


def test_sandbox_sent_reads_a_guarded_sandbox_with_its_token(guarded: ServedProcess,
                                                              tmp_path: Path) -> None:
    args = ["sandbox", "sent", "--url", guarded.base_url, "--json"]
    code, out, err = run_cli([*args, "--admin-token", "t0ken-for-tests"], tmp_path)
    assert (code, out.strip()) == (0, "[]"), err
    code, out, err = run_cli(args, tmp_path)
    assert code == 1 and err.startswith("error: ") and "401" in err and "Traceback" not in err


def test_beyond_loopback_a_token_is_made_and_on_loopback_none_is_needed() -> None:
    assert [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "127.0.0.2")] == [True] * 4
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.1", "example.test")] == [
        False] * 4
    assert admin_token("127.0.0.1", None) is None
    made = admin_token("0.0.0.0", None)
    assert made and len(made) >= 24 and made != admin_token("0.0.0.0", None)
    assert admin_token("0.0.0.0", "mine") == "mine"


def test_a_non_loopback_host_warns_before_anything_else(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails after the warning,
    # so no port is ever opened beyond loopback.
    code, out, err = run_cli(["sandbox", "serve", "--host", "192.0.2.1", "--port", "0",
                              "--db", str(tmp_path / "s.db")], tmp_path)
    lines = err.strip().splitlines()
    assert code == 1 and out == ""
    assert lines[0].startswith("warning: serving on 192.0.2.1, beyond loopback")
    assert "X-Sandbox-Token" in lines[0]
    assert lines[-1].startswith("error: cannot listen on 192.0.2.1:0")


def test_a_port_for_an_unknown_platform_is_one_error_line(tmp_path: Path) -> None:
    for bad in ("nowhere=0", "stream", "stream=x", "stream=70000"):
        code, out, err = run_cli(["sandbox", "serve", "--port", "0", "--db",
                                  str(tmp_path / "s.db"), "--port-for", bad], tmp_path)
        assert code == 1 and err.startswith("error: ") and "PLATFORM=PORT" in err, (bad, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s.db").exists()  # refused before anything was opened


def test_the_older_stream_port_option_still_serves_the_platform_on_its_port(
        tmp_path: Path) -> None:
    args = [sys.executable, "-m", "reconciler", "sandbox", "serve", "--host", "127.0.0.1",
            "--port", "0", "--db", str(tmp_path / "s.db"), "--stream-port", "0"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    served = ServedProcess(api_url="", process=process)
    try:
        assert process.stdout is not None
        ready = _ready(process.stdout)
        assert ready is not None
        own = ready["stream"]
        assert own.startswith("http://127.0.0.1:") and "/stream" not in own
        assert httpx.get(own + "/_sandbox/starts?api_key=k", timeout=10).status_code == 200
    finally:
        served.stop()
    code, out, _ = run_cli(["sandbox", "serve", "--help"], tmp_path)
    assert code == 0 and "--port-for" in out and "--stream-port" not in out
