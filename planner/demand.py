"""Demand stage: how many people live where.

District populations are spread over the district's settlements by a class
weight (a city weighs more than a town, a town more than a village, a village
more than a hamlet), with integer results that sum exactly to the district
total (largest-remainder rounding). The same rule splits a region's total over
its districts in the embedded dataset's builder.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner._errors import InputDataError

__all__ = ["PLACE_WEIGHTS", "distribute", "largest_remainder", "settlement_weights"]

#: Relative weight of one OSM place of each class when a population total is
#: spread over settlements. They follow the OpenStreetMap conventions for the
#: ``place`` key (city: about 100,000 people or more; town: 10,000-100,000;
#: village: a few hundred to 10,000; hamlet: under about 100-200) against a
#: typical rural village of about 1,000 people. An estimate, documented
#: in data/README.md.
PLACE_WEIGHTS: dict[str, float] = {"city": 100.0, "town": 10.0, "village": 1.0, "hamlet": 0.1}


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
