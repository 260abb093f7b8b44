"""Demand stage: how many people live where.

District populations are spread over the district's settlements by a weight,
with integer results that sum exactly to the district total (largest-remainder
rounding). Two weights are offered:

* a class weight (a city weighs more than a town, a town more than a village,
  a village more than a hamlet): :func:`settlement_weights`;
* a dasymetric weight from where people actually live: the residential land
  nearer to each settlement than to any other (its Voronoi cell), times a
  density multiplier for cities and towns fitted to a published urban share:
  :func:`residential_area`, :func:`dasymetric_weights`,
  :func:`fit_urban_multiplier`.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from planner._errors import InputDataError

__all__ = [
    "PLACE_WEIGHTS",
    "RESIDENTIAL_FLOOR_KM2",
    "URBAN_PLACES",
    "dasymetric_weights",
    "distribute",
    "fit_urban_multiplier",
    "largest_remainder",
    "residential_area",
    "settlement_weights",
    "urban_share",
]

#: Relative weight of one OSM place of each class when a population total is
#: spread over settlements. They follow the OpenStreetMap conventions for the
#: ``place`` key (city: about 100,000 people or more; town: 10,000-100,000;
#: village: a few hundred to 10,000; hamlet: under about 100-200) against a
#: typical rural village of about 1,000 people. An estimate, documented
#: in data/README.md.
PLACE_WEIGHTS: dict[str, float] = {"city": 100.0, "town": 10.0, "village": 1.0, "hamlet": 0.1}

#: The place classes whose residential land may count denser (blocks of flats).
URBAN_PLACES: tuple[str, ...] = ("city", "town")

#: The least residential land a settlement counts with in dasymetric weights
#: (km²: a hamlet of some twenty houses with gardens), so that a place whose
#: houses are not mapped still gets people.
RESIDENTIAL_FLOOR_KM2 = 0.05


def settlement_weights(
    place: pd.Series, *, weights: Mapping[str, float] | None = None
) -> npt.NDArray[np.float64]:
    """Return each settlement's weight from its OSM ``place`` class.

    Parameters
    ----------
    place
        OSM place class per settlement.
    weights
        Weight by class; default :data:`PLACE_WEIGHTS`.

    Returns
    -------
    numpy.ndarray
        One positive weight per settlement.
    """
    table = dict(PLACE_WEIGHTS if weights is None else weights)
    unknown = sorted(set(place) - set(table))
    if unknown:
        raise InputDataError(
            f"settlement place class(es) {unknown} have no weight; known: {sorted(table)}"
        )
    return np.asarray(place.map(table).to_numpy(float), dtype=np.float64)


def largest_remainder(total: int, weights: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Split an integer total in proportion to weights, summing exactly.

    Parameters
    ----------
    total
        Non-negative integer to split.
    weights
        Non-negative weights, not all zero.

    Returns
    -------
    numpy.ndarray
        Integers proportional to ``weights`` whose sum is ``total``; ties in
        the remainders go to the earlier position, so the split is deterministic.
    """
    w = np.asarray(weights, dtype=float)
    if total < 0:
        raise ValueError(f"total is {total}; expected a non-negative integer")
    if w.size == 0:
        if total:
            raise ValueError(f"cannot split {total} over no weights")
        return np.zeros(0, dtype=np.int64)
    if np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    if short:
        order = np.lexsort((np.arange(w.size), -(exact - base)))
        base[order[:short]] += 1
    return np.asarray(base, dtype=np.int64)


def distribute(
    totals: Mapping[str, int], groups: pd.Series, weights: npt.ArrayLike
) -> npt.NDArray[np.int64]:
    """Split each group's total over its members in proportion to their weights.

    Parameters
    ----------
    totals
        Integer total per group key.
    groups
        Group key of each member.
    weights
        Weight of each member.

    Returns
    -------
    numpy.ndarray
        Integer share of each member; each group's shares sum to its total.
    """
    w = np.asarray(weights, dtype=float)
    keys = groups.to_numpy()
    out = np.zeros(len(keys), dtype=np.int64)
    for key, total in totals.items():
        members = np.flatnonzero(keys == key)
        if members.size == 0:
            if total:
                raise InputDataError(f"group {key!r} has a total of {total} but no members")
            continue
        out[members] = largest_remainder(int(total), w[members])
    return out


def residential_area(
    settlements: gpd.GeoDataFrame, residential: gpd.GeoDataFrame, *, metric_crs: str
) -> npt.NDArray[np.float64]:
    """Return the residential land (km²) nearer to each settlement than to any other.

    Each residential polygon is cut by the settlements' Voronoi cells, and each
    settlement takes the pieces in its own cell: a town surrounded by villages
    keeps its own built-up area, a large area between two villages is shared
    along the line half-way between them. Settlements at the same point share
    their cell equally.

    Parameters
    ----------
    settlements
        Settlement points.
    residential
        Residential-area polygons (for example OSM ``landuse=residential``).
    metric_crs
        An equal-area coordinate system in metres for the areas.

    Returns
    -------
    numpy.ndarray
        km² per settlement, in the order of ``settlements``.
    """
    out = np.zeros(len(settlements), dtype=np.float64)
    if len(settlements) == 0 or len(residential) == 0:
        return out
    pts = settlements.geometry.to_crs(metric_crs).to_numpy()
    land = residential.geometry.to_crs(metric_crs)
    land = land[~land.is_empty & land.notna()].make_valid()
    xy = np.round(shapely.get_coordinates(pts), 3)
    unique, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if len(unique) == 1:
        out[:] = float(land.area.sum()) / 1e6 / len(out)
        return out
    bounds = np.array(land.total_bounds)
    lo = np.minimum(bounds[:2], unique.min(axis=0)) - 1e5
    hi = np.maximum(bounds[2:], unique.max(axis=0)) + 1e5
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(unique), extend_to=shapely.box(*lo, *hi), ordered=True
        )
    )
    cell_frame = gpd.GeoDataFrame({"cell": np.arange(len(cells))}, geometry=cells, crs=metric_crs)
    pieces = gpd.overlay(
        gpd.GeoDataFrame(geometry=land.to_numpy(), crs=metric_crs),
        cell_frame,
        how="intersection",
        keep_geom_type=True,
    )
    per_cell = pieces.area.groupby(pieces["cell"]).sum().reindex(range(len(cells)), fill_value=0)
    sharing = np.bincount(inverse, minlength=len(unique))
    out[:] = per_cell.to_numpy()[inverse] / sharing[inverse] / 1e6
    return out


def dasymetric_weights(
    area_km2: npt.ArrayLike,
    urban: npt.ArrayLike,
    *,
    urban_multiplier: float,
    floor_km2: float,
) -> npt.NDArray[np.float64]:
    """Return each settlement's weight: its residential land times a density factor.

    Parameters
    ----------
    area_km2
        Residential land per settlement (:func:`residential_area`).
    urban
        True for cities and towns, whose blocks of flats hold more people per
        km² than village houses with gardens.
    urban_multiplier
        How many times denser urban residential land is (see
        :func:`fit_urban_multiplier`); 1 for plain areal weighting.
    floor_km2
        The least land any settlement counts with, so a village whose houses
        are not mapped still gets people.

    Returns
    -------
    numpy.ndarray
        One positive weight per settlement.
    """
    if urban_multiplier <= 0 or floor_km2 <= 0:
        raise ValueError(
            f"urban_multiplier is {urban_multiplier} and floor_km2 is {floor_km2}; "
            "expected positive numbers"
        )
    area = np.maximum(np.asarray(area_km2, dtype=np.float64), floor_km2)
    factor = np.where(np.asarray(urban, dtype=bool), urban_multiplier, 1.0)
    return np.asarray(area * factor, dtype=np.float64)


def urban_share(
    totals: Mapping[str, int],
    groups: pd.Series,
    weights: npt.ArrayLike,
    urban: npt.ArrayLike,
    *,
    urban_groups: frozenset[str] = frozenset(),
) -> float:
    """Share of the people who live in urban settlements or urban units.

    Parameters
    ----------
    totals
        People per group (district).
    groups
        Group of each settlement.
    weights
        Settlement weights.
    urban
        True for urban settlements.
    urban_groups
        Groups counted urban whole (city municipalities).

    Returns
    -------
    float
        The urban share, between 0 and 1.
    """
    w = pd.Series(np.asarray(weights, dtype=float), index=groups.index)
    wu = w.where(np.asarray(urban, dtype=bool), 0.0)
    frac = (wu.groupby(groups).sum() / w.groupby(groups).sum()).to_dict()
    people = sum(totals.values())
    if people <= 0:
        raise ValueError("the totals sum to zero; expected people somewhere")
    urban_people = sum(
        total * (1.0 if key in urban_groups else frac.get(key, 0.0))
        for key, total in totals.items()
    )
    return float(urban_people / people)


def fit_urban_multiplier(
    totals: Mapping[str, int],
    groups: pd.Series,
    area_km2: npt.ArrayLike,
    urban: npt.ArrayLike,
    *,
    target_share: float,
    floor_km2: float,
    urban_groups: frozenset[str] = frozenset(),
    bounds: tuple[float, float] = (1.0, 50.0),
) -> float:
    """Fit the urban density multiplier to a published urban share of the population.

    The share of people in urban settlements grows with the multiplier, so a
    bisection finds the multiplier (to 0.01) at which it equals
    ``target_share``.

    Parameters
    ----------
    totals, groups
        As in :func:`urban_share`.
    area_km2
        As in :func:`dasymetric_weights`.
    urban
        As in :func:`urban_share`.
    target_share
        The published urban share, between 0 and 1.
    floor_km2
        As in :func:`dasymetric_weights`.
    urban_groups
        As in :func:`urban_share`.
    bounds
        Smallest and largest multiplier tried.

    Returns
    -------
    float
        The multiplier, rounded to 0.01.

    Raises
    ------
    InputDataError
        If no multiplier within ``bounds`` reaches the target.
    """
    if not 0.0 < target_share < 1.0:
        raise ValueError(f"target_share is {target_share}; expected a share between 0 and 1")

    def share(m: float) -> float:
        w = dasymetric_weights(area_km2, urban, urban_multiplier=m, floor_km2=floor_km2)
        return urban_share(totals, groups, w, urban, urban_groups=urban_groups)

    lo, hi = bounds
    if not share(lo) <= target_share <= share(hi):
        raise InputDataError(
            f"an urban share of {target_share:.1%} is out of reach: multipliers "
            f"{lo:g}..{hi:g} give {share(lo):.1%}..{share(hi):.1%}"
        )
    for _ in range(60):
        mid = (lo + hi) / 2
        if share(mid) < target_share:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2, 2)
