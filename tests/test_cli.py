from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from planner._errors import PlannerError
from planner._i18n import Note
from planner.access import DISTRICT_TABLE_COLUMNS
from planner.cli import cli
from tests.tiny import TINY_TOML


def _assert_planned(result: Result) -> None:
    """A plan command succeeded: exit 0, its targets met and proven.

    The tests plan scenarios that end by their own work (the status quo, a budget of
    five sites, a small dataset), never by a time limit, so the outcome is the same
    on any machine.
    """
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert "stopped at the time limit" not in result.output, result.output


def test_run_writes_district_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["run", "--out", str(tmp_path), "--tiles", "none", "--scenario", "current"]
    )
    _assert_planned(result)
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
        "scenario.toml",
        "plan/scenario.toml",
    ):
        assert (tmp_path / name).is_file(), name
    assert "required / existing" in result.output
    # The embedded shelter table pools each city's shelters in one row: the title
    # counts districts, not rows.
    assert "Shelter access today (175 beds in 2 of 78 districts)" in result.output
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert (summary["existing_shelter_districts"], summary["districts_total"]) == (2, 78)
    assert summary["dataset"] == "azerbaijan" and summary["planner_version"]


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
        cli, ["run", "--out", str(tmp_path), "--tiles", "none", "--scenario", "current"]
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
            "--scenario",
            "current",
        ],
    )
    _assert_planned(result)
    assert pd.read_csv(tmp_path / "o" / "districts.csv")["population"].eq(1000).all()
    # a scenario with a population table of its own and --population: which? give one
    scenario = tmp_path / "own.toml"
    scenario.write_text(f'name = "own"\n[demand]\npopulation = "{pop.as_posix()}"\n', "utf-8")
    both = CliRunner().invoke(
        cli, ["assess", "--scenario", str(scenario), "--population", str(pop), "--out",
              str(tmp_path / "both")],
    )  # fmt: skip
    assert both.exit_code == 2
    assert "both give the district populations; give one" in both.output
    assert not (tmp_path / "both").exists()


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
        ],
    )
    # the clip holds Baku City but only the roads around Ganja: settlements in Baku have no
    # site within reach, which the plan proves and says (exit 3), the same on any machine
    assert result.exit_code == 3, result.output
    assert "the targets cannot be met" in result.output and "Biləcəri (AZ-BA)" in result.output
    assert len(pd.read_csv(tmp_path / "o" / "districts.csv")) == 4


def test_data_check_defaults_to_the_embedded_dataset() -> None:
    checked = CliRunner().invoke(cli, ["data", "check"])
    assert checked.exit_code == 0, checked.output
    words = " ".join(checked.output.split())
    assert "Dataset 'azerbaijan'" in words and "every check passed" in words
    assert "districts │ 78" in words and "people │ 10,180,770" in words
    assert "travel modes │ bus, car" in words  # what --mode may name
    # how the districts' people were spread over their settlements, with the fitted multiplier
    assert "settlement weights: dasymetric: residential land" in words and "(5.95)" in words


def test_data_build_help_keeps_its_usage_lines() -> None:
    out = CliRunner().invoke(cli, ["data", "build", "--help"]).output
    assert "\n  Embedded:    data build --raw RAW --out DIR\n" in out
    assert "\\b" not in out  # click's no-wrap marker is a backspace, never shown


@pytest.mark.parametrize("command", ["plan", "compare", "run"])
def test_help_lists_the_shipped_scenarios(command: str) -> None:
    out = CliRunner().invoke(cli, [command, "--help"]).output
    assert "Shipped scenarios (by name, or a TOML file of your own):" in out
    flat = " ".join(out.split())
    assert "coe-minimum CoE minimum: 1 family place per 10,000 people, within 120 minutes" in flat
    for name in ("budget-5-sites", "coe-60min", "current", "full-recommendations", "inclusive"):
        assert name in out
    # what the exit status says, here as in the program's help
    assert "Exit status:" in out and "3 when a plan misses a target" in flat
    assert "2 for bad input" in " ".join(CliRunner().invoke(cli, ["--help"]).output.split())


def test_help_does_not_load_the_planning_stack() -> None:
    # --help answers at once: listing the scenarios reads their files, not the planner
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from planner.cli import cli\n"
        "assert 'Shipped scenarios' in CliRunner().invoke(cli, ['plan', '--help']).output\n"
        "print(sorted(m for m in ('geopandas', 'planner.scenario', 'scipy') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_warnings_are_told_in_the_commands_language(capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from planner.cli import _show_warning, _terminal
    from planner.network import _far_points

    metres = np.array([16_300.0, 12_000.0, *np.zeros(4_600)])
    note = _far_points(2, metres, "origins", 10_000.0)
    _terminal("az")
    _show_warning(UserWarning(note), UserWarning, "network.py", 1)
    said = capsys.readouterr().err
    assert "xəbərdarlıq: başlanğıc nöqtələri: 4.602 nöqtədən 2 nöqtə" in said
    assert "(ən uzağı 16,3 km)" in said and "origins" not in said
    _terminal("en")
    _show_warning(UserWarning(note), UserWarning, "network.py", 1)
    _show_warning(UserWarning("a plain warning"), UserWarning, "other.py", 1)
    said = capsys.readouterr().err
    assert "warning: 2 of 4,602 origins lie more than 10 km from the road network" in said
    assert "(farthest 16.3 km)" in said and "warning: a plain warning" in said
    # a command prints each warning once (compare meets the data's warnings per scenario)
    _show_warning(UserWarning(note), UserWarning, "network.py", 1)
    _show_warning(UserWarning(_far_points(3, metres, "origins", 10_000.0)), UserWarning, "n.py", 1)
    said = capsys.readouterr().err
    assert "2 of 4,602" not in said and "3 of 4,602 origins" in said
    _terminal("en")  # the next command says it again
    _show_warning(UserWarning(note), UserWarning, "network.py", 1)
    assert "2 of 4,602 origins" in capsys.readouterr().err


def test_the_spinner_says_what_the_solve_is_doing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stage said during a step updates the spinner's line, in the command's language;
    after the step nothing listens."""
    from planner import cli as cli_module
    from planner._i18n import Translator
    from planner._progress import stage

    lines: list[str] = []

    class Spinner:  # what rich's console.status gives: a context with update()
        def __enter__(self) -> Spinner:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def update(self, text: str) -> None:
            lines.append(text)

    monkeypatch.setattr(cli_module.console, "status", lambda text: Spinner())
    with cli_module._RichProgress(Translator("az")).step("Planlaşdırma 'x'"):
        stage("progress.groups", step=3, value=774)
    stage("progress.trim")
    assert lines == [
        "Planlaşdırma 'x': plan regionlar üzrə yaxşılaşdırılır: addım 3, məqsəd funksiyası 774 ..."
    ]


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
        ],
    )
    _assert_planned(result)
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert table["scenario"].tolist() == ["current", "budget-5-sites"]
    assert table["new_sites"].iloc[1] <= 5
    assert (tmp_path / "comparison.md").read_text("utf-8").startswith("| scenario |")
    assert (tmp_path / "budget-5-sites" / "report.html").is_file()
    side = (tmp_path / "comparison_map.html").read_text("utf-8")
    assert 'src="current/map.html"' in side and 'src="budget-5-sites/map.html"' in side


@pytest.mark.parametrize("command", ["compare", "plan", "run"])
def test_a_wrong_site_list_is_found_before_any_scenario_is_planned(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compare once planned every scenario before the last one's unknown site stopped it,
    and its error did not say which scenario; now each is checked after loading the data."""
    import planner.assessment as assessment
    import planner.planning as planning

    bad = _scenario_file(tmp_path, 'name = "bad"\n[candidates]\nrequire = ["Nowhere town"]\n')
    planned: list[str] = []
    monkeypatch.setattr(planning, "plan", lambda *a, **k: planned.append("plan"))
    monkeypatch.setattr(assessment, "assess", lambda *a, **k: planned.append("assess"))
    named = ["current", str(bad)] if command == "compare" else [str(bad)]
    args = [command, *named] if command != "run" else [command, "--scenario", str(bad)]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "o"), "--tiles", "none"])
    assert isinstance(result.exception, PlannerError)
    assert str(result.exception) == (
        f"{bad}: candidates.require[0] is 'Nowhere town', not the id or name of any candidate site"
    )
    assert planned == [] and not (tmp_path / "o").exists()


def test_a_shipped_scenario_at_fault_is_named_by_its_name(tmp_path: Path) -> None:
    """A shipped scenario's file lies inside the installed package: errors name the scenario
    (once), not that path."""
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    (folder / "hospitals.csv").unlink()
    args = ["--data", str(folder), "--out", str(tmp_path / "o"), "--tiles", "none"]
    mode = CliRunner().invoke(cli, ["plan", "coe-minimum", "--mode", "plane", *args])
    assert str(mode.exception).startswith("scenario 'coe-minimum': travel mode is 'plane'")
    services = CliRunner().invoke(cli, ["plan", "full-recommendations", *args])
    assert str(services.exception).startswith(
        "scenario 'full-recommendations' plans rape crisis centres or forensic examination, "
        "but dataset 'tiny' has no hospitals"
    )


def test_plan_unknown_scenario_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "plan", "no-such-plan", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "neither a file nor a shipped scenario" in proc.stderr


def _scenario_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, "utf-8")
    return path


def test_exit_status_tells_the_truth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")

    def plan(scenario: Path, out: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "planner", "plan", str(scenario), "--out", str(tmp_path / out),
             "--data", str(folder), "--tiles", "none"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip

    ok = plan(_scenario_file(tmp_path, TINY_TOML), "ok")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    far = TINY_TOML.replace("max_travel_min = 120", "max_travel_min = 0.5")
    bad = plan(_scenario_file(tmp_path, far), "bad")
    said = bad.stdout + bad.stderr
    assert bad.returncode == 3 and "cannot be met" in said and "Traceback" not in said
    report = (tmp_path / "bad" / "report.html").read_text("utf-8")
    assert "The targets cannot be met" in report
    sites = pd.read_csv(tmp_path / "bad" / "sites.csv")
    assert (sites["capacity_places"] > 0).all() and (sites["added_places"] >= 0).all()


@pytest.mark.parametrize("part", ["shelters", "services"])
def test_a_failed_independent_check_is_exit_status_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    """A plan the independent check rejects is not a plan whose targets are met."""
    import planner.planning
    from planner.scenario import scenario_from_dict
    from tests.tiny import TINY_SCENARIO, write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    scenario = _scenario_file(tmp_path, scenario_from_dict(TINY_SCENARIO).to_toml())
    name = "check_solution" if part == "shelters" else "check_services"
    broken = Note("check.over_capacity", sites="[1]")
    monkeypatch.setattr(planner.planning, name, lambda *_: [broken])
    for lang, said in (("en", "sites [1] serve more than their capacity"), ("az", "[1] yerləri")):
        out = tmp_path / lang
        result = CliRunner().invoke(
            cli,
            [
                *("plan", str(scenario), "--out", str(out), "--data", str(folder)),
                *("--lang", lang, "--tiles", "none"),
            ],
        )
        assert result.exit_code == 3, result.output
        assert said in result.output
        assert said in (out / "report.html").read_text("utf-8")
        assert ("exit status 3" if lang == "en" else "çıxış statusu 3") in result.output


def test_a_time_limit_before_any_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.locate.siting as siting
    from planner.locate._milp import Outcome, Termination
    from tests.tiny import write_tiny_dataset

    monkeypatch.setattr(
        siting,
        "solve_milp",
        lambda *a, **k: Outcome(Termination.LIMIT, None, None, None, "Time limit reached"),
    )
    folder = write_tiny_dataset(tmp_path / "ds")
    scenario = _scenario_file(tmp_path, TINY_TOML)
    out = tmp_path / "out"
    args = ["plan", str(scenario), "--out", str(out), "--data", str(folder), "--tiles", "none"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output
    assert "stopped the solver before it found a plan" in result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["status"] == "time_limit" and summary["new_sites"] == 0
    report = (out / "report.html").read_text("utf-8")
    assert "before it found a plan" in report
    sites = pd.read_csv(out / "sites.csv")
    assert sites["capacity_places"].tolist() == pytest.approx([10 / 1.7], abs=1e-3)
    assert (sites["added_places"] == 0).all()


def test_a_district_left_beyond_the_tolerance_is_exit_status_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan whose district repair could not keep every district near help misses a target:
    exit status 3, though its site decision was proven optimal (it once exited 0)."""
    import io
    from dataclasses import replace

    from rich.console import Console

    import planner.cli as cli_module
    from planner.data import load_dataset
    from planner.planning import plan
    from planner.scenario import load_scenario
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    tiny = plan(load_dataset(folder), load_scenario(_scenario_file(tmp_path, TINY_TOML)))
    assert tiny.result.status == "optimal" and tiny.result.districts_left == 0
    monkeypatch.setattr(cli_module, "console", Console(file=io.StringIO(), width=500))
    cli_module._exit_status([tiny])  # every target met: no exit
    left = replace(tiny.result, messages=(Note("message.repair_left", districts=2),))
    assert left.status == "optimal" and left.districts_left == 2
    with pytest.raises(SystemExit) as caught:
        cli_module._exit_status([replace(tiny, result=left)])
    assert caught.value.code == 3


def test_a_time_limit_is_said_even_after_a_repair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan stopped by the time limit and then repaired for the districts says both."""
    import io
    from dataclasses import replace

    from rich.console import Console

    import planner.cli as cli_module
    from planner._i18n import Fixed, Note, Share, Translator
    from planner.data import load_dataset
    from planner.locate import PlanStatus
    from planner.planning import plan
    from planner.scenario import load_scenario
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    tiny = plan(load_dataset(folder), load_scenario(_scenario_file(tmp_path, TINY_TOML)))
    repaired = Note(
        "message.repaired", grown=1, opened=0, reduced=0, cost=Fixed(8.0, 0), gap=Share(0.2, 2)
    )
    for status, timed in ((PlanStatus.TIME_LIMIT, True), (PlanStatus.WORK_LIMIT, False)):
        result = replace(tiny.result, status=status, gap=0.2, messages=(repaired,))
        out = io.StringIO()
        monkeypatch.setattr(cli_module, "console", Console(file=out, width=500))
        cli_module._print_not_proven(replace(tiny, result=result), Translator())
        text = " ".join(out.getvalue().split())
        assert text.startswith("shelters: not proven:"), text
        assert ("stopped at the time limit" in text) == timed, text
        assert "the cheapest plan without that rule" in text, text
        assert text.count("20.00%") == 1, text
    # without a repair: what was not proven, and what a larger budget gives (no promise of a proof)
    out = io.StringIO()
    monkeypatch.setattr(cli_module, "console", Console(file=out, width=500))
    result = replace(tiny.result, status=PlanStatus.WORK_LIMIT, gap=0.2, messages=())
    cli_module._print_not_proven(replace(tiny, result=result), Translator())
    text = " ".join(out.getvalue().split())
    assert "did not prove the requested gap" in text, text
    assert "raise solver.node_limit for a smaller gap" in text and "to prove" not in text, text
    # a cheapest plan: the way to a cheaper one is said, unless it was already asked for
    assert tiny.scenario.objective.type == "min_cost" and "plan_search_nodes = 200" in text, text
    sc = tiny.scenario
    asked = replace(sc, solver=replace(sc.solver, plan_search_nodes=200))
    out = io.StringIO()
    monkeypatch.setattr(cli_module, "console", Console(file=out, width=500))
    cli_module._print_not_proven(replace(tiny, scenario=asked, result=result), Translator())
    assert "did not prove" in out.getvalue() and "plan_search_nodes" not in out.getvalue()


def test_comparison_reads_across_scenarios() -> None:
    from rich.console import Console

    from planner.cli import _comparison_views

    table = pd.DataFrame(
        {
            "scenario": ["a", "b"],
            "objective": ["min_cost", "max_coverage"],
            "status": ["optimal", "time_limit"],
            "new_sites": [25, 5],
            "total_places": [1023.2, 302.9],
            "total_beds": [1739.0, 515.0],
            "served_share": [0.999, 0.2976],
            "mean_travel_min": [43.0, 19.0],
            "max_travel_min": [119.94, 56.0],
            "cost": [742.0, 160.0],
            "inclusive_places": [0.0, 200.0],
            "inclusive_reach_share": [0.0, 0.5948],
            "rape_crisis_centres": [float("nan"), 27.0],
            "forensic_24_7_sites": [float("nan"), 25.0],
            "mip_gap": [0.0027, 0.0],
            "solve_seconds": [53.1, 7.8],
        }
    )
    console = Console(width=160, record=True)
    for view in _comparison_views(table, console.width):
        console.print(view)
    text = console.export_text()
    assert "demand served within the limit" in text and "99.9%" in text and "29.8%" in text
    assert "1,023" in text and "0.27%" in text and "27" in text
    # the worst travel as precise as the mean: 119.9 min is inside a 120-minute limit
    assert re.search(r"worst travel of those served \(min\) +│ +119\.9 +│ +56\.0", text), text


def test_run_takes_a_scenario(tmp_path: Path) -> None:
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    scenario = _scenario_file(tmp_path, TINY_TOML.replace('name = "tiny"', 'name = "mine"'))
    out = tmp_path / "out"
    args = ["run", "--out", str(out), "--data", str(folder), "--tiles", "none"]
    result = CliRunner().invoke(cli, [*args, "--scenario", str(scenario)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "plan" / "summary.json").read_text("utf-8"))["scenario"] == "mine"
    assert json.loads((out / "summary.json").read_text("utf-8"))["scenario"] == "mine"
    bad = CliRunner().invoke(cli, [*args, "--scenario", "no-such-scenario"])
    assert bad.exit_code != 0 and isinstance(bad.exception, PlannerError)


def test_scenario_as_run_reruns_the_plan(tmp_path: Path) -> None:
    """The folder's scenario.toml holds the command line's overrides and reruns the plan."""
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    scenario = _scenario_file(tmp_path, TINY_TOML)
    common = ["--data", str(folder), "--tiles", "none"]
    first = CliRunner().invoke(
        cli,
        ["plan", str(scenario), "--out", str(tmp_path / "a"), *common, "--mode", "bus",
         "--time-limit", "45"],
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    written = tmp_path / "a" / "scenario.toml"
    assert "scenario.toml" in first.output and written.is_file()
    text = written.read_text("utf-8")
    assert 'mode = "bus"' in text and "time_limit_s = 45.0" in text
    again = CliRunner().invoke(cli, ["plan", str(written), "--out", str(tmp_path / "b"), *common])
    assert again.exit_code == 0, again.output
    for name in ("sites.csv", "assignments.csv", "scenario.toml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    report = (tmp_path / "a" / "report.html").read_text("utf-8")
    assert "<code>scenario.toml</code> beside this report" in report


def test_mode_option_changes_the_times(tmp_path: Path) -> None:
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    args = ["assess", "--data", str(folder), "--tiles", "none"]
    car = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "car")])
    bus = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "bus"), "--mode", "bus"])
    assert car.exit_code == 0 and bus.exit_code == 0, bus.output
    a = json.loads((tmp_path / "car" / "summary.json").read_text("utf-8"))
    b = json.loads((tmp_path / "bus" / "summary.json").read_text("utf-8"))
    assert (a["travel_mode"], b["travel_mode"]) == ("car", "bus")
    # the tiny dataset states no modes: the generic bus is 1.3 x the road time + 20 min
    assert b["travel_min_mean"] == pytest.approx(a["travel_min_mean"] * 1.3 + 20, abs=0.1)
    assert b["population_share_beyond_60min_by_mode"] == a["population_share_beyond_60min_by_mode"]
    bad = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "x"), "--mode", "plane"])
    assert bad.exit_code != 0 and "travel mode is 'plane'" in str(bad.exception)


def test_comparison_fits_a_narrow_terminal() -> None:
    from rich.console import Console

    from planner.cli import _COMPARE_ROWS, _comparison_views

    names = ["current", "coe-minimum", "coe-60min", "budget-5-sites", "inclusive",
             "full-recommendations"]  # fmt: skip
    table = pd.DataFrame({key: [1.0] * len(names) for key in _COMPARE_ROWS})
    table["scenario"] = names
    table["objective"], table["status"] = "min_cost", "work_limit"
    table["new_sites"] = 33
    console = Console(width=80, record=True)
    views = _comparison_views(table, console.width)
    assert len(views) > 1  # six scenarios do not fit 80 columns side by side
    for view in views:
        console.print(view)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for name in names:
        assert name in text  # every name whole, never folded
    assert text.count("people near an inclusive shelter") == len(views)


def test_run_in_azerbaijani(tmp_path: Path) -> None:
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    scenario = _scenario_file(tmp_path, TINY_TOML)
    out = tmp_path / "out"
    args = ["run", "--out", str(out), "--data", str(folder), "--tiles", "none"]
    result = CliRunner().invoke(cli, [*args, "--scenario", str(scenario), "--lang", "az"])
    assert result.exit_code == 0, result.output
    for words in ("Sığınacaqlar bu gün", "tələb olunan ailə yerləri", "yeni yerlər"):
        assert words in result.output
    assert "required family places" not in result.output
    report = (out / "plan" / "report.html").read_text("utf-8")
    assert '<html lang="az">' in report and "<h2>Xülasə</h2>" in report
    # tables keep their column names for the tools that read them
    assert "travel_min_mean_after" in (out / "plan" / "districts.csv").read_text("utf-8-sig")
    bad = CliRunner().invoke(cli, [*args, "--lang", "fr"])
    assert bad.exit_code == 2 and "'fr' is not one of 'en', 'az'" in bad.output


@pytest.mark.parametrize("lang", ["en", "az"])
def test_a_travel_mode_the_dataset_defines_reaches_the_report(tmp_path: Path, lang: str) -> None:
    """A dataset may define its own travel modes (metadata travel_modes); the report once
    failed with "no text for 'report.mode.walk'". It names the mode as the dataset does."""
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    meta.setdefault("travel_modes", {})["walk"] = {"time_factor": 5.0, "wait_min": 0}
    (folder / "metadata.json").write_text(json.dumps(meta), "utf-8")
    scenario = _scenario_file(tmp_path, TINY_TOML)
    out = tmp_path / "out"
    args = ["run", "--out", str(out), "--data", str(folder), "--tiles", "none", "--lang", lang]
    result = CliRunner().invoke(cli, [*args, "--scenario", str(scenario), "--mode", "walk"])
    _assert_planned(result)
    report = (out / "plan" / "report.html").read_text("utf-8")
    if lang == "en":
        checked = CliRunner().invoke(cli, ["data", "check", str(folder)])
        assert "travel modes │ bus, car, walk" in " ".join(checked.output.split())
    by = "door to door by walk" if lang == "en" else "walk ilə qapıdan qapıyadır"
    assert by in report
    car = "by car" if lang == "en" else "avtomobil ilə"
    assert car in report  # the other modes keep the catalog's words


def test_why_a_plan_fails_in_azerbaijani(tmp_path: Path) -> None:
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    far = _scenario_file(
        tmp_path, TINY_TOML.replace("max_travel_min = 120", "max_travel_min = 0.5")
    )
    out = tmp_path / "bad"
    args = ["plan", str(far), "--out", str(out), "--data", str(folder), "--tiles", "none"]
    result = CliRunner().invoke(cli, [*args, "--lang", "az"])
    assert result.exit_code == 3, result.output
    assert "hədəflərə nail olmaq mümkün deyil" in result.output
    assert "yaşayış məntəqəsinin 0,5 dəq daxilində" in result.output
    report = (out / "report.html").read_text("utf-8")
    assert "Hədəflərə nail olmaq mümkün deyil" in report and "yaşayış məntəqəsinin" in report
    assert "have no existing or candidate site" not in report
    # the English message is kept where the data go (summary.json)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert "have no existing or candidate site within 0.5 min" in summary["messages"][0]


def test_comparison_in_azerbaijani() -> None:
    from rich.console import Console

    from planner._i18n import Translator
    from planner.cli import _comparison_views

    table = pd.DataFrame(
        {
            "scenario": ["a"], "objective": ["min_cost"], "status": ["optimal"],
            "new_sites": [25], "total_places": [1023.2], "total_beds": [1739.0],
            "served_share": [0.999], "mean_travel_min": [43.0], "max_travel_min": [120.0],
            "cost": [742.0], "inclusive_places": [0.0], "inclusive_reach_share": [0.0],
            "rape_crisis_centres": [float("nan")], "forensic_24_7_sites": [float("nan")],
            "mip_gap": [0.0027], "solve_seconds": [53.1],
        }
    )  # fmt: skip
    console = Console(width=160, record=True)
    for view in _comparison_views(table, console.width, Translator("az")):
        console.print(view)
    text = console.export_text()
    assert "Ssenarilərin müqayisəsi" in text and "hədd daxilində ödənilən tələbat" in text
    assert "99,9%" in text and "1.023" in text and "0,27%" in text


@pytest.mark.parametrize(
    ("lang", "terminal", "map_note", "summary"),
    [
        ("en", "No shelter exists in the area today", "<b>No shelter</b> (grey)",
         "No shelter exists in the area today: none of its people"),
        ("az", "Bu gün ərazidə sığınacaq yoxdur", "<b>Sığınacaq yoxdur</b> (boz)",
         "Bu gün ərazidə heç bir sığınacaq yoxdur"),
    ],
)  # fmt: skip
def test_an_area_without_a_shelter_says_so(
    tmp_path: Path, lang: str, terminal: str, map_note: str, summary: str
) -> None:
    """With no shelter today there is no road path to miss: every output says there is no
    shelter, and none says 'no road path' or prints a ratio to zero beds."""
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "ds")
    (folder / "shelters.csv").write_text(
        "shelter_id,name,district_id,capacity_places,inclusive,location_approximate,lon,lat\n",
        "utf-8",
    )
    scenario = _scenario_file(tmp_path, TINY_TOML)
    args = ["run", "--data", str(folder), "--out", str(tmp_path / "out"), "--tiles", "none"]
    result = CliRunner().invoke(cli, [*args, "--scenario", str(scenario), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert terminal in result.output and "-x" not in result.output
    access_map = (tmp_path / "out" / "map.html").read_text("utf-8")
    assert map_note in access_map
    assert "No road path" not in access_map and "Yol yoxdur" not in access_map
    report = (tmp_path / "out" / "plan" / "report.html").read_text("utf-8")
    assert summary in report
