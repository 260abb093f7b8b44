"""Command-line interface: a thin layer over the Python API.

``shelter-planner run`` is the main job; ``shelter-planner data build`` turns
the raw files into a dataset folder.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from planner import __version__
from planner._errors import PlannerError

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
    """Plan shelter access: travel times to help, capacity gaps, new sites."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    warnings.showwarning = _show_warning


@cli.group()
def data() -> None:
    """Build and inspect datasets."""


@data.command("build")
@click.option(
    "--raw",
    "raw",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder with the raw files (geoBoundaries, OSM places, OSM XML roads).",
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
def data_build(
    raw: Path, out: Path, roads: str, population: Path | None, speeds: Path | None
) -> None:
    """Build a dataset folder from the raw Azerbaijan files."""
    from planner.data import build_azerbaijan

    if roads == "drive":
        console.print(
            "[yellow]note:[/] the drive network needs several GB of memory and minutes; "
            "its output is for local use and is not committed."
        )
    report = build_azerbaijan(
        raw,
        out,
        roads="drive" if roads == "drive" else "major",
        population=population,
        speeds=speeds,
        progress=_RichProgress(),
    )
    table = Table(title=f"Dataset written to {report.out}")
    table.add_column("layer")
    table.add_column("rows", justify="right")
    for key, value in report.counts.items():
        table.add_row(key, f"{value:,}")
    console.print(table)


def _fmt(value: float, digits: int = 0) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for the results (created if needed).",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Dataset folder to use instead of the embedded Azerbaijan dataset.",
)
@click.option(
    "--population",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Official district population CSV (district_id,population) to use.",
)
def run(out: Path, data_dir: Path | None, population: Path | None) -> None:
    """Run the main job: travel from every district to the nearest shelter."""
    from planner.access import district_access
    from planner.data import load_dataset, load_default, read_population_table
    from planner.outputs import write_district_table

    progress = _RichProgress()
    with progress.step("Loading the dataset"):
        dataset = load_dataset(data_dir) if data_dir else load_default()
        if population:
            dataset = dataset.with_population(read_population_table(population))
    with progress.step("Routing every settlement to its nearest shelter"):
        _ = dataset.network
        tables = district_access(dataset)
    path = write_district_table(tables, out)
    console.print(f"[green]wrote[/] {path}")

    d = tables.districts
    s = tables.settlements
    reach = s.loc[s["reachable"]]
    total = float(s["population"].sum())
    summary = Table(title=f"Access to the {len(dataset.shelters)} existing shelters")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row("population", _fmt(total))
    if len(reach):
        mean = float((reach["travel_min"] * reach["population"]).sum() / reach["population"].sum())
        summary.add_row("mean travel time, reachable population (min)", _fmt(mean, 1))
    for col in [c for c in d.columns if c.startswith("share_beyond_")]:
        beyond = float(s.loc[s["travel_min"] > float(col[13:-3]), "population"].sum())
        summary.add_row(
            f"population beyond {col[13:-3]} min (incl. no road)", f"{beyond / total:.1%}"
        )
    summary.add_row(
        "population with no road path to a shelter", _fmt(float(d["unreachable_population"].sum()))
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
    cut = tables.unreachable_districts
    if len(cut):
        console.print(
            f"[bold red]{len(cut)} district(s) have no road path to any existing shelter[/] "
            f"({int(cut['population'].sum()):,} people): {', '.join(cut['name'])}. "
            "In Azerbaijan these are the Nakhchivan exclave, whose road links to the "
            "mainland cross Armenia or Iran; their travel figures are left empty."
        )


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
