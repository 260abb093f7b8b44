"""Hospital types from names: the generic rules engine and the Azerbaijan rules."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from planner._errors import InputDataError
from planner.data import Dataset
from planner.hospital_types import (
    HOSPITAL_TYPES,
    SUITABLE_TYPES,
    classify_hospitals,
    fold_name,
    read_type_rules,
)
from tests.conftest import DATA_DIR


def _rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_first_matching_rule_wins_on_folded_names(tmp_path: Path) -> None:
    rules = read_type_rules(
        _rules(
            tmp_path,
            "type,pattern\n"
            "dispensary,dispanser\n"
            "children,usaq\n"
            "polyclinic,poliklinika\n"
            "general,xestexana\n",
        )
    )
    names = [
        "Ağsu Mərkəzi Rayon Xəstəxanası",  # schwa and accents fold: xestexana
        "Uşaq Poliklinikası",  # children before polyclinic
        "Dəri-zöhrəvi DISPANSER",  # case folds
        "Mərkəzi Poliklinika",
        "(unnamed hospital)",
        "",
        None,
        "Şəfa",
    ]
    got = classify_hospitals(names, rules).tolist()
    assert got == [
        "general",
        "children",
        "dispensary",
        "polyclinic",
        "unknown",
        "unknown",
        "unknown",
        "other",
    ]


def test_fold_name() -> None:
    assert fold_name("Ağcabədi İsmayıllı") == "agcabedi ismayilli"
    # Cyrillic й folds to и as well: patterns are written folded
    assert fold_name("Родильный дом") == "родильныи дом"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("kind,pattern\ngeneral,x\n", "lacks column"),
        ("type,pattern\nhospice,x\n", "row 2: type 'hospice' is not a rule type"),
        ("type,pattern\ngeneral,x\nunknown,y\n", "row 3: type 'unknown'"),
        ("type,pattern\ngeneral,(unclosed\n", "row 2: pattern '(unclosed' is not valid"),
        ("type,pattern\ngeneral, \n", "row 2: the pattern is empty"),
    ],
)
def test_bad_rules_name_the_row(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(InputDataError, match=r"rules\.csv") as err:
        read_type_rules(_rules(tmp_path, text))
    assert fragment in str(err.value)


def _azerbaijan_rules() -> Path:
    ref = resources.files("planner.datasets.azerbaijan").joinpath("_reference")
    return Path(str(ref.joinpath("hospital_types.csv")))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ağsu Mərkəzi Rayon Xəstəxanası", "general"),
        ("Təcili Yardim Xəstəxanasi Musa Nağiyev adina", "general"),  # has beds
        ("24-cü Poliklinika", "polyclinic"),
        ("Мугерганская СВА", "rural"),  # noqa: RUF001 (a rural doctor's post, in Cyrillic)
        ("Çanaqçı kənd xəstəxanası", "rural"),  # a village hospital: few beds, no specialists
        ("Altıağac Qəsəbə Xəstəxanası", "rural"),
        ("Həkim Ambulatoriyası", "rural"),
        ("Xankəndi Şəhər Xəstəxanası", "general"),  # a city whose name holds "kənd"
        ("EGE Hospital", "medical_centre"),  # a private hospital's brand, in English
        ("Yaşam Klinik Xəstəxanası", "medical_centre"),
        ("3 saylı Klinik Xəstəxana", "general"),
        ("Mərkəzi Hospital Ağcabədi", "general"),
        ("Sadarak Town Hospital", "general"),
        ("Sumqayıt Onkoloji Dispanser", "dispensary"),
        ("Dəri-zöhrəvi dispanser", "dispensary"),
        ("10 Saylı Təcili Yardım Stansiyası", "emergency"),
        ("Təcili tibbi yardım şöbəsi", "emergency"),
        ("Mingəçevir şəhəri Gigiyena və Epidemiologiya Mərkəzi", "public_health"),
        ("Daxili İşlər Nazirliyinin Hospitalı", "departmental"),
        ("Роддом № 7", "maternity"),
        ("5 saylı uşaq xəstəxanası", "children"),
        ("Göz Xəstəlikləri İnstitutu", "specialist"),
        ("Şəfa Tibb Mərkəzi", "medical_centre"),
        ("Մաշկավեներոլոգիական դիսպանսեր", "dispensary"),
        ("Ասկերանի Հիվանդանոց", "general"),
    ],
)
def test_azerbaijan_rules_in_azerbaijani_russian_and_armenian(name: str, expected: str) -> None:
    rules = read_type_rules(_azerbaijan_rules())
    assert classify_hospitals([name], rules).tolist() == [expected]


def test_embedded_hospitals_carry_the_types_the_rules_give(dataset: Dataset) -> None:
    hosp = dataset.hospitals
    rules = read_type_rules(_azerbaijan_rules())
    # types come from the OSM names; a name put into Azerbaijani keeps its original's type
    source = pd.read_csv(DATA_DIR / "hospitals.csv").set_index("hospital_id")["name_source"]
    osm = (hosp["hospital_id"].map(source) == "OSM").to_numpy()
    assert osm.sum() >= 940
    assert (
        classify_hospitals(list(hosp.loc[osm, "name"]), rules).to_numpy()
        == hosp.loc[osm, "hospital_type"]
    ).all()
    translated = hosp.loc[~osm].set_index("name")["hospital_type"]
    assert translated["Dəri-zöhrəvi dispanser"] == "dispensary"
    assert translated["Əsgəran xəstəxanası"] == "general"
    assert set(hosp["hospital_type"]) <= set(HOSPITAL_TYPES)
    counts = hosp["hospital_type"].value_counts()
    # the names say so: about a fifth of the points are general hospitals or polyclinics
    assert counts["unknown"] == (hosp["name"].str.startswith("(unnamed")).sum() == 437
    assert 180 <= counts[list(SUITABLE_TYPES)].sum() <= 240
    # no dispensary, ambulance station or hygiene centre is offered by default
    folded = hosp["name"].map(fold_name)
    unsuitable = folded.str.contains(r"dispanser|stansiya|gigiyena|onkolo|epidemiol")
    assert not hosp.loc[unsuitable, "hospital_type"].isin(SUITABLE_TYPES).any()
    assert unsuitable.sum() >= 40
    # nor a village or settlement hospital or a doctor's post (Çanaqçı kənd xəstəxanası was
    # once typed general and given a 24/7 forensic service)
    village = folded.str.contains(r"\bkend\b|\bqesebe\b|hekim ambulator")
    assert village.sum() == counts["rural"] == 6
    # nor a private hospital known by its brand ("EGE Hospital", "Memorial hospital")
    brands = hosp["name"].str.contains(r"(?i)^(?:EGE|Avrasiya|Memorial|Medican|Stimul) hospital")
    assert brands.sum() == 5 and (hosp.loc[brands, "hospital_type"] == "medical_centre").all()
    assert (hosp.loc[village, "hospital_type"] == "rural").all()
    assert isinstance(hosp["hospital_type"], pd.Series)
