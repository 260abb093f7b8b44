from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, box

from planner._errors import InputDataError
from planner.demand import (
    PLACE_WEIGHTS,
    dasymetric_weights,
    distribute,
    fit_urban_multiplier,
    largest_remainder,
    residential_area,
    settlement_weights,
    urban_share,
)


def test_largest_remainder_by_hand() -> None:
    # 10 * (1, 1, 1) / 3 = 3.33 each: the first position takes the extra unit
    assert largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert largest_remainder(7, [0, 2, 5]).tolist() == [0, 2, 5]
    assert largest_remainder(0, [1, 2]).tolist() == [0, 0]


@given(
    st.integers(min_value=0, max_value=10**8),
    st.lists(st.floats(min_value=0.01, max_value=1000), min_size=1, max_size=50),
)
def test_largest_remainder_sums_exactly(total: int, weights: list[float]) -> None:
    parts = largest_remainder(total, weights)
    assert int(parts.sum()) == total
    exact = total * np.asarray(weights) / sum(weights)
    assert np.all(np.abs(parts - exact) < 1.0 + 1e-9)


def test_largest_remainder_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="total is -1"):
        largest_remainder(-1, [1])
    with pytest.raises(ValueError, match="not all zero"):
        largest_remainder(5, [0, 0])


def test_settlement_weights() -> None:
    w = settlement_weights(pd.Series(["city", "village", "hamlet"]))
    assert w.tolist() == [PLACE_WEIGHTS["city"], 1.0, PLACE_WEIGHTS["hamlet"]]
    with pytest.raises(InputDataError, match=r"\['suburb'\]"):
        settlement_weights(pd.Series(["city", "suburb"]))


def test_distribute_by_group() -> None:
    groups = pd.Series(["A", "A", "B"])
    out = distribute({"A": 100, "B": 7}, groups, [3.0, 1.0, 1.0])
    assert out.tolist() == [75, 25, 7]
    with pytest.raises(InputDataError, match="'C'"):
        distribute({"C": 5}, groups, [1.0, 1.0, 1.0])


# --- dasymetric weights (metres in an equal-area projection) ---------------------------------

_LAEA = "+proj=laea +lat_0=40 +lon_0=47 +datum=WGS84 +units=m +no_defs"


def _points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=_LAEA)


def test_residential_area_by_voronoi_cell() -> None:
    towns = _points([(0, 0), (10_000, 0), (10_000, 0)])  # the last two share a point
    land = gpd.GeoDataFrame(
        geometry=[box(-1_000, -1_000, 1_000, 1_000), box(4_000, -500, 6_000, 500)], crs=_LAEA
    )
    # 4 km² around the first; the 2 km² strip is cut at x = 5 km: 1 km² each side,
    # and the shared point's km² is split between its two settlements
    assert residential_area(towns, land, metric_crs=_LAEA).tolist() == pytest.approx(
        [5.0, 0.5, 0.5]
    )


def test_residential_area_of_nothing() -> None:
    empty = gpd.GeoDataFrame(geometry=[], crs=_LAEA)
    assert residential_area(_points([(0, 0)]), empty, metric_crs=_LAEA).tolist() == [0.0]


def test_dasymetric_weights_floor_and_multiplier() -> None:
    w = dasymetric_weights([2.0, 0.0, 1.0], [True, False, False], urban_multiplier=3.0,
                           floor_km2=0.1)  # fmt: skip
    assert w.tolist() == pytest.approx([6.0, 0.1, 1.0])
    with pytest.raises(ValueError, match="urban_multiplier is 0"):
        dasymetric_weights([1.0], [True], urban_multiplier=0.0, floor_km2=0.1)


def test_urban_share_counts_city_units_whole() -> None:
    groups = pd.Series(["D", "D", "C"])
    share = urban_share({"D": 100, "C": 100}, groups, [1.0, 3.0, 1.0], [True, False, False],
                        urban_groups=frozenset({"C"}))  # fmt: skip
    assert share == pytest.approx((25 + 100) / 200)


def test_fit_urban_multiplier_by_hand() -> None:
    # one town and one village with 1 km² each: a share of 3/4 needs the town three times denser
    groups = pd.Series(["D", "D"])
    m = fit_urban_multiplier({"D": 1000}, groups, [1.0, 1.0], [True, False],
                             target_share=0.75, floor_km2=0.01)  # fmt: skip
    assert m == pytest.approx(3.0)
    with pytest.raises(InputDataError, match="out of reach"):
        fit_urban_multiplier({"D": 1000}, groups, [1.0, 1.0], [True, False],
                             target_share=0.99, floor_km2=0.01)  # fmt: skip
