from __future__ import annotations

import math
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from planner._i18n import Translator
from planner.assessment import (
    Assessment,
    assess,
    capacity_gap,
    generalised_shelters,
    population_words,
)
from planner.data import Dataset, load_dataset, read_population_table
from planner.scenario import Scenario, scenario_from_dict
from tests.tiny import node_xy, write_tiny_dataset


@pytest.fixture(scope="module")
def assessment(dataset: Dataset) -> Assessment:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return assess(dataset)


def test_capacity_gap_by_hand() -> None:
    gap = capacity_gap([50_000, 20_000], [10, 0], places_per_10000=1.0, family_place_size=2.0)
    # 5 and 2 family places -> 10 and 4 beds; 10 existing in the first
    assert gap["required_family_places"].tolist() == pytest.approx([5.0, 2.0])
    assert gap["required_beds"].tolist() == pytest.approx([10.0, 4.0])
    assert gap["shortfall_beds"].tolist() == pytest.approx([0.0, 4.0])
    assert gap["places_per_10000"].tolist() == pytest.approx([2.0, 0.0])
    assert gap["family_places_per_10000"].tolist() == pytest.approx([1.0, 0.0])
    # surplus is not negative shortfall; zero population is not a division error
    gap = capacity_gap([10_000, 0], [50, 3])
    assert gap["shortfall_beds"].tolist() == [0.0, 0.0]
    assert gap["places_per_10000"].tolist() == [50.0, 0.0]


def test_national_figures(assessment: Assessment) -> None:
    s = assessment.summary
    assert s["population_total"] == 10_180_770
    assert s["required_family_places"] == pytest.approx(10_180_770 / 10_000, abs=0.05)
    assert s["required_beds"] == pytest.approx(10_180_770 / 10_000 * 1.7, abs=0.05)
    assert s["existing_places"] == 175
    assert s["shortfall_beds"] == pytest.approx(s["required_beds"] - 175, abs=0.1)
    # "approximately ten times less than international standards"
    ratio = s["required_to_existing_ratio"]
    assert ratio is not None and 9.5 <= ratio <= 10.5
    assert s["unreachable_population"] == 468_566
    assert s["regions_total"] == 14
    assert len(s["regions_without_shelter"]) == 12
    assert "Baku" not in s["regions_without_shelter"]
    shares = [
        s.get("population_share_beyond_30min", math.nan),
        s["population_share_beyond_60min"],
        s["population_share_beyond_120min"],
        s.get("population_share_beyond_180min", math.nan),
    ]
    assert shares == sorted(shares, reverse=True)
    # both travel modes, calibrated on published times: about half the people are more than
    # two hours from a shelter by car (41 % at the uncalibrated 2021 class speeds), more by bus
    car = s["population_share_beyond_120min_by_mode"]["car"]
    bus = s["population_share_beyond_120min_by_mode"]["bus"]
    assert s["travel_mode"] == "car" and car == s["population_share_beyond_120min"]
    assert 0.45 <= car <= 0.60 and bus >= car
    assert s["population_share_beyond_60min_by_mode"]["bus"] >= car
    # on the resident basis displaced people count where they live (mostly in and near Baku,
    # close to a shelter), so fewer are beyond two hours than on the registered basis
    basis = s.get("population_share_beyond_120min_by_basis")
    assert basis is not None and basis["registered"] == car
    assert 0.35 <= basis["resident (25%)"] < car
    for key in (
        "population_total",
        "required_family_places",
        "required_beds",
        "existing_places",
        "shortfall_beds",
        "required_to_existing_ratio",
        "population_share_beyond_120min",
        "unreachable_population",
    ):
        assert key in s


def test_district_and_region_tables(assessment: Assessment) -> None:
    d = assessment.districts.set_index("district_id")
    assert d["required_family_places"].sum() == pytest.approx(1018.077)
    assert d.loc["AZ-BA", "existing_places"] == 153
    assert d.loc["AZ-BA", "shortfall_beds"] == pytest.approx(2_344_888 / 10_000 * 1.7 - 153)
    assert (d["shortfall_beds"] >= 0).all()
    r = assessment.regions.set_index("region")
    assert r["population"].sum() == 10_180_770
    assert r.loc["Baku", "has_shelter"] and not r.loc["Nakhchivan", "has_shelter"]
    assert r.loc["Nakhchivan", "unreachable_population"] == 468_566
    assert r.loc[["Nakhchivan"], "travel_min_mean"].isna().all()


def test_e2sfca_on_real_data(assessment: Assessment) -> None:
    s = assessment.settlements
    # places are conserved: every place is shared out among people in its catchment
    total = float((s["population"] * s["e2sfca_per_10000"]).sum()) / 10_000
    assert total == pytest.approx(175, rel=1e-6)
    nakh = s.loc[s["district_id"].str.startswith(("AZ-NV", "AZ-BAB", "AZ-CUL"))]
    assert (nakh["e2sfca_per_10000"] == 0).all()
    d = assessment.districts.set_index("district_id")
    assert d.loc["AZ-BA", "e2sfca_per_10000"] > d.loc["AZ-ZAN", "e2sfca_per_10000"]


def test_scenario_changes_the_standard(dataset: Dataset) -> None:
    scenario = scenario_from_dict({"demand": {"places_per_10000": 2.0, "family_place_size": 1.0}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = assess(dataset, scenario)
    assert a.summary["required_beds"] == pytest.approx(2 * 10_180_770 / 10_000, abs=0.05)


def test_resident_basis_is_assessed_and_reported(dataset: Dataset) -> None:
    scenario = scenario_from_dict({"demand": {"population_basis": "resident",
                                              "resident_share": 0.1}})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = assess(dataset, scenario)
    assert a.summary["population_basis"].startswith("resident basis: 10%")
    assert a.summary["population_total"] == 10_180_770
    d = a.districts.set_index("district_id")["population"]
    shusha = dataset.districts.set_index("district_id").loc["AZ-XVD", "population"]
    assert d["AZ-XVD"] == pytest.approx(0.1 * shusha, abs=1)


def test_population_words_name_whose_figures_are_counted(dataset: Dataset, tmp_path: Path) -> None:
    en = Translator("en")
    plain = Scenario()
    # the dataset's own words, on the basis it tells apart (registered districts)
    words = population_words(dataset, plain, en)
    assert words.startswith("registered basis: official district figures of 2018-2024")
    resident = scenario_from_dict({"demand": {"population_basis": "resident"}})
    assert population_words(dataset, resident, en).endswith(
        "seven units assumed (see the limitations)"
    )
    assert population_words(dataset, plain, Translator("az")).startswith("qeydiyyat əsası: 2018")
    # a table that replaced the figures is named instead: the dataset's words no longer apply
    table = dataset.districts[["district_id", "population"]]
    table.to_csv(tmp_path / "census.csv", index=False)
    replaced = dataset.with_population(
        read_population_table(tmp_path / "census.csv"), source=str(tmp_path / "census.csv")
    )
    # unnamed, it is known by the source its rows give: the reader's words for a table whose
    # rows name none are said in the report's language
    unnamed = dataset.with_population(read_population_table(tmp_path / "census.csv"))
    assert population_words(unnamed, plain, en) == (
        "registered basis: district figures from the table census.csv"
    )
    assert "census.csv cədvəlindən rayon rəqəmləri" in population_words(
        unnamed, plain, Translator("az")
    )
    sourced = table.assign(population_source="census 2019")
    sourced.to_csv(tmp_path / "own.csv", index=False)
    named = dataset.with_population(read_population_table(tmp_path / "own.csv"))
    assert population_words(named, plain, en) == "registered basis: district figures: census 2019"
    assert population_words(replaced, plain, en) == (
        "registered basis: district figures from the table census.csv"
    )
    # the resident basis keeps the replacing table's name, not the dataset's words
    assert population_words(replaced.with_resident_basis(0.5), resident, en).endswith(
        "; district figures from the table census.csv"
    )
    own = scenario_from_dict({"demand": {"population": str(tmp_path / "census.csv")}})
    assert population_words(dataset, own, en).endswith(
        "district figures from the table census.csv"
    )
    # a dataset without notes or registered districts: its one source, with no basis
    tiny = load_dataset(write_tiny_dataset(tmp_path / "tiny"))
    assert population_words(tiny, plain, en) == "district figures: test"
    mixed = replace(tiny, districts=tiny.districts.assign(population_source=["a", "b"]))
    assert population_words(mixed, plain, en) == (
        "district figures from 2 sources, named district by district in the dataset "
        "(population_source)"
    )
    assert "official" not in population_words(tiny, plain, en)


def test_unknown_district_in_scenario_is_rejected(dataset: Dataset) -> None:
    scenario = scenario_from_dict({"candidates": {"exclude_districts": ["AZ-NOPE"]}})
    with pytest.raises(ValueError, match="AZ-NOPE"):
        assess(dataset, scenario)


def test_generalised_shelters_hide_coordinates(tmp_path: Path) -> None:
    # a shelter at a secret point (grid node 4) of district W, whose public point is its
    # most populous settlement (node 3 here): only the public point is shown or routed from
    folder = write_tiny_dataset(tmp_path / "ds", shelter_xy=node_xy(4))
    settlements = pd.read_csv(folder / "settlements.csv")
    settlements.loc[settlements["settlement_id"] == "S3", "population"] += 1
    settlements.loc[settlements["settlement_id"] == "S0", "population"] -= 1
    settlements.to_csv(folder / "settlements.csv", index=False)
    ds = load_dataset(folder)
    g = generalised_shelters(ds)
    assert [(p.x, p.y) for p in g.geometry] == [node_xy(3)]
    public = ds.public()
    assert [(p.x, p.y) for p in public.shelters.geometry] == [node_xy(3)]
    assert public.public() is public
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = assess(ds)
    # settlement S3 sits on the public point: 0 minutes; S4 (the secret point) is 1 minute away
    travel = a.settlements.set_index("settlement_id")["travel_min"]
    assert travel["S3"] == pytest.approx(0.0, abs=1e-6)
    assert travel["S4"] == pytest.approx(1.0, abs=1e-6)
