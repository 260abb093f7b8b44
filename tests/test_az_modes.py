"""Travel modes calibrated on published travel times (planner/datasets/azerbaijan/_modes.py)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from planner.datasets.azerbaijan._modes import BUS_WAIT_MIN, read_durations
from tests.conftest import DATA_DIR


def test_every_published_time_has_a_source() -> None:
    table = read_durations()
    assert set(table["mode"]) == {"car", "bus"}
    assert table["source"].str.startswith("http").all()
    assert (table["quoted"].str.len() > 10).all()


def test_calibration_table_and_summary() -> None:
    table = pd.read_csv(DATA_DIR / "travel_calibration.csv")
    meta = json.loads((DATA_DIR / "metadata.json").read_text("utf-8"))
    summary = meta["travel_calibration"]
    for mode in ("car", "bus"):
        rows = table.loc[table["mode"] == mode]
        assert summary[mode]["pairs"] == len(rows) > 0
        # calibrated: the median ratio of modelled to published time within 0.9-1.1
        assert 0.9 <= rows["ratio"].median() <= 1.1
        assert summary[mode]["median_ratio"] == pytest.approx(rows["ratio"].median(), abs=1e-3)
        # before calibration the 2021 class speeds were too fast (a quarter too quick)
        assert summary[mode]["median_ratio_before"] < 0.85
    assert meta["travel_modes"]["bus"]["wait_min"] == BUS_WAIT_MIN
    # a bus is no faster than a car on the same road: fitted lower, its factor is the car's
    car_mode, bus_mode = meta["travel_modes"]["car"], meta["travel_modes"]["bus"]
    assert bus_mode["time_factor"] >= car_mode["time_factor"]
    assert summary["bus"]["time_factor_fitted"] < summary["bus"]["time_factor"]
    assert meta["travel_modes"]["car"]["time_factor"] > 1.2
    # modelled = road time x factor (+ the bus allowance)
    car = table.loc[table["mode"] == "car"]
    factor = meta["travel_modes"]["car"]["time_factor"]
    assert car["modelled_min"].tolist() == pytest.approx((car["road_min"] * factor).tolist(),
                                                         abs=0.2)  # fmt: skip


def test_at_least_twenty_published_times_in_every_direction() -> None:
    table = read_durations()
    assert len(table) >= 20
    ends = zip(
        table["from_name"], table["from_district"], table["to_name"], table["to_district"],
        strict=True,
    )  # fmt: skip
    pairs = {tuple(sorted([(a, b), (c, d)])) for a, b, c, d in ends}
    assert len(pairs) >= 20  # distinct pairs of towns, not repeats of one
    far_ends = set(table["from_district"]) | set(table["to_district"])
    # north (Quba), north-west (Sheki), west (Ganja), south (Astara), Karabakh (Shusha), exclave
    assert {"AZ-QBA", "AZ-SA", "AZ-GA", "AZ-AST", "AZ-SS", "AZ-ORD"} <= far_ends


def test_winding_roads_are_slower_and_fit_better() -> None:
    meta = json.loads((DATA_DIR / "metadata.json").read_text("utf-8"))
    winding = meta["travel_calibration"]["winding"]
    assert winding["exponent"] in winding["exponents_tried"]
    assert winding["exponent"] > 0
    # the winding rule is kept only because it fits the published times better
    assert winding["after"]["median_abs_log_error"] < winding["before"]["median_abs_log_error"]
    table = pd.read_csv(DATA_DIR / "travel_calibration.csv").set_index(["from_name", "to_name"])
    # the mountain roads up to Xinaliq and Shusha are slow, the flat coast road to Astara fast
    speed = table["road_kmh"].astype(float)
    assert float(speed.loc[[("Quba", "Xinaliq")]].max()) < 50
    assert float(speed.loc[[("Əhmədbəyli", "Şuşa")]].max()) < 60
    assert float(speed.loc[[("Bakı", "Astara")]].min()) > 80
