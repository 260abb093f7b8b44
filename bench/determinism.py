"""Benchmark: the same plan on a quiet and on a busy machine (issue 11).

Plans ``coe-minimum`` (or the scenario given) twice through the Python API:
once on a quiet machine, once while ``--busy`` other processes keep every core
busy, and compares what a ministry would read: the new sites, their sizes, the
objective, the bound and the status; with ``--scenario full-recommendations``
also the rape crisis centres and 24/7 forensic hospitals chosen (the issue's
"forensic plan's site count stable across reruns"). It prints both solve times and their
ratio (the busy run is slower, but its answer must be the same).

    python bench/determinism.py [--scenario coe-minimum] [--busy 4]

Exit status 0 when both runs give the same plan, 1 otherwise. Not a test: it
takes a few minutes and needs the machine to itself for the quiet run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
import warnings

from planner.data import load_default
from planner.planning import plan
from planner.scenario import load_scenario


def _spin(stop: float) -> None:
    x = 0
    while time.time() < stop:
        x = (x * 31 + 7) % 1_000_003


Answer = tuple[list[tuple[object, ...]], float | None, float | None, str]


def _run(name: str) -> tuple[Answer, float]:
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    p = plan(load_default(), load_scenario(name))
    seconds = time.perf_counter() - t0
    sites = p.all_sites  # shelters, and the hospital services when the scenario plans them
    new = sites.loc[sites["status"] == "new", ["service", "site_id", "capacity_places"]]
    new = new.astype(object).where(new.notna(), None)  # services have no capacity: NaN != NaN
    s = p.summary
    answer: Answer = (
        sorted(tuple(row) for row in new.to_numpy().tolist()),
        s["objective_value"],
        s["bound"],
        str(s["status"]),
    )
    return answer, seconds


def _counts(answer: Answer) -> str:
    """New sites per service, e.g. ``shelter 37, forensic_24_7 32``."""
    counts: dict[str, int] = {}
    for row in answer[0]:
        counts[str(row[0])] = counts.get(str(row[0]), 0) + 1
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="coe-minimum")
    parser.add_argument("--busy", type=int, default=4, help="busy processes in the second run")
    args = parser.parse_args()
    quiet, t_quiet = _run(args.scenario)
    print(
        f"quiet: {t_quiet:.1f} s, {quiet[3]}, objective {quiet[1]}, bound {quiet[2]}; "
        f"new sites: {_counts(quiet)}"
    )
    stop = time.time() + 3600
    workers = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for w in workers:
        w.start()
    try:
        busy, t_busy = _run(args.scenario)
    finally:
        for w in workers:
            w.terminate()
    print(
        f"busy ({args.busy} spinning processes): {t_busy:.1f} s, {busy[3]}, "
        f"objective {busy[1]}, bound {busy[2]}; new sites: {_counts(busy)}"
    )
    print(f"ratio busy/quiet: {t_busy / t_quiet:.2f}")
    same = quiet == busy
    print("same plan" if same else "DIFFERENT plans")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
