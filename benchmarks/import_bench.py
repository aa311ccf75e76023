"""`reconciler import --all` of a large app in a served sandbox: figures, not asserts.

    python benchmarks/import_bench.py [--json] [N ...]   # default: 500 5000 campaigns

For each N it seeds N campaigns (plus 20 audiences) directly through the API, runs
`reconciler import --all` into an empty repo and reports wall time, files written,
and the import process's peak RSS (os.wait4 rusage, this process only). Memory is
flat when the 5,000-campaign peak is close to the 500-campaign one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import seed_campaigns, served, table, write_repo  # noqa: E402


def run_measured(root: Path, *args: str) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS in MiB, exit code, stderr) of one CLI run."""
    env = {**os.environ, "LOCALYTICS_API_KEY": "sandbox", "LOCALYTICS_API_SECRET": "sandbox",
           "NO_COLOR": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", *args], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss // 1024, proc.returncode, err


def bench(tmp: Path, n: int) -> dict[str, float]:
    app = f"import-{n}"
    with served(tmp / f"{app}.db") as server:
        server.new_app(app)
        with httpx.Client(auth=("sandbox", "sandbox"), timeout=60) as c:
            for i in range(20):
                c.post(f"{server.api_url}/orgs/1/apps/{app}/audiences", json={
                    "name": f"Audience {i}", "target_rules": {
                        "targeting_type": "install_id", "profile": {"operator": "and", "criteria": [
                            {"key": "country", "scope": "org", "operator": "is one of",
                             "values": ["US"]}]}}}).raise_for_status()
        seed_campaigns(server, app, [f"Campaign {i} {{{{ promo }}}}" for i in range(n)])
        root = tmp / f"repo-{n}"
        write_repo(root, server.api_url, app)
        server.reset_stats()
        wall, rss, code, err = run_measured(root, "import", "--all")
        assert code == 0, err
        requests = server.stats()["total"]
    files = sum(1 for _ in (root / "campaigns").glob("*.yaml"))
    return {"campaigns": n, "files": files, "requests": requests, "wall_s": round(wall, 2),
            "per_campaign_ms": round(wall / n * 1000, 2), "peak_rss_mib": rss}


def main() -> None:
    as_json = "--json" in sys.argv
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [500, 5000]
    with tempfile.TemporaryDirectory() as d:
        results = [bench(Path(d), n) for n in sizes]
    if as_json:
        print(json.dumps(results, indent=2))
        return
    rows = [("campaigns", "wall", "per campaign", "peak RSS")]
    rows += [(f"{r['campaigns']:,} ({r['requests']:,} requests)", f"{r['wall_s']} s",
              f"{r['per_campaign_ms']} ms", f"{r['peak_rss_mib']} MiB") for r in results]
    print(table(rows))


if __name__ == "__main__":
    main()
