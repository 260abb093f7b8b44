from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.access import DISTRICT_TABLE_COLUMNS
from planner.cli import cli


def test_run_writes_district_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["run", "--out", str(tmp_path), "--tiles", "none", "--time-limit", "5"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "districts.csv")
    assert list(table.columns[: len(DISTRICT_TABLE_COLUMNS)]) == DISTRICT_TABLE_COLUMNS
    assert len(table) == 78
    assert int(table["population"].sum()) == 10_180_770
    nakh = table.loc[table["region"] == "Nakhchivan"]
    assert (~nakh["reachable_by_road"]).all() and nakh["travel_min_mean"].isna().all()
    assert "no road path to any existing shelter" in result.output
    assert "Nakhchivan" in result.output
    for name in (
        "districts.gpkg",
        "regions.csv",
        "summary.json",
        "map.html",
        "map.png",
        "shortfall.png",
    ):
        assert (tmp_path / name).is_file(), name
    assert "required / existing" in result.output


def test_assess_with_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "double"\n[demand]\nplaces_per_10000 = 2\n', "utf-8")
    result = CliRunner().invoke(
        cli,
        ["assess", "--out", str(tmp_path / "o"), "--scenario", str(scenario), "--tiles", "none"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text("utf-8"))
    assert summary["scenario"] == "double"
    assert summary["required_family_places"] == pytest.approx(2036.2, abs=0.1)


def test_bad_scenario_is_a_clear_error(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text("[access]\nthresholds_min = [60, 'x']\n", "utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "assess",
            "--out",
            str(tmp_path / "o"),
            "--scenario",
            str(scenario),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "access.thresholds_min[1] is 'x'; expected a number" in proc.stderr


def test_run_never_writes_shelter_coordinates(tmp_path: Path, dataset: object) -> None:
    from planner.data import load_default

    CliRunner().invoke(
        cli, ["run", "--out", str(tmp_path), "--tiles", "none", "--time-limit", "5"]
    )
    text = (tmp_path / "districts.csv").read_text("utf-8") + (tmp_path / "summary.json").read_text(
        "utf-8"
    )
    for lon, lat in zip(
        load_default().shelters.geometry.x, load_default().shelters.geometry.y, strict=True
    ):
        for value in (lon, lat):
            assert f"{value:.3f}" not in text


def test_run_with_population_table(tmp_path: Path) -> None:
    from planner.data import load_default

    ids = load_default().districts["district_id"]
    pop = tmp_path / "pop.csv"
    pd.DataFrame({"district_id": ids, "population": 1000}).to_csv(pop, index=False)
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--out",
            str(tmp_path / "o"),
            "--population",
            str(pop),
            "--tiles",
            "none",
            "--time-limit",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "o" / "districts.csv")["population"].eq(1000).all()


def test_bad_population_table_is_a_clear_error(tmp_path: Path) -> None:
    pop = tmp_path / "pop.csv"
    pop.write_text("district_id,population\nAZ-BA,many\n", "utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "run",
            "--out",
            str(tmp_path / "o"),
            "--population",
            str(pop),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "row 2: population is 'many'" in proc.stderr.replace("\n", "")
    assert not (tmp_path / "o" / "districts.csv").exists()


def test_data_build_cli(raw_clip: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(
            cli, ["data", "build", "--raw", str(raw_clip), "--out", str(tmp_path / "ds")]
        )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ds" / "roads_edges.csv.gz").is_file()
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--out",
            str(tmp_path / "o"),
            "--data",
            str(tmp_path / "ds"),
            "--tiles",
            "none",
            "--time-limit",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "o" / "districts.csv")) == 4


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "shelter-planner" in result.output


@pytest.mark.online
def test_graph_from_polygon_online() -> None:  # pragma: no cover - needs internet
    from shapely.geometry import box

    from planner.network import graph_from_polygon

    g = graph_from_polygon(box(46.35, 40.67, 46.37, 40.69))
    assert all("travel_time" in d for _, _, d in g.edges(data=True))


def test_compare_writes_a_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            "current",
            "budget-5-sites",
            "--out",
            str(tmp_path),
            "--tiles",
            "none",
            "--time-limit",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert table["scenario"].tolist() == ["current", "budget-5-sites"]
    assert table["new_sites"].iloc[1] <= 5
    assert (tmp_path / "comparison.md").read_text("utf-8").startswith("| scenario |")
    assert (tmp_path / "budget-5-sites" / "report.html").is_file()


def test_plan_unknown_scenario_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "plan", "no-such-plan", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "neither a file nor a shipped scenario" in proc.stderr
