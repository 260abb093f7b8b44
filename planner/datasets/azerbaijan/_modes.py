"""Travel modes calibrated on published travel times (private to the Azerbaijan builder).

A :class:`planner.network.TravelMode` turns the road network's time (class
speeds of the 2021 roads) into a door-to-door time: ``time_factor`` times the
road time plus ``wait_min``. The factors are fitted on the published times of
``_reference/travel_durations.csv``:

* car: ``time_factor`` = the median, over the car rows, of published time /
  road time (no waiting), so that the median ratio of modelled to published
  time is 1;
* bus or minibus: a stated allowance of :data:`BUS_WAIT_MIN` minutes for
  waiting at the station and stops, and ``time_factor`` = the median of
  (published time - allowance) / road time, raised to the car's where it
  comes out lower (the two are fitted on different trips; a bus is no faster
  than a car on the same road, so no trip is quicker by bus).

Both are rounded to 0.01. Before that, roads are slowed where they wind
(:func:`planner.network.apply_winding`): the exponent is chosen from
:data:`WINDING_EXPONENTS` as the one whose fitted modes give the smallest
median absolute log error over all published times (a robust criterion: the
blogs include a breakdown and a rally; ties go to the weaker exponent), and
the graph keeps it. The build writes every row with its modelled time and ratio
to ``travel_calibration.csv`` and the summary (median and worst ratio per mode,
the exponent and the error before and after) to ``metadata.json``.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import InputDataError
from planner._i18n import noun
from planner.network import (
    CompiledNetwork,
    apply_winding,
    snap_points,
    travel_matrix,
    winding_multipliers,
)

__all__ = ["BUS_WAIT_MIN", "WINDING_EXPONENTS", "calibrate_modes", "read_durations"]

#: Minutes a bus or minibus trip adds for waiting at the station and stops.
BUS_WAIT_MIN = 20.0
#: Winding exponents tried (0: roads not slowed where they wind).
WINDING_EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
_WAITS = (("car", 0.0), ("bus", BUS_WAIT_MIN))
#: A published time counts only if both towns lie within this many metres of a road.
MAX_SNAP_M = 5000.0


def read_durations() -> pd.DataFrame:
    """Read the committed table of published travel times."""
    path = resources.files("planner.datasets.azerbaijan").joinpath(
        "_reference", "travel_durations.csv"
    )
    with resources.as_file(path) as file:
        table = pd.read_csv(file, comment="#", dtype=str, keep_default_na=False)
    minutes = pd.to_numeric(table["minutes"], errors="coerce")
    bad = ~np.isfinite(minutes.to_numpy(float)) | (minutes.to_numpy(float) <= 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputDataError(
            f"_reference/travel_durations.csv, data row {pos + 1}: minutes is "
            f"{table['minutes'].iloc[pos]!r}; expected a positive number"
        )
    table["minutes"] = minutes
    return table


def _points(table: pd.DataFrame, settlements: pd.DataFrame, end: str) -> pd.DataFrame:
    key = settlements.set_index(["name", "district_id"])
    rows = []
    for pos, (name, district) in enumerate(
        zip(table[f"{end}_name"], table[f"{end}_district"], strict=True)
    ):
        if (name, district) not in key.index:
            raise InputDataError(
                f"_reference/travel_durations.csv, data row {pos + 1}: no settlement "
                f"{name!r} in {district}"
            )
        found = key.loc[[(name, district)]].iloc[0]
        rows.append(found)
    return pd.DataFrame(rows).reset_index(drop=True)


def _fit(
    table: pd.DataFrame, road: np.ndarray
) -> tuple[dict[str, float], np.ndarray, dict[str, float]]:
    """Each mode's time factor on these road times, and the modelled minutes.

    Also the factors as fitted, before a bus's was raised to the car's (a bus is no faster
    than a car on the same road).
    """
    published = table["minutes"].to_numpy(float)
    factors: dict[str, float] = {}
    fitted: dict[str, float] = {}
    modelled = np.zeros(len(table))
    for name, wait in _WAITS:  # the car first: the bus's floor
        rows = (table["mode"] == name).to_numpy()
        if rows.any():
            fitted[name] = round(float(np.median((published[rows] - wait) / road[rows])), 2)
            factor = max(fitted[name], factors.get("car", 0.0)) if wait else fitted[name]
            factors[name] = factor
            modelled[rows] = road[rows] * factor + wait
    return factors, modelled, fitted


def _errors(modelled: np.ndarray, published: np.ndarray) -> dict[str, float]:
    log_ratio = np.log(modelled / published)
    return {
        "median_abs_log_error": round(float(np.median(np.abs(log_ratio))), 4),
        "rms_log_error": round(float(np.sqrt(np.mean(log_ratio**2))), 4),
    }


def _usable(
    table: pd.DataFrame, settlements: Any, graph: Any, notes: list[str]
) -> tuple[pd.DataFrame, Any, Any]:
    """Keep the published times this build can model; return them and their two ends."""
    import geopandas as gpd

    present = set(zip(settlements["name"], settlements["district_id"], strict=True))
    has = [
        (fa, fd) in present and (ta, td) in present
        for fa, fd, ta, td in zip(
            table["from_name"],
            table["from_district"],
            table["to_name"],
            table["to_district"],
            strict=True,
        )
    ]
    if not all(has):
        notes.append(
            f"travel modes: {len(has) - sum(has)} {noun(len(has) - sum(has), 'published time')} "
            f"between places not in this build {noun(len(has) - sum(has), 'was', 'were')} left "
            "out of the calibration"
        )
        table = table.loc[has].reset_index(drop=True)
    if table.empty:
        empty = gpd.GeoSeries([], crs="EPSG:4326")
        return table, empty, empty
    a, b = _points(table, settlements, "from"), _points(table, settlements, "to")
    pa = gpd.GeoSeries(a["geometry"].to_numpy(), crs="EPSG:4326")
    pb = gpd.GeoSeries(b["geometry"].to_numpy(), crs="EPSG:4326")
    # a town off this build's roads (a partial build) cannot calibrate anything
    network = CompiledNetwork.from_graph(graph)
    on_roads = (
        (snap_points(network, pa, warn_beyond_m=np.inf)["snap_m"] <= MAX_SNAP_M)
        & (snap_points(network, pb, warn_beyond_m=np.inf)["snap_m"] <= MAX_SNAP_M)
    ).to_numpy()
    if not on_roads.all():
        off = int((~on_roads).sum())
        notes.append(
            f"travel modes: {off} {noun(off, 'published time')} between towns more than "
            f"{MAX_SNAP_M / 1000:g} km from this build's roads {noun(off, 'was', 'were')} left "
            "out of the calibration"
        )
    keep = pd.Series(on_roads)
    return (
        table.loc[keep].reset_index(drop=True),
        pa.loc[keep].reset_index(drop=True),
        pb.loc[keep].reset_index(drop=True),
    )


def _pairwise(
    network: CompiledNetwork, pa: Any, pb: Any, weight: str = "travel_time"
) -> np.ndarray:
    """Each pair's road minutes (or fastest-route km): one small matrix, then its diagonal."""
    pairs = np.arange(len(pa))
    full = travel_matrix(network, pa, pb, weight=weight, warn_beyond_m=np.inf)  # type: ignore[arg-type]
    value = np.asarray(full[pairs, pairs], float) / (60 if weight == "travel_time" else 1000)
    if not np.isfinite(value).all():
        raise InputDataError("a calibration pair has no road path; check travel_durations.csv")
    return value


def _choose_winding(
    graph: Any, table: pd.DataFrame, pa: Any, pb: Any
) -> tuple[float, list[dict[str, float]]]:
    """Find the winding exponent that fits the published times best (and every error)."""
    published = table["minutes"].to_numpy(float)
    keys, multipliers = winding_multipliers(graph, WINDING_EXPONENTS)
    base = [float(graph.edges[key]["travel_time"]) for key in keys]
    scores: list[dict[str, float]] = []
    for col in range(len(WINDING_EXPONENTS)):
        for key, time, factor in zip(keys, base, multipliers[:, col].tolist(), strict=True):
            graph.edges[key]["travel_time"] = time * factor
        road = _pairwise(CompiledNetwork.from_graph(graph), pa, pb)
        scores.append(_errors(_fit(table, road)[1], published))
    for key, time in zip(keys, base, strict=True):
        graph.edges[key]["travel_time"] = time
    best = min(range(len(scores)), key=lambda c: (scores[c]["median_abs_log_error"], c))
    return WINDING_EXPONENTS[best], scores


def calibrate_modes(
    graph: Any, settlements: Any, notes: list[str]
) -> tuple[dict[str, dict[str, float]], pd.DataFrame, dict[str, Any]]:
    """Slow the winding roads and fit the car and bus modes on the published times.

    Parameters
    ----------
    graph
        The dataset's road graph (``networkx.MultiDiGraph`` with speeds);
        :func:`planner.network.apply_winding` is applied to it in place with
        the fitted exponent.
    settlements
        Settlements (GeoDataFrame with ``name``, ``district_id``, geometry).
    notes
        The calibration's summary is appended here.

    Returns
    -------
    tuple
        The modes for ``metadata.json`` (``{name: {time_factor, wait_min}}``),
        the calibration table and its summary.
    """
    table, pa, pb = _usable(read_durations(), settlements, graph, notes)
    if table.empty:
        return {}, table.drop(columns=["quoted"]), {}
    published = table["minutes"].to_numpy(float)
    exponent, scores = _choose_winding(graph, table, pa, pb)
    apply_winding(graph, exponent=exponent)
    network = CompiledNetwork.from_graph(graph)  # with the winding applied
    road = _pairwise(network, pa, pb)
    km = _pairwise(network, pa, pb, weight="route_length")
    factors, modelled, fitted = _fit(table, road)
    winding = {
        **graph.graph["winding"],
        "exponents_tried": list(WINDING_EXPONENTS),
        "before": scores[0],
        "after": _errors(modelled, published),
    }
    notes.append(
        f"winding roads: exponent {exponent:g} (of {WINDING_EXPONENTS[0]:g}-"
        f"{WINDING_EXPONENTS[-1]:g}) slows {winding['edges_slowed']} road segments; median "
        f"absolute log error over all published times {scores[0]['median_abs_log_error']:.3f} "
        f"without, {winding['after']['median_abs_log_error']:.3f} with"
    )
    modes: dict[str, dict[str, float]] = {}
    summary: dict[str, Any] = {"winding": winding}
    for name, wait in _WAITS:
        if name not in factors:
            continue
        rows = (table["mode"] == name).to_numpy()
        factor = factors[name]
        modes[name] = {"time_factor": factor, "wait_min": wait}
        ratio = modelled[rows] / published[rows]
        worst = ratio[np.argmax(np.abs(np.log(ratio)))]
        before = road[rows] / published[rows]
        summary[name] = {
            "pairs": int(rows.sum()),
            "time_factor": factor,
            "time_factor_fitted": fitted[name],
            "wait_min": wait,
            "median_ratio_before": round(float(np.median(before)), 3),
            "median_ratio": round(float(np.median(ratio)), 3),
            "worst_ratio": round(float(worst), 3),
        }
        raised = (
            f" (fitted x{fitted[name]:g}, raised to the car's: no faster on the same road)"
            if factor != fitted[name]
            else ""
        )
        notes.append(
            f"travel mode {name}: {int(rows.sum())} {noun(int(rows.sum()), 'published time')}; "
            f"road time x{factor:g}"
            + raised
            + (f" + {wait:g} min" if wait else "")
            + f"; modelled/published median {np.median(ratio):.2f}, worst {worst:.2f} "
            f"(before calibration: median {np.median(before):.2f})"
        )
    out = table.drop(columns=["quoted"]).assign(
        road_min=np.round(road, 1),
        route_km=np.round(km, 1),
        modelled_min=np.round(modelled, 1),
        ratio=np.round(modelled / published, 3),
        road_kmh=np.round(km / (road / 60), 1),
    )
    if any(math.isnan(v) for v in out["ratio"]):
        raise InputDataError("a calibration pair could not be modelled")
    return modes, out, summary
