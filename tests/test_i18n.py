"""Languages: complete catalogs, the glossary kept, numbers and dates as each language has them."""

from __future__ import annotations

import ast
import csv
import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from planner._i18n import (
    LANGUAGES,
    Fixed,
    MissingTextError,
    Note,
    Place,
    Share,
    Translator,
    catalog,
    catalog_problems,
    check_language,
    counted,
    noun,
)
from planner.data import Dataset

PLANNER = Path(__file__).resolve().parents[1] / "planner"
SECTIONS = "format|word|heading|status|report|figure|map|compare|cli|message|check|value"
# a key ends in a letter or digit (an f-string's head ends in "." or "_"); file names are not keys
KEY = re.compile(
    rf"^(?:{SECTIONS})(?:\.[a-z0-9_]*[a-z0-9])+$(?<!\.html)(?<!\.png)(?<!\.css)(?<!\.j2)"
)


def _glossary() -> list[dict[str, str]]:
    text = resources.files("planner").joinpath("_locales", "glossary.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


# ---------------------------------------------------------------- complete catalogs


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_has_every_key_with_the_same_fields(lang: str) -> None:
    assert catalog_problems(lang) == []


def test_a_missing_key_or_field_is_found() -> None:
    reference = {"a.b": "{x} places", "a.c": "none", "a.d": "{y}"}
    other = {"a.b": "{x} yer", "a.d": "{z}", "a.e": "extra"}
    problems = catalog_problems("xx", reference=reference, other=other)
    assert any("'a.c'" in p and "missing" in p for p in problems)
    assert any("'a.d'" in p and "fields" in p for p in problems)
    assert any("'a.e'" in p and "not in" in p for p in problems)


def _keys_in_code() -> tuple[set[str], set[str]]:
    """Every catalog key the code names: whole keys, and the prefixes of f-string keys."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in PLANNER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if KEY.match(node.value):
                    keys.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and re.match(
                    rf"^(?:{SECTIONS})\.[a-z0-9_.]*$", str(head.value)
                ):
                    prefixes.add(str(head.value))
    for path in (PLANNER / "_templates").glob("*.j2"):
        keys |= set(re.findall(r"""\bt(?:\.html)?\(\s*["']([a-z0-9_.]+)["']""", path.read_text()))
    return keys, prefixes


def test_every_key_the_code_uses_exists_in_every_catalog() -> None:
    keys, prefixes = _keys_in_code()
    assert len(keys) > 200, "the scan found too few keys: is it still reading the code?"
    assert {"report.page.summary", "cli.plan.title", "message.far_note"} <= keys
    for lang in LANGUAGES:
        texts = catalog(lang)
        assert sorted(keys - set(texts)) == [], lang
        for prefix in prefixes:
            assert any(k.startswith(prefix) for k in texts), (lang, prefix)


def test_every_option_value_has_words_in_every_language() -> None:
    from typing import get_args

    from planner.hospital_types import HOSPITAL_TYPES
    from planner.locate.options import Objective, TieBreak

    wanted = [f"value.objective.{v}" for v in get_args(Objective)]
    wanted += [f"value.tie_break.{v}" for v in get_args(TieBreak)]
    wanted += [f"value.hospital_type.{t}" for t in HOSPITAL_TYPES]
    wanted += ["value.existing.keep", "value.existing.expand"]
    for lang in LANGUAGES:
        assert [k for k in wanted if k not in catalog(lang)] == [], lang


def test_no_fallback_a_missing_key_fails_loudly() -> None:
    with pytest.raises(MissingTextError, match=r"'report\.nothing'.*'az'"):
        Translator("az")("report.nothing")
    with pytest.raises(MissingTextError, match="field 'people'"):
        Translator("en")("report.worse.some", districts=3)


def test_an_unknown_language_is_named() -> None:
    with pytest.raises(ValueError, match=r"lang is 'fr'; expected one of 'en', 'az'"):
        Translator("fr")
    assert check_language("az") == "az"


# ---------------------------------------------------------------- glossary


def test_glossary_has_each_term_defined_with_its_basis() -> None:
    rows = _glossary()
    assert len(rows) >= 15
    assert {"shelter", "family place", "rape crisis centre", "forensic examination"} <= {
        r["en"] for r in rows
    }
    for row in rows:
        assert all(row[c].strip() for c in ("en", "az", "en_pattern", "az_stem")), row
        assert len(row["definition"]) > 20 and len(row["basis"]) > 10, row["en"]
        assert re.search(row["az_stem"], row["az"], re.IGNORECASE), row["en"]


@pytest.mark.parametrize("term", [r["en"] for r in _glossary()])
def test_the_azerbaijani_texts_use_the_glossary_term(term: str) -> None:
    row = next(r for r in _glossary() if r["en"] == term)
    # the words around the fields, not the fields' names ({district} is filled with a name)
    en = {k: re.sub(r"\{[a-z_]*\}", "", v) for k, v in catalog("en").items() if isinstance(v, str)}
    az = catalog("az")
    used = [k for k, v in en.items() if re.search(row["en_pattern"], v, re.IGNORECASE)]
    assert used, f"no English text uses {term!r}: is the glossary row still needed?"
    missing = [k for k in used if not re.search(row["az_stem"], az[k], re.IGNORECASE)]
    assert missing == [], f"{term} -> {row['az']}: not used in {missing}"


# ---------------------------------------------------------------- formats


def test_numbers_percentages_and_dates_as_each_language_writes_them() -> None:
    en, az = Translator("en"), Translator("az")
    assert en.number(1_234_567.891, 1) == "1,234,567.9"
    assert az.number(1_234_567.891, 1) == "1.234.567,9"
    assert en.number(-0.04, 1) == "0.0" and en.number(-12.5) == "-12"
    assert az.number(None) == "-" and az.number(float("nan")) == "-"
    assert en.percent(0.502) == "50.2%" and az.percent(0.502) == "50,2%"
    assert az.percent(0.0412, 2) == "4,12%"
    assert az.plain(2.5) == "2,5" and az.plain(40.0) == "40" and en.plain(1_018_000.0) == "1018000"
    assert en.date(date(2026, 11, 28)) == "28 November 2026"
    assert az.date(date(2026, 11, 28)) == "28 noyabr 2026"
    assert en.yes_no(True) == "yes" and az.yes_no(False) == "xeyr"
    assert en.join(["a", "b", "c"]) == "a, b and c" and az.join(["a", "b"]) == "a və b"
    # integers get grouping when filled in; text passes as it is
    assert az("report.worse.some", districts=3, people=az.number(1234567)).startswith(
        "3 rayon (1.234.567 nəfər)"
    )


def test_a_message_begins_a_sentence_as_each_language_writes_it() -> None:
    en, az = Translator("en"), Translator("az")
    assert en.sentence("the capacities chosen") == "The capacities chosen"
    assert az.sentence("iş limiti") == "İş limiti" and en.sentence("is") == "Is"
    assert az.sentence("ən yaxın") == "Ən yaxın" and en.sentence("") == ""
    assert en.sentence("2 settlements") == "2 settlements"


def test_html_texts_escape_every_value_once() -> None:
    out = Translator("en").html("report.page.byline_html", scenario="<b>x</b>", dataset="a&b",
                                version="1", date="d")  # fmt: skip
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "a&amp;b" in out and "<b>" in str(out)


# ---------------------------------------------------------------- words that follow a count


def _proposal(lang: str, sites: int, places: object) -> str:
    return Translator(lang)(
        "report.summary.proposal", sites=sites, places=places, served="90.0%", limit=60,
        mean=3, cost=10,
    )  # fmt: skip


def test_an_english_word_follows_its_count() -> None:
    one = _proposal("en", 1, 1)
    assert "proposes 1 new shelter, bringing the total to 1 family place and" in one
    many = _proposal("en", 3, 1200)
    assert "proposes 3 new shelters, bringing the total to 1,200 family places and" in many
    assert "proposes 0 new shelters," in _proposal("en", 0, 0)
    # a count shown with decimals is plural, as English writes "1.0 family places"
    assert "1.0 family places" in _proposal("en", 2, Fixed(1.0))
    t = Translator("en")
    assert t("check.split", settlements=1) == "1 settlement is split between sites"
    assert t("check.split", settlements=2) == "2 settlements are split between sites"
    far = t("report.summary.far", share="0.0%", without=2, regions=2)
    assert far.endswith("and 2 of 2 regions have none.")
    assert t("report.summary.far", share="1%", without=1, regions=9).endswith(
        "1 of 9 regions has none."
    )


def test_a_word_chosen_by_a_count_in_html_keeps_every_value_escaped() -> None:
    out = Translator("en").html(
        "map.no_road_note_html", districts="1", people="2,000", note="<i>a</i>"
    )
    assert "(grey): 1 district, 2,000 people. &lt;i&gt;a&lt;/i&gt;" in out
    assert "2 districts" in Translator("en").html(
        "map.no_road_note_html", districts="2", people="1", note=""
    )


def test_azerbaijani_keeps_the_noun_singular_after_any_number() -> None:
    assert "1 yeni sığınacaq" in _proposal("az", 1, 1)
    assert "3 yeni sığınacaq" in _proposal("az", 3, 1200)


def test_english_only_messages_name_one_thing_in_the_singular() -> None:
    assert [noun(n, "district") for n in (0, 1, 2)] == ["districts", "district", "districts"]
    assert noun(1, "is", "are") == "is" and noun(3, "is", "are") == "are"
    assert counted(1, "value") == "1 value" and counted(0, "matrix row") == "0 matrix rows"


def test_a_catalog_may_only_choose_a_word_by_a_count() -> None:
    reference = {"a.b": "{x} {x:place|places}", "a.c": "{y}"}
    other = {"a.b": "{x:d} {x:a|b|c}", "a.c": "{y: |z}"}
    problems = catalog_problems("xx", reference=reference, other=other)
    assert any("{x:d}" in p and "'a.b'" in p for p in problems)
    assert any("{x:a|b|c}" in p for p in problems)
    assert any("{y: |z}" in p and "'a.c'" in p for p in problems)
    assert catalog_problems("xx", reference=reference, other=reference) == []


# ---------------------------------------------------------------- messages


def test_a_message_is_english_text_that_can_be_told_again_in_azerbaijani() -> None:
    note = Note("message.far_note", tolerance=15.0, places=157.6, settlements=862)
    assert isinstance(note, str)
    assert note.startswith("the capacities chosen cannot keep everyone within 15 min")
    assert "157.6 family places in 862 settlements" in note
    told = Translator("az").message(note)
    assert "157,6 ailə yeri" in told and "862 yaşayış məntəqəsində" in told
    assert Translator("az").message("plain text") == "plain text"
    fixed = Note("message.far_note", tolerance=15.0, places=Fixed(2.0), settlements=1)
    assert "2.0 family places" in fixed and "2,0 ailə yeri" in Translator("az").message(fixed)


def test_nested_messages_and_shares_are_told_in_the_language() -> None:
    note = Note(
        "message.budget",
        limits=Note("message.budget_both", sites=Note("message.budget_sites", sites=5),
                    cost=Note("message.budget_cost", cost=200.0)),
        cheapest=Note("message.budget_cheapest", sites=34, cost=1778.0),
    )  # fmt: skip
    assert note == (
        "the budget (new sites: at most 5; cost: at most 200) is too small to meet the "
        "targets; the cheapest plan without it: new sites 34, cost 1778."
    )
    assert Translator("az").message(note).startswith("büdcə (ən çoxu 5 yeni yer və ən çoxu 200")
    import pickle  # a result travels between processes and caches with its messages intact

    again = pickle.loads(pickle.dumps(note))
    assert again == note and again.key == "message.budget" and isinstance(again, Note)
    assert Translator("az").message(again) == Translator("az").message(note)
    assert pickle.loads(pickle.dumps(Fixed(2.0, 3))).digits == 3
    share = Note("message.inclusive_target", best=Share(0.4567), target=0.5)
    assert "45.7%" in share and "45,7%" in Translator("az").message(share)


def test_districts_and_regions_in_a_message_are_told_in_the_language(
    dataset: Dataset,
) -> None:
    """A message names districts and regions as the data does (English); an output in
    Azerbaijani names them as the dataset does in Azerbaijani, the code kept."""
    import pickle

    rule = Note(
        "message.district_rule",
        districts=2,
        names=(Place("district", "AZ-GA", "Ganja City"), Place("district", "AZ-XX")),
    )
    assert "than today (Ganja City (AZ-GA), AZ-XX)" in rule
    region = Note("message.region_no_site", region=Place("region", "Nakhchivan"))
    assert region.startswith("region Nakhchivan has no existing shelter")
    az = dataset.place_names("az").told(Translator("az"))
    told = az.message(rule)
    assert "(Gəncə (AZ-GA), AZ-XX)" in told and "Ganja" not in told
    assert az.message(region).startswith("Naxçıvan iqtisadi rayonunda")
    # no names, no terms: the data's name and the catalog's generic word
    assert Translator("az").message(region).startswith("Nakhchivan regionunda")
    again = pickle.loads(pickle.dumps(rule))
    assert again == rule and az.message(again) == told
    # a list of regions reads as words, not as a Python list
    regions = (Place("region", "Karabakh"), Place("region", "Nakhchivan"))
    check = Note("check.regions_without", regions=regions)
    assert check == "regions Karabakh, Nakhchivan have no shelter"
    assert az.message(check).startswith("Qarabağ, Naxçıvan iqtisadi rayonlarında")


def test_a_dataset_says_region_its_own_way() -> None:
    """The catalogs' word "region" is generic; a dataset may give its own word per language
    (the embedded one: Azerbaijan's economic regions, "iqtisadi rayon"), and the catalog's
    inflections follow it; fields and option names are never touched."""
    from planner._i18n import TERMS, terms_problem

    assert TERMS == ("region",)
    # generic code knows no country: no catalog names Azerbaijan's kind of region
    assert not [k for k, v in catalog("az").items() if "iqtisadi" in str(v).lower()]
    plain = Translator("az")
    told = plain.with_terms({"region": "iqtisadi rayon"})
    assert plain("report.summary.every_region") == "hər regionda sığınacaq olacaq."
    assert told("report.summary.every_region") == "hər iqtisadi rayonda sığınacaq olacaq."
    assert told("heading.region") == "İqtisadi rayon"  # a capital as Azerbaijani writes it
    said = told("message.region_no_site", region="Naxçıvan")
    assert said.startswith("Naxçıvan iqtisadi rayonunda")
    assert "targets.one_per_region" in said  # the option's name stays
    assert told("check.regions_without", regions="A, B") == plain(
        "check.regions_without", regions="A, B"
    ).replace("regionlarında", "iqtisadi rayonlarında")
    # the adjective is another word: "Regional tutum qaydası" once became "İqtisadi rayonal"
    assert told("report.scenario.regional_capacity") == "Regional tutum qaydası"
    # a field's name stays a field: the value fills it
    assert "5" in told("report.summary.far_none", regions=5)
    # the words of any language, and kept by with_places
    assert told.with_places(districts={}, regions={})("heading.region") == "İqtisadi rayon"
    english = Translator("en").with_terms({"region": "economic region"})
    assert english("report.summary.every_region") == "every economic region would have a shelter."
    # bad terms are named
    assert terms_problem({"district": "rayon"}) == "has 'district'; expected words of ['region']"
    assert "expected the dataset's word" in (terms_problem({"region": " "}) or "")
    assert "expected {word: the dataset's word}" in (terms_problem(["region"]) or "")
    # the word enters texts that reach HTML as trusted templates: words only
    for bad in ("<b>x</b>", "iqtisadi {rayon}", "a&b", 'x"><script>', "12"):
        assert "expected the dataset's word" in (terms_problem({"region": bad}) or ""), bad
    assert terms_problem({"region": "economic region"}) is None
    assert terms_problem({"region": "Xalq-təsərrüfatı rayon"}) is None
    with pytest.raises(ValueError, match="terms has 'area'"):
        plain.with_terms({"area": "ərazi"})


# ---------------------------------------------------------------- the embedded dataset


def test_the_embedded_dataset_has_its_report_texts_in_azerbaijani(dataset: Dataset) -> None:
    en_limits = dataset.report_list("limitations")
    az_limits = dataset.report_list("limitations", lang="az")
    assert len(az_limits) == len(en_limits) >= 5 and az_limits != en_limits
    assert "məcburi köçkün" in az_limits[0]
    assert "Naxçıvan" in (dataset.report_text("disconnected_note", lang="az") or "")
    # the sources too, one for one, the titles of publications as cited
    en_sources = dataset.report_list("sources")
    az_sources = dataset.report_list("sources", lang="az")
    assert len(az_sources) == len(en_sources) and az_sources[0].startswith("Yollar")
    assert "Dövlət Statistika Komitəsi" in az_sources[3]
    assert "Combating violence against women" in az_sources[5]
    # a language without a translation gets the dataset's own text
    assert dataset.report_list("sources", lang="fr") == en_sources
    assert dataset.report_list("limitations", lang="fr") == en_limits


def test_place_names_in_azerbaijani(dataset: Dataset) -> None:
    import pandas as pd

    from planner.assessment import generalised_shelters

    names = dataset.place_names("az")
    assert names.districts["AZ-AGC"] == "Ağcabədi" and names.region("Karabakh") == "Qarabağ"
    assert len(names.regions) == dataset.districts["region"].nunique()
    assert names.region("Atlantis") == "Atlantis"  # no translation: the data's own name
    rows = pd.DataFrame({"district_id": ["AZ-AGC"], "name": ["Aghjabadi District"],
                         "region": ["Karabakh"]})  # fmt: skip
    assert names.frame(rows, district_names=True).iloc[0].tolist() == [
        "AZ-AGC", "Ağcabədi", "Qarabağ"
    ]  # fmt: skip
    sites = names.frame(rows, district_names=False)  # a site keeps its own name
    assert sites.iloc[0].tolist() == ["AZ-AGC", "Aghjabadi District", "Qarabağ"]
    assert rows.iloc[0, 1] == "Aghjabadi District"  # a copy: the data are untouched
    english = dataset.place_names("en")
    assert english.districts == {} and english.region("Karabakh") == "Karabakh"
    pooled = generalised_shelters(dataset, lang="az")
    assert "Bakı" in set(pooled["district"]) and "Baku" not in " ".join(pooled["district"])
