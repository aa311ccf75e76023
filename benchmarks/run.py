"""`make bench`: every performance target of reconciler, measured in one run.

Figures are ratios against ideals measured in the same run, because the
machines here are noisy. Nothing is asserted: targets that are missed say
MISSED. `--json` prints the figures for machines. `--quick` shrinks the sizes
(for a smoke run; its figures are not the targets').

1. plan: 1,000 managed campaigns + 200 audiences with 2,000 unmanaged live,
   at concurrency 8 behind 50 ms latency: wall / ideal, where ideal =
   requests x 50 ms / 8; request count; speed-up over concurrency 1.
2. the same no-change re-plan with the live cache: / the uncached plan.
3. apply of 1,000 creates against --rate-limit 50: / (1,000 / 50 s).
4. validate of 1,200 specs (whole process) and `reconciler --help`.
5. peak RSS of a plan over 10,000 live objects; plan time from 1k to 10k.
6. time to first plan: `make plan` in a fresh clone (new venv; the package
   caches of uv/pip are whatever this machine has).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import (  # noqa: E402
    audience_yaml,
    campaign_yaml,
    cli,
    journal_span,
    seed_campaigns,
    served,
    table,
    write_repo,
)

LATENCY = 0.050
QUICK = "--quick" in sys.argv
SCALE = 10 if QUICK else 1


def repo_with(root: Path, api_url: str, app: str, campaigns: int, audiences: int,
              concurrency: int = 8) -> None:
    write_repo(root, api_url, app, concurrency)
    for i in range(audiences):
        (root / "audiences" / f"a{i}.yaml").write_text(audience_yaml(f"Audience {i}"))
    for i in range(campaigns):
        key = f"a{i % audiences}" if audiences else None
        (root / "campaigns" / f"c{i}.yaml").write_text(campaign_yaml(f"Campaign {i}", key))


def set_concurrency(root: Path, n: int) -> None:
    path = root / "reconciler.yaml"
    text = path.read_text()
    path.write_text("\n".join(
        f"    concurrency: {n}" if line.strip().startswith("concurrency:") else line
        for line in text.splitlines()) + "\n")


def bench_plan(tmp: Path) -> dict[str, float]:
    managed, audiences, unmanaged = 1000 // SCALE, 200 // SCALE, 2000 // SCALE
    with served(tmp / "plan.db", latency_ms=50) as server:
        server.new_app("plan")
        root = tmp / "plan"
        repo_with(root, server.api_url, "plan", managed, audiences)
        seed_campaigns(server, "plan", [f"Unmanaged {i}" for i in range(unmanaged)])
        set_concurrency(root, 32)
        _, proc = cli(root, "apply", "--auto-approve", "--format", "json")  # create the managed
        assert proc.returncode == 0, proc.stderr
        set_concurrency(root, 8)
        cli(root, "validate")  # warm the spec parse cache, as a second run would be
        server.reset_stats()
        wall, proc = cli(root, "plan", "--format", "json")
        assert proc.returncode == 0, proc.stderr
        requests = server.stats()["total"]
        cli(root, "plan", "--cache")  # fill the live cache
        cached, proc = cli(root, "plan", "--cache", "--detailed-exitcode")
        assert proc.returncode == 0, proc.stderr
        set_concurrency(root, 1)
        serial, _ = cli(root, "plan")
    ideal = requests * LATENCY / 8
    return {"requests": requests, "wall_s": wall, "ideal_s": ideal, "ratio": wall / ideal,
            "serial_s": serial, "speedup": serial / wall, "cached_s": cached,
            "cached_ratio": cached / wall}


def bench_rate_limited_apply(tmp: Path) -> dict[str, float]:
    n = 1000 // SCALE
    with served(tmp / "rl.db", rate_limit=50) as server:
        server.new_app("rl")
        root = tmp / "rl"
        repo_with(root, server.api_url, "rl", n, 0)
        wall, proc = cli(root, "apply", "--auto-approve", "--format", "json")
        report = json.loads(proc.stdout)
        import httpx

        listing = httpx.get(f"{server.api_url}/orgs/1/apps/rl/campaigns",
                            params={"per_page": 1000}, auth=("sandbox", "sandbox"),
                            timeout=60).json()["campaigns"]
    ideal = n / 50
    dupes = sum(k - 1 for k in Counter(c["name"] for c in listing).values() if k > 1)
    span = journal_span(root)
    return {"wall_s": wall, "apply_phase_s": span, "ideal_s": ideal, "ratio": span / ideal,
            "failed": report["summary"]["failed"], "duplicates": dupes}


def bench_validate(tmp: Path) -> dict[str, float]:
    root = tmp / "validate"
    repo_with(root, "sandbox", "x", 1000 // SCALE, 200 // SCALE)
    cold = []
    for _ in range(3):
        wall, proc = cli(root, "validate", env={"RECONCILER_NO_CACHE": "1"})
        assert proc.returncode == 0, proc.stderr
        cold.append(wall)
    warm = min(cli(root, "validate")[0] for _ in range(3))
    helps = min(cli(root, "--help")[0] for _ in range(3))
    return {"validate_cold_s": min(cold), "validate_warm_s": warm, "help_s": helps}


def plan_rss(tmp: Path, n: int) -> tuple[float, float]:
    """(wall, peak RSS MB) of a plan over n live managed campaigns, no latency."""
    with served(tmp / f"rss{n}.db") as server:
        server.new_app("rss")
        root = tmp / f"rss{n}"
        repo_with(root, server.api_url, "rss", n, 0)
        seed_campaigns(server, "rss", [f"Campaign {i}" for i in range(n)])
        cli(root, "validate")
        env = {"LOCALYTICS_API_KEY": "sandbox", "LOCALYTICS_API_SECRET": "sandbox"}
        code = ("import resource,runpy,sys,time;sys.argv=['reconciler','plan','--format','json'];"
                "t=time.perf_counter()\ntry:\n runpy.run_module('reconciler',run_name='__main__')\n"
                "except SystemExit:\n pass\n"
                "sys.stderr.write('%f %d\\n'%(time.perf_counter()-t,"
                "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))")
        import os

        proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                              text=True, env={**os.environ, **env})
        wall, rss_kb = proc.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss_kb) / 1024


def bench_first_plan(tmp: Path) -> float:
    """Seconds for `make plan` in a fresh clone of HEAD: venv, install, validate, plan."""
    root = Path(__file__).resolve().parents[1]
    fresh = tmp / "fresh"
    subprocess.run(["git", "clone", "-q", str(root), str(fresh)], check=True)
    t0 = time.perf_counter()
    subprocess.run(["make", "plan"], cwd=fresh, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        plan = bench_plan(tmp)
        rl = bench_rate_limited_apply(tmp)
        val = bench_validate(tmp)
        small_wall, small_rss = plan_rss(tmp, 1000 // SCALE)
        big_wall, big_rss = plan_rss(tmp, 10000 // SCALE)
        first_plan = bench_first_plan(tmp)
    results = {
        "plan": plan, "apply_rate_limited": rl, "validate": val,
        "scale": {"plan_1k_s": small_wall, "plan_10k_s": big_wall,
                  "growth": big_wall / small_wall, "rss_1k_mb": small_rss,
                  "rss_10k_mb": big_rss},
        "first_plan_s": first_plan,
        "total_s": time.perf_counter() - start,
        "quick": QUICK,
    }
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
        return
    s = results["scale"]

    def ok(good: bool) -> str:
        return "ok" if good else "MISSED"

    rows = [("measure", "figure", "target", "")]
    rows += [
        ("1. plan 1k+200 (2k unmanaged) / ideal", f"{plan['ratio']:.2f}x ({plan['wall_s']:.2f} s,"
         f" {plan['requests']} requests)", "<= 1.25x", ok(plan["ratio"] <= 1.25)),
        ("   speed-up over concurrency 1", f"{plan['speedup']:.1f}x ({plan['serial_s']:.1f} s)",
         "", ""),
        ("2. cached no-change re-plan / uncached", f"{plan['cached_ratio']:.2f}x "
         f"({plan['cached_s']:.2f} s)", "<= 0.30x", ok(plan["cached_ratio"] <= 0.3)),
        ("3. apply 1k at --rate-limit 50 / 20 s", f"{rl['ratio']:.2f}x ({rl['apply_phase_s']:.1f}"
         f" s; process {rl['wall_s']:.1f} s)", "<= 1.15x", ok(rl["ratio"] <= 1.15)),
        ("   failed / duplicates", f"{rl['failed']} / {rl['duplicates']}", "0 / 0",
         ok(rl["failed"] == 0 and rl["duplicates"] == 0)),
        ("4. validate 1,200 specs, cold (no cache)", f"{val['validate_cold_s']:.2f} s", "<= 1.0 s",
         ok(val["validate_cold_s"] <= 1.0)),
        ("   validate, warm parse cache", f"{val['validate_warm_s']:.2f} s", "<= 1.0 s",
         ok(val["validate_warm_s"] <= 1.0)),
        ("   reconciler --help", f"{val['help_s']:.2f} s", "<= 0.3 s", ok(val["help_s"] <= 0.3)),
        ("5. peak RSS, plan over 10k live", f"{s['rss_10k_mb']:.0f} MB (1k: {s['rss_1k_mb']:.0f})",
         "<= 300 MB", ok(s["rss_10k_mb"] <= 300)),
        ("   plan time 10k / 1k", f"{s['growth']:.1f}x ({s['plan_1k_s']:.2f} s → "
         f"{s['plan_10k_s']:.2f} s)", "~10x (linear)", ok(s["growth"] <= 12)),
        ("6. first `make plan` in a fresh clone", f"{first_plan:.1f} s", "<= 15 s",
         ok(first_plan <= 15)),
    ]
    print(table(rows))
    print(f"\n(total {results['total_s']:.0f} s{', QUICK sizes' if QUICK else ''})")


if __name__ == "__main__":
    main()
