"""Command-line interface: a thin layer over the Python API.

``shelter-planner run`` is the main job; ``shelter-planner data build`` turns
the raw files into a dataset folder.
"""

from __future__ import annotations

import logging
import math
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from planner._errors import InputDataError, PlannerError
from planner._version import __version__

if TYPE_CHECKING:
    from planner.assessment import Assessment
    from planner.data import Dataset
    from planner.locate import PlanResult, ServicesResult
    from planner.planning import Plan
    from planner.scenario import Scenario

console = Console(stderr=True)


class _RichProgress:
    """Show each long step as a spinner, then its duration."""

    @contextmanager
    def step(self, message: str) -> Iterator[None]:
        start = time.perf_counter()
        with console.status(f"{message} ..."):
            yield
        console.print(f"[green]done[/] {message} ({time.perf_counter() - start:.1f} s)")


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    console.print(f"[yellow]warning:[/] {escape(str(message))}", soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shelter-planner")
@click.option("-v", "--verbose", is_flag=True, help="Log every step.")
def cli(verbose: bool) -> None:
    """Plan shelter access: travel times to help, capacity gaps, new sites.

    Exit status: 0 when every plan meets its targets, proven within the requested gap;
    3 when a plan misses a target, a solve stops at its work budget or time limit
    before proving the gap, or an independent check fails (the files are written all
    the same); 2 for bad input (the message names the file, row, column and value);
    130 when interrupted.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    warnings.showwarning = _show_warning


@cli.group()
def data() -> None:
    """Build and inspect datasets."""


_FILE = click.Path(path_type=Path, dir_okay=False)


@data.command("build")
@click.option(
    "--raw",
    "raw",
    type=click.Path(path_type=Path, file_okay=False),
    help="Embedded dataset: the folder with its raw files (geoBoundaries, OSM places, OSM XML "
    "roads). Give this, or --boundaries and the other files of your own region.",
)
@click.option("--boundaries", type=_FILE, help="Your region: district polygons (any vector file).")
@click.option("--id-column", help="Your region: the boundary column with a district id.")
@click.option("--name-column", help="Your region: the boundary column with a district name.")
@click.option(
    "--region-column",
    help="Your region: a boundary column grouping districts into regions (default: one region).",
)
@click.option(
    "--osm",
    "osm",
    type=_FILE,
    help="Your region: roads as an OSM XML extract (.osm, .osm.bz2) or an osmnx GraphML file.",
)
@click.option(
    "--places",
    type=_FILE,
    help="Your region: settlement points with 'name' and 'population' or an OSM 'place' class.",
)
@click.option(
    "--shelters",
    type=_FILE,
    help="Your region: existing shelters with 'name' and 'capacity_places' (default: none).",
)
@click.option(
    "--hospitals",
    type=_FILE,
    help="Your region: hospital points with 'name' (for rape crisis centres, forensic care).",
)
@click.option(
    "--about",
    type=_FILE,
    help="Your region: JSON or TOML with the dataset's name, sources, licences, limitations.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Dataset folder to write (replaced only when the build succeeds).",
)
@click.option(
    "--roads",
    type=click.Choice(["major", "drive"]),
    default="major",
    show_default=True,
    help="Road file: major roads (committed) or all drivable roads (local use, large).",
)
@click.option(
    "--population",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Official district population CSV (district_id,population) replacing the estimate.",
)
@click.option(
    "--speeds",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of road-class speeds (highway,speed_kph) overriding the defaults.",
)
@click.option(
    "--extra-roads",
    type=click.Path(path_type=Path, dir_okay=False),
    help="GeoJSON (or any vector file) of road lines with a 'highway' class to add: roads "
    "built after the OSM extract.",
)
def data_build(  # noqa: PLR0913 - one option per input file
    raw: Path | None,
    boundaries: Path | None,
    id_column: str | None,
    name_column: str | None,
    region_column: str | None,
    osm: Path | None,
    places: Path | None,
    shelters: Path | None,
    hospitals: Path | None,
    about: Path | None,
    out: Path,
    roads: str,
    population: Path | None,
    speeds: Path | None,
    extra_roads: Path | None,
) -> None:
    r"""Build a dataset folder: the embedded one from --raw, or your region's from its files.

    \b
    Embedded:    data build --raw RAW --out DIR
    Your region: data build --boundaries B --id-column ID --name-column NAME --osm ROADS
                 --population POP.csv --places PLACES --out DIR [--shelters S] [--hospitals H]
                 [--about ABOUT.toml] [--region-column REGION] [--speeds SPEEDS.csv]
    See data/README.md ("Your own region").
    """
    if (raw is None) == (boundaries is None):
        raise click.UsageError("give either --raw (the embedded dataset) or --boundaries")
    if boundaries is not None:
        _build_region(
            boundaries, id_column, name_column, region_column, osm, population, places,
            shelters, hospitals, about, speeds, out,
        )  # fmt: skip
        return
    assert raw is not None
    from planner.datasets import build_embedded

    if roads == "drive":
        console.print(
            "[yellow]note:[/] the drive network needs several GB of memory and minutes; "
            "its output is for local use and is not committed."
        )
    report = build_embedded(
        raw,
        out,
        roads="drive" if roads == "drive" else "major",
        population=population,
        speeds=speeds,
        extra_roads=extra_roads,
        progress=_RichProgress(),
    )
    _print_counts(report.out, report.counts)


def _print_counts(out: Path, counts: Mapping[str, int]) -> None:
    table = Table(title=f"Dataset written to {out}")
    table.add_column("layer")
    table.add_column("rows", justify="right")
    for key, value in counts.items():
        table.add_row(key, f"{value:,}")
    console.print(table)


def _build_region(  # noqa: PLR0913 - the command's options, passed on
    boundaries: Path,
    id_column: str | None,
    name_column: str | None,
    region_column: str | None,
    osm: Path | None,
    population: Path | None,
    places: Path | None,
    shelters: Path | None,
    hospitals: Path | None,
    about: Path | None,
    speeds: Path | None,
    out: Path,
) -> None:
    from planner.datasets.generic import RegionInputs, build_dataset

    given = {"--id-column": id_column, "--name-column": name_column, "--osm": osm,
             "--population": population, "--places": places}  # fmt: skip
    missing = [k for k, v in given.items() if v is None]
    if missing:
        raise click.UsageError(f"a region's build needs {', '.join(missing)} as well")
    assert id_column and name_column and osm and population and places
    inputs = RegionInputs(
        boundaries=boundaries,
        id_column=id_column,
        name_column=name_column,
        roads=osm,
        population=population,
        places=places,
        shelters=shelters,
        hospitals=hospitals,
        region_column=region_column,
        about=about,
        speeds=speeds,
    )
    report = build_dataset(inputs, out, progress=_RichProgress())
    _print_counts(report.out, report.counts)


@data.command("check")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def data_check(folder: Path) -> None:
    """Check a dataset FOLDER the way every command loads it; exit 2 naming what is wrong."""
    from planner.data import load_dataset

    dataset = load_dataset(folder)
    table = Table(title=f"Dataset {dataset.name!r} in {folder}: every check passed")
    table.add_column("layer")
    table.add_column("rows", justify="right")
    for name, rows in (
        ("districts", len(dataset.districts)),
        ("settlements", len(dataset.settlements)),
        ("people", int(dataset.settlements["population"].sum())),
        ("existing shelters", len(dataset.shelters)),
        ("candidate sites", len(dataset.candidates)),
        ("hospitals", len(dataset.hospitals)),
        ("road nodes", dataset.graph.number_of_nodes()),
        ("road edges", dataset.graph.number_of_edges()),
    ):
        table.add_row(escape(name), f"{rows:,}")
    console.print(table)


def _fmt(value: float, digits: int = 0) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"


_DATA_OPTION = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Dataset folder to use instead of the embedded dataset.",
)
_POPULATION_OPTION = click.option(
    "--population",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Official district population CSV (district_id,population) to use.",
)
_OUT_OPTION = click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for the results (created if needed).",
)
_SCENARIO_OPTION = click.option(
    "--scenario",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Scenario TOML file (standard, thresholds, catchment); default: CoE minimum.",
)
_INTERNAL_OPTION = click.option(
    "--internal-out",
    type=click.Path(path_type=Path, file_okay=False),
    help=(
        "Also write CONFIDENTIAL-settlement-travel.csv (travel to the existing shelters at "
        "their own locations, which can locate them) into this folder, outside --out. "
        "Every other output places shelters at their district."
    ),
)
_TILES_OPTION = click.option(
    "--tiles",
    type=click.Choice(["openstreetmap", "cartodbpositron", "none"]),
    default="openstreetmap",
    show_default=True,
    help="Map background; 'none' needs no internet.",
)
_ASSETS_OPTION = click.option(
    "--assets",
    type=click.Choice(["local", "inline", "cdn"]),
    default="local",
    show_default=True,
    help=(
        "Load Leaflet from files copied beside the map (offline), from the page itself "
        "(offline, one file), or from a CDN."
    ),
)


def _load(data_dir: Path | None, population: Path | None) -> Dataset:
    from planner.data import load_dataset, load_default
    from planner.readers import read_population_table

    dataset = load_dataset(data_dir) if data_dir else load_default()
    if population:
        dataset = dataset.with_population(read_population_table(population))
    return dataset


def _print_assessment(assessment: Assessment, dataset: Dataset) -> None:
    s = assessment.summary
    d = assessment.districts
    summary = Table(title=f"Shelter access today ({s['existing_shelters']} shelters)")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row("population", _fmt(s["population_total"]))
    summary.add_row("required family places (standard)", _fmt(s["required_family_places"], 1))
    summary.add_row("required beds", _fmt(s["required_beds"], 1))
    summary.add_row("existing places", _fmt(s["existing_places"]))
    summary.add_row("shortfall (beds)", _fmt(s["shortfall_beds"], 1))
    summary.add_row("required / existing", f"{s['required_to_existing_ratio']}x")
    summary.add_row("mean travel time, reachable population (min)", _fmt(s["travel_min_mean"], 1))
    # one key per threshold of the scenario: read them as a plain mapping
    shares: Mapping[str, object] = s
    for key, value in shares.items():
        if key.startswith("population_share_beyond_") and isinstance(value, float):
            minutes = key.removeprefix("population_share_beyond_").removesuffix("min")
            summary.add_row(f"population beyond {minutes} min (incl. no road)", f"{value:.1%}")
    summary.add_row("population with no road path to a shelter", _fmt(s["unreachable_population"]))
    summary.add_row(
        "regions without a shelter",
        f"{len(s['regions_without_shelter'])} of {s['regions_total']}",
    )
    console.print(summary)

    far = d.loc[d["reachable_by_road"]].nlargest(8, "travel_min_mean")
    worst = Table(title="Farthest districts (population-weighted mean travel)")
    for col in ("district", "region", "population", "mean min", "max min", "mean km"):
        worst.add_column(col, justify="left" if col in ("district", "region") else "right")
    for rec in far.to_dict("records"):
        worst.add_row(
            str(rec["name"]),
            str(rec["region"]),
            _fmt(float(rec["population"])),
            _fmt(float(rec["travel_min_mean"])),
            _fmt(float(rec["travel_min_max"])),
            _fmt(float(rec["travel_km_mean"])),
        )
    console.print(worst)
    cut = d.loc[~d["reachable_by_road"]]
    note = dataset.report_text("disconnected_note")
    if len(cut):
        console.print(
            f"[bold red]{len(cut)} district(s) have no road path to any existing shelter[/] "
            f"({int(cut['population'].sum()):,} people): {escape(', '.join(cut['name']))}. "
            + (f"{escape(note)} " if note else "")
            + "Their travel figures are left empty.",
            soft_wrap=True,
        )


@dataclass(frozen=True)
class _Out:
    """Where a command writes now (inside a fresh result folder) and what it shows."""

    folder: Path
    shown: Path
    tiles: str
    assets: str

    def sub(self, name: str | Path) -> _Out:
        return replace(self, folder=self.folder / name, shown=self.shown / name)


_MODE_OPTION = click.option(
    "--mode",
    type=str,
    default=None,
    help="Travel mode: car or bus (bus or minibus: slower, plus waiting and stops); overrides "
    "the scenario's [travel] mode.",
)


def _with_mode(scenario: Scenario, mode: str | None) -> Scenario:
    if mode is None:
        return scenario
    return replace(scenario, travel=replace(scenario.travel, mode=mode))


def _assess_and_write(
    out: _Out, dataset: Dataset, scenario: Scenario, progress: _RichProgress
) -> Assessment:
    from planner.assessment import assess
    from planner.outputs import write_assessment

    with progress.step("Routing every settlement and measuring access"):
        assessment = assess(dataset, scenario)
    files = write_assessment(
        assessment,
        dataset,
        out.folder,
        tiles=cast(Any, out.tiles),
        assets=cast(Any, out.assets),
        progress=progress,
    )
    written = [p.name for p in vars(files).values() if p is not None]
    console.print(f"[green]wrote[/] {', '.join(written)} in {out.shown}")
    _print_assessment(assessment, dataset)
    return assessment


def _write_internal(dataset: Dataset, scenario: Scenario, internal: Path, out: Path) -> None:
    from planner.outputs import write_internal_travel

    inside = internal.resolve()
    if inside == out.resolve() or out.resolve() in inside.parents:
        raise InputDataError(
            f"--internal-out {internal} is inside --out {out}; keep the confidential file "
            "apart from the outputs you share"
        )
    inside.mkdir(parents=True, exist_ok=True)
    path = write_internal_travel(dataset, inside, leg=scenario.leg)
    console.print(f"[bold yellow]wrote CONFIDENTIAL[/] {path}: do not publish or share it")


@cli.command()
@_OUT_OPTION
@_SCENARIO_OPTION
@_DATA_OPTION
@_POPULATION_OPTION
@_TILES_OPTION
@_ASSETS_OPTION
@_INTERNAL_OPTION
@_MODE_OPTION
def assess(
    out: Path,
    scenario: Path | None,
    data_dir: Path | None,
    population: Path | None,
    tiles: str,
    assets: str,
    internal_out: Path | None,
    mode: str | None,
) -> None:
    """Assess access today: distance, capacity gap, E2SFCA, maps and figures."""
    from planner._io import result_folder
    from planner.scenario import Scenario, load_scenario

    loaded = load_scenario(scenario) if scenario else Scenario(name="coe-minimum")
    loaded = _with_mode(loaded, mode)
    progress = _RichProgress()
    with progress.step("Loading the dataset"):
        dataset = _load(data_dir, population)
    with result_folder(out) as folder:
        _assess_and_write(_Out(folder, out, tiles, assets), dataset, loaded, progress)
    if internal_out is not None:
        _write_internal(dataset, loaded, internal_out, out)


def _plan_and_write(
    scenario: Scenario,
    out: _Out,
    dataset: Dataset,
    time_limit: float | None,
    progress: _RichProgress,
    before: Assessment | None = None,
) -> Plan:
    from planner.outputs import write_plan
    from planner.planning import plan as make_plan

    if time_limit is not None:
        scenario = replace(scenario, solver=replace(scenario.solver, time_limit_s=time_limit))
    with progress.step(
        f"Planning '{scenario.name}' ({scenario.objective.type}, "
        f"up to {scenario.solver.time_limit_s:g} s"
        + (
            f", then rape crisis centres / forensic examination up to "
            f"{scenario.solver.time_limit_s:g} s"
            if scenario.plans_hospital_services
            else ""
        )
        + ")"
    ):
        result = make_plan(dataset, scenario, before=before)
    files = write_plan(
        result, dataset, out.folder, tiles=cast(Any, out.tiles), assets=cast(Any, out.assets)
    )
    written = [p.name for p in vars(files).values() if p is not None]
    console.print(f"[green]wrote[/] {', '.join(written)} in {out.shown}")
    _print_plan(result)
    return result


#: How the comparison's measures read in the terminal (one row each, a column per scenario).
_COMPARE_ROWS = {
    "objective": ("objective", ""),
    "status": ("status", ""),
    "new_sites": ("new sites", "d"),
    "total_places": ("family places in all", ",.0f"),
    "total_beds": ("beds in all", ",.0f"),
    "served_share": ("demand served within the limit", ".1%"),
    "mean_travel_min": ("mean travel (min)", ".1f"),
    "max_travel_min": ("worst travel (min)", ".0f"),
    "cost": ("cost (relative units)", ",.0f"),
    "inclusive_places": ("LGBTQ+-inclusive family places", ",.0f"),
    "inclusive_reach_share": ("people near an inclusive shelter", ".1%"),
    "rape_crisis_centres": ("rape crisis centres", ".0f"),
    "forensic_24_7_sites": ("24/7 forensic hospitals", ".0f"),
    "mip_gap": ("proven gap", ".2%"),
    "solve_seconds": ("solve seconds", ".0f"),
}


def _comparison_views(table: pd.DataFrame, width: int) -> list[Table]:
    """Show the comparison transposed: measures down, scenarios across, numbers for people.

    As many scenarios go side by side as fit the terminal's ``width`` without
    breaking a name or a number; the rest follow in further tables.
    """
    measure = max(len(label) for label, _ in _COMPARE_ROWS.values()) + 3
    names = [str(n) for n in table["scenario"]]
    widths = [max(len(n), 12) + 3 for n in names]
    groups: list[list[int]] = [[]]
    used = measure
    for k, w in enumerate(widths):
        if groups[-1] and used + w > width:
            groups.append([])
            used = measure
        groups[-1].append(k)
        used += w
    views = []
    for part, cols in enumerate(groups, 1):
        title = "Scenarios compared" + (f" ({part} of {len(groups)})" if len(groups) > 1 else "")
        view = Table(title=title)
        view.add_column("measure", no_wrap=True)
        for k in cols:
            view.add_column(escape(names[k]), justify="right", no_wrap=True)
        for key, (label, spec) in _COMPARE_ROWS.items():
            cells = []
            for value in table[key].iloc[cols]:
                if value is None or (isinstance(value, float) and value != value):
                    cells.append("-")
                elif spec and isinstance(value, int | float):
                    cells.append(format(value, spec))
                else:
                    cells.append(escape(str(value)))
            view.add_row(label, *cells)
        views.append(view)
    return views


def _f(value: float | None, spec: str) -> str:
    """Format a summary figure; ``-`` where there is none."""
    return "-" if value is None else format(value, spec)


def _print_plan(result: Plan) -> None:
    s = result.summary
    if not result.result.feasible:
        title = (
            "the targets cannot be met"
            if result.result.status == "infeasible"
            else "the work budget (solver.node_limit) stopped the solver before it found a plan"
            if result.result.status == "work_limit"
            else "the time limit stopped the solver before it found a plan"
        )
        console.print(f"[bold red]'{escape(s['scenario'])}': {title}[/]")
        for msg in s["messages"]:
            console.print(f"  - {escape(msg)}", soft_wrap=True)
        return
    table = Table(title=f"Plan '{escape(s['scenario'])}' ({s['objective']}, {s['status']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("new sites", f"{s['new_sites']}"),
        (
            "family places in all (beds)",
            f"{_f(s['total_places'], ',.0f')} ({_f(s['total_beds'], ',.0f')})",
        ),
        ("required family places", _f(s["required_family_places"], ",.1f")),
        ("demand served within the limit", _f(s["served_share"], ".2%")),
        ("mean / worst travel (min)", f"{s['mean_travel_min']} / {s['max_travel_min']}"),
        ("cost", _f(s["cost"], ",.0f")),
        ("inclusive family places", _f(s["inclusive_places"], ",.0f")),
        (
            "objective / bound / gap",
            f"{s['objective_value']} / {s['bound']} / {_f(s['mip_gap'], '.2%')}",
        ),
        ("build + solve seconds", f"{s['build_seconds']} + {s['solve_seconds']}"),
    ]
    inc = s["inclusive_shelters"]
    rows.append(
        (
            f"people within {inc['reach_limit_min']:g} min of an inclusive shelter",
            f"{inc['population_within_reach_share_after']:.1%}",
        )
    )
    rc = s.get("rape_crisis_centres")
    if rc is not None:
        rows += [
            ("rape crisis centres needed / proposed", f"{rc['required']} / {rc['proposed']}"),
            (
                f"women within {rc['limit_min']:g} min of a centre",
                _f(rc["women_within_limit_share"], ".1%"),
            ),
        ]
    fo = s.get("forensic_24_7")
    if fo is not None:
        rows += [
            ("24/7 forensic hospitals proposed", f"{fo['proposed']}"),
            (
                f"people within {fo['limit_min']:g} min of 24/7 forensic examination",
                _f(fo["population_within_limit_share"], ".1%"),
            ),
        ]
    hs = s.get("hospital_services")
    if hs is not None:
        rows.append(
            (
                "hospital services: objective / bound / gap",
                f"{hs['objective_value']} / {hs['bound']} / {_f(hs['mip_gap'], '.2%')}",
            )
        )
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    if result.violations:
        console.print(f"[bold red]independent check failed:[/] {'; '.join(result.violations)}")
    if result.services is not None:
        for msg in result.services.result.messages:
            console.print(f"[bold red]hospital services:[/] {escape(msg)}", soft_wrap=True)
        if result.services.violations:
            console.print(
                "[bold red]hospital services: independent check failed:[/] "
                + escape("; ".join(result.services.violations))
            )
    solves: list[tuple[str, PlanResult | ServicesResult]] = [("shelters", result.result)]
    if result.services is not None:
        solves.append(("hospital services", result.services.result))
    for what, r in solves:
        if not r.feasible or r.status == "optimal":
            continue
        how = (
            "stopped at the time limit (a safety net; the plan may differ on another machine); "
            "raise --time-limit"
            if r.status == "time_limit"
            else "used its work budget (the same plan on every machine); raise solver.node_limit"
            + (
                " with solver.root_search = true"
                if what == "shelters" and not result.scenario.solver.root_search
                else ""
            )
        )
        gap = f"at most {r.gap:.2%}" if math.isfinite(r.gap) else "an unknown distance"
        console.print(
            f"[bold yellow]{what}: not proven:[/] the solver {how} to prove the requested gap. "
            f"This is the best plan found, {gap} from the best possible.",
            soft_wrap=True,
        )


#: Exit status of a command whose plans do not all meet their targets, proven.
EXIT_NOT_MET = 3


def _exit_status(plans: list[Plan]) -> None:
    """Exit 3 when a plan misses a target, stops at a limit or fails its independent check."""
    short = [
        p.scenario.name
        for p in plans
        if p.result.status != "optimal"
        or p.violations
        or (p.services is not None and p.services.result.status != "optimal")
    ]
    if short:
        console.print(
            f"[bold yellow]exit status {EXIT_NOT_MET}:[/] {escape(', '.join(short))}: a target is "
            "not met, or a solve stopped at its work budget or time limit (see above)",
            soft_wrap=True,
        )
        raise SystemExit(EXIT_NOT_MET)


_TIME_LIMIT_OPTION = click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    help=(
        "Safety-net time limit in seconds (overrides the scenario's solver.time_limit_s); "
        "shelters and hospital services each get this long."
    ),
)


@cli.command()
@click.argument("scenario", type=str)
@_OUT_OPTION
@_DATA_OPTION
@_POPULATION_OPTION
@_TILES_OPTION
@_ASSETS_OPTION
@_TIME_LIMIT_OPTION
@_MODE_OPTION
def plan(
    scenario: str,
    out: Path,
    data_dir: Path | None,
    population: Path | None,
    tiles: str,
    assets: str,
    time_limit: float | None,
    mode: str | None,
) -> None:
    """Propose new shelter sites for SCENARIO (a TOML file or a shipped scenario's name).

    A scenario with [rape_crisis] or [forensic] tables (e.g. full-recommendations) also plans
    rape crisis centres and 24/7 forensic examination at hospitals.
    """
    from planner._io import result_folder
    from planner.scenario import load_scenario, resolve_scenario

    loaded = _with_mode(load_scenario(resolve_scenario(scenario)), mode)
    progress = _RichProgress()
    with progress.step("Loading the dataset"):
        dataset = _load(data_dir, population)
    with result_folder(out) as folder:
        made = _plan_and_write(
            loaded, _Out(folder, out, tiles, assets), dataset, time_limit, progress
        )
    _exit_status([made])


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=str)
@_OUT_OPTION
@_DATA_OPTION
@_POPULATION_OPTION
@_TILES_OPTION
@_ASSETS_OPTION
@_TIME_LIMIT_OPTION
@_MODE_OPTION
def compare(
    scenarios: tuple[str, ...],
    out: Path,
    data_dir: Path | None,
    population: Path | None,
    tiles: str,
    assets: str,
    time_limit: float | None,
    mode: str | None,
) -> None:
    """Plan several SCENARIOS and write a comparison table (CSV and Markdown)."""
    from planner._io import result_folder
    from planner.outputs import scenario_folders, write_comparison, write_comparison_map
    from planner.scenario import load_scenario, resolve_scenario

    # validate all before the long work
    loaded = [_with_mode(load_scenario(resolve_scenario(s)), mode) for s in scenarios]
    names = [f.name for f in scenario_folders([sc.name for sc in loaded], out)]
    progress = _RichProgress()
    with progress.step("Loading the dataset"):
        dataset = _load(data_dir, population)
    with result_folder(out) as folder:
        base = _Out(folder, out, tiles, assets)
        plans = [
            _plan_and_write(sc, base.sub(name), dataset, time_limit, progress)
            for sc, name in zip(loaded, names, strict=True)
        ]
        table = write_comparison(plans, folder)
        side = write_comparison_map(
            [(sc.name, name) for sc, name in zip(loaded, names, strict=True)], folder
        )
    for view in _comparison_views(table, console.width):
        console.print(view)
    written = "comparison.csv, comparison.md" + (", comparison_map.html" if side else "")
    console.print(f"[green]wrote[/] {written} in {out}")
    _exit_status(plans)


@cli.command()
@_OUT_OPTION
@_DATA_OPTION
@_POPULATION_OPTION
@_TILES_OPTION
@_ASSETS_OPTION
@_TIME_LIMIT_OPTION
@_INTERNAL_OPTION
@click.option(
    "--scenario",
    "scenario_name",
    default="coe-minimum",
    show_default=True,
    help="Scenario for the assessment and the plan: a TOML file or a shipped scenario's name.",
)
@_MODE_OPTION
def run(  # noqa: PLR0913 -- one parameter per command-line option
    out: Path,
    data_dir: Path | None,
    population: Path | None,
    tiles: str,
    assets: str,
    time_limit: float | None,
    internal_out: Path | None,
    scenario_name: str,
    mode: str | None,
) -> None:
    """Run the main job: the access assessment and a plan (default coe-minimum) with its report."""
    from planner._io import result_folder
    from planner.scenario import load_scenario, resolve_scenario

    # one scenario for both: the assessment is the plan's "before"
    scenario = _with_mode(load_scenario(resolve_scenario(scenario_name)), mode)
    progress = _RichProgress()
    with progress.step("Loading the dataset"):
        dataset = _load(data_dir, population)
    with result_folder(out) as folder:
        target = _Out(folder, out, tiles, assets)
        before = _assess_and_write(target, dataset, scenario, progress)
        made = _plan_and_write(scenario, target.sub("plan"), dataset, time_limit, progress, before)
    if internal_out is not None:
        _write_internal(dataset, scenario, internal_out, out)
    _exit_status([made])


def main() -> None:
    """Entry point of the ``shelter-planner`` command."""
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        console.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PlannerError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(2)
    except OSError as exc:  # a folder that cannot be written: full, read-only, missing
        where = f" ({exc.filename})" if exc.filename else ""
        console.print(
            f"[bold red]error:[/] cannot write the results{escape(where)}: "
            f"{escape(exc.strerror or str(exc))}",
            soft_wrap=True,
        )
        sys.exit(2)
