"""Access stage: who is how far from help.

Every settlement is routed to its nearest existing shelter by travel time
(one multi-source Dijkstra pass); the road distance to that shelter comes from
a second matrix. District figures are population-weighted over the district's
settlements. Shelter coordinates never appear in these tables: a shelter is
named, not located.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.data import Dataset
from planner.network import OffNetworkLeg, TravelMode, nearest_facility, travel_matrix

__all__ = [
    "DISTRICT_TABLE_COLUMNS",
    "AccessTables",
    "decay_weights",
    "district_access",
    "e2sfca",
    "settlement_access",
]

#: Columns of ``districts.csv`` written by ``shelter-planner run``; later
#: versions add columns but keep these names.
DISTRICT_TABLE_COLUMNS = [
    "district_id",
    "name",
    "region",
    "population",
    "nearest_shelter",
    "travel_min_mean",
    "travel_min_max",
    "travel_km_mean",
    "share_beyond_60min",
    "share_beyond_120min",
    "reachable_by_road",
]


@dataclass(frozen=True)
class AccessTables:
    """Travel from every settlement and district to the nearest existing shelter.

    Attributes
    ----------
    settlements
        One row per settlement: ``settlement_id``, ``district_id``,
        ``population``, ``nearest_shelter`` (name), ``travel_min``,
        ``travel_km`` (``inf`` where no road path exists), ``reachable``.
    districts
        One row per district with :data:`DISTRICT_TABLE_COLUMNS` plus
        ``share_beyond_<T>min`` for every threshold and
        ``unreachable_population``.
    thresholds_min
        The travel-time thresholds (minutes) of the ``share_beyond`` columns.
    """

    settlements: pd.DataFrame
    districts: pd.DataFrame
    thresholds_min: tuple[float, ...]

    @property
    def unreachable_districts(self) -> pd.DataFrame:
        """Districts with no road path from any settlement to any shelter."""
        return self.districts.loc[~self.districts["reachable_by_road"]]


def settlement_access(
    dataset: Dataset, *, leg: OffNetworkLeg | None = None, mode: TravelMode | str = "car"
) -> pd.DataFrame:
    """Route every settlement to its nearest existing shelter.

    ``travel_min`` is door to door in ``mode``; ``travel_km`` is the length of
    the fastest route (the road travelled, not the shortest one).

    Parameters
    ----------
    dataset
        Dataset with settlements, shelters and the road graph.
    leg
        Off-network leg model for settlements and shelters off the graph.
    mode
        Travel mode, or the name of one of the dataset's modes.

    Returns
    -------
    pandas.DataFrame
        See :attr:`AccessTables.settlements`.
    """
    settlements, shelters = dataset.settlements, dataset.shelters
    net = dataset.network
    travel = dataset.travel_mode(mode) if isinstance(mode, str) else mode
    nearest = nearest_facility(
        net, settlements, shelters, weight="travel_time", leg=leg, mode=travel
    )
    # the same points were snapped (and any far ones reported) just above
    metres = travel_matrix(
        net, settlements, shelters, weight="route_length", leg=leg, warn_beyond_m=np.inf
    )
    reach = nearest.reachable
    rows = np.arange(len(settlements))
    if len(shelters) == 0:  # a region with no shelter yet: nobody reaches one
        km = np.full(len(settlements), np.inf)
        names = np.array([None], dtype=object)
    else:
        km = np.where(reach, metres[rows, np.maximum(nearest.index, 0)] / 1000.0, np.inf)
        names = shelters["name"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "settlement_id": settlements["settlement_id"].to_numpy(),
            "name": settlements["name"].to_numpy(),
            "district_id": settlements["district_id"].to_numpy(),
            "population": settlements["population"].to_numpy(np.int64),
            "nearest_shelter": np.where(
                reach, names[np.maximum(nearest.index, 0)], np.array(None, dtype=object)
            ),
            "travel_min": nearest.cost / 60.0,
            "travel_km": km,
            "reachable": reach,
        }
    )


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    w = weights.to_numpy(float)
    v = values.to_numpy(float)
    if w.sum() <= 0:
        return float(v.mean())
    return float(np.average(v, weights=w))


def district_access(
    dataset: Dataset,
    *,
    thresholds_min: Sequence[float] = (60.0, 120.0),
    leg: OffNetworkLeg | None = None,
    mode: TravelMode | str = "car",
) -> AccessTables:
    """Summarise travel to the nearest existing shelter by district.

    Parameters
    ----------
    dataset
        Dataset to assess.
    thresholds_min
        Travel times (minutes) for the ``share_beyond_<T>min`` columns; 60 and
        120 are always included.
    leg
        Off-network leg model.
    mode
        Travel mode of the times (see :func:`settlement_access`).

    Returns
    -------
    AccessTables
        Settlement and district tables. A district none of whose settlements
        has a road path to a shelter (an exclave, say) has
        ``reachable_by_road`` false and empty travel figures.
    """
    thresholds = tuple(sorted({60.0, 120.0, *(float(t) for t in thresholds_min)}))
    for t in thresholds:
        if not (np.isfinite(t) and t > 0):
            raise ValueError(f"threshold {t!r} minutes is not a positive number")
    per_settlement = settlement_access(dataset, leg=leg, mode=mode)
    rows = []
    for district_id, group in per_settlement.groupby("district_id", sort=False):
        pop = group["population"]
        total = float(pop.sum())
        reachable = group.loc[group["reachable"]]
        row: dict[str, object] = {"district_id": district_id}
        row["unreachable_population"] = int(group.loc[~group["reachable"], "population"].sum())
        if reachable.empty:
            row.update(reachable_by_road=False, nearest_shelter=None)
            rows.append(row)
            continue
        by_shelter = reachable.groupby("nearest_shelter")["population"].sum()
        row["reachable_by_road"] = True
        row["nearest_shelter"] = str(
            by_shelter.sort_values(ascending=False, kind="stable").index[0]
        )
        row["travel_min_mean"] = _weighted_mean(reachable["travel_min"], reachable["population"])
        row["travel_min_max"] = float(reachable["travel_min"].max())
        row["travel_km_mean"] = _weighted_mean(reachable["travel_km"], reachable["population"])
        for t in thresholds:
            beyond = group["travel_min"] > t  # unreachable (inf) counts as beyond
            share = float(pop[beyond].sum()) / total if total > 0 else float(beyond.mean())
            row[f"share_beyond_{t:g}min"] = share
        rows.append(row)
    summary = pd.DataFrame(rows)
    districts = dataset.districts[["district_id", "name", "region", "population"]]
    table = pd.DataFrame(districts).merge(summary, on="district_id", how="left")
    beyond_cols = [f"share_beyond_{t:g}min" for t in thresholds]
    for col in ("travel_min_mean", "travel_min_max", "travel_km_mean", *beyond_cols):
        if col not in table:
            table[col] = np.nan
    table["reachable_by_road"] = table["reachable_by_road"].fillna(False).astype(bool)
    ordered = [*DISTRICT_TABLE_COLUMNS]
    ordered += [c for c in beyond_cols if c not in ordered] + ["unreachable_population"]
    table = table[ordered].sort_values("district_id").reset_index(drop=True)
    return AccessTables(per_settlement, table, thresholds)


def decay_weights(
    minutes: npt.NDArray[np.float64],
    *,
    catchment_min: float,
    decay: Literal["step", "gaussian"] = "step",
    zone_weights: Sequence[float] = (1.0, 0.68, 0.22),
) -> npt.NDArray[np.float64]:
    """Distance-decay weight of each travel time for E2SFCA.

    Parameters
    ----------
    minutes
        Travel times; ``inf`` for no road path.
    catchment_min
        Catchment size ``d0``; weights are 0 beyond it.
    decay
        ``"step"``: the catchment is cut into ``len(zone_weights)`` zones of
        equal width, zone ``k`` weighing ``zone_weights[k]`` (Luo and Qi 2009
        use 1, 0.68, 0.22). ``"gaussian"``: ``W(t) = (exp(-t^2 / (2 d0^2)) -
        exp(-1/2)) / (1 - exp(-1/2))``, 1 at the door and 0 at the edge.
    zone_weights
        Weights of the step zones, nearest first.

    Returns
    -------
    numpy.ndarray
        Weights in [0, 1], the shape of ``minutes``.
    """
    t = np.asarray(minutes, dtype=float)
    inside = t <= catchment_min
    if decay == "gaussian":
        edge = math.exp(-0.5)
        w = (np.exp(-0.5 * (np.where(inside, t, 0.0) / catchment_min) ** 2) - edge) / (1 - edge)
    elif decay == "step":
        zones = np.asarray(zone_weights, dtype=float)
        k = np.minimum(
            (np.where(inside, t, 0.0) / catchment_min * len(zones)).astype(int), len(zones) - 1
        )
        w = zones[k]
    else:
        raise ValueError(f"decay is {decay!r}; expected 'step' or 'gaussian'")
    return np.where(inside, w, 0.0)


def e2sfca(
    minutes: npt.NDArray[np.float64],
    population: npt.ArrayLike,
    capacity: npt.ArrayLike,
    *,
    catchment_min: float = 120.0,
    decay: Literal["step", "gaussian"] = "step",
    zone_weights: Sequence[float] = (1.0, 0.68, 0.22),
) -> npt.NDArray[np.float64]:
    r"""Enhanced two-step floating catchment area (E2SFCA) access score.

    Step 1, for every facility :math:`j`, its capacity over the
    distance-weighted population in its catchment:

    .. math:: R_j = \frac{S_j}{\sum_{k:\, t_{kj} \le d_0} P_k\, W(t_{kj})}

    Step 2, for every settlement :math:`i`, the distance-weighted sum of the
    ratios of the facilities it reaches:

    .. math:: A_i = \sum_{j:\, t_{ij} \le d_0} R_j\, W(t_{ij})

    A facility with nobody in its catchment contributes nothing.

    Parameters
    ----------
    minutes
        Travel time (minutes) from each settlement (rows) to each facility
        (columns); ``inf`` where there is no road path.
    population
        :math:`P_i`, people per settlement.
    capacity
        :math:`S_j`, places per facility.
    catchment_min, decay, zone_weights
        See :func:`decay_weights`.

    Returns
    -------
    numpy.ndarray
        :math:`A_i` per settlement, in places per person (multiply by 10,000
        for places per 10,000 people).
    """
    t = np.asarray(minutes, dtype=float)
    pop = np.asarray(population, dtype=float)
    cap = np.asarray(capacity, dtype=float)
    if t.shape != (len(pop), len(cap)):
        raise ValueError(
            f"minutes has shape {t.shape}; expected ({len(pop)}, {len(cap)}) "
            "(settlements x facilities)"
        )
    w = decay_weights(t, catchment_min=catchment_min, decay=decay, zone_weights=zone_weights)
    demand = pop @ w
    ratio = np.divide(cap, demand, out=np.zeros_like(cap), where=demand > 0)
    return np.asarray(w @ ratio, dtype=np.float64)
