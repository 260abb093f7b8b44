"""Official populations brought to 1 January 2024 (planner/datasets/azerbaijan/_population.py)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planner._errors import InputDataError
from planner.datasets.azerbaijan._population import (
    REFERENCE_DATE,
    PopulationFigures,
    figure_errors,
    official_population,
    read_population_figures,
    region_totals,
)
from tests.conftest import DATA_DIR


def test_region_totals_exact_and_shared() -> None:
    shares = pd.DataFrame(
        {
            "region": ["Capital", "North", "South"],
            "population_share_pct": ["50", "30", "20"],
            "population_exact": ["500", "", ""],
        }
    )
    # the capital keeps 500; the other 500 are shared 30:20
    assert region_totals(shares, national=1000) == {"Capital": 500, "North": 300, "South": 200}


def _districts() -> pd.DataFrame:
    ids = ["F", "D1", "D2", "C", "P", "N"]
    return pd.DataFrame({"district_id": ids, "name": [f"{i} unit" for i in ids], "region": "R"})


def _figures() -> PopulationFigures:
    nan = math.nan
    return PopulationFigures(
        table=pd.DataFrame(
            {
                "district_id": ["F", "D1", "D2", "C", "P", "N"],
                "figure": [200.0, 300.0, 100.0, 200.0, nan, nan],
                "figure_date": [REFERENCE_DATE, "2019-10", "2020", "2019-10", "", ""],
                "figure_kind": ["estimate", "census", "estimate", "census", "none", "none"],
                "figure_source": ["s"] * 6,
                "fixed": [True, False, False, False, False, False],
            }
        )
    )


def test_raking_by_hand() -> None:
    # region total 1200: F keeps 200; D1, D2 and the pair C+P (published together as 200) and N
    # share 1000. N has no figure: the region's 600 people on 3 + 1 + 2 km² of residential land
    # give 100 per km², so N (2 km²) is assumed 200. Priors 300 + 100 + 200 + 200 = 800, factor
    # 1.25; the pair's 250 is split 3:1 by settlement weights.
    notes: list[str] = []
    out = official_population(
        _districts(),
        _figures(),
        land_km2=pd.Series({"D1": 3.0, "D2": 1.0, "C": 1.0, "P": 1.0, "N": 2.0}),
        split_weight=pd.Series({"C": 3.0, "P": 1.0}),
        notes=notes,
        totals={"R": 1200},
        pairs={"P unit": "C unit"},
        members={"R": {f"{i} unit" for i in ["F", "D1", "D2", "C", "P", "N"]}},
    ).set_index("district_id")
    assert out["population"].to_dict() == {
        "F": 200, "D1": 375, "D2": 125, "C": 188, "P": 62, "N": 250
    }  # fmt: skip
    assert out["population_method"].to_dict() == {
        "F": "kept", "D1": "raked", "D2": "raked", "C": "raked, split", "P": "raked, split",
        "N": "assumed",
    }  # fmt: skip
    assert out.loc["D1", "population_factor"] == pytest.approx(1.25)
    assert "1.250" in notes[0]
    errors = figure_errors(out.reset_index(), {"P": "C"})
    assert errors.to_dict() == pytest.approx({"F": 0.0, "D1": 0.25, "D2": 0.25, "C": 0.25})


def test_partial_region_keeps_published_figures() -> None:
    notes: list[str] = []
    out = official_population(
        _districts().iloc[:3],
        _figures(),
        land_km2=pd.Series(dtype=float),
        split_weight=pd.Series(dtype=float),
        notes=notes,
        totals={"R": 5000},
        pairs={},
        members={"R": {"F unit", "D1 unit", "D2 unit", "Gone unit"}},
    )
    assert out["population"].tolist() == [200, 300, 100]
    assert "region R: unit ['Gone unit'] is not in the boundary file" in notes[0]


def test_fixed_figures_must_add_up() -> None:
    with pytest.raises(InputDataError, match="sum to 200, not to its total 300"):
        official_population(
            _districts().iloc[:1], _figures(), land_km2=pd.Series(dtype=float),
            split_weight=pd.Series(dtype=float), notes=[], totals={"R": 300}, pairs={},
            members={"R": {"F unit"}},
        )  # fmt: skip


def _table(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    cols = ["name_en", "name_az", "kind", "population", "year", "ref_date", "kind_of_figure",
            "source_url", "source2_url", "population2", "year2", "notes"]  # fmt: skip
    frame = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows])
    frame.to_csv(tmp_path / "pop.csv", index=False)
    return tmp_path / "pop.csv"


def test_figure_choice(tmp_path: Path) -> None:
    path = _table(
        tmp_path,
        [
            {"name_az": "Alpha", "kind": "district", "population": "100", "year": "2019",
             "ref_date": "2019-10", "kind_of_figure": "census", "population2": "120",
             "year2": "2024"},
            {"name_az": "Beta rayonu", "kind": "district", "population": "50", "year": "2018",
             "ref_date": "2018-01-01", "kind_of_figure": "estimate"},
            {"name_az": "Gamma", "kind": "city"},
        ],
    )  # fmt: skip
    districts = pd.DataFrame(
        {"district_id": ["A", "B", "G"], "name": ["Alpha District", "Beta District", "Gamma City"],
         "name_az": ["Alpha", "Beta", "Gamma"], "kind": ["district", "district", "city"]}
    )  # fmt: skip
    t = read_population_figures(path, districts).table.set_index("district_id")
    assert t["figure"].to_dict() == pytest.approx({"A": 120.0, "B": 50.0, "G": math.nan},
                                                  nan_ok=True)  # fmt: skip
    assert t["figure_date"].to_dict() == {"A": REFERENCE_DATE, "B": "2018-01-01", "G": ""}
    assert t["fixed"].to_dict() == {"A": True, "B": False, "G": False}
    with pytest.raises(InputDataError, match="no row for district X"):
        read_population_figures(
            path, pd.DataFrame({"district_id": ["X"], "name": ["X"], "name_az": ["Xi"],
                                "kind": ["city"]})
        )  # fmt: skip


def test_bad_table_names_the_row(tmp_path: Path) -> None:
    path = _table(tmp_path, [{"name_en": "Alpha", "name_az": "Alpha", "kind": "district",
                              "population": "many"}])  # fmt: skip
    with pytest.raises(InputDataError, match=r"row 2 \(Alpha\): population is 'many'"):
        read_population_figures(path, _districts())
    pd.DataFrame({"name_en": ["x"]}).to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(InputDataError, match=r"lacks columns \['name_az', 'kind'"):
        read_population_figures(tmp_path / "short.csv", _districts())


# --- the embedded dataset ------------------------------------------------------------------


@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    return pd.DataFrame(gpd.read_file(DATA_DIR / "districts.geojson").drop(columns="geometry"))


def test_official_figures_are_kept_or_close(districts: pd.DataFrame) -> None:
    d = districts.set_index("district_id")
    pairs = {"AZ-LAN": "AZ-LA", "AZ-SAK": "AZ-SA", "AZ-YEV": "AZ-YE"}
    err = figure_errors(districts, pairs)
    recent = d["population_figure_date"].isin([REFERENCE_DATE, "2023-01-01"])
    assert recent.sum() >= 15
    assert err[recent.reindex(err.index)].abs().max() <= 0.05
    assert err.abs().median() <= 0.10
    # the figures the old class-weight estimate got badly wrong
    for unit, published in [("AZ-GA", 330_248), ("AZ-SR", 82_135), ("AZ-XIZ", 17_100),
                            ("AZ-SBN", 59_900)]:  # fmt: skip
        assert d.loc[unit, "population"] == pytest.approx(published, rel=0.05)


def test_national_and_regional_totals_exact(districts: pd.DataFrame) -> None:
    from planner.datasets.azerbaijan._tables import reference_csv

    assert int(districts["population"].sum()) == 10_180_770
    totals = region_totals(reference_csv("aze_region_shares.csv"))
    assert districts.groupby("region")["population"].sum().to_dict() == totals
    assert len(totals) == 14


def test_every_district_keeps_its_source(districts: pd.DataFrame) -> None:
    assert (districts["population_source"].str.len() > 20).all()
    assert set(districts["population_method"]) <= {"kept", "raked", "raked, split", "assumed"}
    registered = districts.loc[districts["population_basis"] == "registered", "region"]
    assert set(registered) == {"Karabakh", "East Zangezur"}


def test_people_where_they_live() -> None:
    s = pd.read_csv(DATA_DIR / "settlements.csv")
    median = s.groupby("place")["population"].median()
    # towns of thousands to tens of thousands, villages of hundreds to a few thousand
    assert 5_000 <= median["town"] <= 60_000
    assert 200 <= median["village"] <= 3_000
    assert median["hamlet"] < median["village"]
    # a rayon centre no longer weighs a hundred villages: Tovuz city holds under a third
    # of Tovuz district (the class weights gave it 127,672 of 263,133)
    tovuz = s.loc[s["district_id"] == "AZ-TOV"]
    assert tovuz.loc[tovuz["name"] == "Tovuz", "population"].item() < tovuz["population"].sum() / 3
    assert np.all(s["weight"] > 0)
