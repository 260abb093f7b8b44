"""Build the embedded Azerbaijan dataset from the raw files (private plumbing).

The public entry point is :func:`planner.data.build_azerbaijan`; the CLI is
``shelter-planner data build``. Every step is deterministic: the same raw files
give the same output bytes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import tempfile
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._dataset_checks import nearest_districts
from planner._errors import InputDataError, MissingInputError
from planner._io import _umask, write_csv_atomic, write_text_atomic
from planner._progress import LogProgress, Progress
from planner.demand import PLACE_WEIGHTS, distribute, largest_remainder, settlement_weights
from planner.hospital_types import HOSPITAL_TYPES, TypeRule, classify_hospitals, read_type_rules
from planner.network import DEFAULT_SPEEDS_KPH, graph_from_osm_xml, read_speed_table, save_graph
from planner.readers import read_boundaries, read_population_table

RAW_FILES: dict[str, str] = {
    "boundaries": "geoBoundaries-AZE-ADM2.geojson",
    "places": "azerbaijan-places.geojson",
    "major": "azerbaijan-roads-major.osm.bz2",
    "drive": "azerbaijan-roads-drive.osm.bz2",
    "pois": "azerbaijan-pois.geojson",
}
# OSM hospital points that can host a rape crisis centre or 24/7 forensic
# examination (nursing homes cannot)
HOSPITAL_SUBCLASSES = ("hospital", "clinic")
NATIONAL_POPULATION = 10_180_770
EXISTING_PLACES = 175
SETTLEMENT_CLASSES = ("city", "town", "village", "hamlet")
# A place up to this far outside every district polygon is given the nearest
# district (boundary generalisation); farther ones are outside the country.
MAX_OUTSIDE_M = 3_000.0
# Equal-area projection centred on Azerbaijan, for areas and distances.
AREA_CRS = "+proj=laea +lat_0=40.2 +lon_0=47.6 +datum=WGS84 +units=m +no_defs"

# Letters of the Azerbaijani Latin alphabet in the English romanisation that
# geoBoundaries uses (Şəki -> Shaki, Xaçmaz -> Khachmaz, Cəlilabad -> Jalilabad).
_ROMANISE = str.maketrans(
    {
        "ş": "sh", "ç": "ch", "c": "j", "x": "kh", "ğ": "gh", "ə": "a", "ǝ": "a",
        "ı": "i", "ö": "o", "ü": "u", "q": "g",
    }
)  # fmt: skip


#: Licences of the sources, as the dataset's metadata states them.
LICENCES = {
    "OpenStreetMap": "ODbL 1.0, (c) OpenStreetMap contributors",
    "geoBoundaries": "CC BY-SA 3.0, geoBoundaries (www.geoboundaries.org)",
}

#: What a report must say about this dataset (read by the generic report and
#: map from ``metadata.json``; a dataset without them gets a report without them).
REPORT_TEXTS: dict[str, object] = {
    "sources": [
        "Roads and places: OpenStreetMap, Geofabrik extract of August 2021 \u2014 ODbL 1.0, "
        "\u00a9 OpenStreetMap contributors.",
        "Hospitals and clinics: OpenStreetMap points of interest (same extract) \u2014 ODbL 1.0.",
        "District boundaries: geoBoundaries gbOpen AZE ADM2 \u2014 CC BY-SA 3.0.",
        "Population: State Statistical Committee of Azerbaijan, 1 January 2024 totals and "
        "regional shares; district figures below the regional level are estimates.",
        "Standards: Council of Europe, Combating violence against women: minimum standards "
        "for support services (2008).",
        "Situation: submission to the UN Universal Periodic Review (State Statistical "
        "Committee yearbooks; Mukhtarova 2022).",
    ],
    "limitations": [
        "District populations are estimates; Karabakh and East Zangezur figures are "
        "registered populations that include displaced people living elsewhere.",
        "Roads are those of 2021, without speed limits or road condition; travel times are "
        "planning estimates for a car, not public transport.",
        "Existing shelters are modelled as two pooled shelters at the city centres of Baku "
        "and Ganja (their addresses are confidential); replace them with real data for "
        "operational use.",
        "Candidate sites are cities, towns and district centres; the cost figures are "
        "relative units set by the scenario, not budgets.",
        "Hospitals are OSM points of 2021 without departments or opening hours; a proposed "
        "hospital's suitability for a rape crisis centre or forensic service must be checked "
        "on the ground.",
    ],
    "disconnected_note": (
        "In Azerbaijan this is the Nakhchivan exclave, whose road links to the mainland "
        "cross Armenia or Iran."
    ),
}


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote.

    Attributes
    ----------
    out
        Dataset folder.
    counts
        Number of districts, settlements, shelters, candidates, hospitals, nodes, edges.
    warnings
        Things a user should know about the inputs.
    """

    out: Path
    counts: Mapping[str, int]
    warnings: tuple[str, ...]


def _skeleton(name: str, *, azerbaijani: bool = False) -> str:
    """Reduce a name to a spelling-independent consonant skeleton.

    With ``azerbaijani`` the name is first romanised the way geoBoundaries
    spells names (Şəki -> Shaki); English spellings are used as they are.
    """
    s = name.lower()
    if azerbaijani:
        s = s.translate(_ROMANISE)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub("[aeiouyh]", "", s).replace("q", "g").replace("k", "g")
    return re.sub("[^a-z]", "", s)


def _fold(name: str) -> str:
    s = unicodedata.normalize("NFKD", name.lower().replace("ı", "i").replace("ə", "e"))
    return "".join(c for c in s if c.isalnum() and not unicodedata.combining(c))


def _reference_csv(name: str) -> pd.DataFrame:
    text = (
        resources.files("planner.datasets.azerbaijan")
        .joinpath("_reference", name)
        .read_text("utf-8")
    )
    return pd.DataFrame(list(csv.DictReader(text.splitlines())))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def match_iso_codes(shape_names: pd.Series) -> pd.DataFrame:
    """Give each geoBoundaries unit its ISO 3166-2 code and Azerbaijani name.

    Names are matched automatically on a romanisation-independent skeleton
    against pycountry's subdivisions of the same kind (city = municipality,
    district = rayon); the committed crosswalk ``_reference/aze_crosswalk.csv``
    decides the names that do not match exactly one subdivision.

    Parameters
    ----------
    shape_names
        geoBoundaries ``shapeName`` values ("Khachmaz District", "Baku City").

    Returns
    -------
    pandas.DataFrame
        ``shape_name``, ``district_id``, ``name_az``, ``kind``, ``match``.
    """
    import pycountry

    crosswalk = _reference_csv("aze_crosswalk.csv").set_index("shape_name")
    index: dict[tuple[str, str], list[Any]] = {}
    for sub in pycountry.subdivisions.get(country_code="AZ"):  # type: ignore[no-untyped-call]
        if sub.type == "Autonomous republic":
            continue
        kind = "city" if sub.type == "Municipality" else "district"
        index.setdefault((_skeleton(sub.name, azerbaijani=True), kind), []).append(sub)
    rows = []
    for shape in shape_names:
        kind = "city" if shape.endswith(" City") else "district"
        if shape in crosswalk.index:
            entry = crosswalk.loc[shape]
            rows.append((shape, entry["district_id"], entry["name_az"], kind, "crosswalk"))
            continue
        base = re.sub(r"\s+(City|District)$", "", shape)
        found = index.get((_skeleton(base), kind), [])
        if len(found) != 1:
            raise InputDataError(
                f"district {shape!r} matches {len(found)} ISO 3166-2 subdivisions "
                f"({[s.code for s in found]}); add it to "
                "planner/datasets/azerbaijan/_reference/aze_crosswalk.csv"
            )
        rows.append((shape, found[0].code, found[0].name, kind, "automatic"))
    out = pd.DataFrame(rows, columns=["shape_name", "district_id", "name_az", "kind", "match"])
    dup = out["district_id"].duplicated(keep=False)
    if dup.any():
        raise InputDataError(
            f"several districts got the same ISO code: {out.loc[dup].to_dict('records')}"
        )
    return out


def _districts(path: Path) -> gpd.GeoDataFrame:
    gdf = read_boundaries(path, name_column="shapeName")  # dissolves the two Lankaran parts
    codes = match_iso_codes(gdf["name"]).set_index("shape_name")
    regions = _reference_csv("aze_regions.csv").set_index("shape_name")["region"]
    missing = sorted(set(gdf["name"]) - set(regions.index))
    if missing:
        raise InputDataError(
            f"{path}: district(s) {missing} have no economic region in "
            "planner/datasets/azerbaijan/_reference/aze_regions.csv"
        )
    gdf["district_id"] = gdf["name"].map(codes["district_id"])
    gdf["name_az"] = gdf["name"].map(codes["name_az"])
    gdf["kind"] = gdf["name"].map(codes["kind"])
    gdf["region"] = gdf["name"].map(regions)
    gdf["area_km2"] = (gdf.geometry.to_crs(AREA_CRS).area / 1e6).round(1)
    return gdf.sort_values("district_id").reset_index(drop=True)


def _settlements(path: Path, districts: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    places = gpd.read_file(path)
    for col in ("name", "place"):
        if col not in places.columns:
            raise InputDataError(
                f"{path} lacks column {col!r}; "
                f"it has {[c for c in places.columns if c != 'geometry']}"
            )
    places = places.loc[places["place"].isin(SETTLEMENT_CLASSES)].copy()
    unnamed = places["name"].isna() | (places["name"].astype(str).str.strip() == "")
    places.loc[unnamed, "name"] = "(unnamed " + places.loc[unnamed, "place"] + ")"
    places = places.to_crs("EPSG:4326")[["name", "place", "geometry"]].reset_index(drop=True)
    ids, near, dropped = _assign_districts(places, districts)
    places["district_id"] = ids
    if near or dropped:
        notes.append(
            f"{near} places just outside a district polygon were "
            f"given the nearest district (within {MAX_OUTSIDE_M / 1000:g} km); {dropped} "
            "places beyond that are outside the country and were left out"
        )
        places = places.loc[places["district_id"].notna()].copy()
    places["weight"] = settlement_weights(places["place"], weights=PLACE_WEIGHTS)
    empty = sorted(set(districts["district_id"]) - set(places["district_id"]))
    if empty:
        reps = districts.set_index("district_id").loc[empty]
        extra = gpd.GeoDataFrame(
            {
                "name": reps["name"].to_numpy(),
                "place": "district centre",
                "district_id": empty,
                # a city municipality without an OSM place is at least a town
                "weight": np.where(
                    reps["kind"].to_numpy() == "city",
                    PLACE_WEIGHTS["town"],
                    PLACE_WEIGHTS["village"],
                ),
            },
            geometry=reps.geometry.representative_point().to_numpy(),
            crs="EPSG:4326",
        )
        places = pd.concat([places, extra], ignore_index=True)
        notes.append(
            f"district(s) {empty} have no OSM settlement; each got one point at a "
            "representative point of its polygon"
        )
    places["lon"] = places.geometry.x.round(7)
    places["lat"] = places.geometry.y.round(7)
    places = places.sort_values(
        ["district_id", "weight", "name", "lon", "lat"], ascending=[True, False, True, True, True]
    ).reset_index(drop=True)
    seq = places.groupby("district_id").cumcount() + 1
    places["settlement_id"] = places["district_id"] + "-" + seq.map("{:04d}".format)
    return gpd.GeoDataFrame(places, geometry="geometry", crs="EPSG:4326")


def district_population(
    districts: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, notes: list[str]
) -> pd.DataFrame:
    """Estimate each district's population (see data/README.md for the method).

    1. Regions with an official total (Baku, Nakhchivan) keep it; the other
       regions share the rest of 10,180,770 by their 2024 population shares.
    2. Units with an official figure keep it.
    3. Each region's remainder goes to its other units in proportion to the
       summed class weights of their OSM settlements.

    Parameters
    ----------
    districts
        Districts with ``district_id``, ``name`` (geoBoundaries spelling) and ``region``.
    settlements
        Settlements with ``district_id`` and ``weight``.
    notes
        Warnings are appended here.

    Returns
    -------
    pandas.DataFrame
        ``district_id``, ``population``, ``population_source``.
    """
    shares = _reference_csv("aze_region_shares.csv")
    shares["population_share_pct"] = shares["population_share_pct"].astype(float)
    exact = shares.loc[shares["population_exact"] != "", ["region", "population_exact"]]
    exact_totals = {
        r: int(v) for r, v in zip(exact["region"], exact["population_exact"], strict=True)
    }
    rest = shares.loc[~shares["region"].isin(exact_totals)]
    split = largest_remainder(
        NATIONAL_POPULATION - sum(exact_totals.values()), rest["population_share_pct"].to_numpy()
    )
    region_total = {**exact_totals, **dict(zip(rest["region"], split.tolist(), strict=True))}
    known = _reference_csv("aze_population_known.csv").set_index("shape_name")
    weight = settlements.groupby("district_id")["weight"].sum()
    out = districts[["district_id", "name", "region"]].copy()
    out["population"] = 0
    out["population_source"] = ""
    expected = _reference_csv("aze_regions.csv").groupby("region")["shape_name"].apply(set)
    for region, members in out.groupby("region"):
        absent = sorted(expected.get(str(region), set()) - set(members["name"]))
        if absent:
            notes.append(
                f"region {region}: unit(s) {absent} are not in the boundary file; "
                "the region's total is spread over the units present"
            )
        pinned = members["name"].isin(known.index)
        pinned_pop = members.loc[pinned, "name"].map(known["population"]).astype(int)
        out.loc[pinned_pop.index, "population"] = pinned_pop
        out.loc[pinned_pop.index, "population_source"] = members.loc[pinned, "name"].map(
            known["population_source"]
        )
        remainder = region_total[str(region)] - int(pinned_pop.sum())
        free = members.loc[~pinned]
        if remainder < 0:
            raise InputDataError(
                f"official unit figures of region {region} ({int(pinned_pop.sum())}) exceed "
                f"its total ({region_total[str(region)]})"
            )
        if free.empty:
            if remainder:
                notes.append(
                    f"region {region}: {remainder} people not assigned (its other units "
                    "are not in the boundary file)"
                )
            continue
        w = free["district_id"].map(weight).fillna(0).to_numpy(float)
        out.loc[free.index, "population"] = largest_remainder(remainder, np.maximum(w, 1e-9))
        exact_region = str(region) in exact_totals
        out.loc[free.index, "population_source"] = (
            f"estimate: official {region} total"
            if exact_region
            else f"estimate: {region} share of the 2024 national total"
        ) + " less its units with official figures, split by OSM settlement weights"
    return pd.DataFrame(out[["district_id", "population", "population_source"]])


def _assign_districts(
    points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame
) -> tuple[pd.Series, int, int]:
    """District of each point (see :func:`planner._dataset_checks.nearest_districts`).

    Returns the district ids (NaN for points outside the country), how many
    points were just outside a polygon and how many were beyond the tolerance.
    """
    ids, outside = nearest_districts(
        points, districts, max_outside_m=MAX_OUTSIDE_M, metric_crs=AREA_CRS
    )
    dropped = int(ids.isna().sum())
    return ids, int(outside.sum()) - dropped, dropped


def _hospitals(path: Path, districts: gpd.GeoDataFrame, notes: list[str]) -> pd.DataFrame:
    """Hospitals and clinics from the OSM points of interest, each with its district."""
    pois = gpd.read_file(path)
    for col in ("name", "class", "subclass"):
        if col not in pois.columns:
            raise InputDataError(
                f"{path} lacks column {col!r}; "
                f"it has {[c for c in pois.columns if c != 'geometry']}"
            )
    pois = pois.to_crs("EPSG:4326")
    keep = (pois["class"] == "hospital") & pois["subclass"].isin(HOSPITAL_SUBCLASSES)
    keep &= pois.geometry.geom_type == "Point"
    hosp = pois.loc[keep, ["name", "subclass", "geometry"]].copy()
    hosp["lon"] = hosp.geometry.x.round(7)
    hosp["lat"] = hosp.geometry.y.round(7)
    before = len(hosp)
    hosp = hosp.drop_duplicates(["subclass", "lon", "lat"]).reset_index(drop=True)
    ids, near, dropped = _assign_districts(hosp, districts)
    hosp["district_id"] = ids
    notes.append(
        f"{len(hosp)} OSM hospitals and clinics ({before - len(hosp)} exact duplicates "
        f"dropped); {near} just outside a district polygon were given the nearest district; "
        f"{dropped} outside the country were left out"
    )
    hosp = hosp.loc[hosp["district_id"].notna()].copy()
    unnamed = hosp["name"].isna() | (hosp["name"].astype(str).str.strip() == "")
    hosp.loc[unnamed, "name"] = "(unnamed " + hosp.loc[unnamed, "subclass"] + ")"
    hosp = hosp.sort_values(["district_id", "lat", "lon", "subclass"]).reset_index(drop=True)
    seq = hosp.groupby("district_id").cumcount() + 1
    hosp["hospital_id"] = "H-" + hosp["district_id"] + "-" + seq.map("{:03d}".format)
    hosp["hospital_type"] = classify_hospitals(list(hosp["name"]), _type_rules()).to_numpy()
    counts = hosp["hospital_type"].value_counts()
    notes.append(
        "hospital types read from names (_reference/hospital_types.csv): "
        + ", ".join(f"{t} {int(counts.get(t, 0))}" for t in HOSPITAL_TYPES)
    )
    return pd.DataFrame(
        hosp[["hospital_id", "name", "subclass", "hospital_type", "district_id", "lon", "lat"]]
    ).reset_index(drop=True)


def _type_rules() -> list[TypeRule]:
    """Read the name patterns that give each hospital its type."""
    path = resources.files("planner.datasets.azerbaijan").joinpath(
        "_reference", "hospital_types.csv"
    )
    with resources.as_file(path) as file:
        return read_type_rules(Path(file))


def _candidates(settlements: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    urban = settlements.loc[settlements["place"].isin(["city", "town"])]
    rows = [(s, str(p)) for s, p in zip(urban["settlement_id"], urban["place"], strict=True)]
    covered = set(urban["district_id"])
    reps = districts.set_index("district_id")
    for district_id, members in settlements.groupby("district_id"):
        if district_id in covered:
            continue
        name_az = _fold(str(reps.loc[district_id, "name_az"]))
        same = members.loc[members["name"].astype(str).map(_fold) == name_az]
        if len(same):
            rows.append((str(same["settlement_id"].iloc[0]), "main settlement (district's name)"))
            continue
        centre = reps.loc[[district_id]].to_crs(AREA_CRS).geometry.representative_point().iloc[0]
        dist = members.to_crs(AREA_CRS).distance(centre)
        best = members.loc[dist.sort_values(kind="stable").index[0], "settlement_id"]
        rows.append((str(best), "main settlement (nearest to district centre)"))
    chosen = pd.DataFrame(rows, columns=["settlement_id", "reason"])
    cand = chosen.merge(settlements, on="settlement_id", how="left")
    cand["candidate_id"] = "C-" + cand["settlement_id"]
    cand = cand.sort_values("candidate_id").reset_index(drop=True)
    return cand[["candidate_id", "settlement_id", "name", "district_id", "reason", "lon", "lat"]]


def _shelters(settlements: gpd.GeoDataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    pop = districts.set_index("district_id")["population"]
    specs = [("SH-BAKU", "Baku shelters", "AZ-BA"), ("SH-GANJA", "Ganja shelters", "AZ-GA")]
    places = largest_remainder(EXISTING_PLACES, [int(pop[d]) for _, _, d in specs])
    rows = []
    for (sid, name, district_id), capacity in zip(specs, places.tolist(), strict=True):
        cities = settlements.loc[
            (settlements["district_id"] == district_id) & (settlements["place"] == "city")
        ]
        if cities.empty:
            raise InputDataError(f"no OSM city place in {district_id} to locate {name!r}")
        centre = cities.iloc[0]
        rows.append(
            {
                "shelter_id": sid,
                "name": name,
                "district_id": district_id,
                "capacity_places": capacity,
                "inclusive": False,
                "location_approximate": True,
                "lon": centre["lon"],
                "lat": centre["lat"],
                "note": (
                    "assumption: the city's existing shelters pooled at the city centre; "
                    "175 places split in proportion to the two cities' populations"
                ),
            }
        )
    return pd.DataFrame(rows)


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    gdf.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=6, WRITE_BBOX="NO")


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

    Parameters
    ----------
    raw
        Folder with the raw files (see ``shared/data/raw/README.md``).
    out
        Dataset folder to write. It is replaced only once the whole build has
        succeeded.
    roads
        ``"major"`` (motorway..tertiary, the committed default) or ``"drive"``
        (all drivable roads; much larger, for local use).
    population
        Optional official district table (``district_id,population``) used
        instead of the estimate.
    speeds
        Optional CSV of road-class speeds (``highway,speed_kph``).
    progress
        Receives the steps; default logs them.

    Returns
    -------
    BuildReport
    """
    raw, out = Path(raw), Path(out)
    progress = progress or LogProgress()
    paths = _raw_paths(raw, roads)
    speed_table = read_speed_table(speeds) if speeds else None
    notes: list[str] = []
    with progress.step("Reading district boundaries"):
        districts = _districts(paths["boundaries"])
    with progress.step("Placing settlements in districts"):
        settlements = _settlements(paths["places"], districts, notes)
    with progress.step("Estimating population"):
        pop = district_population(districts, settlements, notes)
        if population is not None:
            pop = _official_population(population, districts)
        _apply_population(districts, settlements, pop)
    layers = {
        "shelters": _shelters(settlements, districts),
        "candidates": _candidates(settlements, districts),
    }
    with progress.step("Placing hospitals in districts"):
        layers["hospitals"] = _hospitals(paths["pois"], districts, notes)
    with progress.step(f"Reading the {roads} road network (OSM XML, about a minute)"):
        graph = graph_from_osm_xml(paths[roads], speeds=speed_table)
    counts = {
        "districts": len(districts),
        "settlements": len(settlements),
        **{k: len(v) for k, v in layers.items()},
        "road_nodes": graph.number_of_nodes(),
        "road_edges": graph.number_of_edges(),
    }
    metadata = {
        "name": "azerbaijan",
        "build_command": (
            "shelter-planner data build --raw <raw folder> --out <dataset folder>"
            + (f" --roads {roads}" if roads != "major" else "")
        ),
        "roads": roads,
        "sources": {
            key: {"file": p.name, "sha256": _sha256(p)} for key, p in sorted(paths.items())
        },
        "counts": counts,
        "population_total": int(districts["population"].sum()),
        "place_weights": PLACE_WEIGHTS,
        "speeds_kph": dict(sorted({**DEFAULT_SPEEDS_KPH, **(speed_table or {})}.items())),
        "notes": notes,
        "report": REPORT_TEXTS,
        "licences": LICENCES,
    }
    with progress.step("Writing the dataset"):
        _write_folder(out, districts, settlements, layers, graph, metadata)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return BuildReport(out=out, counts=counts, warnings=tuple(notes))


def _raw_paths(raw: Path, roads: str) -> dict[str, Path]:
    """Check the raw folder and return the files the build reads."""
    if roads not in ("major", "drive"):
        raise ValueError(f"roads is {roads!r}; expected 'major' or 'drive'")
    if not raw.is_dir():
        raise MissingInputError(f"raw data folder {raw} does not exist")
    paths = {k: raw / RAW_FILES[k] for k in ("boundaries", "places", "pois", roads)}
    for key, p in paths.items():
        if not p.is_file():
            raise MissingInputError(
                f"raw {key} file {p} does not exist (expected {RAW_FILES[key]} in {raw})"
            )
    return paths


def _official_population(path: str | Path, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Read an official district table that must name every district exactly once."""
    table = read_population_table(path)
    unknown = sorted(set(table["district_id"]) - set(districts["district_id"]))
    missing = sorted(set(districts["district_id"]) - set(table["district_id"]))
    if unknown or missing:
        raise InputDataError(
            f"population table {path}: unknown district_id(s) {unknown}, "
            f"missing district_id(s) {missing}"
        )
    return table


def _apply_population(
    districts: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, pop: pd.DataFrame
) -> None:
    """Set district populations and spread each over its settlements (in place)."""
    by_id = pop.set_index("district_id")
    districts["population"] = districts["district_id"].map(by_id["population"]).astype("int64")
    districts["population_source"] = districts["district_id"].map(by_id["population_source"])
    totals = dict(zip(districts["district_id"], districts["population"], strict=True))
    settlements["population"] = distribute(
        totals, settlements["district_id"], settlements["weight"].to_numpy(float)
    )


_DISTRICT_FILE_COLUMNS = [
    "district_id", "name", "name_az", "kind", "region", "area_km2", "population",
    "population_source", "geometry",
]  # fmt: skip
_SETTLEMENT_FILE_COLUMNS = [
    "settlement_id", "name", "place", "district_id", "weight", "population", "lon", "lat",
]  # fmt: skip


def _write_folder(
    out: Path,
    districts: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    layers: Mapping[str, pd.DataFrame],
    graph: Any,
    metadata: Mapping[str, Any],
) -> None:
    """Write the dataset into a fresh folder and swap it in whole (or not at all)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _write_geojson(districts[_DISTRICT_FILE_COLUMNS], tmp / "districts.geojson")
        write_csv_atomic(tmp / "settlements.csv", settlements[_SETTLEMENT_FILE_COLUMNS])
        for name in ("shelters", "candidates", "hospitals"):
            write_csv_atomic(tmp / f"{name}.csv", layers[name])
        save_graph(graph, tmp)
        write_text_atomic(
            tmp / "metadata.json", json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"
        )
        backup = out.with_name(f".{out.name}.old")
        if backup.exists():
            shutil.rmtree(backup)
        if out.exists():
            out.rename(backup)
        tmp.chmod(0o777 & ~_umask())
        tmp.rename(out)
        if backup.exists():
            shutil.rmtree(backup)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
