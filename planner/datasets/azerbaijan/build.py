"""Build the embedded Azerbaijan dataset from the raw files (private plumbing).

The public entry point is :func:`planner.data.build_azerbaijan`; the CLI is
``shelter-planner data build``. Every step is deterministic: the same raw files
give the same output bytes.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from planner._borders import abroad
from planner._dataset_checks import nearest_districts
from planner._errors import InputDataError, MissingInputError
from planner._i18n import noun
from planner._progress import LogProgress, Progress
from planner.datasets._folder import BuildReport, add_extra_roads, sha256, write_dataset_folder
from planner.datasets.azerbaijan._modes import calibrate_modes
from planner.datasets.azerbaijan._names import azerbaijani_names, transliterate
from planner.datasets.azerbaijan._population import (
    REFERENCE_DATE,
    REGISTERED_REGIONS,
    PopulationFigures,
    figure_errors,
    official_population,
    read_population_figures,
)
from planner.datasets.azerbaijan._tables import fold, reference_csv
from planner.demand import (
    dasymetric_weights,
    distribute,
    fit_urban_multiplier,
    largest_remainder,
    residential_area,
)
from planner.hospital_types import HOSPITAL_TYPES, TypeRule, classify_hospitals, read_type_rules
from planner.network import (
    DEFAULT_SPEEDS_KPH,
    graph_from_osm_xml,
    read_speed_table,
)
from planner.readers import read_boundaries, read_population_table

__all__ = ["build_azerbaijan", "match_iso_codes"]

RAW_FILES: dict[str, str] = {
    "boundaries": "geoBoundaries-AZE-ADM2.geojson",
    "borders": "azerbaijan-admin-boundaries.geojson",
    "places": "azerbaijan-places.geojson",
    "residential": "azerbaijan-residential.geojson",
    "population": "azerbaijan-district-population.csv",
    "major": "azerbaijan-roads-major.osm.bz2",
    "drive": "azerbaijan-roads-drive.osm.bz2",
    "pois": "azerbaijan-pois.geojson",
}
# OSM hospital points that can host a rape crisis centre or 24/7 forensic
# examination (nursing homes cannot)
HOSPITAL_SUBCLASSES = ("hospital", "clinic")
EXISTING_PLACES = 175
SETTLEMENT_CLASSES = ("city", "town", "village", "hamlet")
# A place up to this far outside every district polygon is given the nearest
# district (boundary generalisation); farther ones are outside the country.
MAX_OUTSIDE_M = 3_000.0
# Within this distance of OSM's land border line, the line decides the side.
NEAR_BORDER_M = 15_000.0
# Urban share of the population, 1 January 2024 (State Statistical Committee,
# via Trend/MENAFN, 14 Feb 2024): the urban density multiplier is fitted to it.
URBAN_SHARE = 0.545
# The least residential land a settlement counts with (a hamlet of some twenty
# houses with gardens), so villages whose houses are not mapped get people.
FLOOR_KM2 = 0.05
URBAN_PLACES = ("city", "town")
# How far outside its generalised polygon a city's own OSM place may lie
# (Naftalan's lies 4.6 km out); the dataset states it as max_outside_m.
CITY_PLACE_M = 5_000.0
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
        "Population: State Statistical Committee of Azerbaijan, 1 January 2024 national total "
        "and regional shares; district figures of the 2019 census and the Committee's estimates "
        "(2018-2024), each brought to 1 January 2024 by its region's factor; settlements by OSM "
        "residential land.",
        "Place names: OpenStreetMap; Karabakh names from a cited table of official Azerbaijani "
        "names, others transliterated from Armenian (marked in the data).",
        "Standards: Council of Europe, Combating violence against women: minimum standards "
        "for support services (2008).",
        "Situation: submission to the UN Universal Periodic Review (State Statistical "
        "Committee yearbooks; Mukhtarova 2022).",
    ],
    "limitations": [
        "District populations are official figures of 2018-2024 brought to 1 January 2024 "
        "(median difference 0.4 %, worst 14 %); seven units have no published figure and are "
        "assumed. Karabakh and East Zangezur figures are registered populations that include "
        "displaced people living elsewhere.",
        "Settlement populations are spread by OSM residential land with one density factor "
        "for all towns: single towns may be off by a factor of three (Tovuz is given 49,000 "
        "people against about 15,000 reported locally), and a town whose houses OSM does not "
        "map as residential land is given far too few (Ağstafa, a district centre, 771); "
        "district totals are not affected.",
        "Roads are those of August 2021, without speed limits or road condition. Travel times "
        "are door to door by car (or by bus or minibus where the scenario says so), the road "
        "time scaled by factors fitted on 36 published travel times between 21 pairs of towns "
        "(see the dataset's travel_calibration.csv), with roads slowed slightly where they wind "
        "(sinuosity over each kilometre); climbs are not modelled (no elevation data) and "
        "single published trips differ from the model by up to a factor of 1.9. Roads "
        "built since are missing: in Karabakh and East Zangezur (the Fuzuli-Shusha road, "
        "Horadiz-Aghband, Toghanali-Kalbajar with the Murovdag tunnel, the Barda-Aghdam and "
        "Aghdam-Khankendi roads), travel times to and from Shusha, Khankendi, Lachin, Kalbajar,"
        " Qubadli, Zangilan and Jabrayil are overstated (the dataset build's --extra-roads "
        "option adds road lines).",
        "Existing shelters are modelled as two pooled shelters at the city centres of Baku "
        "and Ganja (their addresses are confidential); replace them with real data for "
        "operational use.",
        "Candidate sites are cities, towns and district centres; the cost figures are "
        "relative units set by the scenario, not budgets.",
        "Hospitals are OSM points of 2021 without departments or opening hours; a proposed "
        "hospital's suitability for a rape crisis centre or forensic service must be checked on "
        "the ground. Each settlement and hospital belongs to the district whose generalised "
        "geoBoundaries polygon holds it (or the nearest, just outside them all), so a point near "
        "a district's edge can be counted in the neighbouring district (at least four hospitals "
        "named after a town of the neighbouring district, such as the children's polyclinics of "
        "Qazakh, counted in Agstafa District; each pair lies in one economic region).",
    ],
    "disconnected_note": (
        "In Azerbaijan this is the Nakhchivan exclave, whose road links to the mainland "
        "cross Armenia or Iran."
    ),
    # whose figures the districts' populations are, beside "Population" in reports
    "population_note": (
        "official district figures of 2018-2024 brought to 1 January 2024, seven units "
        "assumed (see the limitations)"
    ),
    # the same in Azerbaijani, for reports in --lang az (titles of publications stay as cited)
    "translations": {
        "az": {
            "sources": [
                "Yollar və yaşayış məntəqələri: OpenStreetMap, Geofabrik-in 2021-ci ilin avqust "
                "tarixli çıxarışı \u2014 ODbL 1.0, \u00a9 OpenStreetMap iştirakçıları.",
                "Xəstəxanalar və klinikalar: OpenStreetMap maraq nöqtələri (eyni çıxarış) "
                "\u2014 ODbL 1.0.",
                "Rayon sərhədləri: geoBoundaries gbOpen AZE ADM2 \u2014 CC BY-SA 3.0.",
                "Əhali: Azərbaycan Respublikasının Dövlət Statistika Komitəsi, 1 yanvar 2024-cü "
                "il üzrə ölkə əhalisi və iqtisadi rayonların payları; 2019-cu il "
                "siyahıyaalınmasının və Komitənin qiymətləndirmələrinin (2018-2024) rayon "
                "rəqəmləri, hər biri öz iqtisadi rayonunun əmsalı ilə 1 yanvar 2024-cü il "
                "tarixinə gətirilib; yaşayış məntəqələri OSM yaşayış sahələrinə görə.",
                "Yer adları: OpenStreetMap; Qarabağ adları rəsmi Azərbaycan adlarının istinad "
                "edilən cədvəlindən, digərləri erməni dilindən transliterasiya edilib "
                "(məlumatlarda qeyd olunub).",
                "Standartlar: Avropa Şurası, Combating violence against women: minimum "
                "standards for support services (2008).",
                "Vəziyyət: BMT-nin Universal Dövri İcmalına təqdim edilmiş məruzə (Dövlət "
                "Statistika Komitəsinin statistik məcmuələri; Mukhtarova 2022).",
            ],
            "limitations": [
                "Rayonların əhalisi 2018-2024-cü illərin rəsmi rəqəmləridir və 1 yanvar 2024-cü "
                "il tarixinə gətirilib (median fərq 0,4%, ən böyük fərq 14%); yeddi inzibati "
                "vahid üçün dərc olunmuş rəqəm yoxdur və onların əhalisi fərz edilib. Qarabağ və "
                "Şərqi Zəngəzurun rəqəmləri başqa yerlərdə yaşayan məcburi köçkünləri də əhatə "
                "edən qeydiyyatdakı əhalidir.",
                "Yaşayış məntəqələrinin əhalisi OSM yaşayış sahələrinə görə bütün şəhərlər üçün "
                "vahid sıxlıq əmsalı ilə paylanır: ayrı-ayrı şəhərlərdə fərq üç dəfəyə çata "
                "bilər (Tovuza yerli məlumatlara görə təxminən 15.000 əvəzinə 49.000 nəfər "
                "düşür), evləri OSM-də yaşayış sahəsi kimi qeyd olunmamış şəhərə isə çox az adam "
                "düşür (rayon mərkəzi Ağstafaya 771 nəfər); rayonların ümumi əhalisinə bu təsir "
                "etmir.",
                "Yollar 2021-ci ilin avqust ayına aiddir; sürət həddləri və yolların vəziyyəti "
                "nəzərə alınmır. Yol vaxtları avtomobillə (ssenari tələb etdikdə avtobus və ya "
                "mikroavtobusla) qapıdan qapıyadır: yol vaxtı 21 şəhər cütü arasında dərc "
                "olunmuş 36 yol vaxtına uyğunlaşdırılmış əmsallarla miqyaslanır (məlumat dəstinin "
                "travel_calibration.csv faylına baxın), əyri yollarda isə bir qədər yavaşladılır "
                "(hər kilometr üzrə əyrilik); yoxuşlar modelləşdirilmir (hündürlük məlumatı "
                "yoxdur) və ayrı-ayrı dərc olunmuş səfərlər modeldən 1,9 dəfəyədək fərqlənir. "
                "Sonradan tikilmiş yollar yoxdur: Qarabağ və Şərqi Zəngəzurda (Füzuli-Şuşa yolu, "
                "Horadiz-Ağbənd, Murovdağ tuneli ilə Toğanalı-Kəlbəcər, Bərdə-Ağdam və "
                "Ağdam-Xankəndi yolları) Şuşa, Xankəndi, Laçın, Kəlbəcər, Qubadlı, Zəngilan və "
                "Cəbrayıla gedən və oradan gələn yol vaxtları artıq göstərilir (məlumat dəstinin "
                "qurulmasında --extra-roads seçimi yol xətləri əlavə edir).",
                "Mövcud sığınacaqlar Bakı və Gəncə şəhər mərkəzlərində iki birləşdirilmiş "
                "sığınacaq kimi modelləşdirilib (onların ünvanları məxfidir); əməli istifadə "
                "üçün onları real məlumatlarla əvəz edin.",
                "Namizəd yerlər şəhərlər, qəsəbələr və rayon mərkəzləridir; xərc göstəriciləri "
                "ssenarinin təyin etdiyi nisbi vahidlərdir, büdcə deyil.",
                "Xəstəxanalar 2021-ci ilin OSM nöqtələridir, şöbələr və iş saatları barədə "
                "məlumat yoxdur; təklif olunan xəstəxananın zorlama böhran mərkəzi və ya məhkəmə-"
                "tibbi ekspertiza üçün uyğunluğu yerində yoxlanılmalıdır. Hər yaşayış məntəqəsi "
                "və xəstəxana ümumiləşdirilmiş geoBoundaries poliqonu onu əhatə edən (bütün "
                "poliqonlardan bir az kənarda olduqda isə ən yaxın) rayona aid edilir, buna görə "
                "rayon sərhədinə yaxın nöqtə qonşu rayonda sayıla bilər (ən azı dörd xəstəxana "
                "qonşu rayonun şəhərinin adını daşıyır, məsələn, Qazaxın uşaq poliklinikaları "
                "Ağstafa rayonunda sayılır; hər cüt eyni iqtisadi rayondadır).",
            ],
            "disconnected_note": (
                "Azərbaycanda bu, Naxçıvan eksklavıdır: onun materiklə yol əlaqələri Ermənistan "
                "və ya İran ərazisindən keçir."
            ),
            "population_note": (
                "2018-2024-cü illərin rəsmi rayon rəqəmləri, 1 yanvar 2024-cü il tarixinə "
                "gətirilib, yeddi vahid üçün fərz edilib (məhdudiyyətlərə baxın)"
            ),
            # the regions are Azerbaijan's economic regions: the catalog's word "region"
            # is said as the decree of 7 July 2021 says it
            "terms": {"region": "iqtisadi rayon"},
            # the official names of the economic regions (presidential decree of 7 July 2021)
            "regions": {
                "Absheron-Khizi": "Abşeron-Xızı",
                "Baku": "Bakı",
                "Central Aran": "Mərkəzi Aran",
                "East Zangezur": "Şərqi Zəngəzur",
                "Ganja-Dashkasan": "Gəncə-Daşkəsən",
                "Gazakh-Tovuz": "Qazax-Tovuz",
                "Guba-Khachmaz": "Quba-Xaçmaz",
                "Karabakh": "Qarabağ",
                "Lankaran-Astara": "Lənkəran-Astara",
                "Mil-Mugan": "Mil-Muğan",
                "Mountainous Shirvan": "Dağlıq Şirvan",
                "Nakhchivan": "Naxçıvan",
                "Sheki-Zagatala": "Şəki-Zaqatala",
                "Shirvan-Salyan": "Şirvan-Salyan",
            },
        }
    },
}


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

    crosswalk = reference_csv("aze_crosswalk.csv").set_index("shape_name")
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
            name_az = transliterate(str(entry["name_az"]))[0]
            rows.append((shape, entry["district_id"], name_az, kind, "crosswalk"))
            continue
        base = re.sub(r"\s+(City|District)$", "", shape)
        found = index.get((_skeleton(base), kind), [])
        if len(found) != 1:
            raise InputDataError(
                f"district {shape!r} matches {len(found)} ISO 3166-2 subdivisions "
                f"({[s.code for s in found]}); add it to "
                "planner/datasets/azerbaijan/_reference/aze_crosswalk.csv"
            )
        # ISO 3166-2 writes some names with look-alike letters (Kǝngǝrli, U+01DD): the
        # alphabet's own letters, so that the name matches, sorts and reads as Azerbaijani
        name_az = transliterate(found[0].name)[0]
        rows.append((shape, found[0].code, name_az, kind, "automatic"))
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
    regions = reference_csv("aze_regions.csv").set_index("shape_name")["region"]
    missing = sorted(set(gdf["name"]) - set(regions.index))
    if missing:
        raise InputDataError(
            f"{path}: {noun(len(missing), 'district')} {missing} "
            f"{noun(len(missing), 'has', 'have')} no economic region in "
            "planner/datasets/azerbaijan/_reference/aze_regions.csv"
        )
    gdf["district_id"] = gdf["name"].map(codes["district_id"])
    gdf["name_az"] = gdf["name"].map(codes["name_az"])
    gdf["kind"] = gdf["name"].map(codes["kind"])
    gdf["region"] = gdf["name"].map(regions)
    gdf["area_km2"] = (gdf.geometry.to_crs(AREA_CRS).area / 1e6).round(1)
    return gdf.sort_values("district_id").reset_index(drop=True)


@dataclass(frozen=True)
class _Territory:
    """The country as the build sees it: generalised polygons and OSM's land border."""

    polygon: Any
    border: Any

    def abroad(self, points: gpd.GeoSeries) -> tuple[npt.NDArray[np.bool_], int]:
        """Which points lie across the national border, and how many the line decided."""
        sides = abroad(
            points.to_crs(AREA_CRS).to_numpy(),
            territory=self.polygon,
            border=self.border,
            near_m=NEAR_BORDER_M,
            max_outside_m=MAX_OUTSIDE_M,
        )
        return sides.abroad, int(sides.by_line.sum())


def _territory(districts: gpd.GeoDataFrame, borders_path: Path) -> _Territory:
    """Read OSM's land border (admin level 2) beside the district polygons."""
    lines = gpd.read_file(borders_path)
    if "admin_level" not in lines.columns:
        raise InputDataError(
            f"{borders_path} lacks column 'admin_level'; "
            f"it has {[c for c in lines.columns if c != 'geometry']}"
        )
    level = pd.to_numeric(lines["admin_level"], errors="coerce")
    national = lines.loc[level == 2].to_crs(AREA_CRS)
    if national.empty:
        raise InputDataError(f"{borders_path} has no admin_level 2 (national border) line")
    polygon = shapely.union_all(districts.to_crs(AREA_CRS).geometry.to_numpy())
    return _Territory(polygon=polygon, border=shapely.union_all(national.geometry.to_numpy()))


def _place_points(
    points: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    territory: _Territory,
    what: str,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """Drop points across the national border and give the others their district."""
    away, by_line = territory.abroad(points.geometry)
    inside = points.loc[~away].copy()
    ids, outside = nearest_districts(
        inside, districts, max_outside_m=NEAR_BORDER_M + MAX_OUTSIDE_M, metric_crs=AREA_CRS
    )
    inside["district_id"] = ids
    notes.append(
        f"{what}: {int(away.sum())} across the national border (OSM's land border line decided "
        f"{by_line} points near it) were left out; {int(outside.sum())} just outside the "
        "district polygons were given the nearest district"
    )
    return inside.loc[inside["district_id"].notna()].copy()


def _settlements(
    path: Path, districts: gpd.GeoDataFrame, territory: _Territory, notes: list[str]
) -> gpd.GeoDataFrame:
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
    places = _place_points(places, districts, territory, "settlements", notes)
    places[["name", "name_source"]] = azerbaijani_names(places["name"], kind="settlement")
    _note_names(places, "settlement", notes)
    _own_city_places(places, districts, notes)
    empty = sorted(set(districts["district_id"]) - set(places["district_id"]))
    if empty:
        reps = districts.set_index("district_id").loc[empty]
        extra = gpd.GeoDataFrame(
            {
                "name": reps["name_az"].to_numpy(),
                "name_source": "district name",
                "place": "district centre",
                "district_id": empty,
            },
            geometry=reps.geometry.representative_point().to_numpy(),
            crs="EPSG:4326",
        )
        places = pd.concat([places, extra], ignore_index=True)
        notes.append(
            f"{noun(len(empty), 'district')} {empty} {noun(len(empty), 'has', 'have')} no OSM "
            "settlement; each got one point at a "
            "representative point of its polygon"
        )
    places["lon"] = places.geometry.x.round(7)
    places["lat"] = places.geometry.y.round(7)
    rank = {c: i for i, c in enumerate((*SETTLEMENT_CLASSES, "district centre"))}
    places["_rank"] = places["place"].map(rank)
    places = places.sort_values(["district_id", "_rank", "name", "lon", "lat"]).reset_index(
        drop=True
    )
    seq = places.groupby("district_id").cumcount() + 1
    places["settlement_id"] = places["district_id"] + "-" + seq.map("{:04d}".format)
    return gpd.GeoDataFrame(places.drop(columns="_rank"), geometry="geometry", crs="EPSG:4326")


def _own_city_places(
    places: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, notes: list[str]
) -> None:
    """Give each city municipality the OSM city or town named like it (in place).

    Generalised city polygons are offset by up to a few km (Naftalan's by
    4.6 km, Khankendi's by 1.6 km), so the city's own OSM place can fall in the
    surrounding district. The nearest city or town with the municipality's
    Azerbaijani name within ``CITY_PLACE_M`` of its polygon is moved into it.
    """
    cities = districts.loc[districts["kind"] == "city"].to_crs(AREA_CRS)
    urban = places.loc[places["place"].isin(URBAN_PLACES)]
    folded = urban["name"].astype(str).map(fold)
    points = urban.geometry.to_crs(AREA_CRS)
    moved = []
    for unit in cities.itertuples():
        same = folded == fold(str(unit.name_az))
        if not same.any():
            continue
        dist = points[same].distance(unit.geometry)
        best = dist.sort_values(kind="stable").index[0]
        if dist[best] <= CITY_PLACE_M and places.loc[best, "district_id"] != unit.district_id:
            moved.append(f"{places.loc[best, 'name']} ({dist[best] / 1000:.1f} km)")
            places.loc[best, "district_id"] = unit.district_id
    if moved:
        notes.append(
            "city places outside their municipality's generalised polygon moved into it: "
            + ", ".join(moved)
        )


def _note_names(frame: pd.DataFrame, what: str, notes: list[str]) -> None:
    counts = frame["name_source"].value_counts()
    changed = {k: int(v) for k, v in counts.items() if k != "OSM"}
    if changed:
        notes.append(
            f"{what} names put into the Azerbaijani Latin alphabet: "
            + ", ".join(f"{k} {v}" for k, v in sorted(changed.items()))
        )


def _settlement_weights(
    settlements: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    residential_path: Path,
    territory: _Territory,
    notes: list[str],
) -> None:
    """Give each settlement its residential land (``residential_km2``), in place."""
    land = gpd.read_file(residential_path).to_crs("EPSG:4326")
    land = land.loc[land.geometry.notna() & ~land.geometry.is_empty]
    away, _ = territory.abroad(land.geometry.representative_point())
    land = land.loc[~away]
    settlements["residential_km2"] = np.round(
        residential_area(settlements, land, metric_crs=AREA_CRS), 4
    )
    settlements["urban"] = settlements["place"].isin(URBAN_PLACES) | (
        (settlements["place"] == "district centre")
        & settlements["district_id"].map(districts.set_index("district_id")["kind"]).eq("city")
    )
    notes.append(
        f"residential land: {len(land)} OSM residential areas ({int(away.sum())} across the "
        f"border left out), {settlements['residential_km2'].sum():.0f} km² shared among the "
        "settlements by Voronoi cells"
    )


def _population(
    districts: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    figures: PopulationFigures,
    notes: list[str],
) -> tuple[pd.DataFrame, float]:
    """District populations (official, brought to 2024) and the fitted urban multiplier.

    The city + district pairs are split by the settlement weights, which depend
    on the urban multiplier, which is fitted to the national urban share of the
    district populations: three rounds of this loop settle it.
    """
    groups = settlements["district_id"]
    area = settlements["residential_km2"].to_numpy(float)
    urban = settlements["urban"].to_numpy(bool)
    land = pd.Series(np.maximum(area, FLOOR_KM2), index=groups.index).groupby(groups).sum()
    city_units = frozenset(districts.loc[districts["kind"] == "city", "district_id"])
    multiplier = 1.0
    for _ in range(3):
        w = dasymetric_weights(area, urban, urban_multiplier=multiplier, floor_km2=FLOOR_KM2)
        split = pd.Series(w, index=groups.index).groupby(groups).sum()
        pop = official_population(districts, figures, land_km2=land, split_weight=split, notes=[])
        totals = dict(zip(pop["district_id"], pop["population"].astype(int), strict=True))
        try:
            multiplier = fit_urban_multiplier(
                totals, groups, area, urban, target_share=URBAN_SHARE, floor_km2=FLOOR_KM2,
                urban_groups=city_units,
            )  # fmt: skip
        except InputDataError as exc:  # a part of the country: the national share cannot hold
            notes.append(f"urban density multiplier left at 1 (plain areal weighting): {exc}")
            multiplier = 1.0
            break
    w = dasymetric_weights(area, urban, urban_multiplier=multiplier, floor_km2=FLOOR_KM2)
    split = pd.Series(w, index=groups.index).groupby(groups).sum()
    pop = official_population(districts, figures, land_km2=land, split_weight=split, notes=notes)
    settlements["weight"] = np.round(w, 4)
    return pop, multiplier


def _hospitals(
    path: Path, districts: gpd.GeoDataFrame, territory: _Territory, notes: list[str]
) -> pd.DataFrame:
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
    notes.append(f"{len(hosp)} OSM hospitals and clinics ({before - len(hosp)} exact duplicates)")
    hosp = _place_points(hosp, districts, territory, "hospitals", notes)
    unnamed = hosp["name"].isna() | (hosp["name"].astype(str).str.strip() == "")
    hosp.loc[unnamed, "name"] = "(unnamed " + hosp.loc[unnamed, "subclass"] + ")"
    hosp = hosp.sort_values(["district_id", "lat", "lon", "subclass"]).reset_index(drop=True)
    seq = hosp.groupby("district_id").cumcount() + 1
    hosp["hospital_id"] = "H-" + hosp["district_id"] + "-" + seq.map("{:03d}".format)
    # types from the names as OSM has them (the rules know Armenian and Russian words)
    hosp["hospital_type"] = classify_hospitals(list(hosp["name"]), _type_rules()).to_numpy()
    hosp[["name", "name_source"]] = azerbaijani_names(hosp["name"], kind="hospital")
    _note_names(hosp, "hospital", notes)
    counts = hosp["hospital_type"].value_counts()
    notes.append(
        "hospital types read from names (_reference/hospital_types.csv): "
        + ", ".join(f"{t} {int(counts.get(t, 0))}" for t in HOSPITAL_TYPES)
    )
    return pd.DataFrame(
        hosp[
            ["hospital_id", "name", "name_source", "subclass", "hospital_type", "district_id",
             "lon", "lat"]
        ]
    ).reset_index(drop=True)  # fmt: skip


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
        name_az = fold(str(reps.loc[district_id, "name_az"]))
        same = members.loc[members["name"].astype(str).map(fold) == name_az]
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
    specs = [
        ("SH-BAKU", "Baku shelters", "Bakı sığınacaqları", "AZ-BA"),
        ("SH-GANJA", "Ganja shelters", "Gəncə sığınacaqları", "AZ-GA"),
    ]
    places = largest_remainder(EXISTING_PLACES, [int(pop[d]) for *_, d in specs])
    rows = []
    for (sid, name, in_az, district_id), capacity in zip(specs, places.tolist(), strict=True):
        cities = settlements.loc[
            (settlements["district_id"] == district_id) & (settlements["place"] == "city")
        ]
        if cities.empty:
            raise InputDataError(f"no OSM city place in {district_id} to locate {name!r}")
        # the city's own place (Bakı, Gəncə), else its largest city place
        name_az = fold(str(districts.set_index("district_id").loc[district_id, "name_az"]))
        own = cities.loc[cities["name"].astype(str).map(fold) == name_az]
        centre = (own if len(own) else cities.sort_values("weight", ascending=False)).iloc[0]
        rows.append(
            {
                "shelter_id": sid,
                "name": name,
                "name_az": in_az,
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


def build_azerbaijan(
    raw: str | Path,
    out: str | Path,
    *,
    roads: Literal["major", "drive"] = "major",
    population: str | Path | None = None,
    speeds: str | Path | None = None,
    extra_roads: str | Path | None = None,
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
    extra_roads
        Optional vector file of road lines with a ``highway`` class (roads
        built after the 2021 extract), added by
        :func:`planner.network.add_road_lines`.
    progress
        Receives the steps; default logs them.

    Returns
    -------
    BuildReport
        What was built, with the counts and warnings of each step.
    """
    raw, out = Path(raw), Path(out)
    progress = progress or LogProgress()
    paths = _raw_paths(raw, roads)
    speed_table = read_speed_table(speeds) if speeds else None
    notes: list[str] = []
    with progress.step("Reading district boundaries and the national border"):
        districts = _districts(paths["boundaries"])
        territory = _territory(districts, paths["borders"])
    with progress.step("Placing settlements in districts"):
        settlements = _settlements(paths["places"], districts, territory, notes)
    with progress.step("Sharing residential land among settlements"):
        _settlement_weights(settlements, districts, paths["residential"], territory, notes)
    with progress.step("Bringing official populations to 1 January 2024"):
        figures = read_population_figures(paths["population"], districts)
        pop, multiplier = _population(districts, settlements, figures, notes)
        if population is not None:
            user = _official_population(population, districts)
            basis = pop.set_index("district_id")["population_basis"]
            pop = user.assign(
                population_figure=user["population"],
                population_figure_date="",
                population_figure_kind=f"user table {Path(population).name}",
                population_method="kept",
                population_factor=1.0,
                population_basis=user["district_id"].map(basis),
            )
        _apply_population(districts, settlements, pop)
    layers = {
        "shelters": _shelters(settlements, districts),
        "candidates": _candidates(settlements, districts),
    }
    with progress.step("Placing hospitals in districts"):
        layers["hospitals"] = _hospitals(paths["pois"], districts, territory, notes)
    with progress.step(f"Reading the {roads} road network (OSM XML, about a minute)"):
        graph = graph_from_osm_xml(paths[roads], speeds=speed_table)
        _drop_roads_abroad(graph, territory, notes)
    if extra_roads is not None:
        with progress.step("Adding road lines"):
            add_extra_roads(graph, Path(extra_roads), speed_table, notes)
            paths["extra_roads"] = Path(extra_roads)
    with progress.step("Calibrating travel modes on published travel times"):
        modes, calibration, calibration_summary = calibrate_modes(graph, settlements, notes)
    layers["travel_calibration"] = calibration
    counts = {
        "districts": len(districts),
        "settlements": len(settlements),
        **{k: len(v) for k, v in layers.items() if k != "travel_calibration"},
        "road_nodes": graph.number_of_nodes(),
        "road_edges": graph.number_of_edges(),
    }
    metadata = {
        "name": "azerbaijan",
        "build_command": (
            "shelter-planner data build --raw <raw folder> --out <dataset folder>"
            + (f" --roads {roads}" if roads != "major" else "")
            + (f" --extra-roads {Path(extra_roads).name}" if extra_roads is not None else "")
        ),
        "roads": roads,
        "sources": {
            key: {"file": p.name, "sha256": sha256(p)} for key, p in sorted(paths.items())
        },
        "counts": counts,
        "population_total": int(districts["population"].sum()),
        "max_outside_m": CITY_PLACE_M,
        "max_outside_reason": (
            "the geoBoundaries city polygons are generalised and offset: Naftalan's own OSM "
            "place lies 4.6 km outside its polygon"
        ),
        "population": _population_summary(districts, pop),
        "settlement_weights": {
            "method": (
                "dasymetric: residential land in each settlement's Voronoi cell (at least "
                f"{FLOOR_KM2} km²), times the urban multiplier for cities and towns"
            ),
            "urban_multiplier": multiplier,
            "floor_km2": FLOOR_KM2,
            "urban_share_target": URBAN_SHARE,
        },
        "speeds_kph": dict(sorted({**DEFAULT_SPEEDS_KPH, **(speed_table or {})}.items())),
        "travel_modes": modes,
        "travel_calibration": calibration_summary,
        "notes": notes,
        "report": REPORT_TEXTS,
        "licences": LICENCES,
    }
    with progress.step("Writing the dataset"):
        write_dataset_folder(
            out,
            districts=districts[_DISTRICT_FILE_COLUMNS],
            tables={
                "settlements": settlements[_SETTLEMENT_FILE_COLUMNS],
                **{n: layers[n] for n in ("shelters", "candidates", "hospitals")},
                "travel_calibration": layers["travel_calibration"],
            },
            graph=graph,
            metadata=metadata,
        )
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return BuildReport(out=out, counts=counts, warnings=tuple(notes))


def _drop_roads_abroad(graph: Any, territory: _Territory, notes: list[str]) -> None:
    """Remove road fragments that lie mostly abroad, then every node abroad (in place).

    A point is never snapped to a road across the border: a fragment with most
    of its nodes abroad goes whole (its few nodes at home would strand the
    settlements snapped to them), and roads that cross the border are cut there.
    """
    import networkx as nx

    nodes = list(graph.nodes)
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes], dtype=float)
    points = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:4326")
    away_flags, _ = territory.abroad(points)
    away = dict(zip(nodes, away_flags.tolist(), strict=True))
    drop: set[Any] = set()
    fragments = 0
    for comp in nx.weakly_connected_components(graph):
        share = sum(away[n] for n in comp) / len(comp)
        if share > 0.5:
            drop |= comp
            fragments += 1
    drop |= {n for n, a in away.items() if a}
    graph.remove_nodes_from(sorted(drop))
    notes.append(
        f"roads: {len(drop)} nodes across the national border removed, among them "
        f"{fragments} {noun(fragments, 'fragment')} lying mostly abroad"
    )


def _population_summary(districts: gpd.GeoDataFrame, pop: pd.DataFrame) -> dict[str, Any]:
    """How far the 2024 populations are from the published figures (for metadata)."""
    pairs = reference_csv("aze_population_pairs.csv")
    ids = dict(zip(districts["name"], districts["district_id"], strict=True))
    partner = {
        ids[d]: ids[c]
        for c, d in zip(pairs["city"], pairs["district"], strict=True)
        if c in ids and d in ids
    }
    err = figure_errors(pop, partner)
    if err.empty:
        return {"reference_date": REFERENCE_DATE, "units_with_figure": 0}
    recent = pop.set_index("district_id")["population_figure_date"].isin(
        [REFERENCE_DATE, "2023-01-01"]
    )
    worst = str(err.abs().idxmax())
    return {
        "reference_date": REFERENCE_DATE,
        "units_with_figure": len(err),
        "median_abs_error_pct": round(float(err.abs().median()) * 100, 2),
        "worst_error_pct": round(float(err[worst]) * 100, 2),
        "worst_error_unit": worst,
        "max_abs_error_2023_2024_pct": round(
            float(err[err.index.isin(recent[recent].index)].abs().max()) * 100, 2
        ),
        "registered_basis_regions": list(REGISTERED_REGIONS),
        # where people displaced from registered districts mostly live (reference facts:
        # "mostly Baku, Sumgait and Absheron"); used by population_basis = "resident"
        "displaced_live_in": ["AZ-BA", "AZ-SM", "AZ-ABS"],
    }


def _raw_paths(raw: Path, roads: str) -> dict[str, Path]:
    """Check the raw folder and return the files the build reads."""
    if roads not in ("major", "drive"):
        raise ValueError(f"roads is {roads!r}; expected 'major' or 'drive'")
    if not raw.is_dir():
        raise MissingInputError(f"raw data folder {raw} does not exist")
    keys = ("boundaries", "borders", "places", "residential", "population", "pois", roads)
    paths = {k: raw / RAW_FILES[k] for k in keys}
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
            f"population table {path}: unknown {noun(len(unknown), 'district_id')} {unknown}, "
            f"missing {noun(len(missing), 'district_id')} {missing}"
        )
    return table


def _apply_population(
    districts: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame, pop: pd.DataFrame
) -> None:
    """Set district populations and spread each over its settlements (in place)."""
    by_id = pop.set_index("district_id")
    districts["population"] = districts["district_id"].map(by_id["population"]).astype("int64")
    for col in pop.columns:
        if col.startswith("population_"):
            districts[col] = districts["district_id"].map(by_id[col])
    totals = dict(zip(districts["district_id"], districts["population"], strict=True))
    settlements["population"] = distribute(
        totals, settlements["district_id"], settlements["weight"].to_numpy(float)
    )


_DISTRICT_FILE_COLUMNS = [
    "district_id", "name", "name_az", "kind", "region", "area_km2", "population",
    "population_source", "population_figure", "population_figure_date",
    "population_figure_kind", "population_method", "population_factor", "population_basis",
    "geometry",
]  # fmt: skip
_SETTLEMENT_FILE_COLUMNS = [
    "settlement_id", "name", "name_source", "place", "district_id", "residential_km2",
    "weight", "population", "lon", "lat",
]  # fmt: skip
