"""Shared fixtures: a 3x3 grid graph, a few polygons, the embedded dataset and its
full-recommendations plan, a raw-data clip."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import pytest
from hypothesis import settings
from shapely.geometry import Point, box

from planner.data import Dataset, load_default
from planner.network import clip_osm_xml

if TYPE_CHECKING:
    from planner.planning import Plan

# Property tests draw the same examples on every run (a seed fixed per test, no example
# database): a CI failure reproduces as it is; explore anew with --hypothesis-profile=default.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.load_profile("repeatable")

ROOT = Path(__file__).resolve().parents[1]
RAW = Path(os.environ.get("SHELTER_PLANNER_RAW", ROOT.parent / "shared" / "data" / "raw"))
#: The committed embedded dataset (its files, read directly by real-data tests).
DATA_DIR = ROOT / "data" / "azerbaijan"

# 3x3 grid, 0.01 degree apart, south-west corner at (47.00, 40.00):
#   6 - 7 - 8
#   |   |   |
#   3 - 4 - 5
#   |   |   |
#   0 - 1 - 2
# Every edge is 1000 m and 60 s in both directions, except 4 -> 5, which is
# one-way (there is no 5 -> 4 edge), and node 9, an island with no edges.
GRID_STEP = 0.01


def grid_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(9):
        g.add_node(i, x=47.0 + (i % 3) * GRID_STEP, y=40.0 + (i // 3) * GRID_STEP)
    g.add_node(9, x=47.5, y=40.5)
    pairs = [
        (0, 1),
        (1, 2),
        (3, 4),
        (6, 7),
        (7, 8),
        (0, 3),
        (3, 6),
        (1, 4),
        (4, 7),
        (2, 5),
        (5, 8),
    ]
    for u, v in pairs:
        for a, b in ((u, v), (v, u)):
            g.add_edge(a, b, length=1000.0, travel_time=60.0, highway="primary")
    g.add_edge(4, 5, length=1000.0, travel_time=60.0, highway="primary", oneway=True)
    return g


@pytest.fixture
def grid() -> nx.MultiDiGraph:
    return grid_graph()


@pytest.fixture
def grid_polygons() -> gpd.GeoDataFrame:
    """Two districts splitting the grid: west (x < 47.015) and east."""
    return gpd.GeoDataFrame(
        {"district_id": ["W", "E"], "name": ["West", "East"]},
        geometry=[box(46.99, 39.99, 47.015, 40.03), box(47.015, 39.99, 47.03, 40.03)],
        crs="EPSG:4326",
    )


def points(coords: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in coords], crs="EPSG:4326")


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return load_default()


@pytest.fixture(scope="session")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Plan]:
    """The tiny dataset (tests/tiny.py) and its plan under ``TINY_TOML``, solved to optimality."""
    from planner.data import load_dataset
    from planner.planning import plan
    from planner.scenario import load_scenario
    from tests.tiny import TINY_TOML, write_tiny_dataset

    folder = tmp_path_factory.mktemp("tiny_plan")
    (folder / "s.toml").write_text(TINY_TOML, "utf-8")
    dataset = load_dataset(write_tiny_dataset(folder / "ds"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dataset, plan(dataset, load_scenario(folder / "s.toml"))


@pytest.fixture(scope="session")
def full(dataset: Dataset) -> Plan:
    """The shipped ``full-recommendations`` plan (about a minute; its work limits end it)."""
    from planner.planning import plan
    from planner.scenario import load_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plan(dataset, load_scenario("full-recommendations"))


def require_raw() -> Path:
    if not (RAW / "geoBoundaries-AZE-ADM2.geojson").is_file():
        pytest.skip(f"raw data folder {RAW} not found (expected ../shared/data/raw)")
    return RAW


# A clip around Ganja: three districts and the roads inside this box.
CLIP_DISTRICTS = ["Ganja City", "Goygol District", "Samukh District", "Baku City"]
CLIP_BOX = (46.15, 40.45, 46.65, 40.95)


@pytest.fixture(scope="session")
def raw_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small raw-data folder cut from ../shared/data/raw (about 10 s to make)."""
    raw = require_raw()
    out = tmp_path_factory.mktemp("raw_clip")
    boundaries = json.loads((raw / "geoBoundaries-AZE-ADM2.geojson").read_text("utf-8"))
    boundaries["features"] = [
        f for f in boundaries["features"] if f["properties"]["shapeName"] in CLIP_DISTRICTS
    ]
    (out / "geoBoundaries-AZE-ADM2.geojson").write_text(json.dumps(boundaries), "utf-8")
    for name in (
        "azerbaijan-places.geojson",
        "azerbaijan-pois.geojson",
        "azerbaijan-admin-boundaries.geojson",
        "azerbaijan-residential.geojson",
        "azerbaijan-district-population.csv",
    ):
        shutil.copy(raw / name, out / name)
    clip_osm_xml(
        raw / "azerbaijan-roads-major.osm.bz2",
        out / "azerbaijan-roads-major.osm.bz2",
        bbox=CLIP_BOX,
    )
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``online`` unless SHELTER_PLANNER_ONLINE=1."""
    if os.environ.get("SHELTER_PLANNER_ONLINE") == "1":
        return
    skip = pytest.mark.skip(reason="needs internet; set SHELTER_PLANNER_ONLINE=1 to run")
    for item in items:
        if "online" in item.keywords:
            item.add_marker(skip)
