"""The tables a plan publishes, on the tiny dataset: every figure recomputed by hand.

Nine settlements of 20,000 people on the 3x3 grid (district W: six, district E:
three), one existing shelter of 10 places (beds) in W, candidates of one size
(10 family places). The tables must agree with the solver's assignments, put the
existing shelter at its district's public point, and round only for publication.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.data import Dataset, load_dataset
from planner.planning import Plan, plan
from planner.scenario import load_scenario
from planner.tables import (
    CONFIDENTIAL_LOCATION,
    SITE_COLUMNS,
    WORSE_OFF_MARGIN_MIN,
    district_publication,
)
from tests.tiny import TINY_TOML, write_tiny_dataset


def test_site_table(tiny_plan: tuple[Dataset, Plan]) -> None:
    dataset, p = tiny_plan
    sites = p.sites
    assert list(sites.columns[: len(SITE_COLUMNS)]) == SITE_COLUMNS
    size = p.scenario.demand.family_place_size
    existing = sites.loc[sites["site_id"] == "SH-W"].iloc[0]
    # 10 beds today = 10 / 1.7 family places; at its district's public point, not its own
    assert existing["status"] in {"existing", "expanded"}
    assert existing["location"] == CONFIDENTIAL_LOCATION
    point = dataset.district_points().loc["W"]
    assert (existing["lon"], existing["lat"]) == (round(point.x, 5), round(point.y, 5))
    assert existing["capacity_places"] - existing["added_places"] == pytest.approx(
        10 / size, abs=1e-3
    )
    new = sites.loc[sites["status"] == "new"]
    assert len(new) == p.summary["new_sites"] > 0
    assert (new["capacity_places"] == 10.0).all() and (new["cost"] == 10.0).all()
    assert new["location"].eq("candidate site").all()
    assert sites["capacity_beds"].to_numpy() == pytest.approx(
        (sites["capacity_places"] * size).round(1).to_numpy()
    )
    # every candidate row sits at its own candidate point
    cand = dataset.candidates.set_index("candidate_id")
    for rec in new.to_dict("records"):
        assert rec["lon"] == round(cand.loc[rec["site_id"]].geometry.x, 5)


def test_assignment_table_adds_up(tiny_plan: tuple[Dataset, Plan]) -> None:
    dataset, p = tiny_plan
    a = p.assignments
    assert list(a.columns) == ["settlement_id", "site_id", "demand_places", "travel_min",
                               "travel_km"]  # fmt: skip
    # 180,000 people at 1 family place per 10,000: 18 family places, all served within 120 min
    assert a["demand_places"].sum() == pytest.approx(18.0, abs=1e-3)
    assert (a["travel_min"] <= 120).all()
    load = a.groupby("site_id")["demand_places"].sum()
    cap = p.sites.set_index("site_id")["capacity_places"]
    assert (load <= cap.loc[load.index] + 1e-3).all()  # no site over its capacity
    assert set(a["settlement_id"]) <= set(dataset.settlements["settlement_id"])


def test_district_table_is_the_people_weighted_mean_of_the_assignments(
    tiny_plan: tuple[Dataset, Plan],
) -> None:
    dataset, p = tiny_plan
    d = p.districts.set_index("district_id")
    a = p.assignments.merge(
        dataset.settlements[["settlement_id", "district_id"]], on="settlement_id"
    )
    for did, rows in a.groupby("district_id"):
        mean = float(np.average(rows["travel_min"], weights=rows["demand_places"]))
        # the table uses the solver's unrounded minutes; the CSV's are rounded to 0.1
        assert d.loc[did, "travel_min_mean_after"] == pytest.approx(mean, abs=0.06)
        assert d.loc[did, "travel_min_max_after"] == pytest.approx(rows["travel_min"].max(),
                                                                   abs=0.06)  # fmt: skip
        need = dataset.settlements.loc[dataset.settlements["district_id"] == did,
                                       "population"].sum() / 10_000  # fmt: skip
        assert d.loc[did, "served_share_after"] == pytest.approx(
            rows["demand_places"].sum() / need, abs=1e-4
        )
    places_after = p.sites.groupby("district_id")["capacity_places"].sum()
    assert d["places_after"].to_dict() == pytest.approx(places_after.to_dict())
    assert d.loc["W", "places_before"] == pytest.approx(10 / 1.7)
    assert d.loc["E", "places_before"] == 0.0
    worse = d["travel_min_mean_after"] > d["travel_min_mean_before"] + WORSE_OFF_MARGIN_MIN
    assert (d["worse_off"] == worse).all()


def test_a_settlement_no_shelter_reached_today_does_not_make_its_district_worse_off(
    tiny_plan: tuple[Dataset, Plan],
) -> None:
    """worse_off compares the people a shelter reached today with today: were every served
    settlement of a district one with no road path today, the district could not be
    worse off, however far they are referred (the independent check's definition)."""
    from dataclasses import replace

    from planner.tables import district_table

    dataset, p = tiny_plan
    demand = dataset.settlements["population"].to_numpy(float) / 10_000
    forced = p.districts.set_index("district_id")["travel_min_mean_before"] - 100.0
    # today's means made short, so that every district with referrals is worse off ...
    before = replace(
        p.before,
        districts=p.before.districts.assign(
            travel_min_mean=p.before.districts["district_id"].map(forced).to_numpy()
        ),
    )
    worse = district_table(dataset, before, p.result, demand, p.sites)
    served = set(dataset.settlements["district_id"].to_numpy()[p.result.assignments["demand"]])
    assert set(worse.loc[worse["worse_off"], "district_id"]) == served
    # ... unless no shelter reached their settlements today
    cut_off = p.before.settlements.assign(travel_min=np.inf)
    none = district_table(dataset, replace(before, settlements=cut_off), p.result, demand, p.sites)
    assert not none["worse_off"].any()
    assert none["travel_min_mean_after"].tolist() == worse["travel_min_mean_after"].tolist()


def test_publication_rounds_and_drops_geometry(tiny_plan: tuple[Dataset, Plan]) -> None:
    _, p = tiny_plan
    out = district_publication(p.districts)
    assert "geometry" not in out.columns and len(out) == 2
    for col in out.columns:
        if out[col].dtype.kind == "f":
            digits = 4 if "share" in col else 2
            values = out[col].dropna().to_numpy()
            assert values == pytest.approx(np.round(values, digits)), col
    assert isinstance(out, pd.DataFrame)


def test_tables_do_not_move_the_existing_shelter(tmp_path: Path) -> None:
    """Wherever the shelter really is, the tables put it at its district's public point."""
    folder = write_tiny_dataset(tmp_path / "ds", shelter_xy=(47.0, 40.02))
    (tmp_path / "s.toml").write_text(TINY_TOML, "utf-8")
    dataset = load_dataset(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moved = plan(dataset, load_scenario(tmp_path / "s.toml"))
    row = moved.sites.loc[moved.sites["site_id"] == "SH-W"].iloc[0]
    point = dataset.district_points().loc["W"]
    assert (row["lon"], row["lat"]) == (round(point.x, 5), round(point.y, 5))
    assert (row["lon"], row["lat"]) != (47.0, 40.02)


def test_shown_name_tells_a_builds_placeholder_in_the_language() -> None:
    from planner._i18n import Translator
    from planner.tables import shown_name

    en, az = Translator("en"), Translator("az")
    assert shown_name("(unnamed clinic)", en) == "(unnamed clinic)"
    assert shown_name("(unnamed clinic)", az) == "(adsız klinika)"
    assert shown_name("(unnamed village)", az) == "(adsız kənd)"
    # a kind the catalog does not know stays as the data has it; real names are untouched
    assert shown_name("(unnamed dacha)", az) == "(adsız dacha)"
    assert shown_name("Xırdalan", az) == "Xırdalan"
    assert shown_name("(unnamed clinic) of Quba", az) == "(unnamed clinic) of Quba"
