"""The side of a national border: hand-made squares and lines, in metres."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, box
from shapely.geometry.base import BaseGeometry

from planner._borders import abroad
from planner.data import Dataset
from tests.conftest import require_raw

# the country: a 10 km square, generalised (its true eastern border is the line x = 10.5 km)
TERRITORY = box(0, 0, 10_000, 10_000)
EAST = LineString([(10_500, -2_000), (10_500, 12_000)])


def _abroad(points: list[tuple[int, int]], border: BaseGeometry = EAST) -> list[bool]:
    pts = [Point(x, y) for x, y in points]
    return [bool(a) for a in abroad(pts, territory=TERRITORY, border=border).abroad]


def test_the_line_decides_near_it() -> None:
    # home side of the line although outside the polygon; across it although within 3 km
    assert _abroad([(10_300, 5_000), (10_700, 5_000), (12_000, 5_000)]) == [False, True, True]


def test_a_line_inside_the_polygon_cuts_it() -> None:
    west = LineString([(9_000, -2_000), (9_000, 12_000)])
    # the polygon overshoots the true border: a point inside it but beyond the line is abroad
    assert _abroad([(8_500, 5_000), (9_500, 5_000)], west) == [False, True]


def test_coast_without_a_line_uses_the_polygon() -> None:
    # the western edge has no line (a coast): within 3 km of the polygon is home
    assert _abroad([(-1_000, 5_000), (-5_000, 5_000), (5_000, 5_000)]) == [False, True, False]


def test_repeated_and_branching_lines_give_the_same_answer() -> None:
    twice = MultiLineString([EAST, EAST, LineString([(10_500, 5_000), (10_600, 5_200)])])
    pts = [(10_300, 5_000), (10_700, 4_000), (10_400, 7_000)]
    assert _abroad(pts, twice) == _abroad(pts) == [False, True, False]


def test_no_border_line_leaves_the_polygon_to_decide() -> None:
    sides = abroad(
        [Point(10_700, 5_000), Point(14_000, 5_000)],
        territory=TERRITORY,
        border=shapely.MultiLineString(),
    )
    assert sides.abroad.tolist() == [False, True]
    assert not sides.by_line.any()


def test_line_direction_does_not_matter() -> None:
    reverse = LineString(list(EAST.coords)[::-1])
    pts = [(10_300, 5_000), (10_700, 5_000)]
    assert _abroad(pts, reverse) == _abroad(pts) == [False, True]


def test_bad_distances_are_refused() -> None:
    with pytest.raises(ValueError, match="near_m is 0"):
        abroad(np.array([Point(0, 0)]), territory=TERRITORY, border=EAST, near_m=0)


def test_no_settlement_or_hospital_of_the_dataset_lies_abroad(dataset: Dataset) -> None:
    raw = require_raw()
    laea = "+proj=laea +lat_0=40.2 +lon_0=47.6 +datum=WGS84 +units=m +no_defs"
    lines = gpd.read_file(raw / "azerbaijan-admin-boundaries.geojson").to_crs(laea)
    border = shapely.union_all(lines.loc[lines["admin_level"].astype(int) == 2].geometry)
    territory = shapely.union_all(dataset.districts.to_crs(laea).geometry.to_numpy())
    for layer in (dataset.settlements, dataset.hospitals, dataset.candidates):
        pts = layer.geometry.to_crs(laea).to_numpy()
        assert not abroad(pts, territory=territory, border=border).abroad.any()
    # the raw places do include villages across the border (Iran, Armenia, Georgia, Russia)
    places = gpd.read_file(raw / "azerbaijan-places.geojson").to_crs(laea)
    places = places.loc[places["place"].isin(["city", "town", "village", "hamlet"])]
    away = abroad(places.geometry.to_numpy(), territory=territory, border=border).abroad
    assert away.sum() >= 140
