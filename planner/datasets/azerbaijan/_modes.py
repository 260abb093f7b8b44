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
  (published time - allowance) / road time.

Both are rounded to 0.01. The build writes every row with its modelled time
and ratio to ``travel_calibration.csv`` and the summary (median and worst
ratio per mode) to ``metadata.json``.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import InputDataError
from planner.network import CompiledNetwork, TravelMode, travel_matrix

__all__ = ["BUS_WAIT_MIN", "calibrate_modes", "read_durations"]

#: Minutes a bus or minibus trip adds for waiting at the station and stops.
BUS_WAIT_MIN = 20.0


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


def calibrate_modes(
    network: CompiledNetwork, settlements: Any, notes: list[str]
) -> tuple[dict[str, dict[str, float]], pd.DataFrame, dict[str, Any]]:
    """Fit the car and bus modes on the published times.

    Parameters
    ----------
    network
        The dataset's compiled road network.
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
    table = read_durations()
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
            f"travel modes: {len(has) - sum(has)} published time(s) between places not in this "
            "build were left out of the calibration"
        )
        table = table.loc[has].reset_index(drop=True)
    if table.empty:
        return {}, table.drop(columns=["quoted"]), {}
    a, b = _points(table, settlements, "from"), _points(table, settlements, "to")
    import geopandas as gpd

    pa = gpd.GeoSeries(a["geometry"].to_numpy(), crs="EPSG:4326")
    pb = gpd.GeoSeries(b["geometry"].to_numpy(), crs="EPSG:4326")
    # one routing for all pairs (a small matrix), then each pair's own entry
    pairs = np.arange(len(table))
    road = travel_matrix(network, pa, pb, warn_beyond_m=np.inf)[pairs, pairs] / 60
    km = (
        travel_matrix(network, pa, pb, weight="route_length", warn_beyond_m=np.inf)[pairs, pairs]
        / 1000
    )
    if not np.isfinite(road).all():
        raise InputDataError("a calibration pair has no road path; check travel_durations.csv")
    published = table["minutes"].to_numpy(float)
    modes: dict[str, dict[str, float]] = {}
    summary: dict[str, Any] = {}
    modelled = np.zeros(len(table))
    for name, wait in (("car", 0.0), ("bus", BUS_WAIT_MIN)):
        rows = (table["mode"] == name).to_numpy()
        if not rows.any():
            continue
        factor = round(float(np.median((published[rows] - wait) / road[rows])), 2)
        mode = TravelMode(name, time_factor=factor, wait_min=wait)
        modes[name] = {"time_factor": factor, "wait_min": wait}
        modelled[rows] = mode.seconds(road[rows] * 60) / 60
        ratio = modelled[rows] / published[rows]
        worst = ratio[np.argmax(np.abs(np.log(ratio)))]
        summary[name] = {
            "pairs": int(rows.sum()),
            "time_factor": factor,
            "wait_min": wait,
            "median_ratio_before": round(float(np.median(road[rows] / published[rows])), 3),
            "median_ratio": round(float(np.median(ratio)), 3),
            "worst_ratio": round(float(worst), 3),
        }
        notes.append(
            f"travel mode {name}: {int(rows.sum())} published times; road time x{factor:g}"
            + (f" + {wait:g} min" if wait else "")
            + f"; modelled/published median {np.median(ratio):.2f}, worst {worst:.2f} "
            f"(before calibration: median {np.median(road[rows] / published[rows]):.2f})"
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
