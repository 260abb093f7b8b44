"""Benchmark: how long a planner user waits (issue 11's speed targets), median of three.

Times, each ``--repeat`` times in a fresh process (cold start included, as a
user sees it):

- ``shelter-planner plan coe-minimum`` as shipped (target: at most 30 s, proven
  within 0.5 %);
- ``shelter-planner run`` (assessment and the ``coe-minimum`` plan; target: at
  most 45 s);
- the baseline measured in the same run: ``plan`` of the same scenario with
  ``solver.root_search = false`` (no final root search; the LP bound).

It prints each median, the ratio shipped / baseline, the gap each plan proves
and whether each target is met. Not a test: it takes about ten minutes and
needs the machine to itself.

The speed of a shared virtual machine drifts (the same plan has taken 28 s
and 38 s within one hour), so it also times a reference: a fixed
transportation LP solved by HiGHS on one thread, before each timed process
(the machine's pace; :data:`PACE_OF_README`, the pace when the README's
figures were measured). Compare figures only at a similar pace.

    python bench/plan_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

from planner.locate._milp import MilpBuilder, solve_milp
from planner.scenario import resolve_scenario

PLAN_TARGET_S = 30.0
RUN_TARGET_S = 45.0
GAP_TARGET = 0.005
#: Median seconds of :func:`_pace` when the README's figures were measured.
PACE_OF_README = 1.04


def _pace(n: int = 2000, m: int = 200) -> float:
    """Seconds HiGHS takes (one thread) for a fixed transportation LP: the machine's pace now."""
    rng = np.random.default_rng(0)
    supply = rng.integers(1, 20, n).astype(float)
    b = MilpBuilder()
    x = b.add_variables("x", n * m)
    for i in range(n):
        b.add_row("supply", x.cols[i * m : (i + 1) * m], 1.0, supply[i], supply[i])
    for j in range(m):
        b.add_row("capacity", x.cols[j::m], 1.0, -np.inf, 1.1 * supply.sum() / m)
    model, cost = b.build(), rng.uniform(0.0, 100.0, n * m)
    t0 = time.perf_counter()
    solve_milp(model, cost, 600.0, 0.0)
    return time.perf_counter() - t0


def _timed(args: list[str], out: Path) -> tuple[float, dict[str, object]]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "planner", *args, "--out", str(out), "--tiles", "none"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 3):
        sys.exit(f"{args} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary = out / "plan" / "summary.json" if args[0] == "run" else out / "summary.json"
    data = json.loads(summary.read_text("utf-8")) if summary.is_file() else {}
    return seconds, data


def _quick_scenario(folder: Path) -> Path:
    """The shipped coe-minimum with the root search off (the baseline)."""
    text = resolve_scenario("coe-minimum").read_text("utf-8")
    data = tomllib.loads(text)
    if "root_search" in data.get("solver", {}):
        sys.exit("coe-minimum already sets solver.root_search; adjust the baseline")
    path = folder / "coe-minimum-quick.toml"
    path.write_text(
        text.replace("[solver]", "[solver]\nroot_search = false", 1).replace(
            'name = "coe-minimum"', 'name = "coe-minimum-quick"', 1
        ),
        "utf-8",
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        quick = _quick_scenario(root)
        jobs = {
            "plan coe-minimum (shipped)": ["plan", "coe-minimum"],
            "run (assessment + plan)": ["run"],
            "baseline: plan without root search": ["plan", str(quick)],
        }
        medians: dict[str, float] = {}
        paces: list[float] = []
        for label, cmd in jobs.items():
            times, gap = [], None
            for k in range(args.repeat):
                paces.append(_pace())
                seconds, summary = _timed(cmd, root / f"{len(medians)}-{k}")
                times.append(seconds)
                gap = summary.get("mip_gap")
            medians[label] = statistics.median(times)
            print(
                f"{label}: median {medians[label]:.1f} s of {[round(t, 1) for t in times]}, "
                f"gap {gap}",
                flush=True,
            )
    print(
        f"machine pace: reference LP median {statistics.median(paces):.2f} s of "
        f"{[round(p, 2) for p in paces]} (README's figures: {PACE_OF_README:.2f} s)"
    )
    shipped = medians["plan coe-minimum (shipped)"]
    base = medians["baseline: plan without root search"]
    print(f"ratio shipped / baseline: {shipped / base:.2f}")
    run = medians["run (assessment + plan)"]
    print(
        f"targets: plan <= {PLAN_TARGET_S:g} s: {'met' if shipped <= PLAN_TARGET_S else 'NOT met'}"
        f"; run <= {RUN_TARGET_S:g} s: {'met' if run <= RUN_TARGET_S else 'NOT met'}"
        f" (gap target {GAP_TARGET:.1%}: see the gaps above)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
