"""A region's own dataset from plain inputs (planner/datasets/generic.py).

The Nakhchivan exclave, built from the raw files as a user would bring them
(its eight districts' polygons, their official populations, the OSM places and
a road extract, no shelter) through the generic path, then run end to end.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from planner._errors import InputDataError, MissingInputError
from planner.cli import cli
from planner.data import load_dataset
from planner.datasets.generic import RegionInputs, build_dataset, read_about
from planner.hospital_types import UNCLASSIFIED
from planner.network import clip_osm_xml
from tests.conftest import require_raw

NAKHCHIVAN = {
    "Nakhchivan City": "Nakhchivan",
    "Babek District": "Babek District",
    "Julfa District": "Julfa District",
    "Kangarli District": "Kangarli District",
    "Ordubad District": "Ordubad District",
    "Sadarak District": "Sadarak District",
    "Shahbuz District": "Shahbuz District",
    "Sharur District": "Sharur District",
}
NAKHCHIVAN_BOX = (44.7, 38.8, 46.2, 39.8)


def make_nakhchivan_inputs(folder: Path) -> RegionInputs:
    """Write the exclave's inputs as plain files a user could have made."""
    raw = require_raw()
    folder.mkdir(parents=True, exist_ok=True)
    bounds = gpd.read_file(raw / "geoBoundaries-AZE-ADM2.geojson")
    bounds = bounds.loc[bounds["shapeName"].isin(NAKHCHIVAN), ["shapeName", "geometry"]]
    bounds = bounds.rename(columns={"shapeName": "district"})
    bounds.to_file(folder / "districts.geojson", driver="GeoJSON")
    table = pd.read_csv(raw / "azerbaijan-district-population.csv")
    table = table.set_index("name_en")
    rows = []
    for district, name_en in NAKHCHIVAN.items():
        row = table.loc[name_en].to_dict()
        latest = float(row["population2"] if row["year2"] == 2024 else row["population"])
        rows.append(
            {
                "district_id": district,
                "population": int(latest),
                "population_source": f"State Statistical Committee ({row['kind_of_figure']})",
            }
        )
    pd.DataFrame(rows).to_csv(folder / "population.csv", index=False)
    clip_osm_xml(
        raw / "azerbaijan-roads-major.osm.bz2", folder / "roads.osm.bz2", bbox=NAKHCHIVAN_BOX
    )
    (folder / "shelters.csv").write_text("name,capacity_places,lon,lat\n", "utf-8")
    (folder / "about.toml").write_text(
        'name = "nakhchivan"\n'
        'sources = ["Roads and places: OpenStreetMap, August 2021 (ODbL 1.0).", '
        '"Districts: geoBoundaries (CC BY-SA 3.0).", '
        '"Population: State Statistical Committee, 2024."]\n'
        'limitations = ["No shelter exists in the exclave today."]\n'
        'population_note = "State Statistical Committee figures of 1 January 2024"\n'
        "[licences]\n"
        'OpenStreetMap = "ODbL 1.0"\n',
        "utf-8",
    )
    return RegionInputs(
        boundaries=folder / "districts.geojson",
        id_column="district",
        name_column="district",
        roads=folder / "roads.osm.bz2",
        population=folder / "population.csv",
        places=raw / "azerbaijan-places.geojson",
        shelters=folder / "shelters.csv",
        about=folder / "about.toml",
    )


@pytest.fixture(scope="module")
def nakhchivan(tmp_path_factory: pytest.TempPathFactory) -> tuple[RegionInputs, Path]:
    folder = tmp_path_factory.mktemp("nakhchivan")
    inputs = make_nakhchivan_inputs(folder / "inputs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_dataset(inputs, folder / "dataset")
    return inputs, folder / "dataset"


def test_nakhchivan_builds_as_its_own_dataset(nakhchivan: tuple[RegionInputs, Path]) -> None:
    inputs, out = nakhchivan
    ds = load_dataset(out)  # every check a dataset gets on load
    assert ds.name == "nakhchivan"
    assert len(ds.districts) == 8
    assert inputs.population is not None
    published = pd.read_csv(inputs.population)["population"].sum()
    assert int(ds.districts["population"].sum()) == published
    assert int(ds.settlements["population"].sum()) == published
    assert ds.shelters.empty
    # a candidate in every district (its towns, else its largest settlement)
    assert set(ds.candidates["district_id"]) == set(ds.districts["district_id"])
    meta = json.loads((out / "metadata.json").read_text("utf-8"))
    assert meta["report"]["sources"][0].startswith("Roads and places")
    assert set(meta["sources"]) == {"boundaries", "roads", "population", "places", "shelters"}
    text = json.dumps(meta, ensure_ascii=False)
    assert "Baku" not in text and "Ganja" not in text


def test_nakhchivan_runs_end_to_end(nakhchivan: tuple[RegionInputs, Path], tmp_path: Path) -> None:
    _, out = nakhchivan
    # the CoE minimum as shipped asks 99.9 % of demand within two hours; one Ordubad village
    # (0.1 of 47 family places) has no site that close, so the region plans for 99 %
    shipped = (Path(__file__).resolve().parents[1] / "scenarios" / "coe-minimum.toml").read_text(
        "utf-8"
    )
    scenario = tmp_path / "nakhchivan.toml"
    scenario.write_text(
        shipped.replace('name = "coe-minimum"', 'name = "nakhchivan-coe"').replace(
            "served_share = 0.999", "served_share = 0.99"
        ),
        "utf-8",
    )
    args = ["run", "--data", str(out), "--out", str(tmp_path / "run"), "--tiles", "none"]
    result = CliRunner().invoke(cli, [*args, "--scenario", str(scenario)])
    assert result.exit_code in (0, 3), result.output
    assert "targets cannot be met" not in result.output
    report = (tmp_path / "run" / "plan" / "report.html").read_text("utf-8")
    for word in ("Baku", "Bakı", "Ganja", "Gəncə"):
        assert word not in report, word
    assert "No shelter exists in the exclave today." in report
    # the about file's words on the figures, beside the population (no registered basis here)
    assert "State Statistical Committee figures of 1 January 2024</span>" in report
    # and by which weights each district's people are spread over its OSM places
    meta = json.loads((out / "metadata.json").read_text("utf-8"))
    assert meta["settlement_weights"]["kind"] == "place_class"
    assert "in proportion to its OSM place class (city 100, town 10, village 1, hamlet 0.1)" in (
        report
    )
    sites = pd.read_csv(tmp_path / "run" / "plan" / "sites.csv", encoding="utf-8-sig")
    assert (sites["status"] == "new").sum() >= 1


def test_cli_builds_a_region(nakhchivan: tuple[RegionInputs, Path], tmp_path: Path) -> None:
    inputs, _ = nakhchivan
    args = ["data", "build", "--boundaries", str(inputs.boundaries), "--id-column", "district",
            "--name-column", "district", "--osm", str(inputs.roads), "--population",
            str(inputs.population), "--places", str(inputs.places), "--out",
            str(tmp_path / "ds")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert load_dataset(tmp_path / "ds").name == "ds"  # no about file: the folder's name
    missing = CliRunner().invoke(cli, [*args[:-6], "--out", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "needs --places as well" in missing.output
    both = CliRunner().invoke(cli, ["data", "build", "--raw", "r", *args[2:]])
    assert both.exit_code == 2 and "either --raw" in both.output
    neither = CliRunner().invoke(cli, ["data", "build", "--places", "p", "--out", "x"])
    assert neither.exit_code == 2 and "either --raw" in neither.output


def test_cli_refuses_options_of_the_other_build(tmp_path: Path) -> None:
    """An option of one build given to the other is an error, not silently ignored."""
    out = ["--out", str(tmp_path / "x")]
    here = str(Path(__file__))
    raw = ["data", "build", "--raw", str(tmp_path)]
    stray = CliRunner().invoke(cli, [*raw, "--places", here, "--about", here, *out])
    assert stray.exit_code == 2
    assert "--places, --about are for your own region's build (--boundaries)" in stray.output
    drive = CliRunner().invoke(
        cli, ["data", "build", "--boundaries", here, "--roads", "drive", *out]
    )
    assert drive.exit_code == 2 and "give your region's roads with --osm" in drive.output
    assert not (tmp_path / "x").exists()


def test_region_inputs_name_what_is_wrong(
    nakhchivan: tuple[RegionInputs, Path], tmp_path: Path
) -> None:
    inputs, _ = nakhchivan
    with pytest.raises(MissingInputError, match=r"places file .*nowhere\.geojson does not exist"):
        RegionInputs(**{**inputs.__dict__, "places": tmp_path / "nowhere.geojson"})
    assert inputs.population is not None
    table = pd.read_csv(inputs.population)
    table.loc[0, "district_id"] = "Atlantis"
    bad = tmp_path / "population.csv"
    table.to_csv(bad, index=False)
    with pytest.raises(InputDataError, match=r"unknown: \['Atlantis'\]"):
        build_dataset(RegionInputs(**{**inputs.__dict__, "population": bad}), tmp_path / "o")
    assert not (tmp_path / "o").exists()  # nothing half-written
    about = tmp_path / "about.json"
    about.write_text('{"sorces": []}', "utf-8")
    with pytest.raises(InputDataError, match=r"unknown key \['sorces'\]"):
        read_about(about)


def test_about_file_translations(tmp_path: Path) -> None:
    about = tmp_path / "about.toml"
    about.write_text(
        'limitations = ["Roads of 2021."]\n[translations.az]\n'
        'limitations = ["2021-ci il yollar."]\ndisconnected_note = "Yol yoxdur."\n'
        'population_note = "2024-cü il rəqəmləri"\n',
        "utf-8",
    )
    read = read_about(about)
    assert read["translations"]["az"]["limitations"] == ["2021-ci il yollar."]
    assert read["translations"]["az"]["population_note"] == "2024-cü il rəqəmləri"
    about.write_text("[translations.az]\npopulation_note = 2024\n", "utf-8")
    with pytest.raises(InputDataError, match=r"translations\.az\.population_note is 2024"):
        read_about(about)
    about.write_text('[translations.fr]\nlimitations = ["x"]\n', "utf-8")
    with pytest.raises(InputDataError, match=r"translations has language 'fr'; expected one of"):
        read_about(about)
    about.write_text('[translations.az.terms]\nregion = "iqtisadi rayon"\n', "utf-8")
    assert read_about(about)["translations"]["az"]["terms"] == {"region": "iqtisadi rayon"}
    about.write_text('[translations.az.terms]\nprovince = "vilayət"\n', "utf-8")
    with pytest.raises(InputDataError, match=r"translations\.az\.terms has 'province'"):
        read_about(about)
    about.write_text('[translations.az]\nlimitations = "x"\n', "utf-8")
    with pytest.raises(InputDataError, match=r"translations\.az\.limitations is 'x'"):
        read_about(about)
    about.write_text("[translations.az]\nsorces = []\n", "utf-8")
    with pytest.raises(InputDataError, match=r"translations\.az has unknown key \['sorces'\]"):
        read_about(about)


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("about.toml", "sources = [", r"about\.toml is not valid toml"),
        ("about.json", "{sources: 1}", r"about\.json is not valid json"),
        ("about.json", '["Roads of 2021."]', r"holds a list; expected an object"),
        ("about.toml", 'sources = "OSM"', r"sources is 'OSM'; expected a list of sentences"),
        ("about.toml", "limitations = [1]", r"limitations is \[1\]; expected a list of sentences"),
        ("about.toml", 'licences = ["ODbL"]', r"licences is \['ODbL'\]; expected \{source"),
        ("about.toml", "[licences]\nOSM = 1", r"licences is \{'OSM': 1\}; expected"),
        ("about.toml", "name = 7", r"name is 7; expected text"),
        ("about.toml", 'translations = "az"', r"translations is 'az'; expected \{language"),
        ("about.toml", 'translations = {az = "x"}', r"translations\.az is 'x'; expected an"),
        (
            "about.toml",
            "[translations.az.regions]\nNorth = 1",
            r"translations\.az\.regions is \{'North': 1\}; expected \{region",
        ),
    ],
)
def test_a_bad_about_file_is_named(tmp_path: Path, name: str, text: str, said: str) -> None:
    about = tmp_path / name
    about.write_text(text, "utf-8")
    with pytest.raises(InputDataError, match=said):
        read_about(about)


def test_a_missing_about_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match=r"about file .*nowhere\.toml does not exist"):
        read_about(tmp_path / "nowhere.toml")


def _grid_region(folder: Path, **given: Path) -> RegionInputs:
    """Three districts over the 3x3 grid graph (node 9 removed): West and East side by side,
    North above them; places with populations as CSV, roads as GraphML, one shelter, two
    typed hospitals. ``given`` replaces any input."""
    import osmnx as ox
    from shapely.geometry import box

    from tests.conftest import grid_graph

    gpd.GeoDataFrame(
        {"code": ["W", "E", "N"], "label": ["West", "East", "North"], "zone": ["a", "a", "b"]},
        geometry=[
            box(46.99, 39.99, 47.015, 40.03),
            box(47.015, 39.99, 47.03, 40.03),
            box(46.99, 40.03, 47.03, 40.05),
        ],
        crs="EPSG:4326",
    ).to_file(folder / "districts.gpkg")
    (folder / "population.csv").write_text("district_id,population\nW,3000\nE,1000\nN,50\n")
    # West has two places weighing 2:1; East one; North none (it gets one at its centre)
    (folder / "places.csv").write_text(
        "name,population,lon,lat\nA,200,47.00,40.00\nB,100,47.00,40.02\nC,5,47.02,40.01\n"
    )
    (folder / "shelters.csv").write_text("name,capacity_places,lon,lat\nRefuge,12,47.02,40.02\n")
    (folder / "hospitals.csv").write_text(
        "name,hospital_type,lon,lat\nCentral,general,47.01,40.01\n"
        "Skin clinic,dispensary,47.02,40.0\n"
    )
    graph = grid_graph()
    graph.remove_node(9)
    for u, v, k in graph.edges(keys=True):
        graph.edges[u, v, k]["osmid"] = 100 + u * 10 + v
    ox.save_graphml(graph, folder / "roads.graphml")
    files: dict[str, Any] = {
        "boundaries": folder / "districts.gpkg",
        "roads": folder / "roads.graphml",
        "population": folder / "population.csv",
        "places": folder / "places.csv",
        "shelters": folder / "shelters.csv",
        "hospitals": folder / "hospitals.csv",
    }
    return RegionInputs(
        id_column="code", name_column="label", region_column="zone", **{**files, **given}
    )


def _build(inputs: RegionInputs, out: Path) -> list[str]:
    """Build quietly; return the build's notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_dataset(inputs, out)
    return [str(w.message) for w in caught]


def test_small_region_from_hand_made_files(tmp_path: Path) -> None:
    """Every input form on a 3x3 grid: places with populations as CSV, a GraphML road graph,
    a district with no place, one shelter, hospitals with a type."""
    from tests.conftest import grid_graph

    inputs = _grid_region(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = build_dataset(inputs, tmp_path / "grid")
    assert any("without a place got one settlement" in str(w.message) for w in caught)
    ds = load_dataset(tmp_path / "grid")
    pop = ds.settlements.set_index("name")["population"]
    assert pop["A"] == 2000 and pop["B"] == 1000 and pop["C"] == 1000 and pop["North"] == 50
    assert dict(zip(ds.districts["district_id"], ds.districts["region"], strict=True)) == {
        "E": "a", "N": "b", "W": "a"
    }  # fmt: skip
    assert ds.shelters["capacity_places"].tolist() == [12.0]
    assert ds.shelters["district_id"].tolist() == ["E"]
    assert sorted(ds.hospitals["hospital_type"]) == ["dispensary", "general"]
    # candidates: each district's largest settlement (no city or town here)
    assert sorted(ds.candidates["name"]) == ["A", "C", "North"]
    graph = grid_graph()
    assert report.counts["road_edges"] == graph.number_of_edges() - graph.degree(9)


def test_places_with_populations_need_no_population_table(tmp_path: Path) -> None:
    """Without --population each district counts the people of its places; a district
    with none counts 0 and is noted, and reports quote where the figures come from."""
    from planner._i18n import Translator
    from planner.assessment import population_words
    from planner.scenario import Scenario

    inputs = replace(_grid_region(tmp_path), population=None)
    notes = _build(inputs, tmp_path / "grid")
    assert any("1 district holds no place with people in places.csv, so it counts 0 people: "
               "['N']" in n for n in notes)  # fmt: skip
    ds = load_dataset(tmp_path / "grid")
    assert ds.districts.set_index("district_id")["population"].to_dict() == {
        "E": 5, "N": 0, "W": 300
    }  # fmt: skip
    pop = ds.settlements.set_index("name")["population"]
    assert pop["A"] == 200 and pop["B"] == 100 and pop["C"] == 5 and pop["North"] == 0
    assert population_words(ds, Scenario(), Translator("en")) == (
        "district figures: sum of the populations of its places in places.csv"
    )
    assert (
        "population"
        not in json.loads((tmp_path / "grid" / "metadata.json").read_text())["sources"]
    )
    # a district with nobody in it is not among the "farthest districts", in terminal or report
    out = tmp_path / "run"
    args = ["run", "--data", str(tmp_path / "grid"), "--out", str(out), "--tiles", "none"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    farthest = result.output[result.output.index("Farthest districts") :]
    assert "West" in farthest and "North" not in farthest[: farthest.index("Planning")]
    report = (out / "plan" / "report.html").read_text("utf-8")
    table = report[report.index("Districts farthest from help") :]
    table = table[: table.index("</table>")]
    assert "West" in table and "North" not in table
    # region b, of North alone, has nobody: no shelter is missing there, today or after
    summary = json.loads((out / "summary.json").read_text())
    assert summary["regions_without_shelter"] == [] and summary["regions_without_people"] == ["b"]
    plan_summary = json.loads((out / "plan" / "summary.json").read_text())
    assert plan_summary["shelters"]["regions_without_shelter_after"] == []
    assert "though every region with people has one. Nobody lives in the region b." in report
    assert "every region with people would have a shelter." in report
    assert (
        "population (district figures: sum of the populations of its places in places.csv), in "
        "proportion to the population its places file gives it." in report
    )
    full = tmp_path / "full"
    args = ["plan", "full-recommendations", "--data", str(tmp_path / "grid"), "--out", str(full)]
    result = CliRunner().invoke(cli, [*args, "--tiles", "none"])
    assert result.exit_code == 0, result.output
    centres = json.loads((full / "summary.json").read_text())["rape_crisis_centres"]
    assert centres["regions_without_centre_after"] == []
    assert "Every region with people has a centre." in (full / "report.html").read_text("utf-8")
    # places weighted by class only cannot count anyone: the build says what to give
    (tmp_path / "classes.csv").write_text("name,place,lon,lat\nA,town,47.00,40.00\n")
    with pytest.raises(InputDataError, match=r"classes\.csv has no population column and no "
                       r"population table was given \(--population\)"):  # fmt: skip
        build_dataset(replace(inputs, places=tmp_path / "classes.csv"), tmp_path / "no")
    assert not (tmp_path / "no").exists()


def _residential_region(tmp_path: Path, urban_share: float | None = None) -> RegionInputs:
    """The grid's places by class (A a town, B and C villages) with residential land: three
    equal boxes at A, one at B, and one beyond the districts, nearest to B."""
    from shapely.geometry import box

    (tmp_path / "classes.csv").write_text(
        "name,place,lon,lat\nA,town,47.00,40.00\nB,village,47.00,40.02\nC,village,47.02,40.01\n"
    )

    def square(lon: float, lat: float) -> object:  # about 0.24 km², above the floor
        return box(lon, lat, lon + 0.005, lat + 0.005)

    gpd.GeoDataFrame(
        geometry=[
            square(46.990, 39.992), square(46.996, 39.992), square(47.002, 39.992),
            square(46.998, 40.016), square(46.95, 40.016),
        ],
        crs="EPSG:4326",
    ).to_file(tmp_path / "land.geojson")  # fmt: skip
    inputs = _grid_region(tmp_path, places=tmp_path / "classes.csv")
    return replace(inputs, residential=tmp_path / "land.geojson", urban_share=urban_share)


def test_residential_land_weights_the_places_of_a_region(tmp_path: Path) -> None:
    """--residential: each district's people go to its places by the residential land nearest
    to each (West: 3 boxes at A, 1 at B, so 3:1 of its 3,000), land beyond the districts left
    out; with an urban share, towns' land counts as much denser as that share needs."""
    notes = _build(_residential_region(tmp_path), tmp_path / "plain")
    pop = load_dataset(tmp_path / "plain").settlements.set_index("name")["population"]
    assert pop["A"] == pytest.approx(2250, abs=2) and pop["B"] == pytest.approx(750, abs=2)
    assert pop["C"] == 1000  # East's only place
    assert any("residential land: 4 of the 5 areas of land.geojson lie in the districts" in n
               for n in notes)  # fmt: skip
    meta = json.loads((tmp_path / "plain" / "metadata.json").read_text("utf-8"))
    weights = meta["settlement_weights"]
    assert weights["kind"] == "residential" and weights["urban_multiplier"] == 1.0
    # 60 % of the 4,050 people in the town A: 2,430 of West's 3,000, A's land 1.42 times denser
    _build(_residential_region(tmp_path, urban_share=0.6), tmp_path / "fitted")
    pop = load_dataset(tmp_path / "fitted").settlements.set_index("name")["population"]
    assert pop["A"] == pytest.approx(2430, abs=3)
    meta = json.loads((tmp_path / "fitted" / "metadata.json").read_text("utf-8"))
    assert meta["settlement_weights"]["urban_multiplier"] == pytest.approx(1.42, abs=0.01)
    # a share no density can give is named with the file
    with pytest.raises(InputDataError, match=r"land\.geojson with urban_share 0\.5: an urban "
                       r"share of 50\.0% is out of reach"):  # fmt: skip
        build_dataset(_residential_region(tmp_path, urban_share=0.5), tmp_path / "no")
    assert not (tmp_path / "no").exists()
    # a land file with no polygon is named
    from shapely.geometry import Point

    gpd.GeoDataFrame(geometry=[Point(47.0, 40.0)], crs="EPSG:4326").to_file(tmp_path / "pts.gpkg")
    points = replace(_residential_region(tmp_path), residential=tmp_path / "pts.gpkg")
    with pytest.raises(InputDataError, match=r"pts\.gpkg holds no polygon; expected residential"):
        build_dataset(points, tmp_path / "no")
    with pytest.raises(InputDataError, match=r"urban_share is 55; expected a share between 0"):
        _residential_region(tmp_path, urban_share=55)
    with pytest.raises(InputDataError, match=r"urban_share is given without residential"):
        replace(_residential_region(tmp_path, urban_share=0.6), residential=None)
    # places with their own populations need no land to weigh them: said, not used
    own = replace(_grid_region(tmp_path), residential=tmp_path / "land.geojson")
    notes = _build(own, tmp_path / "own")
    assert any("land.geojson: not used, the places carry their own population" in n for n in notes)
    # the report's method says so
    out = tmp_path / "run"
    args = ["plan", "coe-60min", "--data", str(tmp_path / "plain"), "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--tiles", "none"])
    assert result.exit_code in (0, 3), result.output
    assert (
        "in proportion to the residential land nearer to it than to any other settlement, "
        "towns&#39; land counting as villages&#39; does" in (out / "report.html").read_text()
    )
    fitted = ["plan", "coe-60min", "--data", str(tmp_path / "fitted"), "--out", str(out / "f")]
    result = CliRunner().invoke(cli, [*fitted, "--tiles", "none", "--lang", "az"])
    assert result.exit_code in (0, 3), result.output
    assert (
        "(şəhər və qəsəbələrin sahəsi 1,42 dəfə sayılır)"
        in (out / "f" / "report.html").read_text()
    )


def test_residential_options_belong_to_a_regions_build(tmp_path: Path) -> None:
    inputs = _residential_region(tmp_path)
    base = ["data", "build", "--boundaries", str(inputs.boundaries), "--id-column", "code",
            "--name-column", "label", "--osm", str(inputs.roads), "--places", str(inputs.places),
            "--population", str(inputs.population), "--out", str(tmp_path / "out")]  # fmt: skip
    result = CliRunner().invoke(cli, [*base, "--urban-share", "0.6"])
    assert result.exit_code == 2 and "--urban-share fits the density of --residential" in (
        result.output
    )
    result = CliRunner().invoke(cli, [*base, "--residential", str(inputs.residential)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        cli, ["data", "build", "--raw", str(tmp_path), "--out", str(tmp_path / "x"),
              "--residential", str(inputs.residential)]
    )  # fmt: skip
    assert result.exit_code == 2 and "--residential" in result.output


def test_a_shelters_name_in_another_language_comes_along(tmp_path: Path) -> None:
    """A shelters file's name_az reaches the dataset, and outputs in Azerbaijani use it."""
    (tmp_path / "named.csv").write_text(
        "name,name_az,capacity_places,lon,lat\nRefuge,Sığınacaq,12,47.02,40.02\n", "utf-8"
    )
    inputs = replace(_grid_region(tmp_path), shelters=tmp_path / "named.csv")
    _build(inputs, tmp_path / "grid")
    ds = load_dataset(tmp_path / "grid")
    assert ds.shelters["name_az"].tolist() == ["Sığınacaq"]
    assert ds.place_names("az").shelters == {"SH-1": "Sığınacaq"}
    assert ds.place_names("en").shelters == {}


def test_a_report_names_the_input_files_when_no_about_file_does(tmp_path: Path) -> None:
    """No --about: the report's sources list the build's files by name and hash (never the
    confidential shelters file) and say that their origin is not stated."""
    _build(_grid_region(tmp_path), tmp_path / "ds")
    args = ["plan", "coe-60min", "--data", str(tmp_path / "ds"), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, [*args, "--tiles", "none"])
    assert result.exit_code in (0, 3), result.output
    report = (tmp_path / "out" / "report.html").read_text("utf-8")
    digest = json.loads((tmp_path / "ds" / "metadata.json").read_text("utf-8"))["sources"]
    assert (
        f"district boundaries: districts.gpkg (SHA-256 {digest['boundaries']['sha256'][:12]}"
        in report
    )
    assert "settlements: places.csv (SHA-256 " in report
    assert "The dataset names no source or licence for these files" in report
    assert "shelters.csv" not in report and digest["shelters"]["sha256"][:12] not in report


def test_points_of_interest_keep_their_hospitals(tmp_path: Path) -> None:
    """An OSM points-of-interest file given as hospitals: police, nursing homes and points
    abroad are left out and said so; names give the types when rules are given."""
    pois = tmp_path / "pois.csv"
    pois.write_text(
        "name,class,subclass,lon,lat\n"
        "Central Hospital,hospital,hospital,47.01,40.01\n"  # kept: general
        "Old people's home,hospital,nursing_home,47.00,40.01\n"  # left out
        "Police station,police,police,47.02,40.02\n"  # left out
        ",hospital,clinic,47.02,40.0\n"  # kept, no name: unknown
        "Skin Dispensary,hospital,,47.025,40.04\n"  # kept (blank subclass): dispensary
        "Across the border,hospital,hospital,47.2,40.2\n"  # outside every district
    )
    rules = tmp_path / "types.csv"
    rules.write_text("type,pattern\ngeneral,hospital\ndispensary,dispensar\n")
    inputs = _grid_region(tmp_path, hospitals=pois, hospital_types=rules)
    notes = _build(inputs, tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    assert dict(zip(ds.hospitals["name"], ds.hospitals["hospital_type"], strict=True)) == {
        "Central Hospital": "general", "(unnamed clinic)": "unknown",
        "Skin Dispensary": "dispensary",
    }  # fmt: skip
    assert (
        "hospitals: 2 points of other kinds left out by class/subclass "
        "({'nursing_home': 1, 'police': 1})"
    ) in notes
    assert any(n.startswith("hospitals: 1 outside every district left out") for n in notes)
    assert "hospitals: 3 typed from their names ({'general': 1, 'unknown': 1, " in " ".join(notes)
    checked = CliRunner().invoke(cli, ["data", "check", str(tmp_path / "ds")])
    words = " ".join(checked.output.split())
    assert "hospitals offered by default (general, polyclinic) │ 1" in words, words


def test_hospitals_without_types_are_unclassified(tmp_path: Path) -> None:
    """No type and no rules: every hospital is offered; a type for only some is refused."""
    plain = tmp_path / "plain.csv"
    plain.write_text("name,lon,lat\nCentral,47.01,40.01\nSkin clinic,47.02,40.0\n")
    _build(_grid_region(tmp_path, hospitals=plain), tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")  # a blank type column would be refused here
    assert ds.hospitals["hospital_type"].tolist() == [UNCLASSIFIED, UNCLASSIFIED]
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("name,hospital_type,lon,lat\nCentral,general,47.01,40.01\nSkin,,47.02,40.0\n")
    with pytest.raises(InputDataError, match=r"mixed\.csv, row 3: hospital_type is blank while"):
        build_dataset(_grid_region(tmp_path, hospitals=mixed), tmp_path / "bad")
    only = tmp_path / "only.csv"
    only.write_text("name,amenity,lon,lat\nTown hall,townhall,47.01,40.01\n")
    with pytest.raises(
        InputDataError, match=r"no point is a hospital or clinic by its \['amenity'\]"
    ):
        build_dataset(_grid_region(tmp_path, hospitals=only), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_places_with_a_population_for_some_only(tmp_path: Path) -> None:
    """OSM gives a population to some places only: the error names the row and the way out."""
    places = tmp_path / "osm_places.csv"
    places.write_text(
        "name,place,population,lon,lat\nA,town,2000,47.00,40.00\nB,village,,47.0,40.02\n"
    )
    with pytest.raises(
        InputDataError,
        match=r"osm_places\.csv, row 3: population is empty; expected a number >= 0 for every "
        r"place \(or no population column, to weight the places by their 'place' class\)",
    ):
        build_dataset(_grid_region(tmp_path, places=places), tmp_path / "bad")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Refuge,-5,,47.02,40.02", r"row 2: capacity_places is '-5'; expected a number > 0"),
        ("Refuge,,,47.02,40.02", r"row 2: capacity_places is empty; expected a number > 0"),
        (",12,,47.02,40.02", r"row 2: name is empty; expected the shelter's name"),
        ("Refuge,12,maybe,47.02,40.02", r"row 2: inclusive is 'maybe'; expected true or false"),
    ],
)
def test_a_bad_shelter_row_stops_the_build(tmp_path: Path, row: str, message: str) -> None:
    """Checked at the build, against the user's file (not later, against the dataset's)."""
    shelters = tmp_path / "my_shelters.csv"
    shelters.write_text(f"name,capacity_places,inclusive,lon,lat\n{row}\n")
    with pytest.raises(InputDataError, match=r"my_shelters\.csv, " + message):
        build_dataset(_grid_region(tmp_path, shelters=shelters), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        # places with neither populations nor OSM place classes
        ("places.csv", "name,lon,lat\nA,47.00,40.00\n", r"has neither 'population' nor 'place'"),
        # places without any name
        (
            "places.csv",
            "name,population,lon,lat\n,200,47.00,40.00\n",
            r"has no place with a name; expected named places",
        ),
        # a hospital type that is none of the types
        (
            "hospitals.csv",
            "name,hospital_type,lon,lat\nCentral,castle,47.01,40.01\n",
            r"hospitals\.csv, row 2: hospital_type 'castle' is not one of \['children'",
        ),
    ],
)
def test_a_bad_region_file_stops_the_build(
    tmp_path: Path, file: str, text: str, message: str
) -> None:
    inputs = _grid_region(tmp_path)
    (tmp_path / file).write_text(text)
    with pytest.raises(InputDataError, match=message):
        build_dataset(inputs, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_a_missing_region_column_or_road_file_is_named(tmp_path: Path) -> None:
    inputs = _grid_region(tmp_path)
    with pytest.raises(InputDataError, match=r"lacks column 'province' \(--region-column\)"):
        build_dataset(replace(inputs, region_column="province"), tmp_path / "bad")
    (tmp_path / "roads.graphml").unlink()
    with pytest.raises(MissingInputError, match=r"roads\.graphml does not exist"):
        build_dataset(inputs, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_inclusive_may_be_left_blank(tmp_path: Path) -> None:
    shelters = tmp_path / "mine.csv"
    shelters.write_text(
        "name,capacity_places,inclusive,lon,lat\nR,12,,47.02,40.02\nQ,3,yes,47.0,40.01\n"
    )
    _build(_grid_region(tmp_path, shelters=shelters), tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    assert dict(zip(ds.shelters["name"], ds.shelters["inclusive"], strict=True)) == {
        "R": False, "Q": True
    }  # fmt: skip


def test_district_codes_that_look_like_numbers(tmp_path: Path) -> None:
    """Ids such as 1, 2, 3 (or 007) stay text in every file, so the dataset loads."""
    from shapely.geometry import box

    gpd.GeoDataFrame(
        {"code": [1, 2, 3], "label": ["West", "East", "North"], "zone": ["a", "a", None]},
        geometry=[
            box(46.99, 39.99, 47.015, 40.03),
            box(47.015, 39.99, 47.03, 40.03),
            box(46.99, 40.03, 47.03, 40.05),
        ],
        crs="EPSG:4326",
    ).to_file(tmp_path / "codes.gpkg")
    (tmp_path / "codes.csv").write_text("district_id,population\n1,3000\n2,1000\n3,50\n")
    inputs = replace(
        _grid_region(tmp_path),
        boundaries=tmp_path / "codes.gpkg",
        population=tmp_path / "codes.csv",
        region_column=None,
    )
    _build(inputs, tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    assert ds.districts["district_id"].tolist() == ["1", "2", "3"]
    assert sorted(set(ds.settlements["district_id"])) == ["1", "2", "3"]
    assert ds.shelters["district_id"].tolist() == ["2"]
    # a region column with a blank region is refused by district
    with pytest.raises(InputDataError, match=r"codes\.gpkg: district \['3'\] has no region in "):
        build_dataset(replace(inputs, region_column="zone"), tmp_path / "bad")
    # codes a GIS file stores as floats (1.0) match the CSV's 1, regions included
    floats = gpd.read_file(tmp_path / "codes.gpkg").assign(code=[1.0, 2.0, 3.0], zone="z")
    floats.to_file(tmp_path / "floats.gpkg")
    _build(
        replace(inputs, boundaries=tmp_path / "floats.gpkg", region_column="zone"),
        tmp_path / "floats",
    )
    assert load_dataset(tmp_path / "floats").districts["district_id"].tolist() == ["1", "2", "3"]
    # region codes stored as floats are regions "5" and "6", not "5.0"
    floats.assign(zone=[5.0, 5.0, 6.0]).to_file(tmp_path / "zones.gpkg")
    _build(
        replace(inputs, boundaries=tmp_path / "zones.gpkg", region_column="zone"),
        tmp_path / "zones",
    )
    assert load_dataset(tmp_path / "zones").districts["region"].tolist() == ["5", "5", "6"]


def test_a_city_drawn_on_top_of_its_district(tmp_path: Path) -> None:
    """Overlapping polygons (a city not cut out of the district around it): the overlap is
    noted, and a place inside both belongs to the city, whatever the file's order."""
    from shapely.geometry import box

    city = box(47.015, 40.005, 47.025, 40.015)  # holds place C (47.02, 40.01)
    around = box(46.99, 39.99, 47.03, 40.05)
    (tmp_path / "p.csv").write_text("district_id,population\nBIG,5000\nCITY,10000\n")
    for order in ([around, city], [city, around]):
        codes = ["BIG", "CITY"] if order[0] is around else ["CITY", "BIG"]
        gpd.GeoDataFrame(
            {"code": codes, "label": [c.title() for c in codes]}, geometry=order, crs="EPSG:4326"
        ).to_file(tmp_path / "b.gpkg")
        inputs = replace(
            _grid_region(tmp_path),
            boundaries=tmp_path / "b.gpkg",
            population=tmp_path / "p.csv",
            region_column=None,
        )
        notes = _build(inputs, tmp_path / "ds")
        assert (
            "boundaries: a pair of districts in b.gpkg overlap: 'BIG' and 'CITY' (100% of the "
            "smaller); a point in both belongs to the smaller district"
        ) in notes
        ds = load_dataset(tmp_path / "ds")
        where = dict(zip(ds.settlements["name"], ds.settlements["district_id"], strict=True))
        assert where == {"A": "BIG", "B": "BIG", "C": "CITY"}


def test_places_just_outside_the_polygons_are_counted_apart(tmp_path: Path) -> None:
    """A place just beyond a generalised border is told apart from one far away."""
    places = tmp_path / "mine.csv"
    places.write_text(
        "name,population,lon,lat\nA,200,47.00,40.00\nEdge,50,47.032,40.02\nFar,9,48.0,41.0\n"
    )
    notes = _build(_grid_region(tmp_path, places=places), tmp_path / "ds")
    assert (
        "places: 2 outside every district left out (1 of them within 3 km of one: generalised "
        "borders or coasts may have cut them off; their people are spread over the district's "
        "other places)"
    ) in notes


def test_a_shelter_outside_the_region_is_refused(tmp_path: Path) -> None:
    """A shelter just outside a generalised border joins the nearest district; one far away
    (here with longitude and latitude swapped) is refused with its row."""
    near = tmp_path / "near.csv"
    near.write_text("name,capacity_places,lon,lat\nEdge,10,47.032,40.02\n")  # ~170 m east
    _build(_grid_region(tmp_path, shelters=near), tmp_path / "ds")
    assert load_dataset(tmp_path / "ds").shelters["district_id"].tolist() == ["E"]
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("name,capacity_places,lon,lat\nRefuge,12,47.02,40.02\nOther,8,40.0,47.0\n")
    with pytest.raises(
        InputDataError,
        match=r"swapped\.csv, row 3: shelter 'Other' at \(40\.00000, 47\.00000\) lies more "
        r"than 3 km outside every district; .*swapped\?",
    ):
        build_dataset(_grid_region(tmp_path, shelters=swapped), tmp_path / "bad")


def test_extra_road_lines_join_a_region(tmp_path: Path) -> None:
    """--extra-roads adds a road to a region's graph, as for the embedded dataset."""
    from shapely.geometry import LineString

    from tests.conftest import grid_graph

    lines = tmp_path / "new_road.geojson"
    graph = grid_graph()
    a, b = graph.nodes[1], graph.nodes[8]
    gpd.GeoDataFrame(
        {"highway": ["primary"]},
        geometry=[LineString([(a["x"], a["y"]), (b["x"], b["y"])])],
        crs="EPSG:4326",
    ).to_file(lines, driver="GeoJSON")
    notes = _build(_grid_region(tmp_path, extra_roads=lines), tmp_path / "ds")
    plain = _build(_grid_region(tmp_path), tmp_path / "plain")
    assert any("1 extra road line from new_road.geojson added" in n for n in notes)
    assert not any("extra road" in n for n in plain)
    meta = json.loads((tmp_path / "ds" / "metadata.json").read_text("utf-8"))
    assert meta["sources"]["extra_roads"]["file"] == "new_road.geojson"
    edges = len(load_dataset(tmp_path / "ds").graph.edges)
    assert edges > len(load_dataset(tmp_path / "plain").graph.edges)


def test_a_projected_graphml_is_read_in_longitude_and_latitude(tmp_path: Path) -> None:
    """A graph saved after ox.project_graph is projected back; one in metres that does not
    say so is refused, not written as a dataset that fails on load."""
    import osmnx as ox

    inputs = _grid_region(tmp_path)
    graph = ox.load_graphml(inputs.roads)
    projected = ox.project_graph(graph)
    assert projected.nodes[0]["x"] > 180  # metres
    ox.save_graphml(projected, tmp_path / "projected.graphml")
    _build(replace(inputs, roads=tmp_path / "projected.graphml"), tmp_path / "ds")
    nodes = load_dataset(tmp_path / "ds").network
    plain = _build(inputs, tmp_path / "plain")
    assert not any("from any road" in n for n in plain)
    same = load_dataset(tmp_path / "plain").network
    assert nodes.node_ids.tolist() == same.node_ids.tolist()
    assert nodes.lon == pytest.approx(same.lon, abs=1e-6)
    assert nodes.lat == pytest.approx(same.lat, abs=1e-6)
    del projected.graph["crs"]
    ox.save_graphml(projected, tmp_path / "unsaid.graphml")
    with pytest.raises(InputDataError, match=r"unsaid\.graphml: node coordinates reach"):
        build_dataset(replace(inputs, roads=tmp_path / "unsaid.graphml"), tmp_path / "bad")
    # a file that is no GraphML, an empty graph, nodes without coordinates: named, no folder
    head = '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    cases = {
        "text.graphml": ("roads\n", r"text\.graphml is not a readable osmnx GraphML graph"),
        "empty.graphml": (
            head + '<graph edgedefault="directed"/></graphml>',
            r"empty\.graphml holds no road nodes",
        ),
        "bare.graphml": (
            head + '<graph edgedefault="directed"><node id="1"/></graph></graphml>',
            r"bare\.graphml: node 1 has no x/y coordinates \(1 such node\)",
        ),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputDataError, match=message):
            build_dataset(replace(inputs, roads=tmp_path / name), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_a_road_extract_far_larger_than_the_area_is_noted() -> None:
    from shapely.geometry import box

    from planner.datasets.generic import _note_roads_outside
    from planner.network import CompiledNetwork
    from tests.conftest import grid_graph

    graph = CompiledNetwork.from_graph(
        grid_graph()
    )  # 9 nodes near (47.01, 40.01), 1 at (47.5, 40.5)
    here = gpd.GeoDataFrame({"district_id": ["W"]}, geometry=[box(46.99, 39.99, 47.03, 40.03)],
                            crs="EPSG:4326")  # fmt: skip
    notes: list[str] = []
    _note_roads_outside(graph, here, notes)
    assert notes == []  # node 9 is 60 km away, but 9 of 10 nodes are in the area
    far = here.assign(geometry=[box(45.0, 39.0, 45.05, 39.05)])  # about 200 km away
    _note_roads_outside(graph, far, notes)
    assert notes == [
        "roads: 100% of the road nodes lie more than 50 km outside the districts; an extract "
        "cut to the area (planner.network.clip_osm_xml) builds and plans faster"
    ]


def _grid_osm(side: int) -> str:
    """OSM XML of a side x side grid of two-way primary roads, every node a junction."""
    nodes = "".join(
        f'<node id="{i * side + j + 1}" version="1" lat="{40 + i / 100}" lon="{47 + j / 100}"/>'
        for i in range(side)
        for j in range(side)
    )
    lines = [[i * side + j + 1 for j in range(side)] for i in range(side)]
    lines += [[i * side + j + 1 for i in range(side)] for j in range(side)]
    refs = ["".join(f'<nd ref="{n}"/>' for n in line) for line in lines]
    ways = "".join(
        f'<way id="{k + 1}" version="1">{nd}<tag k="highway" v="primary"/></way>'
        for k, nd in enumerate(refs)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">{nodes}{ways}</osm>\n'


def test_roads_from_a_pbf_extract(tmp_path: Path) -> None:
    """A .pbf road file is read as its XML is: the same graph, CRS and speeds."""
    from planner.datasets.generic import _graph

    osmium = pytest.importorskip("osmium")
    xml, pbf = tmp_path / "grid.osm", tmp_path / "grid.osm.pbf"
    xml.write_text(_grid_osm(5), "utf-8")  # a network, not a fragment of under 20 nodes
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    graph, same = _graph(pbf, None), _graph(xml, None)
    # 25 nodes less the 4 corners, where a road only bends (simplified away); 40 road
    # segments, 2 merged at each corner, both ways
    assert len(graph) == 21 and sorted(graph.nodes) == sorted(same.nodes)
    assert graph.number_of_edges() == same.number_of_edges() == 72
    assert graph.graph["crs"] == "EPSG:4326"
    assert {d["speed_kph"] for *_, d in graph.edges(data=True)} == {
        d["speed_kph"] for *_, d in same.edges(data=True)
    }


def test_places_with_longitude_and_latitude_swapped_are_named(tmp_path: Path) -> None:
    """Places or hospitals that land outside the area because lon and lat were swapped: the
    build says so, and refuses a file none of whose places lies in the area."""
    swapped = tmp_path / "swapped.csv"  # the grid's places, coordinates in the wrong columns
    swapped.write_text("name,population,lat,lon\nA,200,47.00,40.00\nB,100,47.00,40.02\n")
    inputs = _grid_region(tmp_path, places=swapped)
    with pytest.raises(InputDataError, match=r"swapped\.csv: none of its 2 places lies in or "
                       r"near a district; expected points in the area \(are longitude and "
                       r"latitude swapped\? 2 of them would lie in a district with the two "
                       r"swapped\)"):  # fmt: skip
        build_dataset(inputs, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("name,population,lon,lat\nA,200,7.00,50.00\n")
    with pytest.raises(InputDataError, match=r"is the file for another area\?"):
        build_dataset(replace(inputs, places=elsewhere), tmp_path / "out")
    # one swapped among good ones: left out, with the hint; hospitals alike
    (tmp_path / "half.csv").write_text(
        "name,population,lon,lat\nA,200,47.00,40.00\nB,100,40.02,47.00\n"
    )
    (tmp_path / "hosp.csv").write_text("name,lon,lat\nCentral,47.01,40.01\nSwapped,40.01,47.01\n")
    notes = _build(
        replace(inputs, places=tmp_path / "half.csv", hospitals=tmp_path / "hosp.csv"),
        tmp_path / "out",
    )
    hint = "(are longitude and latitude swapped? it would lie in a district with the two swapped)"
    assert f"places: 1 outside every district left out {hint}" in notes
    assert any(n.startswith("hospitals: 1 outside every district") and "swapped?" in n
               for n in notes)  # fmt: skip
    # a point simply outside, with nothing to gain from a swap, gets no such hint
    (tmp_path / "outside.csv").write_text(
        "name,population,lon,lat\nA,200,47.00,40.00\nFar,100,47.50,40.50\n"
    )
    plain = _build(replace(inputs, places=tmp_path / "outside.csv"), tmp_path / "plain")
    assert "places: 1 outside every district left out" in plain
