"""Data stage: dataset folders loaded into one typed :class:`Dataset`.

A dataset is a folder of plain files (GeoJSON and CSV, see ``data/README.md``)
loaded into one typed :class:`Dataset`. :func:`load_default` gives the embedded
dataset (see ``data/README.md``); :func:`load_dataset` any folder of the same layout;
:func:`candidate_sites` the candidate sites a scenario allows. The readers of a
user's own inputs are in :mod:`planner.readers` (and re-exported here).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from planner._errors import InputDataError, MissingInputError, OptionError
from planner.demand import distribute
from planner.network import CompiledNetwork, load_graph
from planner.readers import (
    _numeric,
    _require_columns,
    _require_file,
    read_boundaries,
    read_points,
    read_population_table,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "DISTRICT_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "SHELTER_COLUMNS",
    "Dataset",
    "candidate_sites",
    "default_data_dir",
    "load_dataset",
    "load_default",
    "read_boundaries",
    "read_points",
    "read_population_table",
]

DISTRICT_COLUMNS = [
    "district_id",
    "name",
    "name_az",
    "kind",
    "region",
    "area_km2",
    "population",
    "population_source",
]
SETTLEMENT_COLUMNS = ["settlement_id", "name", "place", "district_id", "weight", "population"]
SHELTER_COLUMNS = [
    "shelter_id",
    "name",
    "district_id",
    "capacity_places",
    "inclusive",
    "location_approximate",
]
CANDIDATE_COLUMNS = ["candidate_id", "settlement_id", "name", "district_id", "reason"]
HOSPITAL_COLUMNS = ["hospital_id", "name", "subclass", "district_id"]

_ENV_DATA = "SHELTER_PLANNER_DATA"


def default_data_dir() -> Path:
    """Return the folder of the embedded dataset.

    Looked for, in order: the ``SHELTER_PLANNER_DATA`` environment variable,
    the copy shipped inside the installed package, and ``data/<name>`` in a
    source checkout (the name is :data:`planner.datasets.EMBEDDED`).
    """
    from planner.datasets import EMBEDDED

    env = os.environ.get(_ENV_DATA)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / EMBEDDED, here.parent / "data" / EMBEDDED):
        if (candidate / "districts.geojson").is_file():
            return candidate
    raise MissingInputError(
        "the embedded dataset was not found (looked in the installed package and in "
        f"data/{EMBEDDED} of a source checkout); reinstall the package or set "
        f"{_ENV_DATA} to a dataset folder"
    )


@dataclass(frozen=True)
class Dataset:
    """Everything the planner needs about one region.

    Attributes
    ----------
    name
        Short name of the dataset (its ``metadata.json`` ``name``, else the folder's).
    districts
        Polygons with ``district_id``, ``name``, ``region``, ``population``...
        (EPSG:4326).
    settlements
        Points where people live, each with ``district_id`` and ``population``;
        district populations are spread over them.
    shelters
        Existing shelters with ``capacity_places`` (family places). Their
        coordinates may be confidential: never publish them.
    candidates
        Candidate sites for new shelters.
    hospitals
        Hospitals and clinics (``hospital_id``, ``name``, ``subclass``,
        ``district_id``): the candidate sites of rape crisis centres and 24/7
        forensic examination. Empty when the dataset has no ``hospitals.csv``.
    graph
        osmnx-style road graph with ``travel_time`` and ``length`` on edges.
    metadata
        Build information (sources, methods, counts).
    source
        Folder the dataset was read from, if any.
    """

    name: str
    districts: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    shelters: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    graph: nx.MultiDiGraph
    hospitals: gpd.GeoDataFrame = field(default_factory=lambda: _empty_points(HOSPITAL_COLUMNS))
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: Path | None = None

    @cached_property
    def network(self) -> CompiledNetwork:
        """The road graph compiled for shortest-path queries (built once)."""
        return CompiledNetwork.from_graph(self.graph)

    def report_text(self, key: str) -> str | None:
        """Return a sentence the dataset's metadata gives reports (``report.<key>``), if any.

        Parameters
        ----------
        key
            E.g. ``"disconnected_note"``.

        Returns
        -------
        str or None
        """
        value = self.report_texts.get(key)
        return value if isinstance(value, str) else None

    def report_list(self, key: str) -> list[str]:
        """Return a list the dataset's metadata gives reports (``sources``, ``limitations``)."""
        value = self.report_texts.get(key)
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def report_texts(self) -> Mapping[str, object]:
        """The ``report`` block of ``metadata.json`` (empty when the dataset has none)."""
        block = self.metadata.get("report", {})
        return block if isinstance(block, Mapping) else {}

    def with_population(self, table: pd.DataFrame) -> Dataset:
        """Return a copy with district populations replaced.

        Parameters
        ----------
        table
            Columns ``district_id``, ``population`` and optionally
            ``population_source``, one row per district of the dataset (see
            :func:`read_population_table`).

        Returns
        -------
        Dataset
            Districts carry the new figures; each district's settlements share
            its new total in proportion to their weights.
        """
        known = set(self.districts["district_id"])
        given = set(table["district_id"])
        unknown = sorted(given - known)
        if unknown:
            raise InputDataError(
                f"population table names district_id(s) {unknown} not in the dataset"
            )
        missing = sorted(known - given)
        if missing:
            raise InputDataError(
                f"population table lacks {len(missing)} district(s) of the dataset: {missing}"
            )
        by_id = table.set_index("district_id")
        districts = self.districts.copy()
        districts["population"] = districts["district_id"].map(by_id["population"]).astype("int64")
        districts["population_source"] = districts["district_id"].map(
            by_id["population_source"]
            if "population_source" in by_id
            else pd.Series("user table", index=by_id.index)
        )
        settlements = self.settlements.copy()
        totals = dict(zip(districts["district_id"], districts["population"], strict=True))
        settlements["population"] = distribute(
            totals, settlements["district_id"], settlements["weight"].to_numpy(float)
        )
        return replace(self, districts=districts, settlements=settlements)


# ----------------------------------------------------------------------------
# Dataset folders
# ----------------------------------------------------------------------------


def _empty_points(columns: Sequence[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries(), crs="EPSG:4326"
    )


def _read_csv_points(
    path: Path, columns: Sequence[str], numeric: Sequence[str]
) -> gpd.GeoDataFrame:
    gdf = read_points(path, required=columns, numeric=numeric)
    return gdf[[*columns, "geometry"]]


def load_dataset(directory: str | Path) -> Dataset:
    """Load a dataset folder written by ``shelter-planner data build``.

    Parameters
    ----------
    directory
        Folder with ``districts.geojson``, ``settlements.csv``,
        ``shelters.csv``, ``candidates.csv``, ``roads_nodes.csv.gz``,
        ``roads_edges.csv.gz`` and ``metadata.json``; optionally
        ``hospitals.csv`` (needed to plan rape crisis centres and forensic
        examination).

    Returns
    -------
    Dataset
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise MissingInputError(f"dataset folder {directory} does not exist")
    districts_path = directory / "districts.geojson"
    _require_file(districts_path, "district file")
    districts = gpd.read_file(districts_path)
    _require_columns(districts, DISTRICT_COLUMNS, districts_path)
    districts["population"] = _numeric(districts, "population", districts_path, row_offset=0)
    districts["population"] = districts["population"].astype("int64")
    settlements = _read_csv_points(
        directory / "settlements.csv", SETTLEMENT_COLUMNS, ["weight", "population"]
    )
    settlements["population"] = settlements["population"].astype("int64")
    shelters = _read_csv_points(directory / "shelters.csv", SHELTER_COLUMNS, ["capacity_places"])
    for col in ("inclusive", "location_approximate"):
        shelters[col] = shelters[col].astype(str).str.lower().isin(["true", "1", "yes"])
    candidates = _read_csv_points(directory / "candidates.csv", CANDIDATE_COLUMNS, [])
    hospitals_path = directory / "hospitals.csv"
    hospitals = (
        _read_csv_points(hospitals_path, HOSPITAL_COLUMNS, [])
        if hospitals_path.is_file()
        else _empty_points(HOSPITAL_COLUMNS)
    )
    known = set(districts["district_id"])
    for label, frame in (
        ("settlements.csv", settlements),
        ("shelters.csv", shelters),
        ("candidates.csv", candidates),
        ("hospitals.csv", hospitals),
    ):
        unknown = frame.loc[~frame["district_id"].isin(known), "district_id"]
        if len(unknown):
            raise InputDataError(
                f"{directory / label}: district_id {unknown.iloc[0]!r} is not in districts.geojson"
            )
    meta_path = directory / "metadata.json"
    metadata: dict[str, Any] = (
        json.loads(meta_path.read_text("utf-8")) if meta_path.is_file() else {}
    )
    graph = load_graph(directory)
    return Dataset(
        name=str(metadata.get("name", directory.name)),
        districts=districts,
        settlements=settlements,
        shelters=shelters,
        candidates=candidates,
        graph=graph,
        hospitals=hospitals,
        metadata=metadata,
        source=directory,
    )


def load_default() -> Dataset:
    """Load the embedded dataset (``data/README.md`` describes it).

    Returns
    -------
    Dataset
        Its districts, settlements, existing shelters (approximate,
        generalised locations), default candidate sites, hospitals and
        major-road graph.
    """
    return load_dataset(default_data_dir())


def candidate_sites(
    dataset: Dataset, *, file: Path | None = None, exclude_districts: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """Return the candidate sites for new shelters.

    Parameters
    ----------
    dataset
        The dataset (its candidates, and districts to place a file's points).
    file
        A points file (CSV lon/lat, GeoJSON, GeoPackage) with a ``name``
        column to use instead of the dataset's candidates; each point gets the
        district it lies in.
    exclude_districts
        District ids where no new site may go.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id, name, district_id`` and point geometry.
    """
    if file is None:
        cand = dataset.candidates[["candidate_id", "name", "district_id", "geometry"]].copy()
    else:
        pts = read_points(file, required=["name"])
        joined = gpd.sjoin(
            pts, dataset.districts[["district_id", "geometry"]], how="left", predicate="within"
        )
        joined = joined[~joined.index.duplicated(keep="first")]
        outside = joined["district_id"].isna()
        if outside.any():
            pos = int(np.flatnonzero(outside.to_numpy())[0])
            raise InputDataError(
                f"{file}, row {pos + 2}: candidate {pts['name'].iloc[pos]!r} lies outside "
                "every district"
            )
        ids = (
            pts["candidate_id"]
            if "candidate_id" in pts
            else [f"C{i + 1:04d}" for i in range(len(pts))]
        )
        cand = gpd.GeoDataFrame(
            {
                "candidate_id": list(ids),
                "name": pts["name"].astype(str),
                "district_id": joined["district_id"],
            },
            geometry=pts.geometry.to_numpy(),
            crs="EPSG:4326",
        )
    cand = cand.loc[~cand["district_id"].isin(list(exclude_districts))]
    if cand.empty:
        raise OptionError(
            "no candidate sites remain after candidates.exclude_districts; nothing can be built"
        )
    return gpd.GeoDataFrame(cand.reset_index(drop=True), crs="EPSG:4326")
