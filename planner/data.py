"""Data stage: the embedded dataset, a user's own files, and the dataset builder.

A dataset is a folder of plain files (GeoJSON and CSV, see ``data/README.md``)
loaded into one typed :class:`Dataset`. :func:`load_default` gives the embedded
Azerbaijan dataset; :func:`load_dataset` any folder of the same layout;
:func:`read_boundaries`, :func:`read_points` and :func:`read_population_table`
read a user's own inputs with clear errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from planner._errors import InputDataError, MissingInputError
from planner._progress import Progress
from planner.demand import distribute
from planner.network import CompiledNetwork, load_graph

if TYPE_CHECKING:
    from planner._build import BuildReport

__all__ = [
    "CANDIDATE_COLUMNS",
    "DISTRICT_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "SHELTER_COLUMNS",
    "Dataset",
    "build_azerbaijan",
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
    the copy shipped inside the installed package, and ``data/azerbaijan`` in a
    source checkout.
    """
    env = os.environ.get(_ENV_DATA)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "azerbaijan", here.parent / "data" / "azerbaijan"):
        if (candidate / "districts.geojson").is_file():
            return candidate
    raise MissingInputError(
        "the embedded dataset was not found (looked in the installed package and in "
        "data/azerbaijan of a source checkout); reinstall the package or set "
        f"{_ENV_DATA} to a dataset folder"
    )


@dataclass(frozen=True)
class Dataset:
    """Everything the planner needs about one region.

    Attributes
    ----------
    name
        Short name of the dataset (e.g. ``"azerbaijan"``).
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
# Readers for user files
# ----------------------------------------------------------------------------


def _require_file(path: Path, what: str) -> None:
    if not path.is_file():
        raise MissingInputError(f"{what} {path} does not exist")


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = [c for c in frame.columns if c != "geometry"]
        raise InputDataError(f"{path} lacks column(s) {missing}; it has {have}")


def _numeric(frame: pd.DataFrame, column: str, path: Path, *, row_offset: int = 2) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.astype(float))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raw = frame[column].iloc[pos]
        shown = "empty" if pd.isna(raw) else repr(str(raw))
        raise InputDataError(
            f"{path}, row {pos + row_offset}: {column} is {shown}; expected a number"
        )
    return values.astype(float)


def read_boundaries(
    path: str | Path,
    *,
    name_column: str,
    id_column: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a polygon layer of districts (GeoJSON, GeoPackage, Shapefile...).

    Parameters
    ----------
    path
        Any vector file pyogrio reads.
    name_column
        Column with the district name.
    id_column
        Column with a stable id; default: the name.
    layer
        Layer name for multi-layer files.

    Returns
    -------
    geopandas.GeoDataFrame
        ``district_id``, ``name`` and polygon ``geometry`` in EPSG:4326, one row
        per district (polygons sharing an id are dissolved).
    """
    path = Path(path)
    _require_file(path, "boundary file")
    gdf = gpd.read_file(path, layer=layer)
    _require_columns(gdf, [name_column] + ([id_column] if id_column else []), path)
    if gdf.crs is None:
        raise InputDataError(f"{path} has no coordinate reference system; expected one")
    kinds = set(gdf.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputDataError(f"{path}: expected polygons, found {sorted(kinds)}")
    names = gdf[name_column]
    if names.isna().any():
        row = int(np.flatnonzero(names.isna().to_numpy())[0])
        raise InputDataError(f"{path}, feature {row}: {name_column} is empty")
    out = gpd.GeoDataFrame(
        {
            "district_id": gdf[id_column or name_column].astype(str),
            "name": names.astype(str),
        },
        geometry=gdf.geometry.make_valid(),
        crs=gdf.crs,
    ).to_crs("EPSG:4326")
    out = out.dissolve(by="district_id", as_index=False, aggfunc="first")
    return out[["district_id", "name", "geometry"]]


def read_points(
    path: str | Path,
    *,
    lon: str = "lon",
    lat: str = "lat",
    layer: str | None = None,
    required: Sequence[str] = (),
    numeric: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Read points from a CSV with longitude/latitude columns, GeoJSON or GeoPackage.

    Parameters
    ----------
    path
        ``.csv`` (WGS 84 longitude and latitude columns) or any vector file.
    lon, lat
        Coordinate columns of a CSV.
    layer
        Layer name for multi-layer files.
    required
        Columns that must be present.
    numeric
        Columns that must hold a number in every row.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows with point geometries in EPSG:4326.
    """
    path = Path(path)
    _require_file(path, "points file")
    if path.suffix.lower() in (".csv", ".txt"):
        frame = pd.read_csv(path, keep_default_na=True)
        _require_columns(frame, [lon, lat, *required], path)
        x = _numeric(frame, lon, path)
        y = _numeric(frame, lat, path)
        bad = (x.abs() > 180) | (y.abs() > 90)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputDataError(
                f"{path}, row {pos + 2}: ({x.iloc[pos]}, {y.iloc[pos]}) is not a WGS 84 "
                f"longitude/latitude pair; expected {lon} in [-180, 180] and {lat} in [-90, 90]"
            )
        for col in numeric:
            frame[col] = _numeric(frame, col, path)
        gdf = gpd.GeoDataFrame(
            frame.drop(columns=[lon, lat]), geometry=gpd.points_from_xy(x, y), crs="EPSG:4326"
        )
        return gdf
    gdf = gpd.read_file(path, layer=layer)
    _require_columns(gdf, list(required), path)
    if gdf.crs is None:
        raise InputDataError(f"{path} has no coordinate reference system; expected one")
    kinds = set(gdf.geom_type.dropna())
    if kinds != {"Point"}:
        raise InputDataError(f"{path}: expected Point geometries, found {sorted(kinds)}")
    for col in numeric:
        gdf[col] = _numeric(gdf, col, path, row_offset=0)
    return gdf.to_crs("EPSG:4326")


def read_population_table(path: str | Path) -> pd.DataFrame:
    """Read an official district population table.

    Parameters
    ----------
    path
        CSV with ``district_id`` and ``population`` (a non-negative whole
        number), optionally ``population_source``.

    Returns
    -------
    pandas.DataFrame
        ``district_id``, ``population`` (int), ``population_source``.
    """
    path = Path(path)
    _require_file(path, "population table")
    frame = pd.read_csv(path, dtype={"district_id": str})
    _require_columns(frame, ["district_id", "population"], path)
    pop = _numeric(frame, "population", path)
    bad = (pop < 0) | (pop != np.round(pop))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(
            f"{path}, row {pos + 2}: population is {frame['population'].iloc[pos]!r}; "
            "expected a non-negative whole number"
        )
    dup = frame["district_id"].duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputDataError(
            f"{path}, row {pos + 2}: district_id {frame['district_id'].iloc[pos]!r} repeats"
        )
    source = (
        frame["population_source"].fillna(f"user table {path.name}")
        if "population_source" in frame
        else pd.Series(f"user table {path.name}", index=frame.index)
    )
    return pd.DataFrame(
        {
            "district_id": frame["district_id"],
            "population": pop.astype("int64"),
            "population_source": source.astype(str),
        }
    )


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
    """Load the embedded Azerbaijan dataset.

    Returns
    -------
    Dataset
        78 districts, their settlements, the two existing shelters (Baku and
        Ganja, approximate locations), the default candidate sites and the
        major-road graph.
    """
    return load_dataset(default_data_dir())


def build_azerbaijan(
    raw: str | Path,
    out: str | Path,
    *,
    roads: Literal["major", "drive"] = "major",
    population: str | Path | None = None,
    speeds: str | Path | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the Azerbaijan dataset folder from the raw files.

    This is what ``shelter-planner data build`` runs; the committed
    ``data/azerbaijan`` is its output on ``shared/data/raw``.

    Parameters
    ----------
    raw
        Folder holding ``geoBoundaries-AZE-ADM2.geojson``,
        ``azerbaijan-places.geojson`` and the OSM XML road file.
    out
        Dataset folder; replaced only when the whole build has succeeded.
    roads
        ``"major"`` (the committed default) or ``"drive"`` (all drivable roads,
        for local use: several GB of memory and minutes to parse).
    population
        Official district table (``district_id,population``) to use instead
        of the estimate.
    speeds
        CSV of road-class speeds (``highway,speed_kph``) overriding the defaults.
    progress
        Receives the long steps; default logs them.

    Returns
    -------
    BuildReport
        The folder written, counts, and notes about the inputs.
    """
    from planner._build import build_azerbaijan as _build

    return _build(raw, out, roads=roads, population=population, speeds=speeds, progress=progress)
