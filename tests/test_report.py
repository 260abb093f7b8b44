from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import pandas as pd
import pytest

from planner.data import Dataset
from planner.outputs import PlanFiles, comparison_markdown, comparison_table, write_plan
from planner.planning import Plan, plan
from planner.scenario import load_scenario


@pytest.fixture(scope="module")
def small_plan(dataset: Dataset) -> Plan:
    s = load_scenario("budget-5-sites")  # as shipped: solved to its gap, no clock involved
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plan(dataset, s)


@pytest.fixture(scope="module")
def files(
    small_plan: Plan, dataset: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> PlanFiles:
    return write_plan(small_plan, dataset, tmp_path_factory.mktemp("plan"), tiles="none")


def test_plan_files(files: PlanFiles, small_plan: Plan) -> None:
    sites = pd.read_csv(files.sites_csv)
    assert list(sites.columns[:6]) == ["site_id", "name", "district_id", "region", "lon", "lat"]
    assert {"status", "capacity_places", "service"} <= set(sites.columns)
    assert set(sites["service"]) == {"shelter"}
    assert (sites["status"] == "new").sum() <= 5
    a = pd.read_csv(files.assignments_csv)
    assert list(a.columns) == [
        "settlement_id",
        "site_id",
        "demand_places",
        "travel_min",
        "travel_km",
    ]
    assert (a["travel_min"] <= 120).all()
    summary = json.loads(files.summary_json.read_text("utf-8"))
    for key in (
        "scenario",
        "objective",
        "status",
        "mip_gap",
        "solve_seconds",
        "new_sites",
        "total_places",
        "served_share",
        "max_travel_min",
    ):
        assert key in summary
    d = pd.read_csv(files.districts_csv)
    assert len(d) == 78 and "travel_min_mean_after" in d.columns


def test_report_is_self_contained_and_quotable(files: PlanFiles) -> None:
    html = files.report_html.read_text("utf-8")
    assert "data:image/png;base64," in html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=['\"]https?:", html)
    for needle in (
        "Method",
        "Sources and licences",
        "Limitations",
        "ODbL",
        "CC BY-SA 3.0",
        "Council of Europe",
        "budget-5-sites",
    ):
        assert needle in html


def test_map_has_before_and_after(files: PlanFiles) -> None:
    html = files.map_html.read_text("utf-8")
    for layer in (
        "Travel time today",
        "Travel time with the plan",
        "Assignments",
        "Shelters with the plan",
    ):
        assert layer in html
    assert (files.map_html.parent / "assets" / "leaflet" / "leaflet.js").is_file()


def test_comparison_table(small_plan: Plan) -> None:
    table = comparison_table([small_plan, small_plan])
    assert list(table.columns[:4]) == ["scenario", "objective", "status", "new_sites"]
    md = comparison_markdown(table)
    assert md.startswith("| scenario | objective |")
    assert md.count("\n") == 4


def test_plan_geopackage_for_qgis(files: PlanFiles, small_plan: Plan) -> None:
    import pyogrio

    assert files.geopackage is not None
    layers = dict(pyogrio.list_layers(files.geopackage).tolist())
    assert layers["sites"] == "Point"
    assert layers["assignments"] == "LineString" and layers["districts"] in (
        "Polygon",
        "MultiPolygon",
    )
    sites = gpd.read_file(files.geopackage, layer="sites")
    assert len(sites) == len(small_plan.all_sites) and sites.crs.to_epsg() == 4326
    lines = gpd.read_file(files.geopackage, layer="assignments")
    assert len(lines) == len(small_plan.assignments)
    assert {"settlement_id", "site_id", "travel_min"} <= set(lines.columns)
    # QGIS opens each layer with its default style (the layer_styles table, QML)
    import sqlite3
    import xml.etree.ElementTree as ET

    with sqlite3.connect(files.geopackage) as db:
        rows = db.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles"
        ).fetchall()
        geom = {
            t: g
            for t, g in db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
        }
    styles = {
        name: (column, ET.fromstring(qml.split("\n", 1)[1])) for name, column, qml, _ in rows
    }
    assert set(styles) == {"sites", "assignments", "districts"}
    assert all(default == 1 for *_, default in rows)
    for name, (column, root) in styles.items():
        assert column == geom[name]  # the style names the layer's real geometry column
        assert root.tag == "qgis" and root.find("renderer-v2") is not None
    sites_renderer = styles["sites"][1].find("renderer-v2")
    assert sites_renderer is not None and sites_renderer.get("type") == "categorizedSymbol"
    labels = {c.get("label") for c in sites_renderer.iter("category")}
    assert "Shelter, new" in labels
    assert "Shelter, existing (at its district's public point)" in labels
    ranges = styles["districts"][1].find("renderer-v2")
    assert ranges is not None and ranges.get("attr") == "travel_min_mean_after"
    assert len(list(ranges.iter("range"))) == 6


def test_report_reads_for_people(files: PlanFiles) -> None:
    html = files.report_html.read_text("utf-8")
    headings = re.findall(r"<(?:h[1-3]|th)[^>]*>(.*?)</(?:h[1-3]|th)>", html, flags=re.S)
    assert headings
    snake = [h for h in headings if re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", h)]
    assert snake == []  # no identifier from the code as a heading
    # the first screen: title, scenario / dataset / version / date, then the summary in words
    first = html[: html.index("<h2>The proposal</h2>")]
    assert "<h2>Summary</h2>" in first and "family places" in first and "generated" in first
    assert "shelter-planner" in first and "@media print" in html


def test_report_counts_who_is_better_and_worse_off(files: PlanFiles, small_plan: Plan) -> None:
    html = files.report_html.read_text("utf-8")
    assert "<h3>Who is better and who is worse off</h3>" in html
    section = html[html.index("Who is better and who is worse off") :]
    table = section[: section.index("</table>")]
    rows = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    counts = pd.DataFrame(
        [r[:3] for r in rows if r], columns=["group", "districts", "population"]
    ).set_index("group")
    d = small_plan.districts
    # every district and every person is in exactly one group
    number = counts.apply(lambda col: col.str.replace(",", "").astype(int))
    assert number["districts"].sum() == len(d)
    assert number["population"].sum() == int(d["population"].sum())
    worse = int(d["worse_off"].sum())
    assert number.loc["Worse off (longer mean travel)", "districts"] == worse


def test_report_states_the_range_across_modes_and_population_bases(files: PlanFiles) -> None:
    html = files.report_html.read_text("utf-8")
    first = html[: html.index("<h2>The proposal</h2>")]
    assert "by bus" in first and "by car" in first
    assert "counting displaced people where they live (resident (25%) basis)" in first
