"""Readers for a user's own inputs: boundaries, points and population tables.

Every reader checks its input and names the file, row and column at fault
("row 7: lon is empty; expected a number", "lacks column ['shapeName']").
Used by :mod:`planner.data` to load dataset folders and by the dataset
builders; it imports nothing else from the planner but the error types and the
shared column check.
"""

from __future__ import annotations

import gzip
import io
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._dataset_checks import check_columns, number_hint
from planner._errors import InputDataError, MissingInputError
from planner._i18n import noun

__all__ = [
    "MAX_POPULATION",
    "USER_TABLE",
    "read_boundaries",
    "read_csv_text",
    "read_points",
    "read_population_table",
]

#: Largest population a district or settlement may have (more is a data error).
MAX_POPULATION = 100_000_000

#: The ``population_source`` of a table's rows that name none: this, then the file's name
#: (reports say "district figures from the table FILE" in their own language).
USER_TABLE = "user table "


def _require_file(path: Path, what: str) -> None:
    if not path.is_file():
        raise MissingInputError(f"{what} {path} does not exist")


def read_csv_text(
    path: Path, what: str, *, allow_no_rows: bool = False, **kwargs: Any
) -> pd.DataFrame:
    """Read a CSV (or ``.csv.gz``) as UTF-8 text with clear errors.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"settlement file"``).
    allow_no_rows
        Accept a header without rows (a layer that may be empty).
    **kwargs
        Passed to :func:`pandas.read_csv`.

    Returns
    -------
    pandas.DataFrame
        At least one row, unless ``allow_no_rows``.
    """
    _require_file(path, what)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except EOFError:  # a download or copy cut short
            raise InputDataError(
                f"{path} is cut short (the gzip stream ends early); copy or rebuild it again"
            ) from None
        except OSError as exc:
            raise InputDataError(f"{path} is not a gzip file: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputDataError(
            f"{path}, line {line}: byte {raw[exc.start]:#04x} is not UTF-8; save the file "
            "as UTF-8 text"
        ) from None
    if "\x00" in text:
        raise InputDataError(f"{path} holds binary data (NUL bytes); expected CSV text")
    if not text.strip():
        raise InputDataError(f"{path} is empty; expected a header row and data rows")
    try:
        frame: pd.DataFrame = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), **kwargs)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputDataError(f"{path} is not a valid CSV table: {exc}") from None
    if len(frame.columns) == 1 and kwargs.get("sep") is None:
        header = str(frame.columns[0])
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if sep in header:
                raise InputDataError(
                    f"{path}: its one column is {header!r}, so its fields are separated by "
                    f"{name}; expected commas (save it as CSV UTF-8, comma-delimited)"
                )
    if frame.empty and not allow_no_rows:
        raise InputDataError(f"{path} has a header but no data rows")
    return frame


def _numeric(frame: pd.DataFrame, column: str, path: Path, *, vector: bool = False) -> pd.Series:
    """Return a column as numbers, naming the CSV row (from 2) or vector feature (from 0)."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.astype(float))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raw = frame[column].iloc[pos]
        shown = "empty" if pd.isna(raw) else repr(str(raw))
        hint = "" if pd.isna(raw) else number_hint(str(raw))
        where = f"feature {pos}" if vector else f"row {pos + 2}"
        raise InputDataError(f"{path}, {where}: {column} is {shown}; expected a number{hint}")
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
    check_columns(gdf, [name_column] + ([id_column] if id_column else []), path)
    if gdf.crs is None:
        raise InputDataError(f"{path} has no coordinate reference system; expected one")
    kinds = set(gdf.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputDataError(f"{path}: expected polygons, found {sorted(kinds)}")
    for column in dict.fromkeys([name_column, id_column or name_column]):
        blank = gdf[column].isna() | (gdf[column].astype(str).str.strip() == "")
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise InputDataError(f"{path}, feature {row}: {column} is empty")
    shapeless = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if shapeless.any():
        row = int(np.flatnonzero(shapeless)[0])
        raise InputDataError(
            f"{path}, feature {row}: district {str(gdf[name_column].iloc[row]).strip()!r} has "
            "no geometry; expected a polygon"
        )
    out = gpd.GeoDataFrame(
        {
            "district_id": _id_text(gdf[id_column or name_column]),
            "name": gdf[name_column].astype(str).str.strip(),
        },
        geometry=gdf.geometry.make_valid(),
        crs=gdf.crs,
    ).to_crs("EPSG:4326")
    names = out.groupby("district_id")["name"].unique()
    shared = names[names.map(len) > 1]
    if len(shared):
        raise InputDataError(
            f"{path}: {id_column or name_column} {shared.index[0]!r} is shared by polygons named "
            f"{sorted(shared.iloc[0])}; expected one name per id (polygons sharing an id are "
            "parts of one district; is the id column a unique district code?)"
        )
    out = out.dissolve(by="district_id", as_index=False, aggfunc="first")
    return out[["district_id", "name", "geometry"]]


def _id_text(ids: pd.Series) -> pd.Series:
    """Return ids as text, whole floats as integers (``101.0`` as ``101``).

    GIS files often store integer codes as floats; read so, they match the
    same ids in a CSV.
    """
    if pd.api.types.is_float_dtype(ids) and bool((ids == ids.round()).all()):
        ids = ids.astype("int64")
    return ids.astype(str).str.strip()


def read_points(
    path: str | Path,
    *,
    lon: str = "lon",
    lat: str = "lat",
    layer: str | None = None,
    required: Sequence[str] = (),
    numeric: Sequence[str] = (),
    text: Sequence[str] = (),
    allow_no_rows: bool = False,
) -> gpd.GeoDataFrame:
    """Read points from a CSV with longitude/latitude columns, GeoJSON or GeoPackage.

    Areas in a vector file (OSM maps many hospitals and towns as outlines) are
    taken at a point inside each, with a warning; lines and missing geometries
    are refused.

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
    text
        Columns read as text even when they look like numbers (ids such as
        ``007``; an empty cell stays missing).
    allow_no_rows
        Accept a CSV with a header and no rows.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows with point geometries in EPSG:4326.
    """
    path = Path(path)
    _require_file(path, "points file")
    if path.suffix.lower() in (".csv", ".txt"):
        frame = read_csv_text(
            path,
            "points file",
            allow_no_rows=allow_no_rows,
            keep_default_na=True,
            dtype=dict.fromkeys(text, str),
        )
        check_columns(frame, [lon, lat, *required], path)
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
    check_columns(gdf, list(required), path)
    if gdf.crs is None:
        raise InputDataError(f"{path} has no coordinate reference system; expected one")
    gdf = _as_points(gdf, path)
    for col in (c for c in text if c in gdf.columns):
        gdf[col] = gdf[col].where(gdf[col].isna(), gdf[col].astype(str))
    for col in numeric:
        gdf[col] = _numeric(gdf, col, path, vector=True)
    return gdf.to_crs("EPSG:4326")


def _as_points(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Points as they are; areas (a hospital's building, a town's outline) at a point inside."""
    kind = gdf.geom_type
    empty = (kind.isna() | gdf.geometry.is_empty).to_numpy()
    areal = kind.isin(["Polygon", "MultiPolygon"]).to_numpy()
    bad = empty | ~(areal | (kind == "Point").to_numpy())
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        found = "no geometry" if empty[pos] else f"a {kind.iloc[pos]}"
        raise InputDataError(
            f"{path}, feature {pos}: {found}; expected a point (or an area, taken at a point "
            "inside it)"
        )
    if areal.any():
        gdf = gdf.copy()
        gdf.loc[areal, "geometry"] = gdf.geometry[areal].representative_point()
        count = int(areal.sum())
        warnings.warn(
            f"{path}: {count:,} {noun(count, 'area')} taken at a point inside "
            f"{noun(count, 'it', 'each')}",
            stacklevel=3,
        )
    return gdf


def read_population_table(path: str | Path) -> pd.DataFrame:
    """Read a district population table (official figures, or any the user has).

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
    frame = read_csv_text(path, "population table", dtype={"district_id": str})
    check_columns(frame, ["district_id", "population"], path)
    pop = _numeric(frame, "population", path)
    bad = (pop < 0) | (pop != np.round(pop)) | (pop > MAX_POPULATION)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(
            f"{path}, row {pos + 2}: population is {str(frame['population'].iloc[pos])!r}; "
            f"expected a whole number from 0 to {MAX_POPULATION:,}"
        )
    if pop.sum() <= 0:
        raise InputDataError(f"{path}: every population is 0; expected people somewhere")
    dup = frame["district_id"].duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputDataError(
            f"{path}, row {pos + 2}: district_id {frame['district_id'].iloc[pos]!r} repeats"
        )
    source = (
        frame["population_source"].fillna(USER_TABLE + path.name)
        if "population_source" in frame
        else pd.Series(USER_TABLE + path.name, index=frame.index)
    )
    return pd.DataFrame(
        {
            "district_id": frame["district_id"],
            "population": pop.astype("int64"),
            "population_source": source.astype(str),
        }
    )
