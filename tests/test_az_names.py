"""Names in the Azerbaijani Latin alphabet (planner/datasets/azerbaijan/_names.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from planner._errors import InputDataError
from planner.data import Dataset
from planner.datasets.azerbaijan._names import (
    azerbaijani_names,
    is_azerbaijani_latin,
    transliterate,
)
from tests.conftest import DATA_DIR


def test_alphabet() -> None:
    assert is_azerbaijani_latin("Ağcabədi İmişli 2-ci")
    assert not is_azerbaijani_latin("Town")  # w is not an Azerbaijani letter
    assert not is_azerbaijani_latin("Ասկերան")


@pytest.mark.parametrize(
    ("raw", "latin", "script"),
    [
        ("Մեծ շեն", "Mets şen", "Armenian"),
        ("Ոսկեպար", "Voskepar", "Armenian"),  # initial vo
        ("Եղցահող", "Yeğtsahoğ", "Armenian"),  # initial ye
        ("Խնձորուտ", "Xndzorut", "Armenian"),  # ու is u
        ("Гарах", "Qarax", "Russian"),
        ("Кǝнд", "Kənd", "Russian"),
        ("Kǝngǝrli", "Kəngərli", "Latin"),
        ("Bakı", "Bakı", ""),
    ],
)
def test_transliteration(raw: str, latin: str, script: str) -> None:
    assert transliterate(raw) == (latin, script)


def test_other_scripts_are_refused() -> None:
    with pytest.raises(InputDataError, match=r"official_names\.csv"):
        transliterate("რუისბოლო")


def test_table_then_latin_part_then_transliteration() -> None:
    names = pd.Series(["Ստեփանակերտ", "Başkənd / Արծվաշեն", "Մեծ շեն", "Quba"])
    out = azerbaijani_names(names, kind="settlement")
    assert out["name"].tolist() == ["Xankəndi", "Başkənd", "Mets şen", "Quba"]
    assert out["name_source"].tolist() == [
        "official (table)",
        "OSM (Latin part)",
        "transliterated from Armenian",
        "OSM",
    ]
    # hospital rows of the table do not apply to settlements, and the reverse
    hosp = azerbaijani_names(pd.Series(["Больница"]), kind="hospital")
    assert hosp["name"].tolist() == ["Xəstəxana"]
    assert azerbaijani_names(pd.Series(["Больница"]), kind="settlement")["name"].item() == (
        "Bolnitsa"
    )


def test_every_name_of_the_dataset_is_azerbaijani_latin(dataset: Dataset) -> None:
    ds = dataset
    for layer in (ds.settlements, ds.candidates, ds.hospitals):
        bad = [n for n in layer["name"].astype(str) if not is_azerbaijani_latin(n)]
        assert bad == []
    # the districts' and the shelters' Azerbaijani names too (no look-alike letters)
    for names in (ds.districts["name_az"], ds.shelters["name_az"]):
        assert [n for n in names.astype(str) if not is_azerbaijani_latin(n)] == []
    settlements = pd.read_csv(DATA_DIR / "settlements.csv")
    marked = settlements.loc[settlements["name_source"].str.startswith("transliterated")]
    # Karabakh cities and towns come from the cited table, not from transliteration
    assert not marked["place"].isin(["city", "town"]).any()
    names = set(ds.candidates["name"])
    assert {"Xankəndi", "Ağdərə", "Xocavənd", "Əsgəran", "Şuşa", "Laçın"} <= names
