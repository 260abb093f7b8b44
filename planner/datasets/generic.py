"""Build a dataset folder for any region from plain inputs (``shelter-planner data build``).

A user brings:

* district **boundaries** (any polygon file GeoPandas reads) with an id and a
  name column, optionally an economic-region column;
* the **roads**: an OSM XML extract (``.osm`` / ``.osm.bz2``) or an osmnx
  graph saved as GraphML;
* a **population** table (``district_id``, ``population``, optionally
  ``population_source``) with one row per district; optional when the places
  carry populations (each district then counts the people of its places);
* **places**: settlement points with ``name`` and either ``population`` or an
  OSM ``place`` class (city, town, village, hamlet), which spreads each
  district's population over its settlements (weights in
  :data:`planner.demand.PLACE_WEIGHTS`); a district with no place gets one
  settlement at its centre;
* **shelters** (optional): existing shelter points with ``name`` and
  ``capacity_places``, their beds (optional ``inclusive``), each inside a district or
  at most :data:`~planner._dataset_checks.MAX_OUTSIDE_M` outside one; none means no
  shelter today;
* **hospitals** (optional): points with ``name`` (optional ``subclass`` and
  ``hospital_type``, see :mod:`planner.hospital_types`); a file of OSM points of
  interest keeps only its hospitals and clinics (:data:`HOSPITAL_TAG_COLUMNS`,
  :data:`HOSPITAL_KINDS`), and points outside every district are left out;
* **about** (optional): a JSON or TOML file with the dataset's ``sources``,
  ``licences``, ``limitations``, ``disconnected_note`` and ``population_note`` for the
  report.

Nothing here knows a country: what a report says about the data comes only
from ``about``. Candidate sites for new shelters are the cities and towns and
each district's largest settlement.
"""

from __future__ import annotations

import json
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._dataset_checks import (
    DISTRICT_COLUMNS,
    MAX_OUTSIDE_M,
    MAX_SHELTER_PLACES,
    SHELTER_COLUMNS,
    boolean_column,
    districts_holding,
    name_columns,
    nearest_districts,
    number_column,
    number_hint,
    record_at,
)
from planner._errors import InputDataError, MissingInputError
from planner._i18n import noun
from planner._progress import LogProgress, Progress
from planner._validate import unknown_keys
from planner.datasets._folder import BuildReport, add_extra_roads, sha256, write_dataset_folder
from planner.demand import (
    PLACE_WEIGHTS,
    RESIDENTIAL_FLOOR_KM2,
    URBAN_PLACES,
    dasymetric_weights,
    distribute,
    fit_urban_multiplier,
    residential_area,
)
from planner.hospital_types import (
    HOSPITAL_TYPES,
    UNCLASSIFIED,
    TypeRule,
    classify_hospitals,
    read_type_rules,
)
from planner.network import (
    DEFAULT_SPEEDS_KPH,
    CompiledNetwork,
    apply_speeds,
    graph_from_osm_pbf,
    graph_from_osm_xml,
    read_speed_table,
    snap_points,
)
from planner.readers import _id_text, read_boundaries, read_points, read_population_table

__all__ = ["RegionInputs", "build_dataset", "read_about"]

#: Keys an ``about`` file may give, and what each holds.
ABOUT_KEYS = {
    "name": "the dataset's name (default: the output folder's name)",
    "sources": "list of sentences naming each source, its year and licence",
    "licences": "object {source: licence}",
    "limitations": "list of sentences the report prints under its limitations",
    "disconnected_note": "sentence explaining districts with no road path to a shelter",
    "population_note": "whose figures the district populations are, quoted beside the "
    "population in reports (default: the population table's population_source)",
    "translations": "object {language: {sources, limitations, disconnected_note, "
    "population_note, regions, terms}} for "
    "reports in that language (--lang); regions maps each region to its name there, terms "
    "the planner's word 'region' to the dataset's ({region = 'province'})",
}
_SETTLEMENT_COLUMNS = [
    "settlement_id",
    "name",
    "name_source",
    "place",
    "district_id",
    "weight",
    "population",
    "lon",
    "lat",
]
#: Columns of a hospital file that name each point's kind in OSM's words (points of interest).
HOSPITAL_TAG_COLUMNS = ("amenity", "healthcare", "class", "subclass")
#: Kinds kept as hospitals: those that can host a rape crisis centre or forensic examination
#: (nursing homes, pharmacies, doctors' practices, police and the like are left out).
HOSPITAL_KINDS = frozenset({"hospital", "clinic"})
#: A settlement farther than this from any road is reported (its travel times are rough).
FAR_FROM_ROADS_M = 10_000.0
#: A road extract with more than this share of its nodes farther than ``ROADS_BEYOND_M``
#: outside the districts is noted: most of it serves no trip of the area.
ROADS_BEYOND_SHARE = 0.5
ROADS_BEYOND_M = 50_000.0


def read_about(path: str | Path) -> dict[str, Any]:
    """Read a dataset's ``about`` file (JSON or TOML) and check its keys.

    Parameters
    ----------
    path
        ``.json`` or ``.toml`` file with any of the keys of :data:`ABOUT_KEYS`.

    Returns
    -------
    dict
        The checked contents.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"about file {path} does not exist")
    try:
        if path.suffix.lower() == ".toml":
            about: Any = tomllib.loads(path.read_text("utf-8"))
        else:
            about = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputDataError(f"{path} is not valid {path.suffix.lstrip('.')}: {exc}") from None
    if not isinstance(about, dict):
        raise InputDataError(f"{path} holds a {type(about).__name__}; expected an object")
    bad = unknown_keys(about, ABOUT_KEYS)
    if bad:
        raise InputDataError(f"{path}: {bad}")
    for key in ("sources", "limitations"):
        value = about.get(key, [])
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise InputDataError(f"{path}: {key} is {value!r}; expected a list of sentences")
    licences = about.get("licences", {})
    if not (isinstance(licences, dict) and all(isinstance(v, str) for v in licences.values())):
        raise InputDataError(f"{path}: licences is {licences!r}; expected {{source: licence}}")
    for key in ("name", "disconnected_note", "population_note"):
        if key in about and not isinstance(about[key], str):
            raise InputDataError(f"{path}: {key} is {about[key]!r}; expected text")
    _check_translations(path, about.get("translations", {}))
    return dict(about)


def _check_translations(path: Path, translations: object) -> None:
    """Check an about file's ``translations``: texts per language the planner reports in."""
    from planner._i18n import LANGUAGES, terms_problem

    if not isinstance(translations, dict):
        raise InputDataError(
            f"{path}: translations is {translations!r}; expected {{language: {{key: text}}}}"
        )
    for lang, texts in translations.items():
        if lang not in LANGUAGES:
            raise InputDataError(
                f"{path}: translations has language {lang!r}; expected one of {list(LANGUAGES)}"
            )
        if not isinstance(texts, dict):
            raise InputDataError(f"{path}: translations.{lang} is {texts!r}; expected an object")
        bad = unknown_keys(
            texts,
            ("sources", "limitations", "disconnected_note", "population_note", "regions", "terms"),
        )
        if bad:
            raise InputDataError(f"{path}: translations.{lang} has {bad}")
        regions = texts.get("regions", {})
        if not (isinstance(regions, dict) and all(isinstance(v, str) for v in regions.values())):
            raise InputDataError(
                f"{path}: translations.{lang}.regions is {regions!r}; expected "
                "{region: name in that language}"
            )
        for key in ("sources", "limitations"):
            value = texts.get(key, [])
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise InputDataError(
                    f"{path}: translations.{lang}.{key} is {value!r}; expected a list of sentences"
                )
        problem = terms_problem(texts.get("terms", {}))
        if problem:
            raise InputDataError(f"{path}: translations.{lang}.terms {problem}")
        for key in ("disconnected_note", "population_note"):
            note = texts.get(key, "")
            if not isinstance(note, str):
                raise InputDataError(
                    f"{path}: translations.{lang}.{key} is {note!r}; expected text"
                )


def _districts(
    boundaries: Path,
    *,
    id_column: str,
    name_column: str,
    region_column: str | None,
    region: str,
    population: Path | None,
    notes: list[str],
) -> gpd.GeoDataFrame:
    districts = read_boundaries(boundaries, name_column=name_column, id_column=id_column)
    if region_column is not None:
        raw = gpd.read_file(boundaries)
        if region_column not in raw.columns:
            raise InputDataError(
                f"{boundaries} lacks column {region_column!r} (--region-column); it has "
                f"{[c for c in raw.columns if c != 'geometry']}"
            )
        values = raw[region_column].where(raw[region_column].astype(str).str.strip() != "")
        regions = values.groupby(_id_text(raw[id_column])).first()
        districts["region"] = districts["district_id"].map(regions)
        lacking = districts.loc[districts["region"].isna(), "district_id"].tolist()
        if lacking:
            raise InputDataError(
                f"{boundaries}: {noun(len(lacking), 'district')} {_listed(lacking)} "
                f"{noun(len(lacking), 'has', 'have')} no region in column {region_column!r} "
                "(--region-column); expected one for every district"
            )
        districts["region"] = _id_text(districts["region"])  # a code 3.0 is region "3"
    else:
        districts["region"] = region
    if population is not None:
        _population_table(districts, population, boundaries=boundaries, id_column=id_column)
    districts["name_az"] = districts["name"]
    districts["kind"] = "district"
    utm = districts.estimate_utm_crs()
    districts["area_km2"] = (districts.to_crs(utm).area / 1e6).round(1)
    _note_overlaps(districts.to_crs(utm), boundaries, notes)
    return districts.sort_values("district_id").reset_index(drop=True)


def _population_table(
    districts: gpd.GeoDataFrame, population: Path, *, boundaries: Path, id_column: str
) -> None:
    """Give the districts the population table's figures (one row per district)."""
    table = read_population_table(population)
    ids = set(districts["district_id"])
    unknown = sorted(set(table["district_id"]) - ids)
    missing = sorted(ids - set(table["district_id"]))
    if unknown or missing:
        raise InputDataError(
            f"{population}: district_id values must be those of {boundaries} "
            f"(column {id_column!r}); unknown: {unknown[:5]}, without a row: {missing[:5]}"
        )
    by_id = table.set_index("district_id")
    districts["population"] = districts["district_id"].map(by_id["population"]).astype("int64")
    districts["population_source"] = districts["district_id"].map(by_id["population_source"])


def _populations_from_places(
    districts: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, places: Path, notes: list[str]
) -> None:
    """Give each district the sum of its places' populations (no population table given)."""
    own = settlements.loc[~settlements["placeholder"]]
    sums = own.groupby("district_id")["weight"].sum()
    totals = districts["district_id"].map(sums).fillna(0.0).to_numpy(float)
    districts["population"] = np.floor(totals + 0.5).astype("int64")
    districts["population_source"] = f"sum of the populations of its places in {places.name}"
    empty = districts.loc[districts["population"] == 0, "district_id"].tolist()
    if empty:
        notes.append(
            f"population: {len(empty)} {noun(len(empty), 'district holds', 'districts hold')} "
            f"no place with people in {places.name}, so "
            f"{noun(len(empty), 'it counts', 'they count')} 0 people: {_listed(empty)}; give "
            "--population to count them"
        )


def _note_overlaps(districts: gpd.GeoDataFrame, boundaries: Path, notes: list[str]) -> None:
    """Note districts whose polygons overlap (more than 1 % of the smaller one)."""
    shapes = districts[["district_id", "geometry"]]
    pairs = gpd.sjoin(shapes, shapes, predicate="intersects")
    pairs = pairs.loc[pairs["district_id_left"] < pairs["district_id_right"]]
    if pairs.empty:
        return
    geom = shapes.set_index("district_id").geometry
    found = []
    for a, b in zip(pairs["district_id_left"], pairs["district_id_right"], strict=True):
        share = geom[a].intersection(geom[b]).area / min(geom[a].area, geom[b].area)
        if share > 0.01:
            found.append(f"{a!r} and {b!r} ({share:.0%} of the smaller)")
    if found:
        shown = "; ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        notes.append(
            f"boundaries: {noun(len(found), 'a pair', 'pairs')} of districts in {boundaries.name} "
            f"overlap: {shown}; a point in both belongs to the smaller district"
        )


def _weighted_places(places: Path, notes: list[str]) -> tuple[gpd.GeoDataFrame, bool]:
    """Read the places with their weights: their population, else their OSM place class."""
    points = read_points(places, required=["name"])
    has_population = "population" in points.columns
    if has_population:
        weight = pd.to_numeric(points["population"], errors="coerce")
        bad = ~np.isfinite(weight.to_numpy(float)) | (weight.to_numpy(float) < 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            where = record_at(places, pos)
            raw = points["population"].iloc[pos]
            shown = "empty" if pd.isna(raw) else f"{raw!r}"
            hint = (
                " (or no population column, to weight the places by their 'place' class)"
                if "place" in points.columns
                else ""
            )
            if not pd.isna(raw):
                hint = number_hint(str(raw)) + hint
            raise InputDataError(
                f"{places}, {where}: population is {shown}; expected a number >= 0 for every "
                f"place{hint}"
            )
        points["weight"] = weight.to_numpy(float)
        points["place"] = points.get("place", pd.Series("village", index=points.index))
    else:
        if "place" not in points.columns:
            raise InputDataError(
                f"{places} has neither 'population' nor 'place' (an OSM place class); "
                "expected one to spread district populations over settlements"
            )
        kept = points["place"].isin(list(PLACE_WEIGHTS))
        if not kept.all():
            counts = points.loc[~kept, "place"].astype(str).value_counts().to_dict()
            notes.append(f"places: {int((~kept).sum())} of other classes left out ({counts})")
        points = points.loc[kept].copy()
        points["weight"] = points["place"].map(PLACE_WEIGHTS).astype(float)
    return points, has_population


def _settlements(
    places: Path,
    districts: gpd.GeoDataFrame,
    notes: list[str],
    *,
    counted: bool,
    residential: tuple[Path, float | None] | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Place the settlements in districts and spread the populations; say by which weights.

    The weights are said for the metadata's ``settlement_weights``: ``method`` in
    words, ``kind`` (``"own_population"``, ``"place_class"`` with the
    ``place_weights`` used, or ``"residential"`` with its multiplier) for reports
    to describe in any language. ``residential``: the residential-land file and
    the urban share to fit, replacing the class weights (not places' own
    populations).

    ``counted``: the districts carry populations of their own (a population
    table); else each counts the people of its places, which must then carry
    a population.
    """
    points, has_population = _weighted_places(places, notes)
    if not counted and not has_population:
        raise InputDataError(
            f"{places} has no population column and no population table was given "
            "(--population); expected one of them to count the people of each district"
        )
    points["place"] = points["place"].fillna("village").astype(str)
    named = points["name"].notna() & (points["name"].astype(str).str.strip() != "")
    if not named.all():
        count = int((~named).sum())
        notes.append(f"places: {count:,} without a name left out")
    points = points.loc[named]
    if points.empty:
        raise InputDataError(f"{places} has no place with a name; expected named places")
    held = districts_holding(points, districts)
    joined = points.loc[held.notna(), ["name", "place", "weight", "geometry"]].assign(
        district_id=held.dropna()
    )
    outside = len(points) - len(joined)
    if outside:
        near, _ = nearest_districts(points.loc[held.isna()], districts)
        close = int(near.notna().sum())
        if joined.empty and not close:  # a dataset without any of them would mislead
            raise InputDataError(
                f"{places}: none of its {len(points):,} {noun(len(points), 'place')} lies in "
                f"or near a district; expected points in the area"
                + (_swapped_hint(points, districts) or " (is the file for another area?)")
            )
        notes.append(
            f"places: {outside:,} outside every district left out"
            + (
                f" ({close:,} of them within {MAX_OUTSIDE_M / 1000:g} km of one: generalised "
                "borders or coasts may have cut them off; their people are spread over the "
                "district's other places)"
                if close
                else ""
            )
            + _swapped_hint(points.loc[held.isna()], districts)
        )
    settlements = gpd.GeoDataFrame(joined, geometry="geometry", crs="EPSG:4326")
    settlements["placeholder"] = False
    empty = sorted(set(districts["district_id"]) - set(settlements["district_id"]))
    if empty:
        centres = districts.set_index("district_id").loc[empty]
        extra = gpd.GeoDataFrame(
            {
                "name": centres["name"].to_numpy(),
                "place": "village",
                "weight": 1.0,
                "district_id": empty,
                "placeholder": True,
            },
            geometry=centres.geometry.representative_point().to_numpy(),
            crs="EPSG:4326",
        )
        settlements = pd.concat([settlements, extra], ignore_index=True)
        notes.append(
            f"places: {len(empty)} {noun(len(empty), 'district')} without a place got one "
            f"settlement at {noun(len(empty), 'its', 'their')} centre: {_listed(empty)}"
        )
    settlements = settlements.assign(
        lon=settlements.geometry.x.round(6), lat=settlements.geometry.y.round(6)
    )
    settlements = settlements.sort_values(["district_id", "lon", "lat", "name"], kind="stable")
    settlements = settlements.reset_index(drop=True)
    settlements["settlement_id"] = [f"S{k + 1:05d}" for k in range(len(settlements))]
    if not counted:
        _populations_from_places(districts, settlements, places, notes)
    if has_population:
        own = "the places' own population"
        summed = "" if counted else ", summed to give each district's population"
        weights: dict[str, Any] = {"method": own + summed, "kind": "own_population"}
        if residential is not None:
            notes.append(f"{residential[0].name}: not used, the places carry their own population")
    elif residential is not None:  # re-weights the settlements by their land, in place
        weights = _residential_weights(settlements, districts, residential, notes)
    else:
        weights = {
            "method": "OSM place class weights (planner.demand.PLACE_WEIGHTS)",
            "kind": "place_class",
            "place_weights": dict(PLACE_WEIGHTS),
        }
    # a district's people with no weight anywhere would vanish: give each settlement one
    total_weight = settlements.groupby("district_id")["weight"].transform("sum")
    settlements.loc[total_weight <= 0, "weight"] = 1.0
    totals = dict(zip(districts["district_id"], districts["population"], strict=True))
    settlements["population"] = distribute(
        totals, settlements["district_id"], settlements["weight"].to_numpy(float)
    )
    settlements["name_source"] = "input"
    return settlements, weights


def _residential_weights(
    settlements: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    residential: tuple[Path, float | None],
    notes: list[str],
) -> dict[str, Any]:
    """Weight the settlements by the residential land nearest to each, in place.

    Cities' and towns' land counts the multiplier at which their share of the
    districts' people equals the urban share given (1 without one). Returns the
    metadata's ``settlement_weights``.
    """
    path, target = residential
    area_of = districts.geometry.union_all()
    read = _residential_land(path)
    # land beyond the districts is no one's here: it would go to the settlements nearest it
    land = gpd.clip(read, area_of, keep_geom_type=True)
    land = land.loc[~land.geometry.is_empty]
    centre = area_of.centroid
    crs = f"+proj=laea +lat_0={centre.y:.4f} +lon_0={centre.x:.4f} +datum=WGS84 +units=m"
    area = residential_area(settlements, land, metric_crs=crs)
    urban = settlements["place"].isin(URBAN_PLACES).to_numpy(bool)
    multiplier = 1.0
    if target is not None:
        totals = dict(zip(districts["district_id"], districts["population"], strict=True))
        try:
            multiplier = fit_urban_multiplier(
                totals,
                settlements["district_id"],
                area,
                urban,
                target_share=target,
                floor_km2=RESIDENTIAL_FLOOR_KM2,
            )
        except InputDataError as exc:
            raise InputDataError(f"{path} with urban_share {target}: {exc}") from exc
    settlements["weight"] = np.round(
        dasymetric_weights(
            area, urban, urban_multiplier=multiplier, floor_km2=RESIDENTIAL_FLOOR_KM2
        ),
        4,
    )
    notes.append(
        f"residential land: {len(land):,} of the {len(read):,} {noun(len(read), 'area')} of "
        f"{path.name} lie in the districts, {area.sum():,.0f} km² shared among the "
        "settlements by Voronoi cells; cities' and "
        f"towns' land counts {multiplier:g} times"
        + (f" (fitted to an urban share of {target:.1%})" if target is not None else "")
    )
    return {
        "method": (
            "dasymetric: residential land in each settlement's Voronoi cell (at least "
            f"{RESIDENTIAL_FLOOR_KM2} km²), times the urban multiplier for cities and towns"
        ),
        "kind": "residential",
        "urban_multiplier": multiplier,
        "floor_km2": RESIDENTIAL_FLOOR_KM2,
        "urban_share_target": target,
    }


def _residential_land(path: Path) -> gpd.GeoDataFrame:
    """Read residential-land polygons in longitude and latitude; name the file if unusable."""
    try:
        land = gpd.read_file(path)
    except Exception as exc:  # any reader's failure: say which file
        raise InputDataError(f"{path} cannot be read as a vector file: {exc}") from exc
    if land.crs is None:
        raise InputDataError(f"{path} has no coordinate system; expected one (EPSG:4326, say)")
    land = land.to_crs("EPSG:4326")
    polygons = land.geometry.notna() & land.geom_type.isin(["Polygon", "MultiPolygon"])
    land = land.loc[polygons & ~land.geometry.is_empty]
    if land.empty:
        raise InputDataError(f"{path} holds no polygon; expected residential-land areas")
    return land


def _swapped_hint(outside: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> str:
    """Say so when points outside every district would lie in one with x and y swapped."""
    swapped = outside.set_geometry(
        gpd.points_from_xy(outside.geometry.y, outside.geometry.x, crs=outside.crs)
    )
    would = int(districts_holding(swapped, districts).notna().sum())
    if not would:
        return ""
    which = "it" if len(outside) == 1 else f"{would:,} of them"
    return (
        f" (are longitude and latitude swapped? {which} would lie in a district with the two "
        "swapped)"
    )


def _shelters(path: Path | None, districts: gpd.GeoDataFrame, notes: list[str]) -> pd.DataFrame:
    columns = [*SHELTER_COLUMNS, "lon", "lat"]
    if path is None:
        notes.append("shelters: none given; the area has no shelter today")
        return pd.DataFrame(columns=columns)
    points = read_points(path, required=["name", "capacity_places"], allow_no_rows=True)
    if points.empty:
        notes.append(f"shelters: {path.name} lists none; the area has no shelter today")
        return pd.DataFrame(columns=columns)
    unnamed = (points["name"].isna() | (points["name"].astype(str).str.strip() == "")).to_numpy()
    if unnamed.any():
        pos = int(np.flatnonzero(unnamed)[0])
        raise InputDataError(
            f"{path}, {record_at(path, pos)}: name is empty; expected "
            "the shelter's name (kept private, shown only by district)"
        )
    points["capacity_places"] = number_column(
        points,
        "capacity_places",
        path,
        strict=True,
        maximum=MAX_SHELTER_PLACES,
        row_offset=2 if path.suffix.lower() in (".csv", ".txt") else 0,
    )
    if "inclusive" in points.columns:  # blank: not known to be inclusive
        given = points["inclusive"]
        blank = given.isna() | (given.astype(str).str.strip() == "")
        points["inclusive"] = boolean_column(
            points.assign(inclusive=given.where(~blank, "false")), "inclusive", path
        )
    ids, _ = nearest_districts(points, districts)
    if ids.isna().any():
        pos = int(np.flatnonzero(ids.isna().to_numpy())[0])
        where = record_at(path, pos)
        point = points.geometry.iloc[pos]
        raise InputDataError(
            f"{path}, {where}: shelter {points['name'].iloc[pos]!r} at ({point.x:.5f}, "
            f"{point.y:.5f}) lies more than {MAX_OUTSIDE_M / 1000:g} km outside every district; "
            "expected a point in the area (are longitude and latitude swapped?)"
        )
    joined = points.assign(district_id=ids)
    inclusive = (
        joined["inclusive"].astype(bool)
        if "inclusive" in joined.columns
        else pd.Series(False, index=joined.index)
    )
    # the shelter's name in another language (name_az), for outputs in it
    other = {c: joined[c].to_numpy() for c in name_columns(list(joined.columns))}
    return pd.DataFrame(
        {
            "shelter_id": [f"SH-{k + 1}" for k in range(len(joined))],
            "name": joined["name"].astype(str).to_numpy(),
            **other,
            "district_id": joined["district_id"].to_numpy(),
            "capacity_places": joined["capacity_places"].astype(float).to_numpy(),
            "inclusive": inclusive.to_numpy(),
            "location_approximate": False,
            "lon": joined.geometry.x.round(6).to_numpy(),
            "lat": joined.geometry.y.round(6).to_numpy(),
        }
    )


def _listed(items: list[Any], first: int = 5) -> str:
    """Items for a note: all of them, or the first few and how many more."""
    more = len(items) - first
    return str(items) if more <= 0 else f"{items[:first]} and {more:,} more"


def _note_roads_outside(
    network: CompiledNetwork, districts: gpd.GeoDataFrame, notes: list[str]
) -> None:
    """Note a road extract that reaches far beyond the area (it costs time and memory)."""
    import shapely

    if len(network.lon) == 0:
        return
    metric = districts.estimate_utm_crs()
    near = districts.to_crs(metric).union_all().buffer(ROADS_BEYOND_M)
    pts = gpd.GeoSeries(gpd.points_from_xy(network.lon, network.lat), crs="EPSG:4326")
    pts = pts.to_crs(metric)
    share = 1.0 - float(shapely.contains_xy(near, pts.x.to_numpy(), pts.y.to_numpy()).mean())
    if share > ROADS_BEYOND_SHARE:
        notes.append(
            f"roads: {share:.0%} of the road nodes lie more than {ROADS_BEYOND_M / 1000:g} km "
            "outside the districts; an extract cut to the area (planner.network.clip_osm_xml) "
            "builds and plans faster"
        )


def _candidates(settlements: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cities and towns, and each district's largest settlement where it has none."""
    urban = settlements["place"].isin(["city", "town"])
    ids, places = settlements.loc[urban, "settlement_id"], settlements.loc[urban, "place"]
    rows = [(str(sid), str(p)) for sid, p in zip(ids, places, strict=True)]
    covered = set(settlements.loc[urban, "district_id"])
    for district_id, members in settlements.groupby("district_id", sort=True):
        if district_id not in covered:
            best = members.sort_values("population", ascending=False, kind="stable").iloc[0]
            rows.append((str(best["settlement_id"]), "main settlement (largest in the district)"))
    chosen = pd.DataFrame(rows, columns=["settlement_id", "reason"])
    cand = chosen.merge(
        settlements[["settlement_id", "name", "district_id", "lon", "lat"]], on="settlement_id"
    )
    cand["candidate_id"] = "C-" + cand["settlement_id"]
    cand = cand.sort_values("candidate_id").reset_index(drop=True)
    return cand[["candidate_id", "settlement_id", "name", "district_id", "reason", "lon", "lat"]]


def _health_facilities(points: gpd.GeoDataFrame, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    """Keep the hospitals and clinics of a points file that says what each point is.

    A file of OSM points of interest names each point's kind in OSM's words
    (``amenity``, ``healthcare``, or ``class`` and ``subclass``); a point is
    kept when every such column it has is blank or says hospital or clinic.
    A file without these columns is taken as hospitals throughout.
    """
    tags = [c for c in HOSPITAL_TAG_COLUMNS if c in points.columns]
    if not tags or points.empty:
        return points
    kind = pd.Series("", index=points.index)
    for col in tags:
        value = points[col].fillna("").astype(str).str.strip().str.lower()
        other = (kind == "") & (value != "") & ~value.isin(list(HOSPITAL_KINDS))
        kind = kind.where(~other, value)
    left = kind != ""
    if left.all():
        raise InputDataError(
            f"{path}: no point is a hospital or clinic by its {tags} "
            f"({kind.value_counts().head(5).to_dict()}); expected {sorted(HOSPITAL_KINDS)} "
            "(or blank) in these columns, or a file of hospitals without them"
        )
    if left.any():
        count = int(left.sum())
        notes.append(
            f"hospitals: {count:,} {noun(count, 'point')} of other kinds left out by "
            f"{'/'.join(tags)} ({kind[left].value_counts().to_dict()})"
        )
    return points.loc[~left]


def _hospitals(
    path: Path | None,
    districts: gpd.GeoDataFrame,
    notes: list[str],
    rules: list[TypeRule] | None = None,
) -> pd.DataFrame:
    columns = ["hospital_id", "name", "subclass", "district_id", "hospital_type", "lon", "lat"]
    if path is None:
        return pd.DataFrame(columns=columns)
    points = _health_facilities(
        read_points(path, required=["name"], allow_no_rows=True), path, notes
    )
    held = districts_holding(points, districts)
    joined = points.loc[held.notna()].assign(district_id=held.dropna())
    outside = len(points) - len(joined)
    if outside:
        notes.append(
            f"hospitals: {outside} outside every district left out (a hospital is kept only "
            "inside the area, never across a border)"
            + _swapped_hint(points.loc[held.isna()], districts)
        )
    subclass = (
        joined["subclass"].fillna("").astype(str).str.strip()
        if "subclass" in joined.columns
        else pd.Series("", index=joined.index)
    )
    names = joined["name"].fillna("").astype(str).str.strip()
    unnamed = names == ""
    # as the embedded dataset writes them, so that outputs flag them (planner.tables)
    names.loc[unnamed] = "(unnamed " + subclass.loc[unnamed].replace("", "hospital") + ")"
    kinds = _hospital_types(joined.assign(name=names), path, notes, rules)
    return pd.DataFrame(
        {
            "hospital_id": [f"H-{k + 1}" for k in range(len(joined))],
            "name": names.to_numpy(),
            "subclass": subclass.to_numpy(),
            "district_id": joined["district_id"].to_numpy(),
            "hospital_type": kinds.to_numpy(),
            "lon": joined.geometry.x.round(6).to_numpy(),
            "lat": joined.geometry.y.round(6).to_numpy(),
        }
    )


def _hospital_types(
    hospitals: pd.DataFrame, path: Path, notes: list[str], rules: list[TypeRule] | None
) -> pd.Series:
    """Each hospital's type: its own ``hospital_type``, else from its name by ``rules``.

    Without rules and without any type the hospitals are
    :data:`~planner.hospital_types.UNCLASSIFIED` (every one offered to the
    services); a type for some hospitals and none for others is refused.
    """
    kinds = (
        hospitals["hospital_type"].fillna("").astype(str).str.strip()
        if "hospital_type" in hospitals.columns
        else pd.Series("", index=hospitals.index)
    )
    bad = ~kinds.isin([*HOSPITAL_TYPES, ""])
    if bad.any():
        pos = int(hospitals.index[np.flatnonzero(bad.to_numpy())[0]])
        where = record_at(path, pos)
        raise InputDataError(
            f"{path}, {where}: hospital_type {kinds[bad].iloc[0]!r} is not one of "
            f"{sorted(HOSPITAL_TYPES)}"
        )
    blank = kinds == ""
    if rules is not None and blank.any():
        named = classify_hospitals(hospitals.loc[blank, "name"].tolist(), rules)
        kinds.loc[blank] = named.to_numpy()
        counts = named.value_counts().to_dict()
        notes.append(f"hospitals: {int(blank.sum()):,} typed from their names ({counts})")
    elif blank.all():
        kinds = pd.Series(UNCLASSIFIED, index=hospitals.index)
    elif blank.any():
        pos = int(hospitals.index[np.flatnonzero(blank.to_numpy())[0]])
        where = record_at(path, pos)
        raise InputDataError(
            f"{path}, {where}: hospital_type is blank while other hospitals have one; "
            "expected a type for every hospital, for none, or rules to read it from the "
            "names (--hospital-types)"
        )
    return kinds


def _graph(roads: Path, speeds: Mapping[str, float] | None) -> Any:
    if not roads.is_file():
        raise MissingInputError(f"road file {roads} does not exist")
    if roads.suffix.lower() == ".graphml":
        import osmnx as ox

        try:
            graph = ox.load_graphml(roads)
        except (ElementTree.ParseError, KeyError, ValueError) as exc:
            raise InputDataError(
                f"{roads} is not a readable osmnx GraphML graph ({type(exc).__name__}: {exc}); "
                "expected one saved by osmnx.save_graphml"
            ) from None
        if not len(graph):
            raise InputDataError(f"{roads} holds no road nodes; expected the area's roads")
        bare = [n for n, d in graph.nodes(data=True) if d.get("x") is None or d.get("y") is None]
        if bare:
            raise InputDataError(
                f"{roads}: node {bare[0]!r} has no x/y coordinates ({len(bare):,} such "
                f"{noun(len(bare), 'node')}); expected a graph saved by osmnx.save_graphml"
            )
        crs = graph.graph.get("crs")
        if crs is not None and ox.projection.is_projected(crs):
            graph = ox.projection.project_graph(graph, to_latlong=True)  # e.g. ox.project_graph
        lon = [float(x) for _, x in graph.nodes(data="x")]
        lat = [float(y) for _, y in graph.nodes(data="y")]
        if lon and (max(map(abs, lon)) > 180 or max(map(abs, lat)) > 90):
            raise InputDataError(
                f"{roads}: node coordinates reach ({max(lon, key=abs):g}, {max(lat, key=abs):g}), "
                f"not longitude and latitude, and the graph's crs is {crs!r}; expected a graph "
                "in EPSG:4326 or one whose crs attribute names its projection"
            )
        graph.graph["crs"] = "EPSG:4326"
        return apply_speeds(graph, speeds=speeds)
    if roads.suffix.lower() == ".pbf":
        return graph_from_osm_pbf(roads, speeds=speeds)
    return graph_from_osm_xml(roads, speeds=speeds)


@dataclass(frozen=True)
class RegionInputs:
    """The plain inputs of a region's dataset, checked when made.

    Attributes
    ----------
    boundaries
        District polygons (any vector file).
    id_column, name_column
        The boundary file's columns with a stable district id and its name.
    roads
        OSM XML extract (``.osm``, ``.osm.bz2``), OSM PBF extract (``.osm.pbf``,
        with the optional ``osmium`` package) or osmnx GraphML file.
    places
        Settlement points with ``name`` and ``population`` or an OSM ``place``.
    population
        CSV with ``district_id`` (the boundary ids) and ``population``. Without
        it, each district counts the people of its places, which must then
        carry a ``population``.
    shelters
        Existing shelters (``name``, ``capacity_places``: beds); none if omitted.
    hospitals
        Hospital points (``name``), for rape crisis centres and forensic
        examination; none if omitted.
    region_column
        Boundary column grouping districts into regions; default: one region,
        the dataset's name.
    about
        JSON or TOML file with the dataset's sources, licences, limitations
        (see :func:`read_about`).
    speeds
        CSV of road-class speeds (``highway,speed_kph``).
    extra_roads
        Road lines (any vector file with a ``highway`` class) to add: roads
        built after the OSM extract (:func:`planner.network.add_road_lines`).
    hospital_types
        CSV of ``type,pattern`` rules giving each hospital without a
        ``hospital_type`` its type from its name
        (:func:`planner.hospital_types.read_type_rules`).
    residential
        Residential-land polygons (any vector file; OSM ``landuse=residential``,
        say): places weighted by class are weighted instead by the land
        nearest to each (:func:`planner.demand.residential_area`).
    urban_share
        With ``residential``: the published share of people living in cities
        and towns, to which their land's density multiplier is fitted
        (:func:`planner.demand.fit_urban_multiplier`); ``None``: as dense as
        villages' land.
    """

    boundaries: Path
    id_column: str
    name_column: str
    roads: Path
    places: Path
    population: Path | None = None
    shelters: Path | None = None
    hospitals: Path | None = None
    region_column: str | None = None
    about: Path | None = None
    speeds: Path | None = None
    extra_roads: Path | None = None
    hospital_types: Path | None = None
    residential: Path | None = None
    urban_share: float | None = None

    def __post_init__(self) -> None:
        for key in (
            "boundaries",
            "roads",
            "population",
            "places",
            "shelters",
            "hospitals",
            "about",
            "speeds",
            "extra_roads",
            "hospital_types",
            "residential",
        ):
            value = getattr(self, key)
            if value is not None and not Path(value).is_file():
                raise MissingInputError(f"{key} file {value} does not exist")
        for key in ("id_column", "name_column"):
            if not str(getattr(self, key)).strip():
                raise InputDataError(f"{key} is empty; expected a column of {self.boundaries}")
        if self.urban_share is not None:
            if self.residential is None:
                raise InputDataError(
                    "urban_share is given without residential; expected the residential land "
                    "whose urban density it fits"
                )
            share = self.urban_share
            if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
                raise InputDataError(
                    f"urban_share is {share!r}; expected a share between 0 and 1 (0.55 for 55 %)"
                )

    def files(self) -> dict[str, Path]:
        """Return the input files by role (those given).

        Returns
        -------
        dict[str, Path]
            Each role given (``boundaries``, ``roads``, ...) to its file.
        """
        keys = (
            "boundaries",
            "roads",
            "population",
            "places",
            "shelters",
            "hospitals",
            "extra_roads",
            "hospital_types",
            "residential",
        )
        return {k: Path(getattr(self, k)) for k in keys if getattr(self, k) is not None}


def build_dataset(
    inputs: RegionInputs, out: str | Path, *, progress: Progress | None = None
) -> BuildReport:
    """Build a dataset folder for any region from plain inputs.

    Parameters
    ----------
    inputs
        The region's files and the boundary file's columns.
    out
        The dataset folder to write (replaced whole, or left as it was on error).
    progress
        Progress reporter; default logs each step.

    Returns
    -------
    BuildReport
        What was built, with the counts and warnings of each step.
    """
    out = Path(out)
    progress = progress or LogProgress()
    info = read_about(inputs.about) if inputs.about is not None else {}
    name = str(info.get("name") or out.name)
    notes: list[str] = []
    files = inputs.files()
    speed_table = read_speed_table(inputs.speeds) if inputs.speeds else None
    with progress.step("Reading districts and their populations"):
        districts = _districts(
            files["boundaries"],
            id_column=inputs.id_column,
            name_column=inputs.name_column,
            region_column=inputs.region_column,
            region=name,
            population=files.get("population"),
            notes=notes,
        )
    with progress.step("Placing settlements and spreading the population"):
        settlements, weights = _settlements(
            files["places"],
            districts,
            notes,
            counted="population" in files,
            residential=(
                (files["residential"], inputs.urban_share) if "residential" in files else None
            ),
        )
    with progress.step("Reading shelters and hospitals"):
        shelter_table = _shelters(files.get("shelters"), districts, notes)
        rules = read_type_rules(files["hospital_types"]) if "hospital_types" in files else None
        hospital_table = _hospitals(files.get("hospitals"), districts, notes, rules)
    with progress.step(f"Reading the road network ({files['roads'].name})"):
        graph = _graph(files["roads"], speed_table)
    if "extra_roads" in files:
        with progress.step("Adding road lines"):
            add_extra_roads(graph, files["extra_roads"], speed_table, notes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = CompiledNetwork.from_graph(graph)
        snapped = snap_points(network, settlements, warn_beyond_m=np.inf)
    far = snapped["snap_m"] > FAR_FROM_ROADS_M
    if far.any():
        count = int(far.sum())
        notes.append(
            f"roads: {count} {noun(count, 'settlement lies', 'settlements lie')} "
            f"more than {FAR_FROM_ROADS_M / 1000:g} km from any road (their travel times are "
            f"rough): {_listed(settlements.loc[far, 'name'].tolist())}"
        )
    _note_roads_outside(network, districts, notes)
    candidates = _candidates(settlements)
    counts = {
        "districts": len(districts),
        "settlements": len(settlements),
        "shelters": len(shelter_table),
        "candidates": len(candidates),
        "hospitals": len(hospital_table),
        "road_nodes": graph.number_of_nodes(),
        "road_edges": graph.number_of_edges(),
    }
    metadata: dict[str, Any] = {
        "name": name,
        "build_command": "shelter-planner data build --boundaries ... (generic build)",
        "sources": {k: {"file": p.name, "sha256": sha256(p)} for k, p in sorted(files.items())},
        "counts": counts,
        "population_total": int(districts["population"].sum()),
        "settlement_weights": weights,
        "speeds_kph": dict(sorted({**DEFAULT_SPEEDS_KPH, **(speed_table or {})}.items())),
        "notes": notes,
        "report": {
            key: info[key]
            for key in (
                "sources",
                "limitations",
                "disconnected_note",
                "population_note",
                "translations",
            )
            if key in info
        },
        "licences": dict(info.get("licences", {})),
    }
    with progress.step("Writing the dataset"):
        write_dataset_folder(
            out,
            districts=districts[[*DISTRICT_COLUMNS, "geometry"]],
            tables={
                "settlements": settlements[_SETTLEMENT_COLUMNS],
                "shelters": shelter_table,
                "candidates": candidates,
                "hospitals": hospital_table,
            },
            graph=graph,
            metadata=metadata,
        )
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return BuildReport(out=out, counts=counts, warnings=tuple(notes))
