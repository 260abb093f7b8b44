"""Checks a dataset folder must pass on load: each names the file, row, column and value.

Used by :func:`planner.data.load_dataset` (and so by ``shelter-planner data
check``). Nothing that fails here reaches a figure: duplicated rows, negative
or absurd numbers, points outside their district, populations that disagree,
polygons in another coordinate system or tangled on themselves are refused,
or repaired with a warning where the repair is certain.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._errors import InputDataError
from planner._i18n import noun

__all__ = [
    "DISTRICT_COLUMNS",
    "MAX_OUTSIDE_M",
    "MAX_SHELTER_PLACES",
    "SHELTER_COLUMNS",
    "boolean_column",
    "distinct_from_shelters",
    "district_polygons",
    "districts_holding",
    "known_ids",
    "name_columns",
    "named_rows",
    "nearest_districts",
    "number_column",
    "number_hint",
    "populations_agree",
    "record_at",
    "unique_ids",
    "within_districts",
]

#: How far outside its district polygon a point may lie (generalised borders).
MAX_OUTSIDE_M = 3_000.0
#: Largest capacity (beds) one existing shelter may have (more is a data error).
MAX_SHELTER_PLACES = 10_000
#: Columns of a dataset folder's districts (beside the geometry), as builders write them.
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
#: Columns of a dataset folder's shelters (beside ``lon`` and ``lat``), as builders write them.
SHELTER_COLUMNS = [
    "shelter_id",
    "name",
    "district_id",
    "capacity_places",
    "inclusive",
    "location_approximate",
]
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_METRIC = "EPSG:3857"


def _row(pos: int) -> int:
    """File line of data row ``pos`` of a CSV with a header."""
    return pos + 2


def unique_ids(frame: pd.DataFrame, column: str, path: Path, *, row_offset: int = 2) -> None:
    """Refuse a table in which an id repeats (a duplicated row would count twice)."""
    values = frame[column].astype(str)
    empty = frame[column].isna() | (values.str.strip() == "")
    if empty.any():
        pos = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputDataError(f"{path}, row {pos + row_offset}: {column} is empty")
    dup = values.duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((values == values.iloc[pos]).to_numpy())[0])
        raise InputDataError(
            f"{path}, row {pos + row_offset}: {column} {values.iloc[pos]!r} repeats row "
            f"{first + row_offset}; expected each {column} once"
        )


def name_columns(columns: Sequence[object]) -> list[str]:
    """Return the columns holding a name in another language (``name_az``), in order."""
    return [str(c) for c in columns if re.fullmatch(r"name_[a-z]{2}", str(c))]


def number_hint(text: str) -> str:
    """Say how to write ``text`` as a number, if it looks like one written another way."""
    if re.fullmatch(r"[+-]?\d[\d, \u00a0.]*\d", text.strip()):
        return " (write numbers as 1234.5: no thousands separators, a point for decimals)"
    return ""


def number_column(
    frame: pd.DataFrame,
    column: str,
    path: Path,
    *,
    minimum: float = 0.0,
    strict: bool = False,
    maximum: float | None = None,
    whole: bool = False,
    row_offset: int = 2,
) -> pd.Series:
    """Return a column as numbers, refusing empty, NaN, out-of-range or fractional values."""
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    bad |= (values.to_numpy() <= minimum) if strict else (values.to_numpy() < minimum)
    if maximum is not None:
        bad |= values.to_numpy() > maximum
    if whole:
        bad |= values.to_numpy() != np.round(values.to_numpy())
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raw = frame[column].iloc[pos]
        shown = "empty" if pd.isna(raw) else repr(str(raw))
        kind = "a whole number" if whole else "a number"
        rng = f"{'>' if strict else '>='} {minimum:g}" + (
            f" and <= {maximum:,.0f}" if maximum is not None else ""
        )
        hint = "" if pd.isna(raw) else number_hint(str(raw))
        raise InputDataError(
            f"{path}, row {pos + row_offset}: {column} is {shown}; expected {kind} {rng}{hint}"
        )
    return values


def boolean_column(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """Return a true/false column, refusing anything else (``True``, ``false``, 1, 0, yes, no)."""
    text = frame[column].astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(
            f"{path}, row {_row(pos)}: {column} is {frame[column].iloc[pos]!r}; "
            "expected true or false"
        )
    return text.isin(_TRUE)


def district_polygons(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Check district polygons: coordinate system, ids, geometry; repair what is certain.

    A layer in another coordinate system is reprojected to EPSG:4326 with a
    warning; an invalid (self-intersecting) polygon is repaired with a warning;
    a missing, empty or non-polygon geometry, or coordinates that are not
    longitude/latitude, are refused.
    """
    if gdf.crs is None:
        raise InputDataError(f"{path} has no coordinate reference system; expected EPSG:4326")
    if gdf.crs.to_epsg() != 4326:
        warnings.warn(
            f"{path} is in {gdf.crs.to_string()}, not EPSG:4326; reprojected to EPSG:4326",
            stacklevel=3,
        )
        gdf = gdf.to_crs("EPSG:4326")
    unique_ids(gdf, "district_id", path, row_offset=0)
    for pos, geom in enumerate(gdf.geometry):
        label = f"{path}, feature {pos} (district_id {gdf['district_id'].iloc[pos]!r})"
        if geom is None or geom.is_empty:
            raise InputDataError(f"{label}: the geometry is empty; expected a polygon")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputDataError(
                f"{label}: the geometry is a {geom.geom_type}; expected a polygon"
            )
        west, south, east, north = geom.bounds
        if (
            min(west, east) < -180
            or max(west, east) > 180
            or min(south, north) < -90
            or max(south, north) > 90
        ):
            raise InputDataError(
                f"{label}: coordinates {geom.bounds} are not longitude/latitude degrees; "
                "check the file's coordinate reference system"
            )
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        names = gdf.loc[invalid, "district_id"].astype(str).tolist()
        n = len(names)
        warnings.warn(
            f"{path}: the {noun(n, 'polygon')} of {names} {noun(n, 'is', 'are')} invalid (e.g. "
            f"self-intersecting) and {noun(n, 'was', 'were')} repaired; check "
            f"{noun(n, 'its', 'their')} borders",
            stacklevel=3,
        )
        gdf = gdf.copy()
        gdf["geometry"] = gdf.geometry.make_valid()
        polygonal = gdf.geometry.apply(
            lambda g: g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty
        )
        if not polygonal.all():
            bad = gdf.loc[~polygonal, "district_id"].astype(str).tolist()
            raise InputDataError(
                f"{path}: the {noun(len(bad), 'polygon')} of {bad} cannot be repaired"
            )
    return gdf


def districts_holding(points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.Series:
    """Return the district whose polygon holds each point (NaN where none does).

    Where polygons overlap (a city drawn on top of the district around it
    rather than cut out of it), a point in both belongs to the smaller one.

    Parameters
    ----------
    points, districts
        Points and district polygons (``district_id``), EPSG:4326.

    Returns
    -------
    pandas.Series
        ``district_id`` per point, indexed like ``points``.
    """
    joined = gpd.sjoin(
        points[["geometry"]], districts[["district_id", "geometry"]], predicate="within"
    )
    if joined.index.duplicated().any():
        area = districts.set_index("district_id").geometry.to_crs(_equal_area(districts)).area
        order = np.lexsort((joined["district_id"].map(area).to_numpy(), joined.index.to_numpy()))
        joined = joined.iloc[order]  # by point, each point's smallest district first
    joined = joined.loc[~joined.index.duplicated(keep="first")]
    held: pd.Series = joined["district_id"].reindex(points.index)
    return held


def _equal_area(districts: gpd.GeoDataFrame) -> str:
    """Return an equal-area projection centred on the districts (for areas in m²)."""
    west, south, east, north = districts.total_bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    return f"+proj=laea +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m"


def nearest_districts(
    points: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    *,
    max_outside_m: float = MAX_OUTSIDE_M,
    metric_crs: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Return each point's district: the polygon it lies in, else the nearest one close by.

    A point outside every polygon (generalised borders cut corners) takes the
    nearest district within ``max_outside_m``; farther points get NaN (they
    are outside the area).

    Parameters
    ----------
    points, districts
        Points and district polygons (``district_id``), EPSG:4326.
    max_outside_m
        How far outside a polygon a point may lie.
    metric_crs
        A metric CRS for the distances; default an azimuthal equidistant
        projection centred on the points.

    Returns
    -------
    tuple[pandas.Series, pandas.Series]
        ``district_id`` per point (NaN beyond the tolerance), and whether
        each point lay outside every polygon; both indexed like ``points``.
    """
    ids = districts_holding(points, districts)
    outside = ids.isna()
    if not outside.any():
        return ids, outside
    if metric_crs is None:
        lon, lat = points.geometry.x.mean(), points.geometry.y.mean()
        metric_crs = f"+proj=aeqd +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m"
    near = gpd.sjoin_nearest(
        points.loc[outside, ["geometry"]].to_crs(metric_crs),
        districts[["district_id", "geometry"]].to_crs(metric_crs),
        how="left",
        max_distance=max_outside_m,
    )
    near = near[~near.index.duplicated(keep="first")]
    ids.loc[outside] = near["district_id"]
    return ids, outside


def within_districts(
    points: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    path: Path,
    id_column: str,
    *,
    max_outside_m: float = MAX_OUTSIDE_M,
) -> None:
    """Refuse a point more than ``max_outside_m`` outside its own district's polygon.

    This catches points moved abroad, swapped longitude and latitude, and
    points given to the wrong district.
    """
    if points.empty:
        return
    known = set(districts["district_id"])
    unknown = ~points["district_id"].isin(known)
    if unknown.any():
        pos = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputDataError(
            f"{path}, row {_row(pos)}: district_id {points['district_id'].iloc[pos]!r} is not "
            "in districts.geojson"
        )
    own = districts.set_index("district_id").geometry.loc[points["district_id"]]
    pts = gpd.GeoSeries(points.geometry.to_numpy(), crs="EPSG:4326").to_crs(_METRIC)
    polys = gpd.GeoSeries(own.to_numpy(), crs="EPSG:4326").to_crs(_METRIC)
    # web-mercator metres shrink by cos(latitude); scale them back to ground metres
    scale = np.cos(np.radians(points.geometry.y.to_numpy()))
    gap = pts.distance(polys).to_numpy() * scale
    far = gap > max_outside_m
    if far.any():
        pos = int(np.flatnonzero(far)[0])
        p = points.geometry.iloc[pos]
        raise InputDataError(
            f"{path}, row {_row(pos)}: {id_column} {points[id_column].iloc[pos]!r} at "
            f"({p.x:.5f}, {p.y:.5f}) lies {gap[pos] / 1000:,.1f} km outside its district "
            f"{points['district_id'].iloc[pos]!r}; expected a point inside it (are longitude "
            "and latitude swapped?)"
        )


def record_at(path: Path, pos: int) -> str:
    """Name record ``pos`` of an input file: its CSV row (counting the header), else feature."""
    return f"row {pos + 2}" if path.suffix.lower() in (".csv", ".txt") else f"feature {pos}"


def populations_agree(districts: gpd.GeoDataFrame, settlements: pd.DataFrame, path: Path) -> None:
    """Refuse settlements whose populations do not sum to their district's figure."""
    sums = settlements.groupby("district_id")["population"].sum()
    given = districts.set_index("district_id")["population"]
    got = sums.reindex(given.index).fillna(0)
    off = (got - given).abs() > 0.5
    if off.any():
        did = str(given.index[np.flatnonzero(off.to_numpy())[0]])
        raise InputDataError(
            f"{path}: the settlements of district {did!r} hold {int(got.loc[did]):,} people "
            f"but districts.geojson gives it {int(given.loc[did]):,}; a row is duplicated or "
            "missing, or one of the files was edited alone"
        )


def _refuse_first(bad: pd.Series, path: Path, say: str) -> None:
    """Refuse the first row ``bad`` marks: ``PATH, row N: SAY (K such rows)``."""
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        count = int(bad.sum())
        raise InputDataError(
            f"{path}, {record_at(path, pos)}: {say} ({count} such {noun(count, 'row')})"
        )


def known_ids(frame: pd.DataFrame, column: str, known: pd.Series, path: Path, *, of: str) -> None:
    """Refuse a row whose ``column`` names an id not among ``known`` (blank: none named).

    ``of`` names the file that holds the known ids, for the message.
    """
    ids = frame[column].fillna("").astype(str).str.strip()
    bad = ids.ne("") & ~ids.isin(set(known.astype(str)))
    first = ids[bad].iloc[0] if bad.any() else ""
    _refuse_first(
        bad,
        path,
        f"{column} is {first!r}, which {of} does not hold; expected one of its ids or a blank",
    )


def distinct_from_shelters(candidates: pd.DataFrame, shelters: pd.DataFrame, path: Path) -> None:
    """Refuse a candidate id that is an existing shelter's: a plan's sites need one id each."""
    ids = candidates["candidate_id"].astype(str)
    clash = ids.isin(set(shelters["shelter_id"].astype(str)))
    first = ids[clash].iloc[0] if clash.any() else ""
    _refuse_first(
        clash,
        path,
        f"candidate_id {first!r} is an existing shelter's id; expected an id of "
        "its own, since a plan lists shelters and candidates together, one row per id",
    )


def named_rows(points: pd.DataFrame, path: Path, *, what: str) -> None:
    """Refuse a row of a user's points file without a name (outputs and lists name each)."""
    blank = points["name"].fillna("").astype(str).str.strip().eq("")
    _refuse_first(
        blank,
        path,
        f"name is empty; expected the {what}'s name, by which outputs, maps and a "
        "scenario's include, exclude and require lists know it",
    )


def check_columns(frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    """Refuse a table without the columns it needs."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = [c for c in frame.columns if c != "geometry"]
        raise InputDataError(
            f"{path} lacks {noun(len(missing), 'column')} {missing}; it has {have}"
            + _near_names(missing, have)
        )


def _near_names(missing: Sequence[str], have: Sequence[object]) -> str:
    """Point out columns that differ from the missing ones only in case or spacing."""

    def key(name: object) -> str:
        return "_".join(str(name).strip().lower().replace("-", " ").split())

    found = {key(c): str(c) for c in have}
    pairs = [(found[key(c)], c) for c in missing if key(c) in found]
    if not pairs:
        return ""
    said = ", ".join(f"{given!r} differs from {wanted!r}" for given, wanted in pairs)
    return f" ({said} only in case or spacing; names must match exactly)"


#: Optional columns of a candidate file: a site's own capacity (family places) and cost.
SITE_SIZE_COLUMNS = ("capacity_places", "cost")


def own_site_sizes(frame: pd.DataFrame, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read candidates' own capacity (family places) and opening cost, where given.

    Both columns are optional; when present they go together, row by row: a
    row with both gives that site's own size, a row with neither uses the
    scenario's size table.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        Capacities and costs, ``nan`` where not given.
    """
    cap_col, cost_col = SITE_SIZE_COLUMNS
    present = [c for c in SITE_SIZE_COLUMNS if c in frame.columns]
    if not present:
        return np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    if len(present) == 1:
        missing = cost_col if present[0] == cap_col else cap_col
        raise InputDataError(
            f"{path} has a {present[0]!r} column but no {missing!r}; a site's own capacity "
            "(family places) and opening cost go together"
        )
    values = {}
    for col in SITE_SIZE_COLUMNS:
        raw = frame[col]
        blank = raw.isna() | (raw.astype(str).str.strip() == "")
        nums = pd.to_numeric(raw.where(~blank), errors="coerce").astype(float)
        bad = ~blank & ~np.isfinite(nums)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputDataError(
                f"{path}, {record_at(path, pos)}: {col} is {raw.iloc[pos]!r}; expected a number"
                + number_hint(str(raw.iloc[pos]))
            )
        values[col] = nums.to_numpy()
    cap, cost = values[cap_col], values[cost_col]
    lone = np.isfinite(cap) != np.isfinite(cost)
    if lone.any():
        pos = int(np.flatnonzero(lone)[0])
        raise InputDataError(
            f"{path}, {record_at(path, pos)}: give both capacity_places and cost, or leave "
            "both empty"
        )
    if (cap <= 0).any():
        pos = int(np.flatnonzero(cap <= 0)[0])
        raise InputDataError(
            f"{path}, {record_at(path, pos)}: capacity_places is {cap[pos]:g}; expected > 0"
        )
    if (cost < 0).any():
        pos = int(np.flatnonzero(cost < 0)[0])
        raise InputDataError(
            f"{path}, {record_at(path, pos)}: cost is {cost[pos]:g}; expected >= 0"
        )
    return cap, cost
