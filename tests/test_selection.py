"""Which sites a scenario offers: include, exclude and require lists; hospital types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from planner._errors import InputDataError, OptionError
from planner.data import Dataset, load_dataset
from planner.planning import plan
from planner.scenario import Scenario, scenario_from_dict
from planner.selection import offered_hospitals, shelter_candidates
from tests.tiny import TINY_SCENARIO, write_tiny_dataset


@pytest.fixture
def tiny(tmp_path: Path) -> Dataset:
    return load_dataset(write_tiny_dataset(tmp_path / "ds"))


def _typed(tmp_path: Path, types: list[str], names: dict[str, str] | None = None) -> Dataset:
    folder = write_tiny_dataset(tmp_path / "typed", names)
    table = pd.read_csv(folder / "hospitals.csv")
    table["hospital_type"] = types
    table.to_csv(folder / "hospitals.csv", index=False)
    return load_dataset(folder)


def _scenario(**tables: dict[str, Any]) -> Scenario:
    return scenario_from_dict({**TINY_SCENARIO, **tables})


def test_candidates_include_exclude_require(tiny: Dataset) -> None:
    cand, required = shelter_candidates(
        tiny,
        _scenario(
            candidates={
                "exclude": ["Site 2"],  # by name (the tiny candidates: C2 C4 C5 C8)
                "include": ["village 7", "S2"],  # settlements; S2 is candidate C2 already
                "require": ["C5", "Village 7"],  # by id, and an included settlement by name
            }
        ),
    )
    assert cand["candidate_id"].tolist() == ["C4", "C5", "C8", "C-S7"]
    assert required.tolist() == [False, True, False, True]
    assert cand.set_index("candidate_id").loc["C-S7", "district_id"] == "W"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"exclude": ["Stie 4"]}, "candidates.exclude[0] is 'Stie 4', not the id or name of any "
         "candidate site; did you mean 'Site 4'?"),
        ({"include": ["Atlantis"]}, "candidates.include[0] is 'Atlantis', not the id or name"),
        ({"require": ["C2"], "exclude": ["Site 2"]}, "candidates.require and candidates.exclude "
         "both name C2 ('Site 2')"),
        ({"require": ["C8"], "exclude_districts": ["E"]},
         "candidates.require lists 'Site 8' (C8), which lies in E, a district of "
         "candidates.exclude_districts"),
        ({"exclude": ["C2", "C4", "C5", "C8"]}, "no candidate sites remain"),
    ],
)  # fmt: skip
def test_candidate_lists_fail_clearly(tiny: Dataset, table: dict[str, Any], message: str) -> None:
    with pytest.raises(OptionError) as err:
        shelter_candidates(tiny, _scenario(candidates=table))
    assert message in str(err.value)


def test_untyped_hospitals_are_all_offered_and_said_so(tiny: Dataset) -> None:
    assert set(tiny.hospitals["hospital_type"]) == {"unclassified"}
    offer = offered_hospitals(tiny, _scenario())
    assert len(offer.hospitals) == 2 and offer.types == ()
    assert "the dataset gives no hospital types" in offer.note


def test_hospital_types_and_lists(tmp_path: Path) -> None:
    ds = _typed(tmp_path, ["general", "dispensary"])  # H4, H8
    offer = offered_hospitals(ds, _scenario())
    assert offer.hospitals["hospital_id"].tolist() == ["H4"]
    assert "1 of the dataset's 2 hospitals were offered" in offer.note
    offer = offered_hospitals(ds, _scenario(hospitals={"include": ["Hospital 8"]}))
    assert offer.hospitals["hospital_id"].tolist() == ["H4", "H8"]
    offer = offered_hospitals(
        ds, _scenario(hospitals={"require_forensic": ["H8"], "exclude": ["H4"]})
    )
    assert offer.hospitals["hospital_id"].tolist() == ["H8"]
    assert offer.require_forensic.tolist() == [True]
    assert offer.require_rape_crisis.tolist() == [False]
    offer = offered_hospitals(ds, _scenario(hospitals={"types": ["dispensary"]}))
    assert offer.hospitals["hospital_id"].tolist() == ["H8"]
    assert offer.forensic.tolist() == [True] and offer.forensic_types == ()


def test_forensic_types_offer_fewer_hospitals_the_round_the_clock_service(
    tmp_path: Path,
) -> None:
    ds = _typed(tmp_path, ["general", "polyclinic"])  # H4, H8
    both = {"types": ["general", "polyclinic"]}
    offer = offered_hospitals(ds, _scenario(hospitals=both | {"forensic_types": ["general"]}))
    assert offer.hospitals["hospital_id"].tolist() == ["H4", "H8"]
    assert offer.forensic.tolist() == [True, False]
    assert "24/7 forensic examination only at 1 of them, of type general" in offer.note
    # an included or required hospital may host it whatever its type
    offer = offered_hospitals(
        ds,
        _scenario(hospitals=both | {"forensic_types": ["general"], "require_forensic": ["H8"]}),
    )
    assert offer.forensic.tolist() == [True, True]
    with pytest.raises(OptionError, match=r"hospitals\.forensic_types\[0\] is 'dispensary', "
                       r"not one of hospitals\.types \['general', 'polyclinic'\]"):  # fmt: skip
        _scenario(hospitals=both | {"forensic_types": ["dispensary"]})


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"hospitals": {"exclude": ["H4"]}}, "no hospital of dataset 'tiny' is offered"),
        ({"hospitals": {"include": ["Hospital"]}}, "hospitals.include[0] is 'Hospital', the name "
         "of 2 hospitals (H4, H8); give the id of the one you mean"),
        ({"hospitals": {"require_forensic": ["Hospital 4"], "exclude": ["H4"]}},
         "hospitals.exclude and a hospitals.require_* list both name H4"),
    ],
)  # fmt: skip
def test_hospital_lists_fail_clearly(tmp_path: Path, tables: dict[str, Any], message: str) -> None:
    names = {"hospital": "Hospital"} if "'Hospital'" in message else None
    ds = _typed(tmp_path, ["general", "dispensary"], names)
    with pytest.raises(OptionError) as err:
        offered_hospitals(ds, _scenario(**tables))
    assert message in str(err.value)


def test_require_a_service_that_is_not_planned(tiny: Dataset) -> None:
    sc = scenario_from_dict(
        {k: v for k, v in TINY_SCENARIO.items() if k != "forensic"}
        | {"hospitals": {"require_forensic": ["H4"]}}
    )
    with pytest.raises(OptionError, match=r"no \[forensic\] table"):
        offered_hospitals(tiny, sc)


def test_bad_hospital_type_in_the_file_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(InputDataError) as err:
        _typed(tmp_path, ["general", "hospice"])
    assert "hospitals.csv, row 3 (H8): hospital_type is 'hospice'" in str(err.value)


def test_too_few_offered_hospitals_for_the_centres_is_explained(tmp_path: Path) -> None:
    # 90,000 women need two centres of 50,000; only the general hospital is offered
    result = plan(_typed(tmp_path, ["general", "dispensary"]), _scenario())
    assert result.services is not None and result.services.result.status == "infeasible"
    assert (
        "the standard needs 2 rape crisis centres, but only 1 hospital may host one"
        in result.services.result.messages[0]
    )


def test_plan_opens_what_the_scenario_requires(tmp_path: Path) -> None:
    ds = _typed(tmp_path, ["general", "dispensary"])
    one_centre = {"women_per_centre": 100_000, "served_share": 0.9}
    free = plan(ds, _scenario(rape_crisis=one_centre))
    assert free.services is not None
    assert set(free.services.sites["site_id"]) == {"H4"}  # the dispensary is not offered
    new = set(free.sites.loc[free.sites["status"] == "new", "site_id"])
    spare = sorted({"C2", "C4", "C5", "C8"} - new)[0]
    forced = plan(
        ds,
        _scenario(
            candidates={"require": [spare]},
            hospitals={"include": ["H8"], "require_forensic": ["H8"]},
            rape_crisis=one_centre,
        ),
    )
    assert forced.violations == () and forced.services is not None
    assert forced.services.violations == ()
    assert spare in set(forced.sites.loc[forced.sites["status"] == "new", "site_id"])
    fo = forced.services.sites.loc[forced.services.sites["service"] == "forensic_24_7"]
    assert "H8" in set(fo["site_id"])
    assert np.isfinite(forced.result.objective)


def test_the_readme_lists_work_on_the_embedded_data(dataset: Dataset) -> None:
    sc = scenario_from_dict(
        {
            "candidates": {
                "include": ["Buzovna"],
                "exclude": ["C-AZ-BA-0001"],
                "require": ["Buzovna", "Lerik"],
            },
            "rape_crisis": {},
            "forensic": {},
            "hospitals": {
                "include": ["H-AZ-KAL-001"],
                "exclude": ["Memorial hospital"],
                "require_rape_crisis": ["Şuşa Xəstəxanası"],
                "require_forensic": ["H-AZ-GA-018"],
            },
        }
    )
    cand, required = shelter_candidates(dataset, sc)
    assert set(cand.loc[required, "candidate_id"]) == {"C-AZ-BA-0016", "C-AZ-LER-0001"}
    assert "C-AZ-BA-0001" not in set(cand["candidate_id"])
    assert len(cand) == len(dataset.candidates)  # one in, one out
    offer = offered_hospitals(dataset, sc)
    ids = offer.hospitals["hospital_id"]
    # Kalbajar's in; the private "Memorial hospital" is not offered by its type anyway
    assert len(offer.hospitals) == 194 + 1
    assert ids[offer.require_rape_crisis].tolist() == ["H-AZ-XCI-001"]
    assert ids[offer.require_forensic].tolist() == ["H-AZ-GA-018"]
    with pytest.raises(OptionError, match="did you mean 'Şuşa Xəstəxanası'"):
        offered_hospitals(
            dataset,
            scenario_from_dict(
                {"rape_crisis": {}, "hospitals": {"include": ["Shusha Xestexanasi"]}}
            ),
        )


def _candidate_file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "sites.csv"
    path.write_text("candidate_id,name,lon,lat,capacity_places,cost\n" + rows, encoding="utf-8")
    return path


def test_a_candidate_file_gives_sites_their_own_size_and_cost(
    tiny: Dataset, tmp_path: Path
) -> None:
    from tests.tiny import node_xy

    # a rented building of 25 places at node 4 for 7 units; node 8 uses the size table
    (x4, y4), (x8, y8) = node_xy(4), node_xy(8)
    path = _candidate_file(tmp_path, f"B1,Rented house,{x4},{y4},25,7\nB2,Plot,{x8},{y8},,\n")
    sc = scenario_from_dict(
        {k: v for k, v in TINY_SCENARIO.items() if k not in ("rape_crisis", "forensic")}
        | {"candidates": {"file": str(path)}}
    )
    cand, _ = shelter_candidates(tiny, sc)
    assert cand["capacity_places"].tolist()[0] == 25.0
    assert np.isnan(cand["capacity_places"].tolist()[1])
    result = plan(tiny, sc)
    new = result.sites.loc[result.sites["status"] == "new"].set_index("site_id")
    # 9 settlements x 20,000 people need 18 places; the existing shelter has 10 beds: the
    # rented house (25 places for 7) is cheaper than a 10-place plot (10) and holds the rest
    assert list(new.index) == ["B1"]
    assert new.loc["B1", "capacity_places"] == pytest.approx(25.0)
    assert new.loc["B1", "cost"] == pytest.approx(7.0)
    assert result.result.cost == pytest.approx(7.0)
    assert result.violations == ()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("B1,House,47.0,40.0,25,\n", "sites.csv, row 2: give both capacity_places and cost"),
        ("B1,House,47.0,40.0,big,3\n", "sites.csv, row 2: capacity_places is 'big'"),
        ("B1,House,47.0,40.0,0,3\n", "sites.csv, row 2: capacity_places is 0; expected > 0"),
        ("B1,House,47.0,40.0,5,-1\n", "sites.csv, row 2: cost is -1; expected >= 0"),
    ],
)
def test_bad_own_sizes_name_the_row(
    tiny: Dataset, tmp_path: Path, rows: str, message: str
) -> None:
    path = _candidate_file(tmp_path, rows)
    with pytest.raises(InputDataError) as err:
        shelter_candidates(tiny, _scenario(candidates={"file": str(path)}))
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("column", "missing"), [("capacity_places", "cost"), ("cost", "capacity_places")]
)
def test_own_capacity_and_cost_go_together(
    tiny: Dataset, tmp_path: Path, column: str, missing: str
) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(f"candidate_id,name,lon,lat,{column}\nB1,House,47.0,40.0,5\n", "utf-8")
    with pytest.raises(InputDataError) as err:
        shelter_candidates(tiny, _scenario(candidates={"file": str(path)}))
    assert f"sites.csv has a {column!r} column but no {missing!r}" in str(err.value)
