"""Scenarios: every planning parameter in one validated TOML file.

A scenario file has these tables; every key is optional and falls back to the
default shown (see ``scenarios/`` for examples)::

    name = "coe-minimum"
    description = "Council of Europe minimum standard"
    # [translations.az]            # the description in another language, for --lang az
    # description = "Avropa Şurasının minimum standartı"

    [demand]
    population = "default"        # or a CSV path (district_id,population), relative to the file
    population_basis = "registered"   # or "resident": districts whose official figures are
                                  # registered populations (displaced people still counted there)
                                  # keep resident_share of them; the rest count where the dataset
                                  # says displaced people live
    resident_share = 0.25         # assumption used with population_basis = "resident"
    places_per_10000 = 1.0        # family places required per 10,000 people (CoE: 1)
    family_place_size = 1.7       # beds per family place: a woman plus 0.7 children on average

    [travel]
    mode = "car"                  # or "bus" (bus or minibus: slower, plus waiting and stops);
                                  # every time, limit and share below is in this mode

    [access]
    thresholds_min = [30, 60, 120, 180]   # travel-time thresholds reported
    catchment_min = 120           # E2SFCA catchment
    decay = "step"                # E2SFCA distance decay: "step" or "gaussian"
    zone_weights = [1.0, 0.68, 0.22]      # step decay: weight of each equal zone of the catchment
    map_threshold_min = 120       # settlements beyond this are marked on the map

    [leg]
    speed_kph = 30                # off-network leg from a settlement to the road
    detour_factor = 1.3

    [candidates]
    file = "default"              # or a points file (CSV lon/lat, GeoJSON, GeoPackage) with a name
    exclude_districts = []        # district ids where no new site may go
    include = []                  # settlement ids or names added as candidate sites
    exclude = []                  # candidate ids or names never proposed
    require = []                  # candidate ids or names every plan must open

    [targets]                     # used by the optimizer (shelter-planner plan)
    max_travel_min = 120          # an assigned shelter is at most this far (minutes)
    max_travel_km = 300           # and at most this far by road (km); omit for no limit
    served_share = 1.0            # share of required places that must be served within the limits
    one_per_region = true         # at least one shelter in every economic region with people
    regional_capacity = false     # each region's capacity at least its own requirement
    nearest_tolerance_min = 15    # default 15: nobody is referred more than this beyond their
                                  # nearest open shelter (existing ones always count), and
                                  # no district's mean travel grows beyond today's;
                                  # false lifts the rule (cheaper plans that send people far)
    single_source = false         # true: every settlement referred to one shelter (slower)

    [supply]
    existing = "keep"             # or "expand": existing shelters may grow
    expand_max_places = 20        # family places an existing shelter may add
    expand_cost_per_place = 1.0
    sizes = [10, 20, 40]          # family places a new shelter may have
    size_costs = [10, 18, 32]     # cost of each size (any unit)
    new_inclusive = true          # default true: new shelters accept LGBTQ+ survivors

    [inclusive]                   # LGBTQ+-inclusive shelters (reported always; a target if set)
    max_travel_min = 120          # "within reach of an inclusive shelter" means this close
    served_share = 0.95           # share of people that must be within reach; omit: report only

    [rape_crisis]                 # plan rape crisis centres at hospitals (table present = planned)
    women_per_centre = 200000     # CoE: one centre per 200,000 women
    women_share = 0.502           # women's share of the population (2024)
    one_per_region = true         # CoE: at least one centre per region
    regional_capacity = false     # each region hosts centres for all its women (ceil(W / K))
    max_travel_min = 120          # women are served by a centre at most this far
    served_share = 0.99           # share of women that must be served within the limit
    cost = 10                     # cost of a centre (same unit as supply.size_costs)

    [forensic]                    # plan 24/7 forensic examination at hospitals
    max_travel_min = 120          # every settlement with a hospital this close gets one
    cost = 5                      # cost of making a hospital's service 24/7

    [hospitals]                   # which hospitals may host the two services
    types = ["general", "polyclinic"]   # default: general hospitals and polyclinics only
                                  # (types read from names: planner.hospital_types)
    include = []                  # hospital ids or names offered whatever their type
    exclude = []                  # hospital ids or names never offered
    require_rape_crisis = []      # hospitals that must host a rape crisis centre
    require_forensic = []         # hospitals that must offer 24/7 forensic examination
    forensic_types = []           # types (of types) that may host 24/7 forensic examination;
                                  # default []: all of types

    [hospital_sites]              # how the two hospital services are weighed together
    site_cost = 10                # cost of opening any service at a hospital, counted once
    colocation = "reward"         # reward | require (every centre at a forensic hospital) | none
    colocation_bonus = 5          # subtracted for each hospital with both services

    [budget]
    max_new_sites = 5             # omit for no limit (0 = no new sites)
    max_cost = 200                # omit for no limit

    [objective]
    type = "min_cost"             # min_cost | max_coverage | min_travel | min_worst_travel
                                  # | fixed_charge (opening cost + weighted travel)
    travel_weight = 0.01          # fixed_charge: cost of one family place travelling one minute
    tie_break = "travel"          # travel | cost | none

    [solver]
    mip_gap = 0.005               # prove the plan within this relative gap of the best
    node_limit = 1                # work budget of the final search (1: prove the bound at the
                                  # root); the same plan on every machine
    time_limit_s = 300            # safety net only: a plan stopped by it says so
    root_search = true            # end min_cost plans with that final search; false: report
                                  # the LP relaxation's bound (quicker on large models)
    stall_checks = 10             # a root-only final search stops once its bound has not
                                  # risen at this many checkpoints in a row (0: HiGHS decides)
    exact_district_size = 2500    # settlements x candidates up to which a repaired plan is
                                  # searched again with the district rule written in (0: never)
    plan_search_nodes = 0         # nodes of a deeper search for a cheaper min_cost plan, with
                                  # HiGHS's heuristics, after the region search (0: none;
                                  # 200 nationally: minutes more, time_limit_s = 1800)

Validation names the table, the key and the bad value.
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
import tomllib
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from planner._errors import MissingInputError, OptionError
from planner._shipped import builtin_scenarios
from planner._validate import boolean, float_list, number, unknown_keys
from planner.hospital_types import HOSPITAL_TYPES, SUITABLE_TYPES, fold_name
from planner.locate.options import (
    OBJECTIVES,
    BudgetOptions,
    ForensicOptions,
    HospitalSiteOptions,
    InclusiveOptions,
    ObjectiveOptions,
    RapeCrisisOptions,
    ServiceOptions,
    SitingOptions,
    SolverOptions,
    SupplyOptions,
    TargetOptions,
)
from planner.network import OffNetworkLeg

__all__ = [
    "OBJECTIVES",
    "AccessOptions",
    "BudgetOptions",
    "CandidateOptions",
    "DemandOptions",
    "ForensicOptions",
    "HospitalSelection",
    "HospitalSiteOptions",
    "InclusiveOptions",
    "ObjectiveOptions",
    "RapeCrisisOptions",
    "Scenario",
    "ScenarioError",
    "SolverOptions",
    "SupplyOptions",
    "TargetOptions",
    "TravelOptions",
    "at_least_as_strict",
    "builtin_scenarios",
    "load_scenario",
    "resolve_scenario",
    "scenario_from_dict",
]

ScenarioError = OptionError
"""A scenario file or value is not valid (the option types raise it too)."""


@dataclass(frozen=True)
class DemandOptions:
    """How many places are needed.

    Parameters
    ----------
    population
        ``None`` for the dataset's populations, or a CSV path
        (``district_id,population``).
    population_basis
        ``"registered"`` (the figures as published) or ``"resident"``: districts
        whose figures are registered populations keep ``resident_share`` of them
        and the rest are counted where the dataset says displaced people live
        (:meth:`planner.data.Dataset.with_resident_basis`).
    resident_share
        Share of a registered population living in its district (an
        assumption; used with ``population_basis = "resident"``).
    places_per_10000
        Family places required per 10,000 people (Council of Europe: 1).
    family_place_size
        Beds per family place: one woman plus the average number of children.
        1.7 makes the national requirement about 1,730 beds, "about ten times"
        the 175 existing places, as the UPR submission states.
    """

    population: Path | None = None
    population_basis: str = "registered"
    resident_share: float = 0.25
    places_per_10000: float = 1.0
    family_place_size: float = 1.7

    def __post_init__(self) -> None:
        number("demand.places_per_10000", self.places_per_10000, strict=True)
        number("demand.family_place_size", self.family_place_size, minimum=1.0)
        if number("demand.resident_share", self.resident_share) > 1.0:
            raise ScenarioError(
                f"demand.resident_share is {self.resident_share!r}; expected a share 0..1"
            )
        if self.population_basis not in ("registered", "resident"):
            raise ScenarioError(
                f"demand.population_basis is {self.population_basis!r}; expected 'registered' "
                "or 'resident'"
            )


@dataclass(frozen=True)
class TravelOptions:
    """How people travel to help.

    Parameters
    ----------
    mode
        ``"car"`` (the default) or ``"bus"`` (bus or minibus: slower, plus
        waiting and stops), or any mode the dataset defines; every travel
        time, limit and share of the scenario is in this mode (see
        :class:`planner.network.TravelMode`).
    """

    mode: str = "car"

    def __post_init__(self) -> None:
        if not isinstance(self.mode, str) or not self.mode.strip():
            raise ScenarioError(f"travel.mode is {self.mode!r}; expected 'car' or 'bus'")


@dataclass(frozen=True)
class AccessOptions:
    """How travel and capacity-aware access are measured.

    Parameters
    ----------
    thresholds_min
        Travel-time thresholds (minutes) for the share-beyond columns.
    catchment_min
        E2SFCA catchment (minutes): shelters farther away do not count.
    decay
        ``"step"`` (zones of equal width with ``zone_weights``, Luo and Qi
        2009) or ``"gaussian"`` (Gaussian kernel reaching 0 at the catchment
        edge, Dai 2010).
    zone_weights
        Step decay weights, one per zone, non-increasing, in [0, 1].
    map_threshold_min
        Settlements beyond this travel time are marked on the map.
    """

    thresholds_min: tuple[float, ...] = (30.0, 60.0, 120.0, 180.0)
    catchment_min: float = 120.0
    decay: Literal["step", "gaussian"] = "step"
    zone_weights: tuple[float, ...] = (1.0, 0.68, 0.22)
    map_threshold_min: float = 120.0

    def __post_init__(self) -> None:
        if not self.thresholds_min:
            raise ScenarioError("access.thresholds_min is empty; expected a list of minutes")
        for i, t in enumerate(self.thresholds_min):
            number(f"access.thresholds_min[{i}]", t, strict=True)
        number("access.catchment_min", self.catchment_min, strict=True)
        number("access.map_threshold_min", self.map_threshold_min, strict=True)
        if self.decay not in ("step", "gaussian"):
            raise ScenarioError(f"access.decay is {self.decay!r}; expected 'step' or 'gaussian'")
        if not self.zone_weights:
            raise ScenarioError("access.zone_weights is empty; expected a list of weights")
        for i, w in enumerate(self.zone_weights):
            number(f"access.zone_weights[{i}]", w)
            if w > 1:
                raise ScenarioError(f"access.zone_weights[{i}] is {w!r}; expected a weight <= 1")
        if list(self.zone_weights) != sorted(self.zone_weights, reverse=True):
            raise ScenarioError(
                f"access.zone_weights {list(self.zone_weights)} must not increase with distance"
            )


@dataclass(frozen=True)
class CandidateOptions:
    """Where new sites may go.

    Parameters
    ----------
    exclude_districts
        Districts (ids or names) in which no new site may be proposed.
    file
        A points file of candidate sites instead of the dataset's.
    include
        Settlements (ids or names) added as candidate sites.
    exclude
        Candidates (ids or names) never proposed.
    require
        Candidates (ids or names, an included settlement's too) that every
        plan must open, at one of the sizes.
    """

    exclude_districts: tuple[str, ...] = ()
    file: Path | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    require: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _no_conflict("candidates", self.require, self.exclude)


@dataclass(frozen=True)
class HospitalSelection:
    """Which hospitals may host a rape crisis centre or 24/7 forensic examination.

    Parameters
    ----------
    types
        Hospital types offered (:data:`planner.hospital_types.HOSPITAL_TYPES`);
        by default general hospitals and polyclinics. Ignored, with a note,
        for a dataset whose hospitals have no type.
    include
        Hospitals (ids or names) offered whatever their type.
    exclude
        Hospitals (ids or names) never offered.
    require_rape_crisis, require_forensic
        Hospitals that every plan must give the service.
    forensic_types
        The types (among ``types``) that may host 24/7 forensic examination;
        empty: all of ``types``. A polyclinic, open by day, may host a rape
        crisis centre but not a round-the-clock examination.
    """

    types: tuple[str, ...] = SUITABLE_TYPES
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    require_rape_crisis: tuple[str, ...] = ()
    require_forensic: tuple[str, ...] = ()
    forensic_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.types:
            raise ScenarioError(
                f"hospitals.types is empty; expected some of {sorted(HOSPITAL_TYPES)}"
            )
        for i, t in enumerate(self.types):
            if t not in HOSPITAL_TYPES:
                near = difflib.get_close_matches(t, list(HOSPITAL_TYPES), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ScenarioError(
                    f"hospitals.types[{i}] is {t!r}, not a hospital type{hint} "
                    f"(types: {sorted(HOSPITAL_TYPES)})"
                )
        for i, t in enumerate(self.forensic_types):
            if t not in self.types:
                raise ScenarioError(
                    f"hospitals.forensic_types[{i}] is {t!r}, not one of hospitals.types "
                    f"{list(self.types)}"
                )
        _no_conflict("hospitals", self.require_rape_crisis, self.exclude, "require_rape_crisis")
        _no_conflict("hospitals", self.require_forensic, self.exclude, "require_forensic")


def _no_looser(strict: float | None, loose: float | None) -> bool:
    """Whether the limit ``strict`` is at most ``loose`` (``None``: no limit at all)."""
    if loose is None:
        return True
    return strict is not None and strict <= loose


def at_least_as_strict(strict: Scenario, loose: Scenario) -> bool:
    """Whether every plan meeting ``strict``'s rules meets ``loose``'s too, at no higher cost.

    True when the two scenarios plan the same thing (every option equal but
    the name, descriptions, file, ``[access]`` reporting and ``[solver]``
    settings) and ``strict`` differs only by rules at least as demanding: more
    family places per 10,000 people (a plan for more demand serves less with the
    same referrals scaled down, every share and mean as it was), a higher
    ``served_share``, a smaller ``nearest_tolerance_min``, ``one_per_region``,
    ``regional_capacity`` or ``single_source`` set; fewer ways to build (existing
    shelters kept where ``loose`` lets them expand, or expanding by at most as
    many places at no lower cost; each of its sizes offered by ``loose`` at no
    higher cost); fewer candidates (more excluded, fewer included, more
    required, more districts closed, from the same candidate file; lists
    compared as written, so a site named by id in one and by name in the other
    leaves the pair unordered). The travel limits and budgets are not among
    them: a district's rule "no longer mean travel than today" applies to the
    districts within the limit today, so a shorter limit binds fewer districts,
    and a binding budget may leave a district worse off. Such a
    pair's plans can be compared: the stricter one's plan is a plan of the looser
    scenario, so a looser plan that costs more is not the cheapest there is
    (:func:`planner.planning.dearer_than_stricter`).

    Parameters
    ----------
    strict
        The scenario that may ask more.
    loose
        The scenario that may ask less.

    Returns
    -------
    bool
        True when ``strict``'s rules imply ``loose``'s.
    """
    s, lo = strict.targets, loose.targets
    rules = (
        strict.demand.places_per_10000 >= loose.demand.places_per_10000,
        s.served_share >= lo.served_share,
        _no_looser(s.nearest_tolerance_min, lo.nearest_tolerance_min),
        s.one_per_region or not lo.one_per_region,
        s.regional_capacity or not lo.regional_capacity,
        s.single_source or not lo.single_source,
    )
    same_else = replace(
        strict,
        name=loose.name,
        description=loose.description,
        descriptions=loose.descriptions,
        source=loose.source,
        access=loose.access,
        solver=loose.solver,
        supply=loose.supply,
        candidates=loose.candidates,
        demand=replace(strict.demand, places_per_10000=loose.demand.places_per_10000),
        targets=replace(
            s,
            served_share=lo.served_share,
            nearest_tolerance_min=lo.nearest_tolerance_min,
            one_per_region=lo.one_per_region,
            regional_capacity=lo.regional_capacity,
            single_source=lo.single_source,
        ),
    )
    return (
        all(rules)
        and _no_more_to_build(strict.supply, loose.supply)
        and _no_more_candidates(strict.candidates, loose.candidates)
        and same_else == loose
    )


def _no_more_to_build(strict: SupplyOptions, loose: SupplyOptions) -> bool:
    """Whether every way ``strict`` builds is open to ``loose`` at no higher cost."""
    costs = dict(zip(loose.sizes, loose.size_costs, strict=True))
    sizes = all(
        size in costs and costs[size] <= cost
        for size, cost in zip(strict.sizes, strict.size_costs, strict=True)
    )
    expand = strict.existing == "keep" or (
        loose.existing == "expand"
        and strict.expand_max_places <= loose.expand_max_places
        and strict.expand_cost_per_place >= loose.expand_cost_per_place
    )
    return sizes and expand and strict.new_inclusive == loose.new_inclusive


def _no_more_candidates(strict: CandidateOptions, loose: CandidateOptions) -> bool:
    """Whether ``strict``'s candidates are among ``loose``'s, its required ones too."""
    return (
        strict.file == loose.file
        and set(strict.exclude) >= set(loose.exclude)
        and set(strict.exclude_districts) >= set(loose.exclude_districts)
        and set(strict.include) <= set(loose.include)
        and set(strict.require) >= set(loose.require)
    )


def _no_conflict(
    table: str, required: Sequence[str], excluded: Sequence[str], key: str = "require"
) -> None:
    both = sorted(set(required) & set(excluded))
    if both:
        raise ScenarioError(f"{table}.{key} and {table}.exclude both list {both}")


@dataclass(frozen=True)
class Scenario:
    """A validated planning scenario.

    Build one with :func:`load_scenario` or directly; every field has the
    default of the Council of Europe minimum standard.

    Parameters
    ----------
    name
        The scenario's name (outputs name their folders and titles by it).
    description
        One line saying what the scenario plans.
    descriptions
        The description in other languages: ``(language, text)`` pairs.
    demand
        ``[demand]``: population and the standard of places.
    travel
        ``[travel]``: the travel mode.
    access
        ``[access]``: thresholds and the E2SFCA catchment.
    leg
        ``[leg]``: the off-network leg to the road.
    candidates
        ``[candidates]``: where new sites may go, lists to include, exclude, require.
    targets
        ``[targets]``: travel limit, share served, the regional and closest-assignment rules.
    supply
        ``[supply]``: sizes, costs and what existing shelters may do.
    budget
        ``[budget]``: most sites and cost.
    objective
        ``[objective]``: what the plan optimises.
    solver
        ``[solver]``: gap, work budget, safety-net time limit.
    inclusive
        ``[inclusive]``: reach of LGBTQ+-inclusive shelters.
    rape_crisis
        ``[rape_crisis]``: plan rape crisis centres (``None``: not planned).
    forensic
        ``[forensic]``: plan 24/7 forensic examination (``None``: not planned).
    hospital_sites
        ``[hospital_sites]``: costs shared by services at one hospital.
    hospitals
        ``[hospitals]``: hospital types and lists to include, exclude, require.
    site_lists_dataset
        The dataset whose sites and districts the ``[candidates]`` and ``[hospitals]`` lists name;
        on any other dataset they are not applied. ``None``: they apply to every dataset.
    source
        The file the scenario was read from, if any.
    """

    name: str = "default"
    description: str = ""
    #: The description in other languages: ``(language, text)`` pairs.
    descriptions: tuple[tuple[str, str], ...] = ()
    demand: DemandOptions = field(default_factory=DemandOptions)
    travel: TravelOptions = field(default_factory=TravelOptions)
    access: AccessOptions = field(default_factory=AccessOptions)
    leg: OffNetworkLeg = field(default_factory=OffNetworkLeg)
    candidates: CandidateOptions = field(default_factory=CandidateOptions)
    targets: TargetOptions = field(default_factory=TargetOptions)
    supply: SupplyOptions = field(default_factory=SupplyOptions)
    budget: BudgetOptions = field(default_factory=BudgetOptions)
    objective: ObjectiveOptions = field(default_factory=ObjectiveOptions)
    solver: SolverOptions = field(default_factory=SolverOptions)
    inclusive: InclusiveOptions = field(default_factory=InclusiveOptions)
    rape_crisis: RapeCrisisOptions | None = None
    forensic: ForensicOptions | None = None
    hospital_sites: HospitalSiteOptions = field(default_factory=HospitalSiteOptions)
    hospitals: HospitalSelection = field(default_factory=HospitalSelection)
    #: The dataset whose sites and districts the ``[candidates]`` and ``[hospitals]``
    #: lists name; on any other dataset they are not applied (see :meth:`lists_for`).
    #: ``None``: they apply to every dataset, and a name it lacks is an error.
    site_lists_dataset: str | None = None
    source: Path | None = None

    def description_in(self, lang: str) -> str:
        """Return the description in ``lang`` (from ``[translations.<lang>]``), else as written.

        Parameters
        ----------
        lang
            A language code, e.g. ``"az"``.

        Returns
        -------
        str
            The description.
        """
        return dict(self.descriptions).get(lang, self.description)

    @property
    def siting_options(self) -> SitingOptions:
        """The shelter siting model's options, composed from this scenario's tables."""
        return SitingOptions(
            targets=self.targets,
            supply=self.supply,
            budget=self.budget,
            objective=self.objective,
            solver=self.solver,
            inclusive_served_share=self.inclusive.served_share,
        )

    @property
    def service_options(self) -> ServiceOptions:
        """The hospital services model's options, composed from this scenario's tables."""
        return ServiceOptions(
            rape_crisis=self.rape_crisis,
            forensic=self.forensic,
            sites=self.hospital_sites,
            solver=self.solver,
        )

    @property
    def inclusive_limit_min(self) -> float:
        """Travel time within which a person counts as within reach of an inclusive shelter."""
        limit = self.inclusive.max_travel_min
        return self.targets.max_travel_min if limit is None else limit

    def to_toml(self) -> str:
        """Return the scenario as a TOML file that :func:`load_scenario` reads back equal.

        Every option is written, defaults and command-line overrides included,
        so the file records exactly what a plan was run with: writing it beside
        the results lets anyone rerun them (``shelter-planner plan
        scenario.toml``). Paths are written absolute; an absent population or
        candidate file as ``"default"``, a lifted closest-assignment rule as
        ``false``.

        Returns
        -------
        str
            The TOML text.
        """
        lines = [
            "# The scenario exactly as run: every option, defaults and overrides included.",
            f"name = {_toml_value(self.name)}",
            f"description = {_toml_value(self.description)}",
        ]
        if self.site_lists_dataset is not None:
            lines.append(f"site_lists_dataset = {_toml_value(self.site_lists_dataset)}")
        for table, cls in _TABLES.items():
            options = getattr(self, table)
            if options is None:  # an optional service not planned
                continue
            lines += ["", f"[{table}]"]
            for option in fields(cls):
                value = getattr(options, option.name)
                if value is None:
                    value = _NONE_IN_TOML.get((table, option.name))
                    if value is None:  # the default "none" is written by leaving the key out
                        if option.default is not None:
                            raise ValueError(f"{table}.{option.name} is None; no TOML for it")
                        continue
                lines.append(f"{option.name} = {_toml_value(value)}")
        for lang, text in self.descriptions:
            lines += ["", f"[translations.{lang}]", f"description = {_toml_value(text)}"]
        return "\n".join(lines) + "\n"

    @property
    def plans_hospital_services(self) -> bool:
        """Whether the scenario plans rape crisis centres or forensic examination."""
        return self.rape_crisis is not None or self.forensic is not None

    def lists_for(self, dataset: str) -> tuple[Scenario, tuple[str, ...]]:
        """Return the scenario as it applies to ``dataset``, and the lists it drops.

        Lists of sites and districts (``candidates.include``, ``exclude``,
        ``require``, ``exclude_districts`` and every ``hospitals`` list) name
        the sites of one dataset. When ``site_lists_dataset`` names another
        dataset, they are emptied, so that a scenario written for one region
        (the shipped ones name hospitals of the embedded dataset) still runs on
        any other; hospital types and every target still apply.

        Parameters
        ----------
        dataset
            The name of the dataset planned on (:attr:`planner.data.Dataset.name`).

        Returns
        -------
        tuple[Scenario, tuple[str, ...]]
            The scenario, and the keys of the non-empty lists dropped
            (``"hospitals.include"``); none when the lists apply.
        """
        if self.site_lists_dataset is None or self.site_lists_dataset == dataset:
            return self, ()
        lists = {
            "candidates": ("include", "exclude", "require", "exclude_districts"),
            "hospitals": ("include", "exclude", "require_rape_crisis", "require_forensic"),
        }
        dropped = tuple(
            f"{table}.{key}"
            for table, keys in lists.items()
            for key in keys
            if getattr(getattr(self, table), key)
        )
        empty = {
            table: replace(getattr(self, table), **dict.fromkeys(keys, ()))
            for table, keys in lists.items()
        }
        return replace(self, **empty), dropped

    def check_districts(
        self, district_ids: Sequence[str], names: Mapping[str, str] | None = None
    ) -> Scenario:
        """Return the scenario with every district it names given by id.

        ``candidates.exclude_districts`` may name a district by id or by name
        (any of ``names``, which maps a name to its id; case and accents
        ignored). An unknown one is an error that suggests the nearest match.

        Parameters
        ----------
        district_ids
            The dataset's district ids.
        names
            Other names of the districts (e.g. ``name`` and ``name_az``) to their ids.

        Returns
        -------
        Scenario
            A copy whose district lists hold ids only.
        """
        known = set(district_ids)
        by_name = {_fold(k): v for k, v in (names or {}).items()}
        by_name.update({_fold(k): k for k in known})
        ids = []
        for i, d in enumerate(self.candidates.exclude_districts):
            found = d if d in known else by_name.get(_fold(d))
            if found is None:
                near = difflib.get_close_matches(_fold(d), list(by_name), n=1, cutoff=0.6)
                hint = (
                    f"; did you mean {by_name[near[0]]!r}?"
                    if near
                    else f" (e.g. {sorted(known)[:3]})"
                )
                raise ScenarioError(
                    f"candidates.exclude_districts[{i}] is {d!r}, not a district id or name of "
                    f"the dataset{hint}"
                )
            ids.append(found)
        candidates = replace(self.candidates, exclude_districts=tuple(ids))
        return replace(self, candidates=candidates)


def _fold(text: str) -> str:
    """Fold case and accents (dotless ı as i, schwa ə as e), so spellings match."""
    return fold_name(text).strip()


#: Each TOML table and the option type it builds; the keys are the type's fields.
_TABLES: dict[str, type[Any]] = {
    "demand": DemandOptions,
    "travel": TravelOptions,
    "access": AccessOptions,
    "leg": OffNetworkLeg,
    "candidates": CandidateOptions,
    "targets": TargetOptions,
    "supply": SupplyOptions,
    "budget": BudgetOptions,
    "objective": ObjectiveOptions,
    "solver": SolverOptions,
    "inclusive": InclusiveOptions,
    "rape_crisis": RapeCrisisOptions,
    "forensic": ForensicOptions,
    "hospital_sites": HospitalSiteOptions,
    "hospitals": HospitalSelection,
}
#: Tables whose presence turns a service on (absent: ``None``).
_OPTIONAL_TABLES = ("rape_crisis", "forensic")
_TOP = {"name", "description", "translations", "site_lists_dataset", *_TABLES}


def _keys(table: str) -> set[str]:
    return {f.name for f in fields(_TABLES[table])}


def _path(where: str, expected: str) -> Callable[[object, Path], Path | None]:
    def parse(value: object, base_dir: Path) -> Path | None:
        if not isinstance(value, str):
            raise ScenarioError(f"{where} is {value!r}; expected {expected}")
        return None if value == "default" else base_dir / value

    return parse


def _district_ids(value: object, base_dir: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise ScenarioError(
            f"candidates.exclude_districts is {value!r}; expected a list of district ids"
        )
    return tuple(value)


#: How :meth:`Scenario.to_toml` writes an option whose ``None`` is not "left out".
_NONE_IN_TOML: dict[tuple[str, str], object] = {
    ("targets", "nearest_tolerance_min"): False,
    ("demand", "population"): "default",
    ("candidates", "file"): "default",
}


def _toml_value(value: object) -> str:
    """Write one option value in TOML (strings as basic strings, JSON's escapes)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):  # int, or a NumPy integer set from Python
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return "nan" if math.isnan(number) else repr(number)  # 120.0, 1e-05, inf: TOML floats
    if isinstance(value, Path):  # absolute, so the file reads the same from any folder
        value = str(value.resolve())
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r} ({type(value).__name__})")


#: Keys whose values are not plain numbers, booleans or names.
def _tolerance(value: object, base_dir: Path) -> float | None:
    """``targets.nearest_tolerance_min``: minutes, or ``false`` to lift the rule."""
    if value is False:
        return None
    return number("targets.nearest_tolerance_min", value)


def _names(where: str, expected: str) -> Callable[[object, Path], tuple[str, ...]]:
    def parse(value: object, base_dir: Path) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(f"{where} is {value!r}; expected a list of {expected}")
        return tuple(value)

    return parse


_SPECIAL: dict[tuple[str, str], Callable[[object, Path], object]] = {
    ("targets", "nearest_tolerance_min"): _tolerance,
    ("candidates", "include"): _names("candidates.include", "settlement ids or names"),
    ("candidates", "exclude"): _names("candidates.exclude", "candidate ids or names"),
    ("candidates", "require"): _names("candidates.require", "candidate ids or names"),
    ("hospitals", "types"): _names("hospitals.types", "hospital types"),
    ("hospitals", "forensic_types"): _names("hospitals.forensic_types", "hospital types"),
    **{
        ("hospitals", key): _names(f"hospitals.{key}", "hospital ids or names")
        for key in ("include", "exclude", "require_rape_crisis", "require_forensic")
    },
    ("demand", "population"): _path("demand.population", "'default' or a CSV path"),
    ("candidates", "file"): _path("candidates.file", "'default' or a path"),
    ("candidates", "exclude_districts"): _district_ids,
}


def _parse_value(table: str, key: str, hint: object, value: object, base_dir: Path) -> object:
    """Parse one TOML value by the type of the option field it sets."""
    where = f"{table}.{key}"
    special = _SPECIAL.get((table, key))
    if special is not None:
        return special(value, base_dir)
    args = typing.get_args(hint)
    if hint is bool:
        return boolean(where, value)
    if hint is float or (float in args and type(None) in args):
        return number(where, value)
    if typing.get_origin(hint) is tuple and args[:1] == (float,):
        return float_list(where, value)
    return value  # names (Literal) and whole numbers: the option type validates them


def _table(data: Mapping[str, Any], table: str, base_dir: Path) -> Any:
    """Build one option type from its TOML table (absent keys keep their defaults)."""
    raw = data.get(table, {})
    if not isinstance(raw, dict):
        raise ScenarioError(f"[{table}] must be a table, not {raw!r}")
    bad = unknown_keys(raw, _keys(table))
    if bad:
        raise ScenarioError(f"[{table}] has {bad}")
    cls = _TABLES[table]
    hints = typing.get_type_hints(cls)
    values = {k: _parse_value(table, k, hints[k], v, base_dir) for k, v in raw.items()}
    try:
        return cls(**values)
    except OptionError:
        raise
    except ValueError as exc:
        raise ScenarioError(f"[{table}]: {exc}") from None


def scenario_from_dict(data: Mapping[str, Any], *, base_dir: Path | None = None) -> Scenario:
    """Validate a parsed scenario mapping.

    Every table is parsed the same way, from the fields of its option type
    (``_TABLES``): numbers, booleans and lists of numbers are checked here,
    everything else by the option type itself.

    Parameters
    ----------
    data
        Parsed TOML.
    base_dir
        Folder relative paths are resolved against.

    Returns
    -------
    Scenario
        The validated scenario.
    """
    bad = unknown_keys(data, _TOP)
    if bad:
        raise ScenarioError(f"top level: {bad}")
    name = data.get("name", "default")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"name is {name!r}; expected a non-empty string")
    base = base_dir or Path.cwd()
    tables = {
        table: _table(data, table, base)
        for table in _TABLES
        if table not in _OPTIONAL_TABLES or table in data
    }
    lists_dataset = data.get("site_lists_dataset")
    if lists_dataset is not None and (not isinstance(lists_dataset, str) or not lists_dataset):
        raise ScenarioError(
            f"site_lists_dataset is {lists_dataset!r}; expected the name of a dataset"
        )
    return Scenario(
        name=name,
        description=str(data.get("description", "")),
        descriptions=_descriptions(data.get("translations", {})),
        site_lists_dataset=lists_dataset,
        **tables,
    )


def _descriptions(translations: object) -> tuple[tuple[str, str], ...]:
    """Read ``[translations.<lang>]`` tables: the scenario's description in each language."""
    from planner._i18n import LANGUAGES

    if not isinstance(translations, Mapping):
        raise ScenarioError(f"translations is {translations!r}; expected [translations.<lang>]")
    out = []
    for lang, texts in translations.items():
        if lang not in LANGUAGES:
            raise ScenarioError(
                f"translations.{lang}: unknown language; expected one of {list(LANGUAGES)}"
            )
        if not isinstance(texts, Mapping) or set(texts) - {"description"}:
            raise ScenarioError(
                f'translations.{lang} is {texts!r}; expected only description = "..."'
            )
        text = texts.get("description", "")
        if not isinstance(text, str):
            raise ScenarioError(f"translations.{lang}.description is {text!r}; expected text")
        out.append((str(lang), text))
    return tuple(sorted(out))


def resolve_scenario(name_or_path: str | Path) -> Path:
    """Return a scenario file: an existing path, or the name of a shipped scenario.

    Parameters
    ----------
    name_or_path
        A TOML file, or a shipped scenario's name (``coe-minimum``).

    Returns
    -------
    Path
        The scenario file.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = builtin_scenarios()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    raise MissingInputError(
        f"scenario {str(name_or_path)!r} is neither a file nor a shipped scenario "
        f"(shipped: {sorted(shipped)})"
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path
        TOML file; relative paths inside it are resolved against its folder.

    Returns
    -------
    Scenario
        The validated scenario.
    """
    path = Path(path)
    if not path.is_file():
        shipped = builtin_scenarios()
        if str(path) in shipped:
            path = shipped[str(path)]
        else:
            raise MissingInputError(f"scenario file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"{path} is not UTF-8 text; expected a TOML scenario") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path} is not valid TOML: {exc}") from None
    try:
        scenario = scenario_from_dict(data, base_dir=path.parent)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return replace(scenario, source=path)
