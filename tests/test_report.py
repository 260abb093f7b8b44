from __future__ import annotations

import json
import re
import warnings
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from planner._i18n import catalog
from planner.data import Dataset
from planner.outputs import PlanFiles, comparison_markdown, comparison_table, write_plan
from planner.planning import Plan, plan
from planner.scenario import Scenario, load_scenario


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
    from planner import __version__

    assert (summary["dataset"], summary["planner_version"]) == ("azerbaijan", __version__)
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


def test_plan_folder_holds_the_scenario_as_run(files: PlanFiles, small_plan: Plan) -> None:
    import tomllib
    from dataclasses import replace

    from planner.scenario import scenario_from_dict

    assert files.scenario_toml is not None and files.scenario_toml.parent == files.sites_csv.parent
    back = scenario_from_dict(tomllib.loads(files.scenario_toml.read_text("utf-8")))
    assert back == replace(small_plan.scenario, source=None)
    assert "<code>scenario.toml</code> beside this report" in files.report_html.read_text("utf-8")


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
    assert "None" not in md and "nan" not in md  # no hospital services: empty cells
    odd = table.assign(scenario=["a | b", "two\nlines"])
    rows = comparison_markdown(odd).splitlines()
    assert (
        len(rows) == 4
        and rows[2].startswith("| a \\| b |")
        and rows[3].startswith("| two lines |")
    )
    assert all(r.count(" | ") == rows[0].count(" | ") for r in rows[2:])


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
        geom = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
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
    # a row of the shelter table may pool a city's shelters: today's inclusive supply is
    # counted in places, never in shelters
    assert "Today 0 shelter family places are known to accept LGBTQ+ survivors" in html
    # today's supply in family places and in the beds the sources count (175)
    assert "need 1,018 family places (1,731 beds); 103 exist today (175 beds), 9.89 times" in html


def _site_rows(html: str, heading: str) -> list[list[str]]:
    section = html[html.index(heading) :]
    table = section[: section.index("</table>")]
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    ]


def test_report_tables_name_districts(files: PlanFiles, files_az: PlanFiles) -> None:
    """A reader knows "Baku City", not "AZ-BA"; the CSV keeps the ids for tools."""
    html = files.report_html.read_text("utf-8")
    new = _site_rows(html, "<h3>New shelters</h3>")
    assert new and all(not re.fullmatch(r"AZ-[A-Z]+", row[1]) for row in new)
    existing = _site_rows(html, "<h3>Existing shelters")
    assert [row[1] for row in existing] == ["Baku City", "Ganja City"]
    assert existing[0][3] == "90.0" and new[0][3] in {"10", "20", "40"}  # decimals per column
    # beside its family places, each existing record's beds: the figures the sources publish
    assert [row[4] for row in existing] == ["153", "22"]
    html_az = files_az.report_html.read_text("utf-8")
    existing_az = _site_rows(html_az, "<h3>Mövcud sığınacaqlar")
    assert [row[1] for row in existing_az] == ["Bakı", "Gəncə"]
    assert "AZ-BA" in files.sites_csv.read_text("utf-8-sig")


def test_report_counts_who_is_better_and_worse_off(files: PlanFiles, small_plan: Plan) -> None:
    html = files.report_html.read_text("utf-8")
    assert "<h3>Who is better and who is worse off</h3>" in html
    section = html[html.index("Who is better and who is worse off") :]
    table = section[: section.index("</table>")]
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
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
    # budget-5-sites opens its five sites and, decided on the settlements themselves (the
    # merged model's proportional splits hid such plans), leaves no district worse off
    assert worse == 0 and small_plan.summary["new_sites"] == 5
    assert "No district is worse off than today" in html
    # the Nakhchivan exclave has no road path to a shelter today, nor a new site here
    nakhchivan = d.loc[d["region"] == "Nakhchivan"]
    assert nakhchivan["travel_min_mean_before"].isna().all()
    reached = "Served only with the plan (no shelter within reach today)"
    served = nakhchivan["travel_min_mean_after"].notna()
    assert number.loc[reached, "districts"] == served.sum()


def test_a_district_longer_only_by_people_newly_reached_is_not_counted_worse_off(
    small_plan: Plan,
) -> None:
    """The groups follow the district table's worse_off (people a shelter reached today,
    compared with today): a mean longer only through people no shelter reached today is
    not "worse off" in the counts when the list says no district is."""
    from dataclasses import replace

    from planner._i18n import Translator
    from planner.report import _better_and_worse

    d = small_plan.districts.copy()
    row = d.index[d["travel_min_mean_before"].notna() & d["travel_min_mean_after"].notna()][0]
    d.loc[row, "travel_min_mean_after"] = d.loc[row, "travel_min_mean_before"] + 10.0
    assert not d.loc[row, "worse_off"]  # the people reached today are not worse off
    html = str(_better_and_worse(replace(small_plan, districts=d), Translator()))
    worse_row = html[html.index("Worse off (longer mean travel)") :].split("</tr>")[0]
    assert re.findall(r"<td[^>]*>(.*?)</td>", worse_row)[0] == "0"
    d.loc[row, "worse_off"] = True
    html = str(_better_and_worse(replace(small_plan, districts=d), Translator()))
    worse_row = html[html.index("Worse off (longer mean travel)") :].split("</tr>")[0]
    assert re.findall(r"<td[^>]*>(.*?)</td>", worse_row)[0] == "1"


def test_report_puts_districts_worse_off_down_to_a_binding_budget(
    small_plan: Plan, dataset: Dataset, tmp_path: Path
) -> None:
    # two districts made worse off by hand (the second mostly unserved, as a district whose
    # nearest shelters are full gets the remainder of a site): the report lists them, says
    # the budget of 5 sites is used up, and that one is served in small part
    d = small_plan.districts.copy()
    rows = d.loc[d["served_share_after"] > 0.9].sort_values("population").index[-2:]
    d.loc[rows, "travel_min_mean_after"] = d.loc[rows, "travel_min_mean_before"] + 2.0
    d.loc[rows, "worse_off"] = True
    d.loc[rows[0], "served_share_after"] = 0.0005
    worse_plan = replace(small_plan, districts=d)
    files = write_plan(worse_plan, dataset, tmp_path / "plan", tiles="none")
    html = files.report_html.read_text("utf-8")
    people = f"{int(d.loc[rows, 'population'].sum()):,}"
    assert f"2 districts ({people} people) would be referred farther on average" in html
    assert "The plan uses its whole budget (5 new sites): no site can be added nearer" in html
    assert "1 of them has less than half its demand served (the last column)" in html
    table = html[html.index("<h3>Districts worse off than today") :]
    table = table[: table.index("</table>")]
    assert "Share of demand served" in table and "0.1%" in table
    for name in d.loc[rows, "name"]:
        assert name in table


def test_report_states_the_range_across_modes_and_population_bases(files: PlanFiles) -> None:
    html = files.report_html.read_text("utf-8")
    first = html[: html.index("<h2>The proposal</h2>")]
    # what the headline share assumes, then each alternative, once each
    assert "(by car, registered population; " in first and "% by bus or minibus;" in first
    # the key figure stays short; what it assumes is the small print under it
    assert re.search(r"<b>[\d.]+% of people</b><span class=\"small\">by car, registered", first)
    assert "% by car" not in first
    assert (
        "counting displaced people where they live, with 25% counted in their "
        "registered district)" in first
    )
    # whose figures the population is: the dataset's own words, beside the figure
    assert "registered basis: official district figures of 2018-2024 brought to 1 January" in first


def test_report_names_the_population_figures_of_any_dataset(
    tiny_plan: tuple[Dataset, Plan],
) -> None:
    """A dataset with no words of its own about its figures is not said to hold official
    ones: the report quotes the districts' population_source, with no basis it cannot tell."""
    from planner.report import render_report

    dataset, p = tiny_plan
    html = render_report(p, dataset)
    assert "district figures: test" in html
    assert "official" not in html and "registered basis" not in html
    # its one region has a shelter today: said so, not "0 of 1 region have none"
    assert "though every region has one." in html and "have none" not in html
    assert "halbuki hər regionda sığınacaq var." in render_report(p, dataset, lang="az")


# ---------------------------------------------------------------- in Azerbaijani (--lang az)


@pytest.fixture(scope="module")
def files_az(
    small_plan: Plan, dataset: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> PlanFiles:
    return write_plan(
        small_plan, dataset, tmp_path_factory.mktemp("plan_az"), tiles="none", lang="az"
    )


def _english_sentences() -> set[str]:
    """Pieces of English text (between fields) that the Azerbaijani catalog does not share."""
    en, az = catalog("en"), catalog("az")
    shared = " ".join(str(v) for v in az.values())
    pieces = set()
    for key, text in en.items():
        if isinstance(text, str) and key.split(".")[0] in ("report", "heading", "figure", "map"):
            for piece in re.split(r"\{[a-z_]*\}|<[^>]+>", text):
                piece = piece.strip(" .,;:()")
                if len(piece) >= 12 and piece not in shared:
                    pieces.add(piece)
    return pieces


def test_report_in_azerbaijani_has_no_english_left(files_az: PlanFiles) -> None:
    html = files_az.report_html.read_text("utf-8")
    assert '<html lang="az">' in html
    pieces = _english_sentences()
    assert len(pieces) > 100
    # the sources stay as cited, in English; everything else is in Azerbaijani
    start = html.index(f"<h2>{catalog('az')['report.page.sources']}</h2>")
    cited = html[start : html.index("</ul>", start)]
    left = sorted(p for p in pieces if p in html.replace(cited, ""))
    assert left == []
    # the first screen: title, byline with the date in Azerbaijani, the summary in words
    first = html[: html.index("<h2>Təklif</h2>")]
    assert "<h2>Xülasə</h2>" in first and "ailə yeri" in first and "hazırlanma tarixi" in first
    months = catalog("az")["format.months"]
    assert any(m in first for m in months)
    # numbers as Azerbaijani writes them: decimal comma, dot between thousands
    assert re.search(r"\d,\d%", first) and re.search(r"\d\.\d{3}\b", first)
    # the dataset's own limitations, in its Azerbaijani translation
    assert "məcburi köçkün" in html and "Məhdudiyyətlər" in html
    # and its shelters' names (name_az of shelters.csv)
    assert "Bakı sığınacaqları" in html and "Baku shelters" not in html


def test_report_in_azerbaijani_reads_for_people(files_az: PlanFiles, small_plan: Plan) -> None:
    html = files_az.report_html.read_text("utf-8")
    headings = re.findall(r"<(?:h[1-3]|th)[^>]*>(.*?)</(?:h[1-3]|th)>", html, flags=re.S)
    assert [h for h in headings if re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", h)] == []
    assert "<h3>Kimin vəziyyəti yaxşılaşır, kimin pisləşir</h3>" in html
    section = html[html.index("Kimin vəziyyəti yaxşılaşır") :]
    table = section[: section.index("</table>")]
    rows = {
        re.sub(r"<[^>]+>", "", cells[0]).strip(): cells[1]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        )
        if cells
    }
    worse = int(small_plan.districts["worse_off"].sum())
    assert int(rows["Vəziyyəti pisləşən (orta yol vaxtı uzanır)"].replace(".", "")) == worse
    assert "bu gün 103 ailə yeri (175 yataq yeri) var" in html


def test_map_in_azerbaijani(files_az: PlanFiles) -> None:
    html = files_az.map_html.read_text("utf-8")
    for layer in ("Bu gün yol vaxtı", "Planla yol vaxtı", "Təyinatlar", "Planla sığınacaqlar"):
        assert json.dumps(layer)[1:-1] in html  # as folium writes it into the page's script
    assert "Travel time with the plan" not in html
    assert "Bakı sığınacaqları" in html and "Baku shelters" not in html
    # the side-by-side page of a comparison, too
    from planner.outputs import write_comparison_map

    side = write_comparison_map(
        [("a", files_az.map_html.parent.name), ("b", files_az.map_html.parent.name)],
        files_az.map_html.parent.parent,
        lang="az",
    )
    assert side is not None and "Ssenarilər yan-yana" in side.read_text("utf-8")


def test_the_plans_notes_are_a_list(small_plan: Plan, dataset: Dataset) -> None:
    """Notes are written to follow a bullet (no closing full stop): two of them once ran
    together on one line, joined by a line break."""
    from dataclasses import replace

    from planner.report import render_report

    notes = ["the first note (in brackets)", "the second note"]
    html = render_report(
        replace(small_plan, summary={**small_plan.summary, "messages": notes}), dataset
    )
    block = html[html.index('<div class="warn" id="plan-notes">') :]
    block = block[: block.index("</div>")]
    assert block.count("<li>") == 2 and "<br>" not in block
    assert "<li>The first note (in brackets)</li><li>The second note</li>" in block
    assert 'id="plan-notes"' not in render_report(small_plan, dataset)  # none: no box


def test_the_method_says_how_settlements_are_referred(small_plan: Plan, dataset: Dataset) -> None:
    """The method said demand may be split between shelters even for a single-sourced plan."""
    from dataclasses import replace

    from planner.report import render_report

    split = "a settlement's demand may be split between shelters"
    whole = "each settlement is referred, whole, to one shelter (single sourcing)"
    html = render_report(small_plan, dataset)
    assert split in html.replace("&#39;", "'") and whole not in html
    sc = small_plan.scenario
    single = replace(sc, targets=replace(sc.targets, single_source=True))
    html = render_report(replace(small_plan, scenario=single), dataset)
    assert whole in html and split not in html.replace("&#39;", "'")


def test_the_not_proven_box_says_why(small_plan: Plan) -> None:
    """No box for a proven plan; the limit that stopped the solve; the district repair's part."""
    from dataclasses import replace

    from planner._i18n import Fixed, Note, Share, Translator
    from planner.locate import PlanStatus
    from planner.report import _time_limit_warning

    tr = Translator()
    repaired = Note(
        "message.repaired", grown=1, opened=0, reduced=0, cost=Fixed(8.0, 0), gap=Share(0.2, 2)
    )

    def box(status: PlanStatus, messages: tuple[str, ...] = ()) -> str | None:
        result = replace(small_plan.result, status=status, messages=messages)
        return _time_limit_warning(replace(small_plan, result=result), tr)

    assert small_plan.result.status == PlanStatus.OPTIMAL and box(PlanStatus.OPTIMAL) is None
    work, timed = box(PlanStatus.WORK_LIMIT), box(PlanStatus.TIME_LIMIT)
    assert work is not None and "solver.node_limit" in work and "time limit" not in work
    assert "quote the plan with its gap" in work and "to narrow the gap" in work
    assert timed is not None and "--time-limit" in timed and "node_limit" not in timed
    for status in (PlanStatus.WORK_LIMIT, PlanStatus.TIME_LIMIT):
        said = box(status, (repaired,))
        assert said is not None and "cheapest plan without that rule" in said, said
        assert said.startswith(box(status) or ""), said
        # never "raise the budget to prove it" beside "a deeper search cannot close it"
        assert "to prove" not in said and "narrows only the site decision's part" in said
    assert (
        not small_plan.result.repaired
        and replace(small_plan.result, messages=(repaired,)).repaired
    )


def test_the_not_proven_box_points_to_the_deeper_search(small_plan: Plan) -> None:
    """A cheapest plan stopped by its work budget: the box says how to search for a cheaper one."""
    from dataclasses import replace

    from planner._i18n import Translator
    from planner.locate import PlanStatus
    from planner.report import _time_limit_warning

    sc = small_plan.scenario
    cheapest = replace(sc, objective=replace(sc.objective, type="min_cost"))

    def box(scenario: Scenario, status: PlanStatus, lang: str = "en") -> str:
        result = replace(small_plan.result, status=status)
        said = _time_limit_warning(
            replace(small_plan, scenario=scenario, result=result), Translator(lang)
        )
        assert said is not None
        return said

    hint = "solver.plan_search_nodes (200, say, and solver.time_limit_s = 1800)"
    assert hint in box(cheapest, PlanStatus.WORK_LIMIT)
    assert "solver.plan_search_nodes" in box(cheapest, PlanStatus.WORK_LIMIT, "az")
    asked = replace(cheapest, solver=replace(sc.solver, plan_search_nodes=200))
    assert "plan_search_nodes" not in box(asked, PlanStatus.WORK_LIMIT)
    assert "plan_search_nodes" not in box(cheapest, PlanStatus.TIME_LIMIT)
    assert "plan_search_nodes" not in box(sc, PlanStatus.WORK_LIMIT)  # max_coverage


def test_tables_align_figures_right_and_words_left() -> None:
    from planner._i18n import Translator
    from planner.report import _table

    frame = pd.DataFrame(
        {
            "name": ["Quba <b>", None],
            "population": [1200, 35],
            "served_share_after": [0.5, float("nan")],
            "inclusive": [True, False],
            "capacity_places": [40.0, 20.0],  # whole numbers: no decimals
            "travel_min_mean_after": [12.25, 3.0],  # a fraction: one decimal in the column
        }
    )
    html = str(_table(frame, Translator()))
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert len(rows) == 3  # the headings and two rows
    cells = re.findall(r"<td([^>]*)>(.*?)</td>", rows[1])
    assert cells == [
        ("", "Quba &lt;b&gt;"),
        (' class="n"', "1,200"),
        (' class="n"', "50.0%"),
        ("", "yes"),
        (' class="n"', "40"),
        (' class="n"', "12.2"),
    ]
    assert re.findall(r"<td[^>]*>(.*?)</td>", rows[2])[-1] == "3.0"
    assert re.findall(r"<td[^>]*>(.*?)</td>", rows[2])[0] == "-"  # missing, never "None"
    assert rows[0].count('<th class="n">') == 4


def test_summary_says_what_the_services_propose(tiny_plan: tuple[Dataset, Plan]) -> None:
    """The summary a reader quotes names the centres and forensic hospitals, or says they
    could not be planned; not only the shelters."""
    from dataclasses import replace

    from planner._i18n import Translator
    from planner.locate import PlanStatus
    from planner.report import _executive_summary
    from planner.scenario import scenario_from_dict
    from tests.tiny import TINY_SCENARIO

    dataset, _ = tiny_plan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, scenario_from_dict(TINY_SCENARIO))
    assert p.services is not None and p.services.result.feasible
    rc, fo = p.summary["rape_crisis_centres"], p.summary["forensic_24_7"]
    assert rc is not None and fo is not None
    text = " ".join(_executive_summary(p, Translator("en"), dataset.place_names("en")))
    assert (
        f"it proposes {rc['proposed']} rape crisis centre{'s' if rc['proposed'] != 1 else ''} "
        f"at hospitals ({rc['required']} needed by the standard)"
    ) in text
    assert f"24/7 forensic examination at {fo['proposed']} hospital" in text
    az = " ".join(_executive_summary(p, Translator("az"), dataset.place_names("az")))
    assert f"{rc['proposed']} zorlama böhran mərkəzi təklif olunur" in az
    result = replace(p.services.result, status=PlanStatus.INFEASIBLE)
    failed = replace(p, services=replace(p.services, result=result))
    assert "could not be planned as the scenario sets them" in " ".join(
        _executive_summary(failed, Translator("en"), dataset.place_names("en"))
    )


def test_service_tables_say_each_location_in_the_reports_language(tmp_path: Path) -> None:
    """sites.csv keeps its English location; the report tells it again in its language."""
    from planner.data import load_dataset
    from planner.report import render_report
    from planner.scenario import scenario_from_dict
    from tests.tiny import TINY_SCENARIO, write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds", names={"hospital": "(unnamed clinic)"})
    dataset = load_dataset(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, scenario_from_dict(TINY_SCENARIO))
    assert p.services is not None
    english = (
        "OSM hospital (with both services); no name in the source data: confirm the facility "
        "and its type before planning"
    )
    assert set(p.services.sites["location"]) == {english}
    en = render_report(p, dataset)
    assert english in en
    assert "(one centre per 50,000 women, at least one per region:" in en
    az = render_report(p, dataset, lang="az")
    # a dataset that names no kind of region gets the generic word ("iqtisadi rayon" is
    # the embedded dataset's, from its metadata)
    assert "(hər 50.000 qadına bir mərkəz, hər regionda ən azı bir:" in az
    assert "iqtisadi" not in az
    assert "OSM: xəstəxana (hər iki xidmətlə); mənbə məlumatında adı yoxdur" in az
    assert "with both services" not in az and "no name in the source data" not in az
    # the build's placeholder name too; the data's own names stay as they are
    assert "(adsız klinika)" in az and "(unnamed clinic)" not in az
    # the map's tooltips too
    from planner.maps import plan_map

    page = plan_map(p, dataset, tiles="none", assets="inline", lang="az").get_root().render()
    assert "hər iki xidmətlə" in page and "with both services" not in page
    assert "(adsız klinika)" in page


def test_services_that_cannot_be_planned_get_a_section_saying_why(
    tiny_plan: tuple[Dataset, Plan],
) -> None:
    """Impossible service targets do not hide the shelter plan: the report says why the
    services could not be planned, in the report's language."""
    from planner.report import render_report
    from planner.scenario import scenario_from_dict
    from tests.tiny import TINY_SCENARIO

    dataset, _ = tiny_plan
    # 180,000 women and centres of 10,000: 18 centres needed, but the two hospitals hold one each
    strict = {**TINY_SCENARIO, "rape_crisis": {"women_per_centre": 10_000, "served_share": 0.9}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, scenario_from_dict(strict))
    assert p.services is not None and p.services.result.status == "infeasible"
    assert p.result.feasible  # the shelters are planned all the same
    en = render_report(p, dataset)
    assert "Rape crisis centres and forensic examination: targets cannot be met" in en
    assert "but only 2 hospitals may host one" in en
    assert "New shelters" in en
    az = render_report(p, dataset, lang="az")
    assert "cannot be met" not in az and "but only 2 hospitals" not in az


def test_a_fixed_charge_plan_states_its_weight_and_distance_limit(
    tiny_plan: tuple[Dataset, Plan],
) -> None:
    """Issue 11: the fixed-charge objective is reported with the weight it used."""
    from planner.report import render_report
    from planner.scenario import scenario_from_dict
    from tests.tiny import TINY_SCENARIO

    dataset, _ = tiny_plan
    shelters = {k: v for k, v in TINY_SCENARIO.items() if k not in ("rape_crisis", "forensic")}
    scenario = scenario_from_dict(
        shelters
        | {
            "objective": {"type": "fixed_charge", "travel_weight": 0.25},
            "targets": {"max_travel_min": 120, "served_share": 1.0, "max_travel_km": 50},
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, scenario)
    assert p.result.status == "optimal"
    en = render_report(p, dataset)
    assert "opening cost plus weighted travel (fixed_charge" in en
    assert "travel weight 0.25 cost units per family place-minute" in en
    assert "<td>120 min, 50 km</td>" in en
    az = render_report(p, dataset, lang="az")
    assert "0,25" in az and "50 km" in az and "cost units" not in az


def test_the_budget_is_named_only_when_used_up(small_plan: Plan) -> None:
    from dataclasses import replace

    from planner._i18n import Translator
    from planner.locate import BudgetOptions
    from planner.report import _budget_used_up

    tr = Translator("en")
    cost = small_plan.summary["cost"]
    assert cost is not None

    def used(budget: BudgetOptions) -> str:
        scenario = replace(small_plan.scenario, budget=budget)
        return _budget_used_up(replace(small_plan, scenario=scenario), tr)

    assert used(BudgetOptions(max_new_sites=5)) == "5 new sites"
    assert used(BudgetOptions(max_new_sites=6)) == ""
    assert used(BudgetOptions(max_cost=cost)) == f"a cost of {cost:g}"
    assert (
        used(BudgetOptions(max_new_sites=5, max_cost=cost))
        == f"5 new sites and a cost of {cost:g}"
    )
    assert used(BudgetOptions()) == ""


def test_a_budget_of_no_new_sites_is_a_limit(small_plan: Plan) -> None:
    """``max_new_sites = 0`` (the status quo) is shown as 0 sites, not as no limit."""
    from dataclasses import replace

    from planner._i18n import Translator
    from planner.locate import BudgetOptions
    from planner.report import _scenario_table

    def shown(budget: BudgetOptions) -> str:
        scenario = replace(small_plan.scenario, budget=budget)
        html = str(_scenario_table(replace(small_plan, scenario=scenario), Translator("en")))
        return re.sub(r"<[^>]+>", " ", html)

    assert "sites 0, cost 0" in " ".join(shown(BudgetOptions(max_new_sites=0, max_cost=0)).split())
    assert "sites no limit, cost no limit" in " ".join(shown(BudgetOptions()).split())
