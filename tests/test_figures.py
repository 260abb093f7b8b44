"""The static figures: what their titles and legends say, in English and Azerbaijani."""

from __future__ import annotations

import base64
import warnings
from pathlib import Path
from typing import Any

import pytest

from planner._i18n import Translator
from planner.assessment import Assessment, assess
from planner.data import Dataset
from planner.figures import (
    _plan_map_figure,
    _shortfall_figure,
    _travel_map_figure,
    plan_figures,
    shortfall_figure,
    travel_figure,
)
from planner.planning import Plan, plan
from planner.scenario import load_scenario

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def today(dataset: Dataset) -> Assessment:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return assess(dataset)


@pytest.fixture(scope="module")
def budget(dataset: Dataset) -> Plan:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plan(dataset, load_scenario("budget-5-sites"))


def _legend(fig: Any) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_travel_map_counts_districts_not_rows(today: Assessment, dataset: Dataset) -> None:
    # the embedded shelter table pools each city's shelters in one row: "2 shelters" was wrong
    fig = _travel_map_figure(today, dataset, Translator("en"))
    title = fig.axes[0].get_title()
    assert "175 shelter beds, in 2 of 78 districts" in title and "shelters\n" not in title
    assert "50% of the population beyond 2 hours" in title
    assert _legend(fig) == ["existing shelter capacity (district)", "no road path to a shelter"]
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "Baku City: 153 beds" in labels and any(t.startswith("OpenStreetMap") for t in labels)
    az = _travel_map_figure(today, dataset, Translator("az")).axes[0].get_title()
    assert "175 sığınacaq yataq yeri, 78 rayondan 2 rayonda" in az


def test_travel_map_of_an_area_without_a_shelter(dataset: Dataset) -> None:
    """No shelter today: the title and legend say so, not 'without a road path'."""
    from dataclasses import replace

    empty = replace(dataset, shelters=dataset.shelters.iloc[:0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        none = assess(empty)
    fig = _travel_map_figure(none, empty, Translator("en"))
    assert (
        fig.axes[0]
        .get_title()
        .endswith("no shelter in the area today: travel to one cannot be measured")
    )
    assert _legend(fig)[-1] == "no shelter in the area today"
    az = _travel_map_figure(none, empty, Translator("az"))
    assert _legend(az)[-1] == "bu gün ərazidə sığınacaq yoxdur"


def test_shortfall_counts_beds(today: Assessment) -> None:
    # 1,731 and 175 are beds; the report counts family places (1,018 and 103)
    title = _shortfall_figure(today, Translator("en"), None).axes[0].get_title()
    assert title.startswith("Required versus existing shelter beds by region\n")
    assert "1,731 beds required, 175 existing (9.89x)" in title
    az = _shortfall_figure(today, Translator("az"), None).axes[0].get_title()
    assert "mövcud sığınacaq yataq yerləri" in az and "1.731 yataq yeri tələb olunur" in az


def test_plan_map_says_what_grey_means(budget: Plan, dataset: Dataset) -> None:
    fig = _plan_map_figure(budget.with_names(dataset.place_names("en")), dataset, Translator())
    assert budget.districts["travel_min_mean_after"].isna().any()  # districts left unserved
    assert _legend(fig) == ["new", "existing", "no road path, or not served"]


def test_figures_are_written(today: Assessment, budget: Plan, dataset: Dataset,
                             tmp_path: Path) -> None:  # fmt: skip
    for lang in ("en", "az"):
        travel = travel_figure(today, dataset, tmp_path / f"map_{lang}.png", lang=lang)
        bars = shortfall_figure(today, tmp_path / f"bars_{lang}.png", lang=lang)
        assert travel.read_bytes().startswith(PNG) and bars.read_bytes().startswith(PNG)
    for image in plan_figures(budget, dataset):
        assert base64.b64decode(image).startswith(PNG)
