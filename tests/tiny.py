"""A tiny dataset folder on the 3x3 grid (conftest): names of your choosing, plans in moments.

Two districts (W: the two western grid columns, E: the eastern one) in one
region, a settlement on each grid node, one existing shelter, four candidate
sites and two hospitals. Used where a test needs every output of the planner
but not the national data (hostile names, confidentiality, result folders).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from shapely.geometry import box, mapping

from planner.network import save_graph
from tests.conftest import GRID_STEP, grid_graph

#: A scenario for the tiny dataset: one size of 10 family places, solved to optimality.
TINY_TOML = """
name = "tiny"
[targets]
max_travel_min = 120
[supply]
sizes = [10]
size_costs = [10]
[solver]
time_limit_s = 30
mip_gap = 0.0
"""

#: The names a tiny dataset gets unless told otherwise.
PLAIN = {
    "district_W": "West",
    "district_E": "East",
    "region": "Region One",
    "settlement": "Village {i}",
    "shelter": "West shelter",
    "candidate": "Site {i}",
    "hospital": "Hospital {i}",
    "note": "",
}


def node_xy(i: int) -> tuple[float, float]:
    """Longitude and latitude of grid node ``i``."""
    return 47.0 + (i % 3) * GRID_STEP, 40.0 + (i // 3) * GRID_STEP


def write_tiny_dataset(
    folder: Path,
    names: dict[str, str] | None = None,
    *,
    shelter_xy: tuple[float, float] | None = None,
    population: int = 20_000,
) -> Path:
    """Write the tiny dataset into ``folder`` and return it.

    Parameters
    ----------
    folder
        Folder to create.
    names
        Overrides of :data:`PLAIN` (``{i}`` is replaced by a number).
    shelter_xy
        Where the existing shelter is (default: grid node 0).
    population
        People in each settlement.
    """
    n = {**PLAIN, **(names or {})}
    folder.mkdir(parents=True, exist_ok=True)
    districts = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "district_id": did,
                    "name": n[f"district_{did}"],
                    "name_az": n[f"district_{did}"],
                    "kind": "district",
                    "region": n["region"],
                    "area_km2": 4.0,
                    "population": population * (6 if did == "W" else 3),
                    "population_source": "test",
                },
                "geometry": mapping(geom),
            }
            for did, geom in (
                ("W", box(46.99, 39.99, 47.015, 40.03)),
                ("E", box(47.015, 39.99, 47.03, 40.03)),
            )
        ],
    }
    (folder / "districts.geojson").write_text(json.dumps(districts), "utf-8")

    def district(i: int) -> str:
        return "E" if i % 3 == 2 else "W"

    settlements = pd.DataFrame(
        {
            "settlement_id": [f"S{i}" for i in range(9)],
            "name": [n["settlement"].format(i=i) for i in range(9)],
            "place": "village",
            "district_id": [district(i) for i in range(9)],
            "weight": 1.0,
            "population": population,
            "lon": [node_xy(i)[0] for i in range(9)],
            "lat": [node_xy(i)[1] for i in range(9)],
        }
    )
    settlements.to_csv(folder / "settlements.csv", index=False)
    sx, sy = shelter_xy or node_xy(0)
    pd.DataFrame(
        {
            "shelter_id": ["SH-W"],
            "name": [n["shelter"]],
            "district_id": ["W"],
            "capacity_places": [10],
            "inclusive": [False],
            "location_approximate": [False],
            "lon": [sx],
            "lat": [sy],
        }
    ).to_csv(folder / "shelters.csv", index=False)
    cand = [2, 4, 5, 8]
    pd.DataFrame(
        {
            "candidate_id": [f"C{i}" for i in cand],
            "settlement_id": [f"S{i}" for i in cand],
            "name": [n["candidate"].format(i=i) for i in cand],
            "district_id": [district(i) for i in cand],
            "reason": "test",
            "lon": [node_xy(i)[0] for i in cand],
            "lat": [node_xy(i)[1] for i in cand],
        }
    ).to_csv(folder / "candidates.csv", index=False)
    hosp = [4, 8]
    pd.DataFrame(
        {
            "hospital_id": [f"H{i}" for i in hosp],
            "name": [n["hospital"].format(i=i) for i in hosp],
            "subclass": "hospital",
            "district_id": [district(i) for i in hosp],
            "lon": [node_xy(i)[0] for i in hosp],
            "lat": [node_xy(i)[1] for i in hosp],
        }
    ).to_csv(folder / "hospitals.csv", index=False)
    graph = grid_graph()
    for _, _, data in graph.edges(data=True):
        data["speed_kph"] = 60.0  # 1000 m in 60 s
    save_graph(graph, folder)
    metadata = {"name": "tiny", "licences": {"test": "made for the tests"}}
    if n["note"]:
        metadata["report"] = {"disconnected_note": n["note"], "sources": [n["note"]]}
    (folder / "metadata.json").write_text(json.dumps(metadata), "utf-8")
    return folder


#: A scenario that plans shelters and both hospital services on the tiny dataset.
TINY_SCENARIO = {
    "name": "tiny",
    "targets": {"max_travel_min": 120, "served_share": 1.0},
    "supply": {"sizes": [10], "size_costs": [10]},
    "rape_crisis": {"women_per_centre": 50_000, "served_share": 0.9},
    "forensic": {},
    "solver": {"time_limit_s": 30, "mip_gap": 0.0},
}
