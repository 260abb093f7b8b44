"""Command-line interface: a thin layer over the Python API.

``shelter-planner run`` is the main job; ``shelter-planner data build`` turns
the raw files into a dataset folder.
"""

from __future__ import annotations

import contextvars
import logging
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
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
from planner._i18n import LANGUAGES, Note, Translator, noun
from planner._progress import listening
from planner._version import __version__

__all__ = ["EXIT_NOT_MET", "cli", "main"]

if TYPE_CHECKING:
    from planner.assessment import Assessment
    from planner.data import Dataset
    from planner.locate import PlanResult, ServicesResult
    from planner.planning import Plan
    from planner.scenario import Scenario

console = Console(stderr=True)


class _RichProgress:
    """Show each long step as a spinner, then its duration (in the summary's language)."""

    def __init__(self, tr: Translator | None = None) -> None:
        self.tr = tr or Translator()

    @contextmanager
    def step(self, message: str) -> Iterator[None]:
        start = time.perf_counter()
        with console.status(f"{escape(message)} ...") as status:

            def now(key: str, values: Mapping[str, object]) -> None:
                status.update(f"{escape(message)}: {escape(self.tr(key, **values))} ...")

            with listening(now):
                yield
        seconds = self.tr.number(time.perf_counter() - start, 1)
        console.print(f"[green]{escape(self.tr('cli.done'))}[/] {escape(message)} ({seconds} s)")


#: The language the terminal speaks in for the command running (set by :func:`_terminal`).
_SPOKEN: contextvars.ContextVar[Translator] = contextvars.ContextVar("spoken")
#: The warnings the command running has printed (``compare`` plans each scenario on the
#: same data, whose warnings would otherwise be printed once per scenario).
_TOLD: contextvars.ContextVar[set[str]] = contextvars.ContextVar("told")


def _terminal(lang: str) -> _RichProgress:
    """Speak ``lang`` in the terminal from now on (steps and warnings); return the progress."""
    tr = Translator(lang)
    _SPOKEN.set(tr)
    _TOLD.set(set())
    return _RichProgress(tr)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Print a warning in the command's language (a planner :class:`Note` is told again).

    A command prints each warning once, however many times its work raises it.
    """
    tr = _SPOKEN.get(Translator())
    said = message.args[0] if isinstance(message, Warning) and message.args else message
    text = tr.message(said) if isinstance(said, Note) else str(message)
    told = _TOLD.get(None)
    if told is not None:
        if text in told:
            return
        told.add(text)
    console.print(f"[yellow]{escape(tr('cli.warning'))}:[/] {escape(text)}", soft_wrap=True)


#: What the exit status says, in the help of the program and of each planning command.
_EXIT_STATUS = (
    "0 when every plan meets its targets, proven within the requested gap; 3 when a plan "
    "misses a target, a solve stops at its work budget or time limit before proving the "
    "gap, or an independent check fails (the files are written all the same); 2 for bad "
    "input (the message names the file, row, column and value); 130 when interrupted."
)


class _ScenarioCommand(click.Command):
    """A command that takes shipped scenarios by name: its help lists them, and the exit status."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        from planner._shipped import shipped_descriptions

        rows = list(shipped_descriptions().items())
        if rows:
            with formatter.section("Shipped scenarios (by name, or a TOML file of your own)"):
                formatter.write_dl(rows)
        with formatter.section("Exit status"):
            formatter.write_text(_EXIT_STATUS)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Plan shelter access: travel times to help, capacity gaps, new sites.\n\n"
    f"Exit status: {_EXIT_STATUS}",
)
@click.version_option(__version__, prog_name="shelter-planner")
@click.option("-v", "--verbose", is_flag=True, help="Log every step.")
def cli(verbose: bool) -> None:
    """Plan shelter access: travel times to help, capacity gaps, new sites."""
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
    help="Your region: existing shelters with 'name' and 'capacity_places' (beds; default none).",
)
@click.option(
    "--hospitals",
    type=_FILE,
    help="Your region: hospital points with 'name' (for rape crisis centres, forensic care).",
)
@click.option(
    "--hospital-types",
    type=_FILE,
    help="Your region: CSV of type,pattern rules reading each hospital's type from its name "
    "(see data/README.md).",
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
    help="District population CSV (district_id,population): with --raw, replaces the "
    "estimate; for your region, one row per district, or omit it when --places carry a "
    "population (each district then counts its places' people).",
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
@click.option(
    "--residential",
    type=_FILE,
    help="Your region: residential-land polygons (OSM landuse=residential, say): each "
    "district's people are spread by the land nearest each place instead of its place class.",
)
@click.option(
    "--urban-share",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    help="Your region, with --residential: the published share of people in cities and "
    "towns, to which their land's density is fitted (default: as dense as villages').",
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
    hospital_types: Path | None,
    about: Path | None,
    out: Path,
    roads: str,
    population: Path | None,
    speeds: Path | None,
    extra_roads: Path | None,
    residential: Path | None,
    urban_share: float | None,
) -> None:
    """Build a dataset folder: the embedded one from --raw, or your region's from its files.

    \b
    Embedded:    data build --raw RAW --out DIR
    Your region: data build --boundaries B --id-column ID --name-column NAME --osm ROADS
                 --places PLACES [--population POP.csv] --out DIR [--shelters S] [--hospitals H]
                 [--hospital-types RULES.csv] [--about ABOUT.toml] [--region-column REGION]
                 [--speeds SPEEDS.csv] [--extra-roads LINES]
                 [--residential LAND [--urban-share 0.55]]
    See data/README.md ("Your own region").
    """  # noqa: D301 - click keeps the lines after a backspace (\b) as written, unwrapped
    either = "give either --raw (the embedded dataset) or --boundaries"
    if boundaries is not None:
        if raw is not None:
            raise click.UsageError(either)
        if roads != "major":
            raise click.UsageError(
                "--roads chooses the embedded dataset's road file; give your region's roads "
                "with --osm"
            )
        _build_region(
            boundaries,
            id_column,
            name_column,
            region_column,
            osm,
            population,
            places,
            shelters,
            hospitals,
            hospital_types,
            about,
            speeds,
            extra_roads,
            (residential, urban_share),
            out,
        )
        return
    if raw is None:
        raise click.UsageError(either)
    region_only = {
        "--id-column": id_column,
        "--name-column": name_column,
        "--region-column": region_column,
        "--osm": osm,
        "--places": places,
        "--shelters": shelters,
        "--hospitals": hospitals,
        "--hospital-types": hospital_types,
        "--about": about,
        "--residential": residential,
        "--urban-share": urban_share,
    }
    stray = [k for k, v in region_only.items() if v is not None]
    if stray:
        raise click.UsageError(
            f"{', '.join(stray)} {noun(len(stray), 'is', 'are')} for your own region's "
            "build (--boundaries), not the embedded one (--raw)"
        )
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
        progress=_terminal("en"),
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
    hospital_types: Path | None,
    about: Path | None,
    speeds: Path | None,
    extra_roads: Path | None,
    land: tuple[Path | None, float | None],
    out: Path,
) -> None:
    from planner.datasets.generic import RegionInputs, build_dataset

    residential, urban_share = land
    if urban_share is not None and residential is None:
        raise click.UsageError("--urban-share fits the density of --residential; give both")

    given = {
        "--id-column": id_column,
        "--name-column": name_column,
        "--osm": osm,
        "--places": places,
    }
    if id_column is None or name_column is None or osm is None or places is None:
        missing = [k for k, v in given.items() if v is None]
        raise click.UsageError(f"a region's build needs {', '.join(missing)} as well")
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
        extra_roads=extra_roads,
        hospital_types=hospital_types,
        residential=residential,
        urban_share=urban_share,
    )
    report = build_dataset(inputs, out, progress=_terminal("en"))
    _print_counts(report.out, report.counts)


@data.command("check")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), required=False)
def data_check(folder: Path | None) -> None:
    """Check a dataset FOLDER the way every command loads it; exit 2 naming what is wrong.

    Without FOLDER, the embedded dataset the commands use by default is checked.
    """
    from planner.data import default_data_dir, load_dataset
    from planner.hospital_types import SUITABLE_TYPES, UNCLASSIFIED

    folder = folder if folder is not None else default_data_dir()
    dataset = load_dataset(folder)
    table = Table(title=f"Dataset {dataset.name!r} in {folder}: every check passed")
    table.add_column("layer")
    table.add_column("count", justify="right")
    shelters = dataset.shelters
    kinds = dataset.hospitals["hospital_type"]
    typed = len(kinds) > 0 and not (kinds == UNCLASSIFIED).all()
    offered = int(kinds.isin(list(SUITABLE_TYPES)).sum()) if typed else len(kinds)
    for name, rows in (
        ("districts", len(dataset.districts)),
        ("settlements", len(dataset.settlements)),
        ("people", int(dataset.settlements["population"].sum())),
        # a record may pool several shelters (the embedded dataset pools each city's)
        ("existing shelter records", len(shelters)),
        ("existing shelter beds", round(float(shelters["capacity_places"].sum()))),
        ("districts with a shelter", shelters["district_id"].nunique()),
        ("candidate sites", len(dataset.candidates)),
        ("hospitals", len(dataset.hospitals)),
        (
            f"hospitals offered by default ({', '.join(SUITABLE_TYPES)})"
            if typed
            else "hospitals offered by default (no types: all)",
            offered,
        ),
        ("road nodes", dataset.graph.number_of_nodes()),
        ("road edges", dataset.graph.number_of_edges()),
    ):
        table.add_row(escape(name), f"{rows:,}")
    # the modes a scenario's [travel] mode and --mode may name
    table.add_row("travel modes", escape(", ".join(sorted(dataset.travel_modes))))
    console.print(table)
    weights = dataset.metadata.get("settlement_weights")
    if isinstance(weights, Mapping) and weights.get("method"):
        # how the districts' people were spread over their settlements (below the table,
        # whose columns a long sentence would squeeze)
        m = weights.get("urban_multiplier")
        said = str(weights["method"]) + (f" ({m:g})" if isinstance(m, int | float) else "")
        console.print(f"settlement weights: {escape(said)}")


_DATA_OPTION = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Dataset folder to use instead of the embedded dataset.",
)
_POPULATION_OPTION = click.option(
    "--population",
    type=click.Path(path_type=Path, dir_okay=False),
    help="District population CSV (district_id,population) replacing the dataset's figures; "
    "reports name it as their source.",
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


def _load(
    data_dir: Path | None, population: Path | None, scenarios: Sequence[Scenario]
) -> Dataset:
    from planner.data import load_dataset, load_default
    from planner.readers import read_population_table

    both = [sc for sc in scenarios if population and sc.demand.population is not None]
    if both:
        raise click.UsageError(
            f"--population {population} and scenario {both[0].name!r} (demand.population = "
            f"{both[0].demand.population}) both give the district populations; give one"
        )
    dataset = load_dataset(data_dir) if data_dir else load_default()
    if population:
        dataset = dataset.with_population(
            read_population_table(population), source=str(population)
        )
    return dataset


def _check_scenarios(dataset: Dataset, scenarios: Sequence[Scenario]) -> None:
    """Check every scenario against the dataset before the long work, naming the one at fault.

    A file of the user's is named by its path; a shipped scenario by its name (its path
    lies inside the installed package).
    """
    from planner._shipped import builtin_scenarios
    from planner.planning import check_scenario

    shipped = {path.resolve() for path in builtin_scenarios().values()}
    for sc in scenarios:
        try:
            check_scenario(dataset, sc)
        except PlannerError as exc:
            own = sc.source is not None and Path(sc.source).resolve() not in shipped
            where = str(sc.source) if own else f"scenario {sc.name!r}"
            if where in str(exc):  # the message names it already
                raise
            raise type(exc)(f"{where}: {exc}") from exc


def _print_assessment(assessment: Assessment, dataset: Dataset, tr: Translator) -> None:
    s = assessment.summary
    names = dataset.place_names(tr.lang)
    tr = names.told(tr)
    d = names.frame(assessment.districts, district_names=True)
    summary = Table(
        title=tr(
            "cli.assess.title",
            places=tr.number(s["existing_places"]),
            districts=s["existing_shelter_districts"],
            total=s["districts_total"],
        )
    )
    summary.add_column(tr("cli.measure"))
    summary.add_column(tr("cli.value"), justify="right")
    rows = [
        ("population", tr.number(s["population_total"])),
        ("required_places", tr.number(s["required_family_places"], 1)),
        ("required_beds", tr.number(s["required_beds"], 1)),
        ("existing_places", tr.number(s["existing_places"])),
        ("shortfall", tr.number(s["shortfall_beds"], 1)),
        (
            "ratio",
            tr("cli.assess.none_today")
            if s["required_to_existing_ratio"] is None
            else tr("cli.times", ratio=tr.plain(s["required_to_existing_ratio"])),
        ),
        ("mean_travel", tr.number(s["travel_min_mean"], 1)),
    ]
    for key, value in rows:
        summary.add_row(tr(f"cli.assess.{key}"), value)
    # one key per threshold of the scenario: read them as a plain mapping
    shares: Mapping[str, object] = s
    for key, share in shares.items():
        if key.startswith("population_share_beyond_") and isinstance(share, float):
            minutes = key.removeprefix("population_share_beyond_").removesuffix("min")
            summary.add_row(tr("cli.assess.beyond", minutes=minutes), tr.percent(share))
    summary.add_row(tr("cli.assess.no_road"), tr.number(s["unreachable_population"]))
    summary.add_row(
        tr("cli.assess.regions_without"),
        tr("cli.of", part=len(s["regions_without_shelter"]), whole=s["regions_total"]),
    )
    console.print(summary)

    far = d.loc[d["reachable_by_road"] & (d["population"] > 0)].nlargest(8, "travel_min_mean")
    worst = Table(title=tr("cli.assess.farthest"))
    for col in ("district", "region", "population", "mean_min", "max_min", "mean_km"):
        worst.add_column(
            tr(f"cli.assess.column.{col}"),
            justify="left" if col in ("district", "region") else "right",
        )
    for rec in far.to_dict("records"):
        worst.add_row(
            escape(str(rec["name"])),
            escape(str(rec["region"])),
            tr.number(float(rec["population"])),
            tr.number(float(rec["travel_min_mean"])),
            tr.number(float(rec["travel_min_max"])),
            tr.number(float(rec["travel_km_mean"])),
        )
    if len(far):
        console.print(worst)
    cut = d.loc[~d["reachable_by_road"]]
    note = dataset.report_text("disconnected_note", lang=tr.lang)
    if s["existing_shelters"] == 0:
        console.print("[bold red]" + escape(tr("cli.assess.no_shelter")) + "[/]", soft_wrap=True)
    elif len(cut):
        console.print(
            "[bold red]"
            + escape(tr("cli.assess.cut", districts=len(cut)))
            + "[/] "
            + escape(
                tr(
                    "cli.assess.cut_detail",
                    people=tr.number(int(cut["population"].sum())),
                    names=", ".join(cut["name"]),
                    note=f"{note} " if note else "",
                )
            ),
            soft_wrap=True,
        )


@dataclass(frozen=True)
class _Out:
    """Where a command writes now (inside a fresh result folder) and what it shows."""

    folder: Path
    shown: Path
    tiles: str
    assets: str
    lang: str = "en"

    def sub(self, name: str | Path) -> _Out:
        return replace(self, folder=self.folder / name, shown=self.shown / name)


_LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the report, the maps, the figures and this summary: en (English) or "
    "az (Azerbaijani). Tables and summary.json keep their column names.",
)
_MODE_OPTION = click.option(
    "--mode",
    type=str,
    default=None,
    help="Travel mode: car or bus (bus or minibus: slower, plus waiting and stops), or one the "
    "dataset defines; overrides the scenario's [travel] mode.",
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

    with progress.step(progress.tr("cli.step.assess")):
        assessment = assess(dataset, scenario)
    files = write_assessment(
        assessment,
        dataset,
        out.folder,
        tiles=cast(Any, out.tiles),
        assets=cast(Any, out.assets),
        progress=progress,
        lang=out.lang,
    )
    written = [p.name for p in vars(files).values() if p is not None]
    tr = Translator(out.lang)
    console.print(escape(tr("cli.wrote", files=", ".join(written), folder=str(out.shown))))
    _print_assessment(assessment, dataset, tr)
    return assessment


def _internal_folder(internal: Path | None, out: Path) -> Path | None:
    """Check ``--internal-out`` before any work: the confidential file stays out of ``--out``."""
    if internal is None:
        return None
    inside = internal.resolve()
    if inside == out.resolve() or out.resolve() in inside.parents:
        raise InputDataError(
            f"--internal-out {internal} is inside --out {out}; keep the confidential file "
            "apart from the outputs you share"
        )
    return inside


def _write_internal(dataset: Dataset, scenario: Scenario, inside: Path, lang: str) -> None:
    from planner.outputs import write_internal_travel

    inside.mkdir(parents=True, exist_ok=True)
    path = write_internal_travel(dataset, inside, leg=scenario.leg)
    text = Translator(lang)("cli.wrote_confidential", path=str(path))
    console.print(escape(text), style="bold yellow", soft_wrap=True)


@cli.command()
@_OUT_OPTION
@_SCENARIO_OPTION
@_DATA_OPTION
@_POPULATION_OPTION
@_TILES_OPTION
@_ASSETS_OPTION
@_INTERNAL_OPTION
@_MODE_OPTION
@_LANG_OPTION
def assess(  # noqa: PLR0913 -- one parameter per command-line option
    out: Path,
    scenario: Path | None,
    data_dir: Path | None,
    population: Path | None,
    tiles: str,
    assets: str,
    internal_out: Path | None,
    mode: str | None,
    lang: str,
) -> None:
    """Assess access today: distance, capacity gap, E2SFCA, maps and figures."""
    from planner._io import result_folder
    from planner.scenario import Scenario, load_scenario

    private = _internal_folder(internal_out, out)
    loaded = load_scenario(scenario) if scenario else Scenario(name="coe-minimum")
    loaded = _with_mode(loaded, mode)
    progress = _terminal(lang)
    with progress.step(progress.tr("cli.step.load")):
        dataset = _load(data_dir, population, [loaded])
    with result_folder(out) as folder:
        _assess_and_write(_Out(folder, out, tiles, assets, lang), dataset, loaded, progress)
    if private is not None:
        _write_internal(dataset, loaded, private, lang)


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
    tr = progress.tr
    limit = tr.plain(scenario.solver.time_limit_s)
    with progress.step(
        tr(
            "cli.step.plan",
            scenario=scenario.name,
            objective=scenario.objective.type,
            limit=limit,
            services=tr("cli.step.plan_services", limit=limit)
            if scenario.plans_hospital_services
            else "",
        )
    ):
        result = make_plan(dataset, scenario, before=before)
    files = write_plan(
        result,
        dataset,
        out.folder,
        tiles=cast(Any, out.tiles),
        assets=cast(Any, out.assets),
        lang=out.lang,
    )
    written = [p.name for p in vars(files).values() if p is not None]
    console.print(escape(tr("cli.wrote", files=", ".join(written), folder=str(out.shown))))
    _print_plan(result, dataset.place_names(tr.lang).told(tr))
    return result


#: The comparison's measures in the terminal (one row each, a column per scenario): how
#: each is formatted (``number`` with digits, ``percent`` with digits, or ``text``); their
#: names are ``cli.compare.<key>`` in the language catalogs.
_COMPARE_ROWS: dict[str, tuple[str, int]] = {
    "objective": ("text", 0),
    "status": ("text", 0),
    "new_sites": ("number", 0),
    "total_places": ("number", 0),
    "total_beds": ("number", 0),
    "served_share": ("percent", 1),
    "mean_travel_min": ("number", 1),
    "max_travel_min": ("number", 1),
    "cost": ("number", 0),
    "inclusive_places": ("number", 0),
    "inclusive_reach_share": ("percent", 1),
    "rape_crisis_centres": ("number", 0),
    "forensic_24_7_sites": ("number", 0),
    "mip_gap": ("percent", 2),
    "solve_seconds": ("number", 0),
}


def _compare_cell(value: object, kind: str, digits: int, tr: Translator) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if kind == "percent" and isinstance(value, int | float):
        return tr.percent(float(value), digits)
    if kind == "number" and isinstance(value, int | float):
        return tr.number(float(value), digits)
    return escape(str(value))


def _comparison_views(
    table: pd.DataFrame, width: int, tr: Translator | None = None
) -> list[Table]:
    """Show the comparison transposed: measures down, scenarios across, numbers for people.

    As many scenarios go side by side as fit the terminal's ``width`` without
    breaking a name or a number; the rest follow in further tables.
    """
    tr = tr or Translator()
    labels = {key: tr(f"cli.compare.{key}") for key in _COMPARE_ROWS}
    measure = max(len(label) for label in labels.values()) + 3
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
        title = tr("cli.compare.title") + (
            " " + tr("cli.compare.part", part=part, parts=len(groups)) if len(groups) > 1 else ""
        )
        view = Table(title=title)
        view.add_column(tr("cli.measure"), no_wrap=True)
        for k in cols:
            view.add_column(escape(names[k]), justify="right", no_wrap=True)
        for key, (kind, digits) in _COMPARE_ROWS.items():
            cells = [_compare_cell(v, kind, digits, tr) for v in table[key].iloc[cols]]
            view.add_row(labels[key], *cells)
        views.append(view)
    return views


def _print_plan(result: Plan, tr: Translator) -> None:
    s = result.summary
    name = escape(s["scenario"])
    if not result.result.feasible:
        status = result.result.status
        title = tr(
            "cli.plan.infeasible"
            if status == "infeasible"
            else "cli.plan.no_plan_work"
            if status == "work_limit"
            else "cli.plan.no_plan_time"
        )
        console.print(f"[bold red]'{name}': {escape(title)}[/]")
        for msg in s["messages"]:
            console.print(f"  - {escape(tr.message(msg))}", soft_wrap=True)
        return
    table = Table(
        title=escape(
            tr(
                "cli.plan.title",
                scenario=s["scenario"],
                objective=s["objective"],
                status=tr(f"status.{s['status']}"),
            )
        )
    )
    table.add_column(tr("cli.measure"))
    table.add_column(tr("cli.value"), justify="right")
    gap = tr.percent(s["mip_gap"], 2)
    rows = [
        ("new_sites", str(s["new_sites"])),
        (
            "places",
            f"{tr.number(s['total_places'])} ({tr.number(s['total_beds'])})",
        ),
        ("required", tr.number(s["required_family_places"], 1)),
        ("served", tr.percent(s["served_share"], 2)),
        (
            "travel",
            f"{tr.plain(s['mean_travel_min'])} / {tr.plain(s['max_travel_min'])}",
        ),
        ("cost", tr.number(s["cost"])),
        ("inclusive", tr.number(s["inclusive_places"])),
        (
            "objective",
            f"{tr.plain(s['objective_value'])} / {tr.plain(s['bound'])} / {gap}",
        ),
        ("seconds", f"{tr.plain(s['build_seconds'])} + {tr.plain(s['solve_seconds'])}"),
    ]
    labelled = [(tr(f"cli.plan.{key}"), value) for key, value in rows]
    inc = s["inclusive_shelters"]
    labelled.append(
        (
            tr("cli.plan.inclusive_reach", minutes=tr.plain(inc["reach_limit_min"])),
            tr.percent(inc["population_within_reach_share_after"]),
        )
    )
    rc = s.get("rape_crisis_centres")
    if rc is not None:
        labelled += [
            (tr("cli.plan.centres"), f"{rc['required']} / {rc['proposed']}"),
            (
                tr("cli.plan.centres_reach", minutes=tr.plain(rc["limit_min"])),
                tr.percent(rc["women_within_limit_share"]),
            ),
        ]
    fo = s.get("forensic_24_7")
    if fo is not None:
        labelled += [
            (tr("cli.plan.forensic"), str(fo["proposed"])),
            (
                tr("cli.plan.forensic_reach", minutes=tr.plain(fo["limit_min"])),
                tr.percent(fo["population_within_limit_share"]),
            ),
        ]
    hs = s.get("hospital_services")
    if hs is not None:
        labelled.append(
            (
                tr("cli.plan.services_objective"),
                f"{tr.plain(hs['objective_value'])} / {tr.plain(hs['bound'])} / "
                f"{tr.percent(hs['mip_gap'], 2)}",
            )
        )
    for k, v in labelled:
        table.add_row(escape(k), v)
    console.print(table)
    for msg in s["messages"]:  # what the plan had to give up or add, in words
        console.print(f"  - {escape(tr.message(msg))}", soft_wrap=True)
    if result.violations:
        console.print(
            f"[bold red]{escape(tr('cli.plan.check_failed'))}[/] "
            + escape("; ".join(tr.message(v) for v in result.violations)),
            soft_wrap=True,
        )
    if result.services is not None:
        services = escape(tr("cli.plan.services"))
        for msg in result.services.result.messages:
            console.print(f"[bold red]{services}:[/] {escape(tr.message(msg))}", soft_wrap=True)
        if result.services.violations:
            console.print(
                f"[bold red]{services}: {escape(tr('cli.plan.check_failed'))}[/] "
                + escape("; ".join(tr.message(v) for v in result.services.violations)),
                soft_wrap=True,
            )
    _print_not_proven(result, tr)


def _print_not_proven(result: Plan, tr: Translator) -> None:
    """Say loudly when a solve stopped at its work budget or time limit."""
    from planner.locate.result import published_gap

    solves: list[tuple[str, PlanResult | ServicesResult]] = [("shelters", result.result)]
    if result.services is not None:
        solves.append(("services", result.services.result))
    for what, r in solves:
        if not r.feasible or r.status == "optimal":
            continue
        if r.status == "time_limit":
            how = tr("cli.plan.how_time")
        else:
            how = tr("cli.plan.how_work")
            if what == "shelters" and not result.scenario.solver.root_search:
                how += tr("cli.plan.how_root")
        gap = (
            tr("cli.plan.at_most", gap=tr.percent(published_gap(r.gap), 2))
            if math.isfinite(r.gap)
            else tr("cli.plan.unknown_distance")
        )
        repaired = what == "shelters" and result.result.repaired
        # a time limit is always said (the plan may differ elsewhere), a repair besides it
        texts = []
        if r.status == "time_limit" or not repaired:
            texts.append(tr("cli.plan.not_proven_text", how=how, gap=gap))
        if repaired:
            key = "cli.plan.repaired_also" if texts else "cli.plan.repaired_text"
            texts.append(tr(key, gap=gap))
        if what == "shelters" and result.deeper_search_may_help:
            texts.append(tr("cli.plan.cheaper"))
        text = " ".join(texts)
        console.print(
            f"[bold yellow]{escape(tr('cli.plan.not_proven', what=tr('cli.plan.' + what)))}[/] "
            + escape(text),
            soft_wrap=True,
        )


#: Exit status of a command whose plans do not all meet their targets, proven.
EXIT_NOT_MET = 3


def _exit_status(plans: list[Plan], tr: Translator | None = None) -> None:
    """Exit 3 when a plan misses a target, stops at a limit or fails its independent check."""
    tr = tr or Translator()
    short = [
        p.scenario.name
        for p in plans
        if p.result.status != "optimal"
        or p.result.districts_left
        or p.violations
        or (
            p.services is not None
            and (p.services.result.status != "optimal" or p.services.violations)
        )
    ]
    if short:
        console.print(
            f"[bold yellow]{escape(tr('cli.exit', status=EXIT_NOT_MET))}[/] "
            + escape(tr("cli.exit_text", scenarios=", ".join(short))),
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
_PLAN_OPTIONS = (
    _OUT_OPTION,
    _DATA_OPTION,
    _POPULATION_OPTION,
    _TILES_OPTION,
    _ASSETS_OPTION,
    _TIME_LIMIT_OPTION,
    _MODE_OPTION,
    _LANG_OPTION,
)


def _plan_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options ``plan`` and ``compare`` share, in this order in ``--help``."""
    for option in reversed(_PLAN_OPTIONS):
        command = option(command)
    return command


@cli.command(cls=_ScenarioCommand)
@click.argument("scenario", type=str)
@_plan_options
def plan(  # noqa: PLR0913 -- one parameter per command-line option
    scenario: str,
    out: Path,
    data_dir: Path | None,
    population: Path | None,
    tiles: str,
    assets: str,
    time_limit: float | None,
    mode: str | None,
    lang: str,
) -> None:
    """Propose new shelter sites for SCENARIO (a TOML file or a shipped scenario's name).

    A scenario with [rape_crisis] or [forensic] tables (e.g. full-recommendations) also plans
    rape crisis centres and 24/7 forensic examination at hospitals.
    """
    from planner._io import result_folder
    from planner.scenario import load_scenario, resolve_scenario

    loaded = _with_mode(load_scenario(resolve_scenario(scenario)), mode)
    progress = _terminal(lang)
    with progress.step(progress.tr("cli.step.load")):
        dataset = _load(data_dir, population, [loaded])
        _check_scenarios(dataset, [loaded])
    with result_folder(out) as folder:
        made = _plan_and_write(
            loaded, _Out(folder, out, tiles, assets, lang), dataset, time_limit, progress
        )
    _exit_status([made], Translator(lang))


@cli.command(cls=_ScenarioCommand)
@click.argument("scenarios", nargs=-1, required=True, type=str)
@_plan_options
def compare(  # noqa: PLR0913 -- one parameter per command-line option
    scenarios: tuple[str, ...],
    out: Path,
    data_dir: Path | None,
    population: Path | None,
    tiles: str,
    assets: str,
    time_limit: float | None,
    mode: str | None,
    lang: str,
) -> None:
    """Plan several SCENARIOS and write a comparison table (CSV and Markdown).

    A cheapest plan that costs more than the plan of a scenario whose rules are at least as
    strict (more places per 10,000 people, a higher served_share, a smaller
    nearest_tolerance_min, a regional rule or single sourcing added, existing shelters kept
    rather than expanded, fewer sizes or candidates) is flagged: that plan keeps its rules too,
    and is the better answer.
    """
    from planner._io import result_folder
    from planner.outputs import (
        comparison_notes,
        scenario_folders,
        write_comparison,
        write_comparison_map,
    )
    from planner.scenario import load_scenario, resolve_scenario

    # validate all before the long work
    loaded = [_with_mode(load_scenario(resolve_scenario(s)), mode) for s in scenarios]
    names = [f.name for f in scenario_folders([sc.name for sc in loaded], out)]
    progress = _terminal(lang)
    with progress.step(progress.tr("cli.step.load")):
        dataset = _load(data_dir, population, loaded)
        _check_scenarios(dataset, loaded)
    with result_folder(out) as folder:
        base = _Out(folder, out, tiles, assets, lang)
        plans = [
            _plan_and_write(sc, base.sub(name), dataset, time_limit, progress)
            for sc, name in zip(loaded, names, strict=True)
        ]
        table = write_comparison(plans, folder, lang=lang)
        side = write_comparison_map(
            [(sc.name, name) for sc, name in zip(loaded, names, strict=True)], folder, lang=lang
        )
    tr = Translator(lang)
    for view in _comparison_views(table, console.width, tr):
        console.print(view)
    for note in comparison_notes(plans, lang=lang):
        console.print(
            f"[bold yellow]{escape(tr('cli.warning'))}:[/] {escape(note)}", soft_wrap=True
        )
    written = "comparison.csv, comparison.md" + (", comparison_map.html" if side else "")
    console.print(escape(tr("cli.wrote", files=written, folder=str(out))))
    _exit_status(plans, tr)


@cli.command(cls=_ScenarioCommand)
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
@_LANG_OPTION
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
    lang: str,
) -> None:
    """Run the main job: the access assessment and a plan (default coe-minimum) with its report."""
    from planner._io import result_folder
    from planner.scenario import load_scenario, resolve_scenario

    private = _internal_folder(internal_out, out)
    # one scenario for both: the assessment is the plan's "before"
    scenario = _with_mode(load_scenario(resolve_scenario(scenario_name)), mode)
    progress = _terminal(lang)
    with progress.step(progress.tr("cli.step.load")):
        dataset = _load(data_dir, population, [scenario])
        _check_scenarios(dataset, [scenario])
    with result_folder(out) as folder:
        target = _Out(folder, out, tiles, assets, lang)
        before = _assess_and_write(target, dataset, scenario, progress)
        made = _plan_and_write(scenario, target.sub("plan"), dataset, time_limit, progress, before)
    if private is not None:
        _write_internal(dataset, scenario, private, lang)
    _exit_status([made], Translator(lang))


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
