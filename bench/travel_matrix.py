"""Benchmark: all settlements x all candidate sites on the embedded network.

The planner's engine (CSR matrix + many-source Dijkstra in scipy) against a
loop of ``networkx.single_source_dijkstra_path_length`` over the same snapped
nodes, in the same run. Prints both times, their ratio and the largest
difference between the two results.

    python bench/travel_matrix.py            # full networkx baseline (slow: minutes)
    python bench/travel_matrix.py --sample 300   # baseline on 300 sources, extrapolated

Targets (issue 2): at least 20x faster than the networkx loop, and the full
matrix in under 2 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import networkx as nx
import numpy as np

from planner.data import load_default
from planner.network import CompiledNetwork, OffNetworkLeg, snap_points, travel_matrix


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="baseline on this many candidate sources only (0 = all)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs for the engine")
    args = parser.parse_args()

    t0 = time.perf_counter()
    ds = load_default()
    load_s = time.perf_counter() - t0
    origins, destinations = ds.settlements, ds.candidates
    print(
        f"dataset loaded in {load_s:.2f} s: "
        f"{len(origins)} settlements x {len(destinations)} candidates, "
        f"{len(ds.graph)} nodes, {ds.graph.number_of_edges()} edges"
    )

    engine = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = CompiledNetwork.from_graph(ds.graph)
            ours = travel_matrix(net, origins, destinations)
        engine.append(time.perf_counter() - t0)
    ours_s = min(engine)
    print(f"planner engine (compile + snap + matrix): {ours_s:.3f} s (best of {args.repeat})")

    # Baseline: the same snapped nodes, one networkx Dijkstra per candidate on the
    # reversed graph (the cheaper side), plus the same off-network legs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        o_snap = snap_points(net, origins)
        d_snap = snap_points(net, destinations)
    leg = OffNetworkLeg()
    reverse = ds.graph.reverse(copy=False)
    cols = np.arange(len(destinations))
    if args.sample and args.sample < len(cols):
        cols = np.random.default_rng(0).choice(cols, args.sample, replace=False)
    o_nodes = o_snap["node"].to_numpy()
    o_leg = leg.cost(o_snap["snap_m"].to_numpy(float), "travel_time")
    d_leg = leg.cost(d_snap["snap_m"].to_numpy(float), "travel_time")
    base = np.full((len(origins), len(cols)), math.inf)
    t0 = time.perf_counter()
    for k, j in enumerate(cols):
        lengths = nx.single_source_dijkstra_path_length(
            reverse, int(d_snap["node"].iloc[j]), weight="travel_time"
        )
        base[:, k] = [lengths.get(int(n), math.inf) for n in o_nodes]
    nx_s = time.perf_counter() - t0
    base += o_leg[:, None] + d_leg[cols][None, :]
    scale = len(destinations) / len(cols)
    nx_full = nx_s * scale
    print(
        f"networkx loop: {nx_s:.3f} s for {len(cols)} sources"
        + (f" -> {nx_full:.1f} s extrapolated to {len(destinations)}" if scale != 1 else "")
    )

    sub = ours[:, cols]
    finite = np.isfinite(sub) & np.isfinite(base)
    same_inf = bool((np.isinf(sub) == np.isinf(base)).all())
    diff = float(np.abs(sub[finite] - base[finite]).max()) if finite.any() else 0.0
    print(f"largest difference: {diff:.3g} s; unreachable pairs agree: {same_inf}")
    print(
        f"ratio (networkx / planner): {nx_full / ours_s:.1f}x  "
        "(target >= 20x; planner target < 2 s)"
    )


if __name__ == "__main__":
    main()
