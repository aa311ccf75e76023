"""Plan and apply against a served sandbox with 50 ms latency: figures, not asserts.

    python benchmarks/plan_apply_bench.py [--json]

1. plan of 200 managed + 400 unmanaged campaigns: request count against the
   bound ceil((N+M)/per_page) list calls + N detail calls (+1 audience list,
   +1 empty page that proves the listing complete), and wall time.
2. apply of 500 campaign creates at concurrency 8: apply-phase wall vs the
   ideal 500 x 50 ms / 8.
3. the same 500 creates against --rate-limit 20: wall vs 500 / 20 s, with
   zero failures and zero duplicates.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import (  # noqa: E402
    campaign_yaml,
    cli,
    journal_span,
    seed_campaigns,
    served,
    table,
    write_repo,
)

LATENCY = 0.050
PER_PAGE = 1000


def bench_plan(tmp: Path) -> dict[str, float]:
    managed, unmanaged = 200, 400
    with served(tmp / "plan.db", latency_ms=50) as server:
        server.new_app("plan-bench")
        seed_campaigns(server, "plan-bench", [f"Managed {i}" for i in range(managed)]
                       + [f"Unmanaged {i}" for i in range(unmanaged)])
        root = tmp / "plan-repo"
        write_repo(root, server.api_url, "plan-bench")
        for i in range(managed):
            (root / "campaigns" / f"m{i}.yaml").write_text(campaign_yaml(f"Managed {i}"))
        server.reset_stats()
        wall, proc = cli(root, "plan", "--format", "json")
        assert proc.returncode == 0, proc.stderr
        requests = server.stats()["total"]
    # +1 audience list, +1 the empty page after the last (the guard against a
    # total_records that lies low; fetched alongside, so no extra round trip)
    bound = math.ceil((managed + unmanaged) / PER_PAGE) + 1 + 1 + managed
    ideal = requests * LATENCY / 8
    return {"requests": requests, "request_bound": bound, "wall_s": wall, "ideal_s": ideal}


def bench_apply(tmp: Path, name: str, n: int, **flags: Any) -> dict[str, float]:
    with served(tmp / f"{name}.db", latency_ms=50, **flags) as server:
        server.new_app(name)
        root = tmp / f"{name}-repo"
        write_repo(root, server.api_url, name)
        for i in range(n):
            (root / "campaigns" / f"c{i}.yaml").write_text(campaign_yaml(f"Campaign {i}"))
        wall, proc = cli(root, "apply", "--auto-approve", "--format", "json")
        report = json.loads(proc.stdout) if proc.stdout.strip() else {"summary": {}}
        listing = httpx.get(
            f"{server.api_url}/orgs/1/apps/{name}/campaigns",
            params={"per_page": 1000}, auth=("sandbox", "sandbox"), timeout=60,
        ).json()["campaigns"]
    dupes = sum(k - 1 for k in Counter(c["name"] for c in listing).values() if k > 1)
    return {"wall_s": wall, "apply_phase_s": journal_span(root), "live": len(listing),
            "duplicates": dupes, **{f"n_{k}": v for k, v in report["summary"].items()}}


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        plan = bench_plan(tmp)
        fast = bench_apply(tmp, "apply-bench", 500)
        limited = bench_apply(tmp, "ratelimit-bench", 500, rate_limit=20)
    ideal_apply = 500 * LATENCY / 8
    results = {
        "plan": plan,
        "apply": {**fast, "ideal_s": ideal_apply, "ratio": fast["apply_phase_s"] / ideal_apply},
        "apply_rate_limited": {**limited, "ideal_s": 25.0,
                               "ratio": limited["apply_phase_s"] / 25.0},
    }
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
        return
    rows = [("measure", "figure", "target", "")]
    rows.append(("plan requests (200 managed + 400 unmanaged)",
                 f"{plan['requests']}", f"<= {plan['request_bound']}",
                 "ok" if plan["requests"] <= plan["request_bound"] else "MISSED"))
    rows.append(("plan wall (whole process)", f"{plan['wall_s']:.2f} s",
                 f"ideal {plan['ideal_s']:.2f} s", ""))
    a = results["apply"]
    rows.append(("apply 500 creates, apply phase / ideal", f"{a['ratio']:.2f}x "
                 f"({a['apply_phase_s']:.2f} s)", "<= 1.30x", "ok" if a["ratio"] <= 1.3 else "MISSED"))
    rows.append(("apply 500 creates, whole process", f"{a['wall_s']:.2f} s", "", ""))
    r = results["apply_rate_limited"]
    rows.append(("apply 500 at --rate-limit 20 / (500/20 s)", f"{r['ratio']:.2f}x "
                 f"({r['apply_phase_s']:.2f} s)", "<= 1.20x", "ok" if r["ratio"] <= 1.2 else "MISSED"))
    rows.append(("  failed / duplicates", f"{r.get('n_failed', '?')} / {r['duplicates']}",
                 "0 / 0", "ok" if r.get("n_failed") == 0 and r["duplicates"] == 0 else "MISSED"))
    print(table(rows))


if __name__ == "__main__":
    main()
