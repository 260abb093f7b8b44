"""The interactive maps, opened in a real headless browser with the network blocked."""

from __future__ import annotations

import re
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from planner.assessment import assess
from planner.data import Dataset
from planner.maps import Assets, Tiles, access_map, write_access_map
from planner.outputs import write_plan
from planner.planning import Plan, plan
from planner.scenario import load_scenario
from tests.browser import (
    assert_works_offline,
    needs_chromium,
    open_offline,
    run_chromium,
    serve,
)

# Records any JavaScript error in the page title, which --dump-dom prints.
CATCH_ERRORS = (
    "<script>window.addEventListener('error', function (e) {"
    " document.title = 'JS' + 'ERROR ' + e.message; });</script>"
)


@pytest.fixture(scope="module")
def map_dir(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("map")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_access_map(assess(dataset), dataset, out / "map.html", tiles="none", assets="local")
    html = (out / "map.html").read_text("utf-8")
    (out / "probe.html").write_text(html.replace("<head>", "<head>" + CATCH_ERRORS, 1), "utf-8")
    return out


@pytest.fixture(scope="module")
def server(map_dir: Path) -> Iterator[str]:
    with serve(map_dir) as origin:
        yield origin


def _warm(colour: tuple[int, int, int]) -> bool:
    return colour[0] > 200 and colour[2] < 120


def _chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_chromium(url, profile, *extra)


def test_map_is_offline_ready(map_dir: Path) -> None:
    html = (map_dir / "map.html").read_text("utf-8")
    assert 'src="assets/leaflet/leaflet.js"' in html
    assert "cdn.jsdelivr" not in html and "tile.openstreetmap" not in html
    for layer in (
        "Travel time to the nearest shelter",
        "Shortfall of shelter beds",
        "E2SFCA",
        "Settlements beyond 120 min",
        "Existing shelter capacity",
    ):
        assert layer in html
    assert "Nakhchivan exclave" in html
    assert "OpenStreetMap contributors" in html
    # A row of the embedded shelter table pools a city's shelters: the tooltip gives
    # the places, never a count of shelters it cannot know.
    assert "Baku City: 153 beds in existing shelters, 0 of them LGBTQ+-inclusive" in html
    assert "shelter(s)" not in html
    # the district's capacity fields all count beds, like the shortfall beside them
    assert "Existing beds" in html and "Existing places" not in html
    legend = html[html.index('id="sp-legend"') : html.index('id="sp-note"')]
    assert "existing shelter (shown at its district)" in legend


def test_cdn_and_tiles_options(dataset: Dataset) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = assess(dataset)
    html = access_map(a, dataset, tiles="openstreetmap", assets="cdn").get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.4" in html and "tile.openstreetmap.org" in html
    with pytest.raises(ValueError, match="'satellite'"):
        access_map(a, dataset, tiles="satellite")  # type: ignore[arg-type]


@needs_chromium
def test_map_draws_in_a_browser(server: str, map_dir: Path, tmp_path: Path) -> None:
    dom = _chromium(f"{server}/probe.html", tmp_path / "p1", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert "JSERROR" not in page, page[page.find("JSERROR") : page.find("JSERROR") + 300]
    assert "Uncaught" not in dom.stderr
    assert "leaflet-container" in page
    # the district layer drew its polygons as interactive SVG paths
    assert page.count("leaflet-interactive") >= 78
    assert "leaflet-control-layers" in page

    shot = tmp_path / "shot.png"
    proc = _chromium(f"{server}/map.html", tmp_path / "p2", f"--screenshot={shot}")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        colours = rgb.getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 100, "the screenshot is blank"
        # the choropleth's warm colours are on screen
        warm = sum(
            int(n) for n, rgb_value in colours if _warm(cast(tuple[int, int, int], rgb_value))
        )
        assert warm > 0.02 * rgb.width * rgb.height


@needs_chromium
def test_boxes_fold_on_a_narrow_screen(server: str, tmp_path: Path) -> None:
    """One side of the comparison map is narrow: the note and legend must not hide it."""
    for width, folded in ((1200, False), (700, True)):
        dom = _chromium(
            f"{server}/map.html", tmp_path / str(width), "--dump-dom", f"--window-size={width},800"
        )
        assert dom.returncode == 0, dom.stderr[-2000:]
        boxes = re.findall(
            r'<div class="sp-box" id="sp-(?:legend|note)".*?<details( open)?', dom.stdout, re.S
        )
        assert len(boxes) == 2, dom.stdout[-2000:]
        assert all((b == "") == folded for b in boxes), (width, boxes)


# --- every map, offline (tests/browser.py blocks every host but 127.0.0.1) ---------------------

ACCESS_LAYERS = [
    "Travel time to the nearest shelter",
    "Shortfall of shelter beds",
    "E2SFCA",
    "Settlements beyond 120 min",
    "Existing shelter capacity",
]
PLAN_LAYERS = ["Travel time today", "Travel time with the plan", "Shelters with the plan"]
SERVICE_LAYERS = ["Rape crisis centres (proposed)", "24/7 forensic examination (proposed)"]


@needs_chromium
def test_assessment_map_works_offline(map_dir: Path, tmp_path: Path) -> None:
    assert_works_offline(map_dir / "map.html", tmp_path / "profile", ACCESS_LAYERS)


@needs_chromium
def test_full_recommendations_map_works_offline(
    full: Plan, dataset: Dataset, tmp_path: Path
) -> None:
    files = write_plan(full, dataset, tmp_path / "full", tiles="none")
    assert_works_offline(files.map_html, tmp_path / "profile", PLAN_LAYERS + SERVICE_LAYERS)


@pytest.fixture(scope="module")
def budget(dataset: Dataset) -> Plan:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plan(dataset, load_scenario("budget-5-sites"))


@needs_chromium
def test_shelter_plan_map_works_offline(budget: Plan, dataset: Dataset, tmp_path: Path) -> None:
    files = write_plan(budget, dataset, tmp_path / "budget", tiles="none")
    report = assert_works_offline(files.map_html, tmp_path / "profile", PLAN_LAYERS)
    assert not any("Rape crisis" in label for label in report.layers)


AZ_ACCESS_LAYERS = ["Ən yaxın sığınacağa yol vaxtı", "120 dəqiqədən uzaq yaşayış məntəqələri"]
AZ_PLAN_LAYERS = ["Bu gün yol vaxtı", "Planla yol vaxtı", "Planla sığınacaqlar (ölçü = tutum)"]


@needs_chromium
def test_maps_in_azerbaijani_work_offline(budget: Plan, dataset: Dataset, tmp_path: Path) -> None:
    files = write_plan(budget, dataset, tmp_path / "budget_az", tiles="none", lang="az")
    report = assert_works_offline(files.map_html, tmp_path / "profile", AZ_PLAN_LAYERS)
    assert not any("Travel time" in label for label in report.layers)
    (tmp_path / "access_az").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = write_access_map(
            assess(dataset), dataset, tmp_path / "access_az" / "map.html", tiles="none",
            assets="inline", lang="az",
        )  # fmt: skip
    report = assert_works_offline(page, tmp_path / "profile2", AZ_ACCESS_LAYERS)
    assert not any("Shortfall" in label for label in report.layers)


def _single_page(dataset: Dataset, folder: Path, *, tiles: Tiles, assets: Assets) -> Path:
    """Write the assessment map alone into an empty folder."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = assess(dataset)
    folder.mkdir()
    page = folder / "map.html"
    page.write_text(
        access_map(a, dataset, tiles=tiles, assets=assets).get_root().render(), "utf-8"
    )
    return page


@needs_chromium
def test_inline_map_is_one_file_that_works_offline(dataset: Dataset, tmp_path: Path) -> None:
    page = _single_page(dataset, tmp_path / "alone", tiles="none", assets="inline")
    assert_works_offline(page, tmp_path / "profile", ACCESS_LAYERS)
    assert [p.name for p in page.parent.iterdir()] == ["map.html"]  # nothing beside it


@needs_chromium
def test_the_offline_check_sees_what_breaks(dataset: Dataset, tmp_path: Path) -> None:
    # the same map loading Leaflet from a CDN, with a tile layer: offline it must fail the check
    page = _single_page(dataset, tmp_path / "cdn", tiles="openstreetmap", assets="cdn")
    report, origin = open_offline(page, tmp_path / "profile")
    failed = report.failed_requests(origin)
    assert any("cdn.jsdelivr.net" in url for url in failed), failed
    assert report.errors, "a map without Leaflet raises errors"
    assert report.layers == []


def test_plan_map_note_writes_figures_as_the_report_does(
    budget: Plan, dataset: Dataset, tmp_path: Path
) -> None:
    html = write_plan(budget, dataset, tmp_path / "note", tiles="none").map_html.read_text("utf-8")
    places = budget.summary["total_places"]
    assert places is not None and places % 1 != 0  # 302.9 family places: a fraction to round
    assert f"{round(places):,} family places in all" in html
    assert f"{places} family places" not in html
    # a site's tooltip too: Ganja's 22 beds are 12.9 family places, not 12.941
    assert "Ganja shelters (existing): 12.9 family places, 22 beds" in html


def test_plan_map_has_a_legend_of_what_it_draws(budget: Plan, dataset: Dataset) -> None:
    from planner.maps import plan_map

    html = plan_map(budget, dataset, tiles="none").get_root().render()
    legend = html[html.index('id="sp-legend"') : html.index('id="sp-note"')]
    assert "Mean travel to a shelter (today: the nearest; with the plan: the one assigned)" in (
        legend
    )
    rows = [
        "0-30 min",
        "240+ min",
        "no road path, or not served",
        "new shelter",
        "existing shelter (shown at its district)",
        "settlement left unserved",
    ]
    for row in rows:
        assert row in legend, row
    assert ("LGBTQ+-inclusive shelter" in legend) == bool(budget.sites["inclusive"].any())
    assert "Rape crisis" not in legend  # no service planned, none in the legend
    # both boxes fold away, and start folded on a narrow screen (one side of a comparison)
    assert "<details open><summary>Legend</summary>" in legend
    assert "<summary>About this map</summary>" in html and "window.innerWidth < 900" in html
    az = plan_map(budget, dataset, tiles="none", lang="az").get_root().render()
    assert "yeni sığınacaq (ölçü = tutum)" in az and "new shelter" not in az


def test_service_tooltips_name_the_district(full: Plan, dataset: Dataset) -> None:
    from planner.maps import plan_map

    html = plan_map(full, dataset, tiles="none").get_root().render()
    legend = html[html.index('id="sp-legend"') : html.index('id="sp-note"')]
    assert "Rape crisis centres (proposed)" in legend
    assert "24/7 forensic examination (proposed)" in legend
    assert re.search(r"\((?:[A-Z][a-z]+ )+(?:District|City)\): rape crisis centre", html)
    assert not re.search(r"\(AZ-[A-Z]+\): (?:rape crisis|24/7)", html)
