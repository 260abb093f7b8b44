"""Output stage, writers: every file of an assessment, a plan and a comparison, atomically.

Nothing written here carries the coordinates of an existing shelter: shelters
are referred to by name and district only, and drawn at their district's
public point (its most populous settlement).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup

from planner._errors import OptionError
from planner._escape import html_text, markdown_cell, markup, spreadsheet_frame
from planner._io import atomic_path, write_csv_atomic, write_text_atomic
from planner._progress import LogProgress, Progress
from planner._qgis import Style, categorized_points, graduated_fill, single_line, write_styles
from planner.assessment import Assessment
from planner.data import Dataset
from planner.figures import NO_ROAD, TRAVEL_BINS, TRAVEL_COLOURS
from planner.hospital_types import plain_letters
from planner.maps import Assets, Tiles
from planner.network import OffNetworkLeg

if TYPE_CHECKING:
    from planner.planning import Plan

__all__ = [
    "CONFIDENTIAL_TRAVEL",
    "AssessmentFiles",
    "PlanFiles",
    "comparison_markdown",
    "comparison_notes",
    "comparison_table",
    "scenario_folders",
    "write_assessment",
    "write_comparison",
    "write_internal_travel",
    "write_plan",
    "write_plan_geopackage",
    "write_summary",
]


def _round(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if col.startswith(("travel_min", "travel_km")):
            out[col] = out[col].round(1)
        elif col.startswith("share_beyond_"):
            out[col] = out[col].round(4)
        elif col in (
            "required_family_places",
            "required_beds",
            "existing_places",
            "shortfall_beds",
            "places_per_10000",
            "family_places_per_10000",
            "e2sfca_per_10000",
            "area_km2",
        ):
            out[col] = out[col].round(3)
    return out


@dataclass(frozen=True)
class AssessmentFiles:
    """Paths of the files :func:`write_assessment` wrote.

    Parameters
    ----------
    districts_csv
        ``districts.csv``: the district travel table.
    districts_gpkg
        ``districts.gpkg``: the same with the district polygons.
    regions_csv
        ``regions.csv``: the economic regions' figures.
    summary_json
        ``summary.json``: the national figures.
    map_html
        ``map.html``: the interactive map.
    map_png
        ``map.png``: the static travel map.
    shortfall_png
        ``shortfall.png``: required against existing beds by region.
    scenario_toml
        ``scenario.toml``: the scenario as run (``None`` if not written).
    """

    districts_csv: Path
    districts_gpkg: Path
    regions_csv: Path
    summary_json: Path
    map_html: Path
    map_png: Path
    shortfall_png: Path
    scenario_toml: Path | None = None


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_summary(summary: Mapping[str, Any], path: str | Path) -> Path:
    """Write a summary mapping as indented JSON (NaN becomes null).

    Parameters
    ----------
    summary
        The figures (JSON-serialisable values; NaN allowed).
    path
        JSON file to write (atomically).

    Returns
    -------
    Path
        The file written.
    """
    clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in summary.items()}
    text = json.dumps(clean, indent=2, ensure_ascii=False, default=_json_default)
    write_text_atomic(path, text + "\n")
    return Path(path)


def write_assessment(
    assessment: Assessment,
    dataset: Dataset,
    out_dir: str | Path,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
    progress: Progress | None = None,
    lang: str = "en",
) -> AssessmentFiles:
    """Write every output of the assessment into ``out_dir``.

    Files: ``districts.csv``, ``districts.gpkg``, ``regions.csv``,
    ``summary.json``, ``map.html`` (with ``assets/`` for offline use),
    ``map.png``, ``shortfall.png`` and ``scenario.toml`` (the scenario as run,
    :meth:`planner.scenario.Scenario.to_toml`).

    Parameters
    ----------
    assessment
        The assessment.
    dataset
        The dataset assessed.
    out_dir
        Folder to write into (created if needed).
    tiles, assets
        As for :func:`planner.maps.access_map`.
    progress
        Reports the long steps (default: the log).
    lang
        Language of the map's and figures' words: ``"en"`` (default) or ``"az"``.

    Returns
    -------
    AssessmentFiles
        The paths written.
    """
    from planner._i18n import Translator, check_language
    from planner.figures import shortfall_figure, travel_figure
    from planner.maps import write_access_map

    check_language(lang)  # an unknown language fails before anything is written
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or LogProgress()
    table = _round(pd.DataFrame(assessment.districts.drop(columns="geometry")))
    write_csv_atomic(out / "districts.csv", table, spreadsheet=True)
    gdf = gpd.GeoDataFrame(_round(assessment.districts), geometry="geometry", crs="EPSG:4326")
    with atomic_path(out / "districts.gpkg") as tmp:
        gdf.to_file(tmp, driver="GPKG", layer="districts")
    write_csv_atomic(out / "regions.csv", _round(assessment.regions), spreadsheet=True)
    write_summary(assessment.summary, out / "summary.json")
    write_text_atomic(out / "scenario.toml", assessment.scenario.to_toml())
    with progress.step(Translator(lang)("cli.step.draw")):
        map_html = write_access_map(
            assessment, dataset, out / "map.html", tiles=tiles, assets=assets, lang=lang
        )
        map_png = travel_figure(assessment, dataset, out / "map.png", lang=lang)
        short_png = shortfall_figure(
            assessment, out / "shortfall.png", lang=lang, names=dataset.place_names(lang)
        )
    return AssessmentFiles(
        out / "districts.csv",
        out / "districts.gpkg",
        out / "regions.csv",
        out / "summary.json",
        map_html,
        map_png,
        short_png,
        out / "scenario.toml",
    )


#: File name of the one output computed from existing shelters' own coordinates.
CONFIDENTIAL_TRAVEL = "CONFIDENTIAL-settlement-travel.csv"


def write_internal_travel(
    dataset: Dataset, out_dir: str | Path, *, leg: OffNetworkLeg | None = None
) -> Path:
    """Write travel from each settlement to its nearest shelter at the shelter's own location.

    Every other output places existing shelters at their district
    (:meth:`planner.data.Dataset.public`); this one is for the shelters'
    operators only, is never written by default, and says so in its file name
    (:data:`CONFIDENTIAL_TRAVEL`) and its first line.

    Parameters
    ----------
    dataset
        The dataset with the shelters' own coordinates.
    out_dir
        Folder to write into.
    leg
        Off-network leg model.

    Returns
    -------
    Path
        The confidential CSV file written.
    """
    from planner.access import settlement_access

    if dataset.shelters_generalised:
        raise ValueError("the dataset's shelters are generalised; pass the dataset as loaded")
    table = settlement_access(dataset, leg=leg)
    table["travel_min"] = table["travel_min"].round(1)
    table["travel_km"] = table["travel_km"].round(1)
    path = Path(out_dir) / CONFIDENTIAL_TRAVEL
    body = spreadsheet_frame(table).to_csv(index=False, lineterminator="\n")
    write_text_atomic(
        path,
        "\ufeff# CONFIDENTIAL: travel to existing shelters at their own locations; these figures "
        "can locate a shelter. Do not publish or share outside the shelters' operators.\n" + body,
    )
    return path


@dataclass(frozen=True)
class PlanFiles:
    """Paths of the files :func:`write_plan` wrote.

    Parameters
    ----------
    sites_csv
        ``sites.csv``: every site and service of the plan.
    assignments_csv
        ``assignments.csv``: each settlement's referral.
    districts_csv
        ``districts.csv``: each district before and after.
    summary_json
        ``summary.json``: the plan's figures.
    map_html
        ``map.html``: the before/after map.
    report_html
        ``report.html``: the evidence report.
    centre_assignments_csv
        ``centre_assignments.csv`` when rape crisis centres are planned.
    geopackage
        ``plan.gpkg``: the plan as GIS layers.
    scenario_toml
        ``scenario.toml``: the scenario as run.
    """

    sites_csv: Path
    assignments_csv: Path
    districts_csv: Path
    summary_json: Path
    map_html: Path
    report_html: Path
    centre_assignments_csv: Path | None = None
    geopackage: Path | None = None
    scenario_toml: Path | None = None


def _lines(
    points: gpd.GeoSeries, table: pd.DataFrame, sites: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Return assignment rows as lines from each settlement to its site (for GIS)."""
    site_xy = sites.drop_duplicates("site_id").set_index("site_id")[["lon", "lat"]]
    start = points.loc[table["settlement_id"]]
    end = site_xy.loc[table["site_id"]]
    lines = shapely.linestrings(
        np.stack(
            [
                np.column_stack([start.x.to_numpy(), start.y.to_numpy()]),
                end[["lon", "lat"]].to_numpy(float),
            ],
            axis=1,
        )
    )
    return gpd.GeoDataFrame(table.reset_index(drop=True), geometry=lines, crs="EPSG:4326")


def write_plan_geopackage(plan: Plan, path: str | Path) -> Path:
    """Write a plan as one GeoPackage for QGIS: sites, assignment lines, districts.

    Layers: ``sites`` (shelters and hospital services; existing shelters at
    their district's public point), ``assignments`` (a line from each
    settlement to its shelter), ``districts`` (before and after, with
    polygons) and, when centres are planned, ``centre_assignments``.

    Parameters
    ----------
    plan
        The plan.
    path
        The ``.gpkg`` file (written atomically).

    Returns
    -------
    Path
        The GeoPackage written.
    """
    points = plan.before.settlements.set_index("settlement_id").geometry
    sites = plan.all_sites
    layers: list[tuple[str, gpd.GeoDataFrame]] = [
        ("sites", sites),
        ("assignments", _lines(points, plan.assignments, sites)),
        ("districts", plan.districts),
    ]
    if plan.services is not None and len(plan.services.assignments):
        layers.append(("centre_assignments", _lines(points, plan.services.assignments, sites)))
    with atomic_path(path) as tmp:
        for name, layer in layers:
            layer.to_file(tmp, driver="GPKG", layer=name)
        write_styles(tmp, _plan_styles(sites, [name for name, _ in layers]))
    return Path(path)


_SITE_LABELS = {
    ("shelter", "existing"): ("Shelter, existing (at its district's public point)", "#1b7837"),
    ("shelter", "new"): ("Shelter, new", "#2171b5"),
    ("rape_crisis_centre", "new"): ("Rape crisis centre, proposed", "#762a83"),
    ("forensic_24_7", "new"): ("24/7 forensic examination, proposed", "#e08214"),
}


def _plan_styles(sites: pd.DataFrame, layers: Sequence[str]) -> list[Style]:
    """QGIS styles of a plan's layers: sites by service, grey lines, districts by travel."""
    service = sites["service"] if "service" in sites else pd.Series("shelter", index=sites.index)
    pairs = sorted(set(zip(service.astype(str), sites["status"].astype(str), strict=True)))
    categories = [
        (f"{kind} ({status})", *_SITE_LABELS.get((kind, status), (f"{kind}, {status}", NO_ROAD)))
        for kind, status in pairs
    ]
    attribute = (
        "concat(\"service\", ' (', \"status\", ')')"
        if "service" in sites
        else "concat('shelter (', \"status\", ')')"
    )
    travel = graduated_fill(
        "travel_min_mean_after", TRAVEL_BINS, TRAVEL_COLOURS, unit="min", missing=NO_ROAD
    )
    styles: list[Style] = [
        ("sites", "geom", categorized_points(attribute, categories)),
        ("assignments", "geom", single_line("#555555")),
        ("districts", "geom", travel),
    ]
    if "centre_assignments" in layers:
        styles.append(("centre_assignments", "geom", single_line("#762a83")))
    return styles


def write_plan(
    plan: Plan,
    dataset: Dataset,
    out_dir: str | Path,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
    lang: str = "en",
) -> PlanFiles:
    """Write every output of a plan into ``out_dir``.

    Files: ``sites.csv`` (every service, see its ``service`` column),
    ``assignments.csv``, ``districts.csv`` (before and after),
    ``summary.json``, ``map.html`` (with ``assets/``), ``report.html``,
    ``plan.gpkg`` (the same as GIS layers), ``scenario.toml`` (the scenario
    as run, every option included: ``shelter-planner plan scenario.toml``
    reruns it) and, when rape crisis centres are planned,
    ``centre_assignments.csv``.

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset planned.
    out_dir
        Folder to write into (created if needed).
    tiles, assets
        As for :func:`planner.maps.access_map`.
    lang
        Language of the report and the map: ``"en"`` (default) or ``"az"``.
        Tables and ``summary.json`` keep their column names and codes.

    Returns
    -------
    PlanFiles
        The paths written.
    """
    from planner._i18n import check_language
    from planner.maps import copy_leaflet_assets, plan_map
    from planner.report import write_report
    from planner.tables import district_publication

    check_language(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv_atomic(
        out / "sites.csv", pd.DataFrame(plan.all_sites.drop(columns="geometry")), spreadsheet=True
    )
    write_csv_atomic(out / "assignments.csv", plan.assignments, spreadsheet=True)
    centre_csv = None
    if plan.services is not None and plan.scenario.rape_crisis is not None:
        centre_csv = out / "centre_assignments.csv"
        write_csv_atomic(centre_csv, plan.services.assignments, spreadsheet=True)
    write_csv_atomic(out / "districts.csv", district_publication(plan.districts), spreadsheet=True)
    write_summary(plan.summary, out / "summary.json")
    write_text_atomic(out / "scenario.toml", plan.scenario.to_toml())
    if assets == "local":
        copy_leaflet_assets(out)
    fmap = plan_map(plan, dataset, tiles=tiles, assets=assets, lang=lang)
    write_text_atomic(out / "map.html", fmap.get_root().render())
    write_report(plan, dataset, out / "report.html", lang=lang, scenario_file="scenario.toml")
    return PlanFiles(
        out / "sites.csv",
        out / "assignments.csv",
        out / "districts.csv",
        out / "summary.json",
        out / "map.html",
        out / "report.html",
        centre_csv,
        write_plan_geopackage(plan, out / "plan.gpkg"),
        out / "scenario.toml",
    )


def comparison_table(plans: list[Plan]) -> pd.DataFrame:
    """Return one row per plan: new sites, places, served share, mean and worst travel, cost.

    Parameters
    ----------
    plans
        The plans to compare, in order.

    Returns
    -------
    pandas.DataFrame
        One row per plan.
    """
    rows = []
    for p in plans:
        s = p.summary
        rc, fo = s.get("rape_crisis_centres"), s.get("forensic_24_7")
        rows.append(
            {
                "scenario": s["scenario"],
                "objective": s["objective"],
                "status": s["status"],
                "new_sites": s["new_sites"],
                "total_places": s["total_places"],
                "total_beds": s["total_beds"],
                "served_share": s["served_share"],
                "mean_travel_min": s["mean_travel_min"],
                "max_travel_min": s["max_travel_min"],
                "cost": s["cost"],
                "inclusive_places": s["inclusive_places"],
                "inclusive_reach_share": s["inclusive_shelters"][
                    "population_within_reach_share_after"
                ],
                "rape_crisis_centres": rc["proposed"] if rc is not None else None,
                "forensic_24_7_sites": fo["proposed"] if fo is not None else None,
                "mip_gap": s["mip_gap"],
                "solve_seconds": s["solve_seconds"],
            }
        )
    return pd.DataFrame(rows)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def scenario_folders(names: Sequence[str], out_dir: str | Path) -> list[Path]:
    """Return one safe folder under ``out_dir`` for each scenario name.

    A name becomes a folder name of letters, digits, ``.``, ``_`` and ``-``
    only (accented letters written plainly, ``Qarabağ`` as ``Qarabag``;
    anything else replaced by ``-``), so that no name can write outside
    ``out_dir`` (``../x`` or an absolute path becomes ``x``).

    Parameters
    ----------
    names
        Scenario names, in order.
    out_dir
        The output folder.

    Returns
    -------
    list[Path]
        One folder per name, in the order of ``names``.

    Raises
    ------
    OptionError
        Two scenarios would share a folder, or a name has no usable character.
    """
    out = Path(out_dir)
    folders: dict[str, str] = {}
    paths = []
    for name in names:
        safe = _UNSAFE.sub("-", plain_letters(name)).strip(".-")
        if not safe:
            raise OptionError(f"scenario name {name!r} gives no usable folder name")
        if safe.lower() in folders:
            raise OptionError(
                f"scenarios {folders[safe.lower()]!r} and {name!r} would both be written to "
                f"{out / safe}; give them different names"
            )
        folders[safe.lower()] = name
        paths.append(out / safe)
    return paths


def write_comparison(plans: list[Plan], out_dir: str | Path, *, lang: str = "en") -> pd.DataFrame:
    """Write ``comparison.csv`` and ``comparison.md`` into ``out_dir`` and return the table.

    Below its table, ``comparison.md`` notes every plan that costs more than the
    plan of a scenario with stricter rules (:func:`comparison_notes`).

    Parameters
    ----------
    plans
        The plans to compare, in order.
    out_dir
        Folder to write into (created if needed).
    lang
        Language of the notes.

    Returns
    -------
    pandas.DataFrame
        The comparison table written.
    """
    out = Path(out_dir)
    table = comparison_table(plans)
    notes = "".join(f"\n- {markdown_cell(n)}\n" for n in comparison_notes(plans, lang=lang))
    write_csv_atomic(out / "comparison.csv", table, spreadsheet=True)
    write_text_atomic(out / "comparison.md", comparison_markdown(table) + notes)
    return table


def comparison_notes(plans: list[Plan], *, lang: str = "en") -> list[str]:
    """Return a note for every plan dearer than the plan of a scenario with stricter rules.

    Such a plan is not the cheapest its scenario allows: the stricter plan keeps
    its rules too (:func:`planner.planning.dearer_than_stricter`). Plain text,
    escaped by whoever writes it out.

    Parameters
    ----------
    plans
        The plans compared.
    lang
        Language of the notes.

    Returns
    -------
    list[str]
        One note per such pair; empty when the costs agree with the rules.
    """
    from planner._i18n import Translator
    from planner.planning import dearer_than_stricter

    tr = Translator(lang)
    return [
        tr(
            "cli.compare.dearer",
            dearer=dearer.scenario.name,
            stricter=stricter.scenario.name,
            cost=tr.number(dearer.summary["cost"]),
            stricter_cost=tr.number(stricter.summary["cost"]),
        )
        for dearer, stricter in dearer_than_stricter(plans)
    ]


_SIDE_BY_SIDE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; font-family: system-ui, sans-serif; }}
header {{ padding: 0.4em 0.8em; background: #f3f3f3; border-bottom: 1px solid #ccc; }}
.panes {{ display: flex; height: calc(100vh - 2.6em); }}
.pane {{ flex: 1; display: flex; flex-direction: column; border-left: 1px solid #ccc; }}
.pane label {{ padding: 0.3em 0.6em; }}
.pane iframe {{ flex: 1; border: 0; }}
</style></head>
<body>
<header>{header}</header>
<div class="panes">
<div class="pane"><label>{left_label} <select id="left">{left}</select></label>
<iframe id="left-map" title="{left_title}" src="{left_src}"></iframe></div>
<div class="pane"><label>{right_label} <select id="right">{right}</select></label>
<iframe id="right-map" title="{right_title}" src="{right_src}"></iframe></div>
</div>
<script>
for (const side of ["left", "right"]) {{
  const pick = document.getElementById(side);
  pick.addEventListener("change", () => {{
    document.getElementById(side + "-map").src = encodeURIComponent(pick.value) + "/map.html";
  }});
}}
</script>
</body></html>
"""


def write_comparison_map(
    scenarios: Sequence[tuple[str, str]], out_dir: str | Path, *, lang: str = "en"
) -> Path | None:
    """Write ``comparison_map.html``: two plan maps side by side, each side's scenario chosen.

    The page frames each scenario's own ``<folder>/map.html`` (written by
    :func:`write_plan`), so it needs nothing more than those maps and works
    offline as they do.

    Parameters
    ----------
    scenarios
        ``(name shown, folder under out_dir)`` per scenario, in order.
    out_dir
        The comparison's output folder.
    lang
        Language of the page's words: ``"en"`` (default) or ``"az"``.

    Returns
    -------
    pathlib.Path or None
        The page, or None when fewer than two scenarios have a map.
    """
    from planner._i18n import Translator

    tr = Translator(lang)
    out = Path(out_dir)
    shown = [(n, f) for n, f in scenarios if (out / f / "map.html").is_file()]
    if len(shown) < 2:
        return None

    def options(selected: int) -> Markup:
        return Markup("").join(
            markup(
                '<option value="{}"{}>{}</option>',
                f,
                Markup(" selected") if i == selected else "",
                n,
            )
            for i, (n, f) in enumerate(shown)
        )

    page = _SIDE_BY_SIDE.format(
        lang=tr.lang,
        title=html_text(tr("compare.title")),
        header=tr.html("compare.header_html", count=len(shown)),
        left_label=html_text(tr("compare.left")),
        right_label=html_text(tr("compare.right")),
        left_title=html_text(tr("compare.left_title")),
        right_title=html_text(tr("compare.right_title")),
        left=options(0),
        right=options(1),
        left_src=html_text(f"{shown[0][1]}/map.html"),
        right_src=html_text(f"{shown[1][1]}/map.html"),
    )
    path = out / "comparison_map.html"
    write_text_atomic(path, page)
    return path


def comparison_markdown(table: pd.DataFrame) -> str:
    """Render a comparison table as a GitHub Markdown table.

    A missing figure (``None``, NaN: e.g. no hospital services planned) is an
    empty cell; a ``|`` or a line break in a name cannot break the table.

    Parameters
    ----------
    table
        The table of :func:`comparison_table`.

    Returns
    -------
    str
        The Markdown table, one line per scenario.
    """

    def cell(v: object) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return markdown_cell(f"{v:,.4g}" if isinstance(v, float) else str(v))

    head = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = [
        "| " + " | ".join(cell(v) for v in rec) + " |" for rec in table.itertuples(index=False)
    ]
    return "\n".join([head, rule, *rows]) + "\n"
