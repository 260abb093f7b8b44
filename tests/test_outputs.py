from __future__ import annotations

import json
import re
import sqlite3
import warnings
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.access import DISTRICT_TABLE_COLUMNS
from planner.assessment import assess
from planner.data import Dataset
from planner.outputs import AssessmentFiles, write_assessment
from planner.planning import Plan

# a distinctive location no district point or settlement has
SECRET = (47.7654321, 40.1234567)


@pytest.fixture(scope="module")
def secret_outputs(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> AssessmentFiles:
    shelters = dataset.shelters.copy()
    shelters.loc[shelters.index[1], "geometry"] = Point(*SECRET)
    ds = replace(dataset, shelters=gpd.GeoDataFrame(shelters, crs="EPSG:4326"))
    out = tmp_path_factory.mktemp("assess")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return write_assessment(assess(ds), ds, out, tiles="none")


def test_all_files_written(secret_outputs: AssessmentFiles) -> None:
    for path in vars(secret_outputs).values():
        assert Path(path).is_file() and Path(path).stat().st_size > 0, path
    table = pd.read_csv(secret_outputs.districts_csv)
    assert list(table.columns[: len(DISTRICT_TABLE_COLUMNS)]) == DISTRICT_TABLE_COLUMNS
    assert {"required_beds", "shortfall_beds", "e2sfca_per_10000", "share_beyond_180min"} <= set(
        table.columns
    )
    assert len(gpd.read_file(secret_outputs.districts_gpkg)) == 78
    assert len(pd.read_csv(secret_outputs.regions_csv)) == 14
    summary = json.loads(secret_outputs.summary_json.read_text("utf-8"))
    assert summary["existing_places"] == 175
    assert (secret_outputs.map_html.parent / "assets" / "leaflet" / "leaflet.js").is_file()


def _texts(files: AssessmentFiles) -> dict[str, str]:
    out = {}
    for path in vars(files).values():
        p = Path(path)
        if p.suffix in (".csv", ".json", ".html"):
            out[p.name] = p.read_text("utf-8")
    with sqlite3.connect(files.districts_gpkg) as con:
        gdf = gpd.read_file(files.districts_gpkg)
        out["districts.gpkg"] = gdf.to_json() + str(
            con.execute("select count(*) from districts").fetchone()
        )
    return out


def _leaks(text: str, x: float, y: float) -> list[str]:
    """Places where the point (x, y) appears: either number at 5+ decimals, or both at 4."""
    found = []
    for digits in (5, 6, 7):
        found += [v for v in (f"{x:.{digits}f}", f"{y:.{digits}f}") if v in text]
    lon4, lat4 = re.escape(f"{x:.4f}"), re.escape(f"{y:.4f}")
    pair = re.compile(rf"{lon4}\d*[^0-9]{{1,30}}{lat4}|{lat4}\d*[^0-9]{{1,30}}{lon4}")
    found += pair.findall(text)
    return found


def test_no_output_contains_exact_shelter_coordinates(
    secret_outputs: AssessmentFiles, dataset: Dataset
) -> None:
    texts = _texts(secret_outputs)
    for name, text in texts.items():
        assert not _leaks(text, *SECRET), f"{name} shows the shelter at {SECRET}"
    # the default shelters sit on OSM city points, which the map may show as
    # settlements; the tables and the summary must not carry them
    for name, text in texts.items():
        if name.endswith(".html"):
            continue
        for p in dataset.shelters.geometry:
            assert not _leaks(text, p.x, p.y), f"{name} shows a shelter at {(p.x, p.y)}"


def test_pngs_are_real_images(secret_outputs: AssessmentFiles) -> None:
    from PIL import Image

    for path in (secret_outputs.map_png, secret_outputs.shortfall_png):
        with Image.open(path) as img:
            assert img.width > 800 and img.height > 500
            colours = img.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 50


def test_leak_check_catches_a_planted_location() -> None:
    x, y = SECRET
    assert _leaks(f'{{"coordinates": [{x:.4f}, {y:.4f}]}}', x, y)
    assert _leaks(f"lat={y}", x, y)
    assert not _leaks("47.7654 and far away 99 then 40.1235" + " " * 40, x, y)


def test_scenario_folders_stay_inside_out(tmp_path: Path) -> None:
    from planner._errors import OptionError
    from planner.outputs import scenario_folders

    out = tmp_path / "cmp"
    folders = scenario_folders(["coe-minimum", "../escape", "/etc/passwd", "a b/c"], out)
    assert [f.name for f in folders] == ["coe-minimum", "escape", "etc-passwd", "a-b-c"]
    assert all(f.parent == out for f in folders)
    # accented letters are written plainly, so Şəki is not "-ki" (and Şəki and Ləki differ)
    plain = scenario_folders(["Qarabağ: plan/1", "Şəki", "Ləki", "İsmayıllı"], out)
    assert [f.name for f in plain] == ["Qarabag-plan-1", "Seki", "Leki", "Ismayilli"]
    with pytest.raises(OptionError, match="both be written"):
        scenario_folders(["x", "X"], out)
    with pytest.raises(OptionError, match="no usable folder name"):
        scenario_folders([".."], out)


def test_comparison_map_puts_two_plans_side_by_side(tmp_path: Path) -> None:
    from planner.outputs import write_comparison_map

    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "map.html").write_text("<html></html>", "utf-8")
    hostile = '<script>alert("x")</script>'
    path = write_comparison_map([(hostile, "a"), ("Plan B", "b"), ("no map", "nomap")], tmp_path)
    assert path is not None
    page = path.read_text("utf-8")
    assert '<iframe id="left-map" title="left plan map" src="a/map.html">' in page
    assert 'src="b/map.html"' in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "nomap" not in page  # a scenario without a map is not offered
    assert "http" not in page  # nothing to fetch: works offline like the maps it frames
    assert write_comparison_map([("only", "a")], tmp_path / "none") is None


def test_the_comparison_notes_a_plan_dearer_than_a_stricter_one(
    tiny_plan: tuple[Dataset, Plan], tmp_path: Path
) -> None:
    from planner._i18n import Translator
    from planner.outputs import comparison_notes, write_comparison

    _, strict = tiny_plan
    sc, cost = strict.scenario, strict.summary["cost"]
    assert cost is not None
    loose = replace(
        strict,
        scenario=replace(sc, name="loose | 0.9", targets=replace(sc.targets, served_share=0.9)),
        summary={**strict.summary, "cost": cost + 10},
    )
    number = Translator().number
    notes = comparison_notes([strict, loose])
    assert notes == [
        f"'loose | 0.9' costs {number(cost + 10)}, more than 'tiny' ({number(cost)}), whose rules "
        "are at least as strict: that plan keeps every rule of 'loose | 0.9' too, so the search "
        "for 'loose | 0.9' stopped short of the cheapest plan; for 'loose | 0.9', the plan of "
        "'tiny' is the better answer."
    ]
    assert "'tiny' planı daha yaxşı cavabdır" in comparison_notes([strict, loose], lang="az")[0]
    assert comparison_notes([strict]) == [] and comparison_notes([loose]) == []
    write_comparison([strict, loose], tmp_path)
    md = (tmp_path / "comparison.md").read_text("utf-8")
    assert md.endswith("\n\n- " + notes[0].replace("|", "\\|") + "\n")
    write_comparison([strict], tmp_path)  # no note: the table alone
    assert (tmp_path / "comparison.md").read_text("utf-8").count("\n- ") == 0
