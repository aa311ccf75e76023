"""The region-host rule of platforms that serve one API per region (Smartech, Airship),
through the real CLI: an env's api_url is a documented region host, a loopback URL of a
served sandbox, or one located `error:` line, before any request, so the platform's
secret never travels to a host its docs do not name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import run_cli

PLATFORMS = {
    "smartech": ({"provider": "smartech"}, "apieu.netcoresmartech.com",
                 {"SMARTECH_API_KEY": "sm-key"}, "a smartech env"),
    "airship": ({"provider": "airship", "app_key": "k" * 22}, "go.airship.eu",
                {"AIRSHIP_MASTER_SECRET": "s3cret-master"}, "an airship env"),
}


def validate(tmp_path: Path, platform: str, url: str) -> tuple[int, str]:
    env, _, secrets, _ = PLATFORMS[platform]
    (tmp_path / "reconciler.yaml").write_text(yaml.safe_dump(
        {"envs": {"e": {**env, "api_url": url}}}))
    (tmp_path / "campaigns").mkdir()
    code, out, err = run_cli(["validate"], tmp_path, env=secrets)
    return code, out + err


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("url", ["https://evil.example", "https://www.{host}",
                                 "https://{host}/other/path", "https://{host}.evil.example"])
def test_a_host_the_docs_do_not_name_is_one_located_error(
        tmp_path: Path, platform: str, url: str) -> None:
    host = PLATFORMS[platform][1]
    code, out = validate(tmp_path, platform, url.format(host=host))
    assert code == 1, out
    lines = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, out
    assert "reconciler.yaml:" in lines[0], out
    assert f"{PLATFORMS[platform][3]}'s api_url is sandbox" in lines[0], out
    assert f"https://{host} (EU)" in lines[0], out  # it lists the hosts that are allowed
    assert "Traceback" not in out


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("url", ["https://{host}", "https://{host}/",
                                 "http://127.0.0.2:9/{platform}", "http://[::1]:9/{platform}",
                                 "http://localhost:9/{platform}"])
def test_a_region_host_or_a_loopback_sandbox_is_taken(
        tmp_path: Path, platform: str, url: str) -> None:
    host = PLATFORMS[platform][1]
    code, out = validate(tmp_path, platform, url.format(host=host, platform=platform))
    assert code == 0, out
