from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.access import DISTRICT_TABLE_COLUMNS, decay_weights, district_access, e2sfca
from planner.data import Dataset

STEP = 0.01


def _tiny_dataset(grid: nx.MultiDiGraph, grid_polygons: gpd.GeoDataFrame) -> Dataset:
    """Grid of 60 s edges; a shelter on node 0; settlements on nodes 0, 2, 8 and on an island.

    The island is a copy of the grid far away (nodes 100-108), so that it is as
    large as the grid and accepts snapped points, but has no road to the shelter.
    """
    island_grid = nx.relabel_nodes(grid.subgraph(range(9)).copy(), {i: 100 + i for i in range(9)})
    for _, data in island_grid.nodes(data=True):
        data["x"] += 0.5
    grid.remove_node(9)
    grid.update(island_grid)

    def pt(node: int) -> Point:
        return Point(grid.nodes[node]["x"], grid.nodes[node]["y"])

    districts = grid_polygons.assign(
        region="R",
        population=[100, 400],
        name_az="",
        kind="district",
        area_km2=1.0,
        population_source="test",
    )
    # add a third district holding the island node
    island = gpd.GeoDataFrame(
        {
            "district_id": ["I"],
            "name": ["Island"],
            "region": ["R"],
            "population": [50],
            "name_az": [""],
            "kind": ["district"],
            "area_km2": [1.0],
            "population_source": ["test"],
        },
        geometry=[pt(104).buffer(0.05)],
        crs="EPSG:4326",
    )
    districts = gpd.GeoDataFrame(
        pd.concat([districts, island], ignore_index=True), crs="EPSG:4326"
    )
    settlements = gpd.GeoDataFrame(
        {
            "settlement_id": ["s0", "s2", "s8", "s9"],
            "name": ["a", "b", "c", "d"],
            "place": ["town", "village", "village", "village"],
            "district_id": ["W", "E", "E", "I"],
            "weight": [1.0, 1.0, 1.0, 1.0],
            "population": [100, 300, 100, 50],
        },
        geometry=[pt(0), pt(2), pt(8), pt(100)],
        crs="EPSG:4326",
    )
    shelters = gpd.GeoDataFrame(
        {
            "shelter_id": ["h"],
            "name": ["Shelter H"],
            "district_id": ["W"],
            "capacity_places": [5],
            "inclusive": [False],
            "location_approximate": [True],
        },
        geometry=[pt(0)],
        crs="EPSG:4326",
    )
    candidates = gpd.GeoDataFrame(
        {"candidate_id": [], "settlement_id": [], "name": [], "district_id": [], "reason": []},
        geometry=[],
        crs="EPSG:4326",
    )
    return Dataset("tiny", districts, settlements, shelters, candidates, grid)


def test_district_figures_by_hand(grid: nx.MultiDiGraph, grid_polygons: gpd.GeoDataFrame) -> None:
    ds = _tiny_dataset(grid, grid_polygons)
    t = district_access(ds, thresholds_min=(3.0,))
    d = t.districts.set_index("district_id")
    assert list(t.districts.columns[: len(DISTRICT_TABLE_COLUMNS)]) == DISTRICT_TABLE_COLUMNS
    # West: one settlement on the shelter's node
    assert d.loc["W", "travel_min_mean"] == pytest.approx(0.0)
    # East: s2 is 2 min away (300 people), s8 4 min (100 people) -> mean 2.5, max 4
    assert d.loc["E", "travel_min_mean"] == pytest.approx((300 * 2 + 100 * 4) / 400)
    assert d.loc["E", "travel_min_max"] == pytest.approx(4.0)
    assert d.loc["E", "travel_km_mean"] == pytest.approx((300 * 2 + 100 * 4) / 400)
    assert d.loc["E", "share_beyond_3min"] == pytest.approx(0.25)
    assert d.loc["E", "share_beyond_60min"] == 0
    assert d.loc["E", "nearest_shelter"] == "Shelter H"
    assert bool(d.loc["E", "reachable_by_road"])
    # Island: no road path -> not reachable, empty travel figures
    assert not bool(d.loc["I", "reachable_by_road"])
    assert d.loc[["I"], "travel_min_mean"].isna().all()
    assert d.loc[["I"], "share_beyond_120min"].isna().all()
    assert d.loc["I", "unreachable_population"] == 50
    assert t.unreachable_districts["district_id"].tolist() == ["I"]


def test_bad_threshold(grid: nx.MultiDiGraph, grid_polygons: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="-5"):
        district_access(_tiny_dataset(grid, grid_polygons), thresholds_min=(-5,))


def test_real_data_district_table(dataset: Dataset) -> None:
    t = district_access(dataset)
    d = t.districts.set_index("district_id")
    assert len(d) == 78
    nakh = dataset.districts.loc[dataset.districts["region"] == "Nakhchivan", "district_id"]
    assert not d.loc[nakh, "reachable_by_road"].any()
    assert d.loc[nakh, "travel_min_mean"].isna().all()
    assert d.loc[nakh, "unreachable_population"].sum() == 468_566
    mainland = d.drop(index=nakh)
    assert mainland["reachable_by_road"].all()
    assert (mainland["travel_min_max"] >= mainland["travel_min_mean"]).all()
    assert d.loc[["AZ-BA"], "travel_min_mean"].lt(45).all()
    assert d.loc["AZ-BA", "nearest_shelter"] == "Baku shelters"
    assert d.loc["AZ-GA", "nearest_shelter"] == "Ganja shelters"
    # survivors in the far south-west travel about 300 km (the UPR submission's figure)
    assert mainland["travel_km_mean"].max() == pytest.approx(300, abs=60)
    assert np.isfinite(mainland["share_beyond_120min"]).all()


# --- E2SFCA --------------------------------------------------------------------


def test_e2sfca_two_shelters_by_hand() -> None:
    # three settlements, two shelters; catchment 60 min in three 20-min zones
    # weighing 1, 0.5, 0.25
    minutes = np.array(
        [
            [10.0, 70.0],  # settlement a: zone 1 of shelter X, outside Y
            [30.0, 50.0],  # settlement b: zone 2 of X, zone 3 of Y
            [np.inf, 5.0],  # settlement c: no road to X, zone 1 of Y
        ]
    )
    pop = [1000, 2000, 500]
    cap = [10, 4]
    score = e2sfca(minutes, pop, cap, catchment_min=60, zone_weights=(1.0, 0.5, 0.25))
    # step 1: R_X = 10 / (1000*1 + 2000*0.5) = 0.005; R_Y = 4 / (2000*0.25 + 500*1) = 0.004
    # step 2: A_a = 0.005; A_b = 0.005*0.5 + 0.004*0.25 = 0.0035; A_c = 0.004
    assert score.tolist() == pytest.approx([0.005, 0.0035, 0.004])
    # capacity is conserved: sum_i P_i A_i = sum_j S_j when everyone reaches a shelter
    assert float(np.dot(pop, score)) == pytest.approx(14.0)


def test_e2sfca_gaussian_and_empty_catchment() -> None:
    w = decay_weights(
        np.array([0.0, 30.0, 60.0, 61.0, np.inf]), catchment_min=60, decay="gaussian"
    )
    assert w[0] == pytest.approx(1.0)
    assert 0 < w[1] < 1
    assert w[2] == pytest.approx(0.0, abs=1e-12)
    assert w[3] == 0 and w[4] == 0
    # a shelter nobody reaches gives nobody a score, and no division by zero
    score = e2sfca(np.array([[np.inf, 10.0]]), [100], [5, 5], catchment_min=60)
    assert score.tolist() == pytest.approx([0.05])
    with pytest.raises(ValueError, match="shape"):
        e2sfca(np.zeros((2, 2)), [1], [1, 2])
