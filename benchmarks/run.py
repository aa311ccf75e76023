"""`make bench`: every performance target of reconciler, measured in one run.

Figures are ratios against ideals measured in the same run, because the
machines here are noisy. Nothing is asserted: targets that are missed say
MISSED. `--json` prints the figures for machines. `--quick` shrinks the sizes
(for a smoke run; its figures are not the targets').

1. plan: 1,000 managed campaigns + 200 audiences with 2,000 unmanaged live,
   at concurrency 8 behind 50 ms latency: wall / ideal, where ideal =
   requests x 50 ms / 8; request count; speed-up over concurrency 1; the floor: a
   bare httpx client making the same listing and reads (benchmarks/floor_bench.py);
   the reach: the floor plus the start-up of Python with the stack's libraries
   imported, the least any plan built on them can read on this machine.
2. the same no-change re-plan with the live cache: / the uncached plan.
3. apply of 1,000 creates against --rate-limit 50: / (1,000 / 50 s).
4. validate of 1,200 specs (whole process) and `reconciler --help`.
5. peak RSS of a plan over 10,000 live objects; plan time from 1k to 10k.
6. time to first plan: `make plan` in a fresh clone (new venv; the package
   caches of uv/pip are whatever this machine has).
7. Stream and Smartech: apply of 1,000 objects and the no-change plan after it,
   at 50 ms latency and concurrency 8: wall / ideal (benchmarks/platform_bench.py);
   the floor: the apply's own requests sent again by a bare httpx client to a fresh
   sandbox (benchmarks/replay_floor.py); the reach: that floor plus the stack's start-up.
9. `stop --all-live` of 200 live Stream campaigns at 50 ms and concurrency 8: wall /
   ideal, where ideal = (one stop + one read-back each) x 50 ms / 8
   (benchmarks/stop_bench.py).

Each figure is printed beside the last one kept in benchmarks/baseline.json,
marked REGRESSED when more than 15 % worse; a full-size run writes its figures
there (`--no-save` keeps the file). `--only plan,validate` runs some groups
(plan, apply, validate, scale, first_plan, stream, smartech, stop); `--list` names them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import (  # noqa: E402
    audience_yaml,
    bench_env,
    campaign_yaml,
    cli,
    journal_span,
    seed_campaigns,
    served,
    write_repo,
)
from benchmarks.floor_bench import bench_floor  # noqa: E402
from benchmarks.platform_bench import bench_platform  # noqa: E402
from benchmarks.report import Figure, compare, load_baseline, save_baseline  # noqa: E402
from benchmarks.stop_bench import bench_stop  # noqa: E402

LATENCY = 0.050
QUICK = "--quick" in sys.argv
SCALE = 10 if QUICK else 1
# Runs of each figure judged against a ratio target within a few per cent of it (plan,
# Stream and Smartech apply): their median is the figure, since one run of a figure
# that moves 1-2 % from run to run on a 2-core machine cannot tell 1.10x from 1.11x.
RUNS = 1 if QUICK else 3


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
        walls, counts = [], set()
        for _ in range(RUNS):  # the same plan again: the median of a noisy figure
            server.reset_stats()
            wall, proc = cli(root, "plan", "--format", "json")
            assert proc.returncode == 0, proc.stderr
            walls.append(wall)
            counts.add(server.stats()["total"])
        assert len(counts) == 1, counts  # every run made the same requests
        requests, wall = counts.pop(), statistics.median(walls)
        floor = bench_floor(server, "plan", managed)
        cli(root, "plan", "--cache")  # fill the live cache
        cached, proc = cli(root, "plan", "--cache", "--detailed-exitcode")
        assert proc.returncode == 0, proc.stderr
        set_concurrency(root, 1)
        serial, _ = cli(root, "plan")
    ideal = requests * LATENCY / 8
    return {"requests": requests, "wall_s": wall, "walls": walls, "ideal_s": ideal,
            "ratio": wall / ideal,
            "serial_s": serial, "speedup": serial / wall, "cached_s": cached,
            "cached_ratio": cached / wall, **floor}


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
        proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                              text=True, env=bench_env(env))
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


def bench_scale(tmp: Path) -> dict[str, float]:
    small_wall, small_rss = plan_rss(tmp, 1000 // SCALE)
    big_wall, big_rss = plan_rss(tmp, 10000 // SCALE)
    return {"plan_1k_s": small_wall, "plan_10k_s": big_wall, "growth": big_wall / small_wall,
            "rss_1k_mb": small_rss, "rss_10k_mb": big_rss}


GROUPS = {
    "plan": bench_plan,
    "apply": bench_rate_limited_apply,
    "validate": bench_validate,
    "scale": bench_scale,
    "first_plan": lambda tmp: {"s": bench_first_plan(tmp)},
    "stream": lambda tmp: bench_platform(tmp, "stream", 1000 // SCALE, RUNS),
    "smartech": lambda tmp: bench_platform(tmp, "smartech", 1000 // SCALE, RUNS),
    "stop": lambda tmp: bench_stop(tmp, 200 // SCALE),
}


def figures(r: dict[str, dict[str, float]]) -> list[Figure]:
    """Every figure of the groups that ran, with its target (None: shown, not judged)."""
    out: list[Figure] = []
    if p := r.get("plan"):
        out += [
            Figure("plan.ratio", "1. plan 1k+200 (2k unmanaged) / ideal", p["ratio"], "x", 1.10,
                   f"{p['wall_s']:.2f} s, {p['requests']} requests; {_runs(p['walls'])}"),
            Figure("plan.floor_ratio", "   floor: a bare httpx client's requests / ideal",
                   p["floor_ratio"], "x", None,
                   f"{p['floor_s']:.2f} s from first request to last answer, "
                   f"{p['floor_requests']} requests"),
            Figure("plan.reach_ratio", "   reach: the floor + the stack's start-up / ideal",
                   p["reach_ratio"], "x", None,
                   f"start-up of Python with httpx, asyncio and pydantic imported: "
                   f"{p['stack_start_s']:.2f} s; the least a plan on this stack can read here"),
            Figure("plan.speedup", "   speed-up over concurrency 1", p["speedup"], "x", None,
                   f"{p['serial_s']:.1f} s", higher_is_better=True),
            Figure("plan.cached_ratio", "2. cached no-change re-plan / uncached",
                   p["cached_ratio"], "x", 0.10, f"{p['cached_s']:.2f} s"),
        ]
    if a := r.get("apply"):
        out += [
            Figure("apply.ratio", "3. apply 1k at --rate-limit 50 / 20 s", a["ratio"], "x", 1.05,
                   f"{a['apply_phase_s']:.1f} s; process {a['wall_s']:.1f} s"),
            Figure("apply.failed_or_duplicate", "   failed + duplicates",
                   a["failed"] + a["duplicates"], "", 0),
        ]
    if v := r.get("validate"):
        out += [
            Figure("validate.cold_s", "4. validate 1,200 specs, cold (no cache)",
                   v["validate_cold_s"], " s", 0.30),
            Figure("validate.warm_s", "   validate, warm parse cache", v["validate_warm_s"], " s",
                   0.20),
            Figure("validate.help_s", "   reconciler --help", v["help_s"], " s", 0.10),
        ]
    if s := r.get("scale"):
        out += [
            Figure("scale.rss_10k_mb", "5. peak RSS, plan over 10k live", s["rss_10k_mb"], " MB",
                   200, f"1k: {s['rss_1k_mb']:.0f} MB"),
            Figure("scale.growth", "   plan time 10k / 1k", s["growth"], "x", 11,
                   f"{s['plan_1k_s']:.2f} s -> {s['plan_10k_s']:.2f} s"),
        ]
    if f := r.get("first_plan"):
        out.append(Figure("first_plan.s", "6. first `make plan` in a fresh clone", f["s"], " s",
                          15))
    for n, platform in ((7, "stream"), (8, "smartech")):
        if q := r.get(platform):
            out += [
                Figure(f"{platform}.apply_ratio", f"{n}. {platform} apply 1k / ideal",
                       q["apply_ratio"], "x", 1.10,
                       f"{q['apply_s']:.2f} s, {q['apply_requests']} requests; "
                       f"{_runs(q['apply_ratios'], 'x')}"),
                Figure(f"{platform}.floor_ratio",
                       "   floor: the apply's requests, a bare httpx client / ideal",
                       q["floor_ratio"], "x", None,
                       f"{q['floor_s']:.2f} s from first request to last answer, "
                       f"{q['floor_requests']} requests, {q['floor_failed']} refused"),
                Figure(f"{platform}.reach_ratio", "   reach: the floor + the stack's start-up / ideal",
                       q["reach_ratio"], "x", None,
                       f"start-up {q['stack_start_s']:.2f} s; the least an apply on this "
                       "stack can read here"),
                Figure(f"{platform}.plan_ratio", f"   {platform} no-change plan / ideal",
                       q["plan_ratio"], "x", None,
                       f"{q['plan_s']:.2f} s, {q['plan_requests']} requests"),
            ]
    if t := r.get("stop"):
        out.append(Figure("stop.ratio", "9. stop --all-live, 200 live Stream campaigns / ideal",
                          t["ratio"], "x", 1.20,
                          f"{t['s']:.2f} s, {t['requests']} requests, ideal {t['ideal_s']:.2f} s"))
    return out


def _runs(values: list[float], unit: str = " s") -> str:
    """The runs a median was taken of, in the order they ran."""
    if len(values) < 2:
        return "one run"
    return f"median of {len(values)}: " + ", ".join(f"{v:.2f}{unit.strip()}" for v in values)


def main() -> None:
    if "--list" in sys.argv:
        print(" ".join(GROUPS))
        return
    only = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--only=")), None)
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1]
    chosen = only.split(",") if only else list(GROUPS)
    unknown = [g for g in chosen if g not in GROUPS]
    if unknown:
        sys.exit(f"error: no benchmark group {', '.join(unknown)}; groups: {' '.join(GROUPS)}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set here; the measured reconciler processes "
              "run without it (a user's Python caches bytecode)", file=sys.stderr)
    start = time.perf_counter()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as d:
        for name in chosen:
            results[name] = GROUPS[name](Path(d))
    figs = figures(results)
    baseline = load_baseline()
    if "--json" in sys.argv:
        print(json.dumps({**results, "total_s": time.perf_counter() - start, "quick": QUICK},
                         indent=2))
    else:
        print(compare(figs, baseline))
        print(f"\n(total {time.perf_counter() - start:.0f} s{', QUICK sizes' if QUICK else ''};"
              f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    if not QUICK and "--no-save" not in sys.argv:
        save_baseline(figs, baseline)


if __name__ == "__main__":
    main()
