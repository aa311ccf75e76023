"""`reconciler sandbox serve` as a user runs it: flags, listening line, clean errors."""

from __future__ import annotations

import subprocess
import sys

import httpx


def test_app_flag_and_credentials(sandbox_factory) -> None:
    served = sandbox_factory(apps=[(7, "seven")], api_key="k", api_secret="s3cret")
    assert served.api_url.startswith("http://127.0.0.1:") and served.api_url.endswith("/api/v6")
    url = f"{served.api_url}/orgs/7/apps/seven/audiences"
    assert httpx.get(url, auth=("k", "s3cret")).json() == []
    assert httpx.get(url, auth=("sandbox", "sandbox")).status_code == 401
    default = f"{served.api_url}/orgs/1/apps/demo-app/audiences"  # --app adds to it
    assert httpx.get(default, auth=("k", "s3cret")).status_code == 200
    log = served.db.with_suffix(".log").read_text()
    assert "s3cret" not in log


def test_busy_port_is_one_error_line(sandbox_server) -> None:
    port = sandbox_server.base_url.rsplit(":", 1)[1]
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", port,
         "--db", str(sandbox_server.db.with_name("other.db"))],
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: cannot listen on 127.0.0.1:")
    assert "Traceback" not in done.stderr


def test_bad_app_flag_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--app", "demo"],
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 1 and "ORG:APP" in done.stderr


def test_help_does_not_import_the_server() -> None:
    code = ("import sys; from reconciler.cli.main import cli\n"
            "try:\n    cli.main(['sandbox', '--help'], standalone_mode=False)\n"
            "finally:\n    print('fastapi' in sys.modules, 'uvicorn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30)
    assert done.stdout.strip().endswith("False False"), done.stdout + done.stderr


def test_unusable_db_is_one_error_line(tmp_path) -> None:
    db = tmp_path / "garbage.db"
    db.write_text("not a database")
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", "--db", str(db)],
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: {db}: the sandbox's data is damaged or not the sandbox's (file is not a "
        "database); give another --db FILE, or delete this one")
