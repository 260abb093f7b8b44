from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from planner._errors import MissingInputError
from planner.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text, "utf-8")
    return p


def test_defaults_are_the_coe_minimum() -> None:
    s = Scenario()
    assert s.demand.places_per_10000 == 1.0
    assert s.demand.family_place_size == 1.7
    assert s.access.catchment_min == 120


def test_load_full_scenario(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        """
name = "test"
[demand]
population = "pop.csv"
places_per_10000 = 2
family_place_size = 2.5
[access]
thresholds_min = [15, 45]
catchment_min = 90
decay = "gaussian"
[leg]
speed_kph = 20
[candidates]
exclude_districts = ["AZ-BA"]
""",
    )
    s = load_scenario(p)
    assert s.name == "test"
    assert s.demand.population == tmp_path / "pop.csv"
    assert s.demand.places_per_10000 == 2.0
    assert s.access.thresholds_min == (15.0, 45.0)
    assert s.access.decay == "gaussian"
    assert s.leg.speed_kph == 20.0
    assert s.source == p
    s.check_districts(["AZ-BA", "AZ-GA"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[demand]\nplaces_per_10000 = -1",
            r"demand\.places_per_10000 is -1; expected a number >= 0",
        ),
        (
            "[demand]\nplaces_per_10000 = 0",
            r"demand\.places_per_10000 is 0\.0; expected a number > 0",
        ),
        ("[demand]\nfamily_place_size = 0.5", r"demand\.family_place_size is 0\.5"),
        (
            '[access]\nthresholds_min = [60, "two hours"]',
            r"access\.thresholds_min\[1\] is 'two hours'; expected a number",
        ),
        ('[access]\nthresholds_min = "60"', r"access\.thresholds_min is '60'; expected a list"),
        ("[access]\ncatchment_min = true", r"access\.catchment_min is True; expected a number"),
        ('[access]\ndecay = "linear"', r"access\.decay is 'linear'"),
        ("[access]\nzone_weights = [0.5, 1.0]", r"must not increase"),
        ("[demand]\nrate = 1", r"\[demand\] has unknown key \['rate'\]"),
        ("[solver]\nnode_limit = 0", r"solver\.node_limit is 0; expected a whole number >= 1"),
        (
            "[supply]\nsizes = [10, 20, 10]\nsize_costs = [5, 9, 6]",
            r"supply\.sizes\[2\] is 10\.0, as is supply\.sizes\[0\]; expected each size once",
        ),
        ("[solver]\nstall_checks = -1", r"solver\.stall_checks is -1; expected .* >= 0"),
        (
            "[solver]\nexact_district_size = 1.5",
            r"solver\.exact_district_size is 1\.5; expected a whole number >= 0",
        ),
        ("colour = 1", r"top level: unknown key \['colour'\]"),
        (
            "[targets]\nmax_travel_mins = 90",
            r"\['max_travel_mins'\] \(did you mean 'max_travel_min'\?\); known: \[",
        ),
        ("[target]\nmax_travel_min = 90", r"did you mean 'targets'\?"),
        ("colour = 1\nnme = 'x'", r"\['colour', 'nme'\] \(did you mean 'name' for 'nme'\?\)"),
        ("[leg]\ndetour_factor = 0.5", r"detour_factor is 0\.5"),
        ("[candidates]\nexclude_districts = [1]", r"candidates\.exclude_districts is \[1\]"),
        ("name = = 1", r"not valid TOML"),
        ('[demand]\npopulation_basis = "de facto"', r"population_basis is 'de facto'; expected"),
        ("[demand]\nresident_share = 1.2", r"demand\.resident_share is 1\.2; expected a share"),
        ('[travel]\nmode = " "', r"travel\.mode is ' '; expected 'car' or 'bus'$"),
        ("[access]\nthresholds_min = []", r"access\.thresholds_min is empty; expected a list"),
        ("[access]\nzone_weights = []", r"access\.zone_weights is empty; expected a list"),
        (
            "[access]\nzone_weights = [1.5, 1.0]",
            r"zone_weights\[0\] is 1\.5; expected a weight <= 1",
        ),
        (
            '[supply]\nexisting = "grow"',
            r"supply\.existing is 'grow'; expected 'keep' or 'expand'",
        ),
        (
            "[supply]\nsizes = []\nsize_costs = []",
            r"supply\.sizes is empty; expected at least one",
        ),
        ("[solver]\nmip_gap = 1.0", r"solver\.mip_gap is 1\.0; expected a relative gap below 1"),
        ("demand = 3", r"\[demand\] must be a table, not 3"),
        ('name = ""', r"name is ''; expected a non-empty string"),
        ('translations = "az"', r"translations is 'az'; expected \[translations\.<lang>\]"),
        ("[translations.az]\ndescription = 5", r"translations\.az\.description is 5; expected"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_write(tmp_path, text))


def test_error_names_the_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "[demand]\nplaces_per_10000 = -3")
    with pytest.raises(ScenarioError, match=r"s\.toml: demand\.places_per_10000"):
        load_scenario(p)
    with pytest.raises(MissingInputError, match=r"nope\.toml"):
        load_scenario(tmp_path / "nope.toml")


def test_unknown_district_id() -> None:
    s = scenario_from_dict({"candidates": {"exclude_districts": ["AZ-BA", "AZ-ZZZ"]}})
    with pytest.raises(ScenarioError, match=r"candidates\.exclude_districts\[1\] is 'AZ-ZZZ'"):
        s.check_districts(["AZ-BA", "AZ-GA"])


def test_shipped_scenarios_load() -> None:
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    assert files
    for f in files:
        load_scenario(f)


def test_service_tables(tmp_path: Path) -> None:
    s = load_scenario(
        _write(
            tmp_path,
            """
[inclusive]
served_share = 0.9
[rape_crisis]
max_travel_min = 90
[forensic]
cost = 7
[hospital_sites]
colocation = "require"
""",
        )
    )
    assert s.inclusive.served_share == 0.9 and s.inclusive.max_travel_min is None
    assert s.rape_crisis is not None and s.rape_crisis.max_travel_min == 90
    assert s.rape_crisis.women_per_centre == 200_000 and s.rape_crisis.women_share == 0.502
    assert s.forensic is not None and s.forensic.cost == 7 and s.forensic.max_travel_min == 120
    assert s.hospital_sites.colocation == "require"
    assert s.plans_hospital_services
    plain = load_scenario(_write(tmp_path, 'name = "x"'))
    assert plain.rape_crisis is None and plain.forensic is None
    assert not plain.plans_hospital_services


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[rape_crisis]\nwomen_share = 1.5", r"rape_crisis\.women_share is 1\.5"),
        ("[rape_crisis]\nwomen_per_centre = 0", r"rape_crisis\.women_per_centre"),
        ("[rape_crisis]\none_per_region = 1", r"rape_crisis\.one_per_region"),
        ("[forensic]\nmax_travel_min = -5", r"forensic\.max_travel_min"),
        ("[forensic]\nhours = 24", r"\[forensic\] has unknown key"),
        ("[hospital_sites]\ncolocation = 'maybe'", r"hospital_sites\.colocation is 'maybe'"),
        ("[inclusive]\nserved_share = 2", r"inclusive\.served_share"),
        (
            "[hospitals]\ntypes = ['general', 'polyclinics']",
            r"hospitals\.types\[1\] is 'polyclinics', not a hospital type; did you mean "
            r"'polyclinic'\?",
        ),
        ("[hospitals]\ntypes = []", r"hospitals\.types is empty"),
        ("[hospitals]\ninclude = 'H-AZ-BA-001'", r"hospitals\.include is 'H-AZ-BA-001'; "
         r"expected a list of hospital ids or names"),
        ("[hospitals]\nrequire_forensic = ['H1']\nexclude = ['H1']",
         r"hospitals\.require_forensic and hospitals\.exclude both list \['H1'\]"),
        ("[candidates]\nrequire = [3]", r"candidates\.require is \[3\]; expected a list"),
    ],
)  # fmt: skip
def test_service_table_errors(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        load_scenario(_write(tmp_path, text))


def test_full_recommendations_is_shipped() -> None:
    s = load_scenario(ROOT / "scenarios" / "full-recommendations.toml")
    assert s.rape_crisis is not None and s.forensic is not None
    assert s.rape_crisis.women_per_centre == 200_000 and s.rape_crisis.one_per_region
    assert s.supply.new_inclusive and s.inclusive.served_share is not None


def test_districts_by_name_with_a_suggestion() -> None:
    s = scenario_from_dict({"candidates": {"exclude_districts": ["Baku City", "GƏNCƏ", "AZ-GA"]}})
    names = {"Baku City": "AZ-BA", "Bakı": "AZ-BA", "Ganja City": "AZ-GA", "Gəncə": "AZ-GA"}
    resolved = s.check_districts(["AZ-BA", "AZ-GA"], names)
    assert resolved.candidates.exclude_districts == ("AZ-BA", "AZ-GA", "AZ-GA")
    near = scenario_from_dict({"candidates": {"exclude_districts": ["Baku"]}})
    with pytest.raises(ScenarioError, match=r"is 'Baku', not a district id or name.*'AZ-BA'"):
        near.check_districts(["AZ-BA", "AZ-GA"], names)


def test_hospital_and_candidate_lists_are_read(tmp_path: Path) -> None:
    s = load_scenario(
        _write(
            tmp_path,
            "[hospitals]\ntypes = ['general']\ninclude = ['H-AZ-KAL-001']\n"
            "require_rape_crisis = ['Şuşa Xəstəxanası']\n"
            "[candidates]\ninclude = ['Lerik']\nexclude = ['C-AZ-BA-0001']\nrequire = ['Lerik']\n",
        )
    )
    assert s.hospitals.types == ("general",)
    assert s.hospitals.include == ("H-AZ-KAL-001",)
    assert s.hospitals.require_rape_crisis == ("Şuşa Xəstəxanası",)
    assert s.candidates.include == ("Lerik",) and s.candidates.require == ("Lerik",)
    # the default offers general hospitals and polyclinics only
    assert scenario_from_dict({}).hospitals.types == ("general", "polyclinic")


def test_scenario_description_in_other_languages(tmp_path: Path) -> None:
    from planner.scenario import builtin_scenarios

    for name, path in builtin_scenarios().items():
        scenario = load_scenario(path)
        assert scenario.description_in("az") != scenario.description, name
        assert scenario.description_in("en") == scenario.description
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\ndescription = "x"\n[translations.fr]\ndescription = "y"\n')
    with pytest.raises(ScenarioError, match=r"translations\.fr: unknown language"):
        load_scenario(path)
    path.write_text('name = "s"\n[translations.az]\nname = "y"\n')
    with pytest.raises(ScenarioError, match=r"expected only description"):
        load_scenario(path)


def test_to_toml_reads_back_equal() -> None:
    import tomllib
    from dataclasses import replace

    from planner.scenario import builtin_scenarios

    for name in builtin_scenarios():
        shipped = load_scenario(name)
        back = scenario_from_dict(tomllib.loads(shipped.to_toml()))
        assert back == replace(shipped, source=None), name


def test_to_toml_writes_what_a_default_cannot(tmp_path: Path) -> None:
    import tomllib
    from dataclasses import replace

    population = tmp_path / "pop.csv"
    text = f"""
name = "odd"
description = "Quotes \\" and a back\\\\slash,\\nnew line, tab\\t, delete \\u007f, Azərbaycan"
[demand]
population = "{population.name}"
[targets]
nearest_tolerance_min = false
max_travel_km = 150
[budget]
max_new_sites = 3
[solver]
node_limit = 7
[candidates]
include = ["AZ-QBA-0001"]
[translations.az]
description = "Azərbaycanca"
"""
    odd = load_scenario(_write(tmp_path, text))
    assert odd.targets.nearest_tolerance_min is None and odd.demand.population == population
    toml = odd.to_toml()
    assert "nearest_tolerance_min = false" in toml and "node_limit = 7" in toml
    back = scenario_from_dict(tomllib.loads(toml), base_dir=tmp_path / "elsewhere")
    assert back.demand.population == population  # written absolute: found from anywhere
    assert back.description == odd.description and back.descriptions == odd.descriptions
    assert back == replace(odd, source=None)
    default = Scenario().to_toml()
    assert 'population = "default"' in default and 'file = "default"' in default
    assert scenario_from_dict(tomllib.loads(default)) == Scenario()
    # a NumPy number set from Python is written as the number it is
    import numpy as np

    numpy_set = replace(odd, targets=replace(odd.targets, max_travel_min=np.float64(90.0)))
    assert "max_travel_min = 90.0" in numpy_set.to_toml()


def test_site_lists_apply_to_their_dataset_only() -> None:
    scenario = scenario_from_dict(
        {
            "site_lists_dataset": "azerbaijan",
            "candidates": {"include": ["Buzovna"], "exclude_districts": ["AZ-BA"]},
            "hospitals": {"types": ["general"], "require_forensic": ["H-AZ-GA-018"]},
        }
    )
    assert scenario.lists_for("azerbaijan") == (scenario, ())
    other, dropped = scenario.lists_for("my_region")
    assert dropped == (
        "candidates.include", "candidates.exclude_districts", "hospitals.require_forensic"
    )  # fmt: skip
    assert other.candidates.include == () and other.candidates.exclude_districts == ()
    assert other.hospitals.require_forensic == () and other.hospitals.types == ("general",)
    unscoped = replace(scenario, site_lists_dataset=None)
    assert unscoped.lists_for("my_region") == (unscoped, ())
    assert 'site_lists_dataset = "azerbaijan"' in scenario.to_toml()
    with pytest.raises(ScenarioError, match=r"site_lists_dataset is 3; expected the name"):
        scenario_from_dict({"site_lists_dataset": 3})


def test_a_stricter_scenario_is_only_one_whose_rules_cannot_lose_a_plan() -> None:
    from planner.scenario import at_least_as_strict

    base = load_scenario("coe-minimum")

    def targets(**values: Any) -> Scenario:
        return replace(base, name="other", targets=replace(base.targets, **values))

    looser = targets(served_share=0.99)
    assert at_least_as_strict(base, looser) and not at_least_as_strict(looser, base)
    assert at_least_as_strict(base, base)
    assert at_least_as_strict(targets(nearest_tolerance_min=10.0), base)
    assert not at_least_as_strict(targets(nearest_tolerance_min=None), base)  # no rule at all
    assert at_least_as_strict(base, targets(nearest_tolerance_min=None))
    assert at_least_as_strict(targets(regional_capacity=True, single_source=True), base)
    assert not at_least_as_strict(targets(one_per_region=False), base)
    assert at_least_as_strict(base, targets(one_per_region=False))
    # each rule must be at least as strict: a higher share does not make up for a looser tolerance
    assert not at_least_as_strict(targets(served_share=1.0, nearest_tolerance_min=30.0), base)
    # a shorter travel limit binds fewer districts' "no longer than today": no order either way
    assert not at_least_as_strict(targets(max_travel_min=90.0), base)
    assert not at_least_as_strict(base, targets(max_travel_min=180.0))
    # a higher standard: more demand, whose plan serves less demand with its referrals scaled
    more = replace(base, name="more", demand=replace(base.demand, places_per_10000=2.0))
    assert at_least_as_strict(more, base) and not at_least_as_strict(base, more)
    beds = replace(base, name="beds", demand=replace(base.demand, family_place_size=2.0))
    assert not at_least_as_strict(beds, base) and not at_least_as_strict(base, beds)
    # a binding budget may leave a district worse off
    budget = replace(base, budget=replace(base.budget, max_new_sites=40))
    assert not at_least_as_strict(budget, base) and not at_least_as_strict(base, budget)
    # the name, the description and the solver's settings change no rule
    deeper = replace(
        base, name="deep", description="", solver=replace(base.solver, plan_search_nodes=200)
    )
    assert at_least_as_strict(deeper, looser) and at_least_as_strict(base, deeper)


def test_fewer_ways_to_build_or_fewer_candidates_make_a_scenario_stricter() -> None:
    from planner.scenario import at_least_as_strict

    base = load_scenario("coe-minimum")

    def supply(**values: Any) -> Scenario:
        return replace(base, name="other", supply=replace(base.supply, **values))

    def candidates(**values: Any) -> Scenario:
        return replace(base, name="other", candidates=replace(base.candidates, **values))

    # fewer sizes, each at the same cost: every plan of the fewer is a plan of the more
    fewer = supply(sizes=(10.0, 20.0), size_costs=(10.0, 18.0))
    assert at_least_as_strict(fewer, base) and not at_least_as_strict(base, fewer)
    # a size built for more: the dearer scenario's plans cost no more where it is cheaper
    dearer = supply(sizes=(10.0, 20.0, 40.0), size_costs=(10.0, 18.0, 34.0))
    assert at_least_as_strict(dearer, base) and not at_least_as_strict(base, dearer)
    assert not at_least_as_strict(supply(sizes=(10.0, 30.0), size_costs=(10.0, 24.0)), base)
    # keeping the existing shelters as they are is stricter than letting them expand
    expand = supply(existing="expand")
    assert at_least_as_strict(base, expand) and not at_least_as_strict(expand, base)
    more = supply(existing="expand", expand_max_places=40.0, expand_cost_per_place=0.5)
    assert at_least_as_strict(expand, more) and not at_least_as_strict(more, expand)
    cheap_few = supply(existing="expand", expand_cost_per_place=0.5)  # 20 places at 0.5
    dear_many = supply(existing="expand", expand_max_places=40.0)  # 40 places at 1.0
    assert not at_least_as_strict(cheap_few, dear_many)
    assert not at_least_as_strict(dear_many, cheap_few)
    assert not at_least_as_strict(supply(new_inclusive=True), base)
    assert not at_least_as_strict(base, supply(new_inclusive=True))
    # fewer candidates, or more required, from the same candidate file
    for strict, loose in [
        (candidates(exclude=("Quba", "Oğuz")), candidates(exclude=("Quba",))),
        (candidates(exclude_districts=("AZ-BA",)), base),
        (base, candidates(include=("Qusar",))),
        (candidates(require=("Quba", "Oğuz")), candidates(require=("Oğuz",))),
    ]:
        assert at_least_as_strict(strict, loose) and not at_least_as_strict(loose, strict)
    # lists are compared as written: the same site by id and by name leaves the pair unordered
    assert not at_least_as_strict(
        candidates(exclude=("C-AZ-QBA-0001",)), candidates(exclude=("Quba",))
    )
    assert not at_least_as_strict(candidates(file=Path("sites.csv")), base)
    assert not at_least_as_strict(base, candidates(file=Path("sites.csv")))
