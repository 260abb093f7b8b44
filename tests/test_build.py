from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from planner._errors import InputDataError, MissingInputError
from planner.data import load_dataset
from planner.datasets.azerbaijan import build_azerbaijan, match_iso_codes
from planner.network import travel_matrix
from tests.conftest import require_raw


@pytest.fixture(scope="module")
def built_clip(raw_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "clip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_azerbaijan(raw_clip, out)
    return out


def test_build_on_a_clip(built_clip: Path) -> None:
    ds = load_dataset(built_clip)
    assert sorted(ds.districts["district_id"]) == ["AZ-BA", "AZ-GA", "AZ-GYG", "AZ-SMX"]
    assert (
        ds.districts.loc[ds.districts["district_id"] == "AZ-BA", "population"].item() == 2_344_888
    )
    assert (ds.settlements["district_id"].isin(ds.districts["district_id"])).all()
    assert int(ds.shelters["capacity_places"].sum()) == 175
    assert len(ds.hospitals) > 0
    assert ds.hospitals["district_id"].isin(ds.districts["district_id"]).all()
    assert set(ds.hospitals["subclass"]) <= {"hospital", "clinic"}
    assert len(ds.graph) > 100
    meta = json.loads((built_clip / "metadata.json").read_text("utf-8"))
    assert meta["counts"]["districts"] == 4
    assert any(
        "not in the boundary file" in n for n in meta["notes"]
    )  # partial regions are reported
    # the clipped network routes within Ganja
    ganja = ds.settlements.loc[ds.settlements["district_id"] == "AZ-GA"]
    assert (travel_matrix(ds.network, ganja, ganja) < 3600).all()


def test_build_is_deterministic(raw_clip: Path, built_clip: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_azerbaijan(raw_clip, tmp_path / "again")
    for f in sorted(built_clip.iterdir()):
        assert (tmp_path / "again" / f.name).read_bytes() == f.read_bytes(), f.name


def test_user_population_table(raw_clip: Path, tmp_path: Path) -> None:
    table = pd.DataFrame(
        {"district_id": ["AZ-BA", "AZ-GA", "AZ-GYG", "AZ-SMX"], "population": [10, 20, 30, 40]}
    )
    table.to_csv(tmp_path / "pop.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_azerbaijan(raw_clip, tmp_path / "out", population=tmp_path / "pop.csv")
    ds = load_dataset(tmp_path / "out")
    assert ds.districts.set_index("district_id")["population"].to_dict() == {
        "AZ-BA": 10,
        "AZ-GA": 20,
        "AZ-GYG": 30,
        "AZ-SMX": 40,
    }
    table.iloc[:2].to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(InputDataError, match=r"missing district_ids \['AZ-GYG', 'AZ-SMX'\]"):
        build_azerbaijan(raw_clip, tmp_path / "out2", population=tmp_path / "short.csv")
    assert not (tmp_path / "out2").exists()  # nothing half-written


def test_missing_raw_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match="raw data folder"):
        build_azerbaijan(tmp_path / "none", tmp_path / "out")
    with pytest.raises(MissingInputError, match=r"geoBoundaries-AZE-ADM2\.geojson"):
        build_azerbaijan(tmp_path, tmp_path / "out")


def test_boundary_file_without_name_column(raw_clip: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(raw_clip, raw)
    data = json.loads((raw / "geoBoundaries-AZE-ADM2.geojson").read_text("utf-8"))
    for f in data["features"]:
        f["properties"]["NAME"] = f["properties"].pop("shapeName")
    (raw / "geoBoundaries-AZE-ADM2.geojson").write_text(json.dumps(data), "utf-8")
    with pytest.raises(InputDataError, match=r"lacks column \['shapeName'\]; it has \[.*'NAME'"):
        build_azerbaijan(raw, tmp_path / "out")


def test_failed_build_keeps_previous_output(built_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    shutil.copytree(built_clip, out)
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(MissingInputError):
        build_azerbaijan(tmp_path / "missing", out)
    assert sorted(p.name for p in out.iterdir()) == before


def test_iso_matching() -> None:
    require_raw()
    codes = match_iso_codes(
        pd.Series(
            [
                "Khachmaz District",
                "Baku City",
                "Shaki City",
                "Shaki District",
                "Oghuz District",
                "Shusha City",
            ]
        )
    )
    assert codes["district_id"].tolist() == [
        "AZ-XAC",
        "AZ-BA",
        "AZ-SA",
        "AZ-SAK",
        "AZ-OGU",
        "AZ-SS",
    ]
    assert codes["match"].tolist() == ["automatic"] * 4 + ["crosswalk"] * 2
    assert codes["name_az"].iloc[0] == "Xaçmaz"
    # ISO 3166-2 writes Kəngərli with the look-alike letter ǝ (U+01DD); the name is the
    # alphabet's own
    kangarli = match_iso_codes(pd.Series(["Kangarli District"]))
    assert kangarli["name_az"].tolist() == ["Kəngərli"]
    with pytest.raises(InputDataError, match="'Atlantis District' matches 0"):
        match_iso_codes(pd.Series(["Atlantis District"]))
