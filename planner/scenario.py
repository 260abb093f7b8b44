"""Scenarios: every planning parameter in one validated TOML file.

A scenario file has these tables; every key is optional and falls back to the
default shown (see ``scenarios/`` for examples)::

    name = "coe-minimum"
    description = "Council of Europe minimum standard"

    [demand]
    population = "default"        # or a CSV path (district_id,population), relative to the file
    places_per_10000 = 1.0        # family places required per 10,000 people (CoE: 1)
    family_place_size = 1.7       # beds per family place: a woman plus 0.7 children on average

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

    [targets]                     # used by the optimizer (shelter-planner plan)
    max_travel_min = 120          # an assigned shelter is at most this far (minutes)
    max_travel_km = 300           # and at most this far by road (km); omit for no limit
    served_share = 1.0            # share of required places that must be served within the limits
    one_per_region = true         # at least one shelter in every economic region
    regional_capacity = false     # each region's capacity at least its own requirement

    [supply]
    existing = "keep"             # or "expand": existing shelters may grow
    expand_max_places = 20        # family places an existing shelter may add
    expand_cost_per_place = 1.0
    sizes = [10, 20, 40]          # family places a new shelter may have
    size_costs = [10, 18, 32]     # cost of each size (any unit)
    new_inclusive = true          # new shelters accept LGBTQ+ survivors

    [inclusive]                   # LGBTQ+-inclusive shelters (reported always; a target if set)
    max_travel_min = 120          # "within reach of an inclusive shelter" means this close
    served_share = 0.95           # share of people that must be within reach; omit: report only

    [rape_crisis]                 # plan rape crisis centres at hospitals (table present = planned)
    women_per_centre = 200000     # CoE: one centre per 200,000 women
    women_share = 0.502           # women's share of the population (2024)
    one_per_region = true         # CoE: at least one centre per region
    max_travel_min = 120          # women are served by a centre at most this far
    served_share = 0.99           # share of women that must be served within the limit
    cost = 10                     # cost of a centre (same unit as supply.size_costs)

    [forensic]                    # plan 24/7 forensic examination at hospitals
    max_travel_min = 120          # every settlement with a hospital this close gets one
    cost = 5                      # cost of making a hospital's service 24/7

    [hospital_sites]              # how the two hospital services are weighed together
    site_cost = 10                # cost of opening any service at a hospital, counted once
    colocation = "reward"         # reward | require (every centre at a forensic hospital) | none
    colocation_bonus = 5          # subtracted for each hospital with both services

    [budget]
    max_new_sites = 5             # omit for no limit (0 = no new sites)
    max_cost = 200                # omit for no limit

    [objective]
    type = "min_cost"             # min_cost | max_coverage | min_travel | min_worst_travel
    tie_break = "travel"          # travel | cost | none

    [solver]
    time_limit_s = 60
    mip_gap = 0.005

Validation names the table, the key and the bad value.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from planner._errors import InputDataError, MissingInputError
from planner.network import OffNetworkLeg

__all__ = [
    "OBJECTIVES",
    "AccessOptions",
    "BudgetOptions",
    "CandidateOptions",
    "DemandOptions",
    "ForensicOptions",
    "HospitalSiteOptions",
    "InclusiveOptions",
    "ObjectiveOptions",
    "RapeCrisisOptions",
    "Scenario",
    "ScenarioError",
    "SolverOptions",
    "SupplyOptions",
    "TargetOptions",
    "builtin_scenarios",
    "load_scenario",
    "resolve_scenario",
    "scenario_from_dict",
]


class ScenarioError(InputDataError):
    """A scenario file or value is not valid."""


def _share(where: str, value: object) -> float:
    share = _number(where, value)
    if share > 1:
        raise ScenarioError(f"{where} is {share!r}; expected a share in [0, 1]")
    return share


def _number(where: str, value: object, *, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where} is {value!r}; expected a number")
    if value < minimum or (strict and value == minimum):
        relation = ">" if strict else ">="
        raise ScenarioError(f"{where} is {value!r}; expected a number {relation} {minimum:g}")
    return float(value)


@dataclass(frozen=True)
class DemandOptions:
    """How many places are needed.

    Parameters
    ----------
    population
        ``None`` for the dataset's populations, or a CSV path
        (``district_id,population``).
    places_per_10000
        Family places required per 10,000 people (Council of Europe: 1).
    family_place_size
        Beds per family place: one woman plus the average number of children.
        1.7 makes the national requirement about 1,730 beds, "about ten times"
        the 175 existing places, as the UPR submission states.
    """

    population: Path | None = None
    places_per_10000: float = 1.0
    family_place_size: float = 1.7

    def __post_init__(self) -> None:
        _number("demand.places_per_10000", self.places_per_10000, strict=True)
        _number("demand.family_place_size", self.family_place_size, minimum=1.0)


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
            _number(f"access.thresholds_min[{i}]", t, strict=True)
        _number("access.catchment_min", self.catchment_min, strict=True)
        _number("access.map_threshold_min", self.map_threshold_min, strict=True)
        if self.decay not in ("step", "gaussian"):
            raise ScenarioError(f"access.decay is {self.decay!r}; expected 'step' or 'gaussian'")
        if not self.zone_weights:
            raise ScenarioError("access.zone_weights is empty; expected a list of weights")
        for i, w in enumerate(self.zone_weights):
            _number(f"access.zone_weights[{i}]", w)
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
        District ids in which no new site may be proposed.
    """

    exclude_districts: tuple[str, ...] = ()
    file: Path | None = None


@dataclass(frozen=True)
class TargetOptions:
    """What a plan must achieve.

    Parameters
    ----------
    max_travel_min
        Largest travel time (minutes) from a settlement to its assigned shelter.
    max_travel_km
        Largest road distance (km) to the assigned shelter; ``None`` for no limit.
    served_share
        Share of the required family places that must be served within the limits.
    one_per_region
        At least one shelter in every economic region (Council of Europe).
    regional_capacity
        Each region's capacity at least its own requirement.
    """

    max_travel_min: float = 120.0
    max_travel_km: float | None = None
    served_share: float = 1.0
    one_per_region: bool = True
    regional_capacity: bool = False

    def __post_init__(self) -> None:
        _number("targets.max_travel_min", self.max_travel_min, strict=True)
        if self.max_travel_km is not None:
            _number("targets.max_travel_km", self.max_travel_km, strict=True)
        share = _number("targets.served_share", self.served_share)
        if share > 1:
            raise ScenarioError(f"targets.served_share is {share!r}; expected a share in [0, 1]")


@dataclass(frozen=True)
class SupplyOptions:
    """What can be built.

    Parameters
    ----------
    existing
        ``"keep"`` existing shelters as they are or let them ``"expand"``.
    expand_max_places
        Family places an existing shelter may add when expanding.
    expand_cost_per_place
        Cost of one added family place.
    sizes
        Family places a new shelter may have.
    size_costs
        Cost of a new shelter of each size.
    new_inclusive
        New shelters accept LGBTQ+ survivors.
    """

    existing: Literal["keep", "expand"] = "keep"
    expand_max_places: float = 20.0
    expand_cost_per_place: float = 1.0
    sizes: tuple[float, ...] = (10.0, 20.0, 40.0)
    size_costs: tuple[float, ...] = (10.0, 18.0, 32.0)
    new_inclusive: bool = True

    def __post_init__(self) -> None:
        if self.existing not in ("keep", "expand"):
            raise ScenarioError(
                f"supply.existing is {self.existing!r}; expected 'keep' or 'expand'"
            )
        _number("supply.expand_max_places", self.expand_max_places)
        _number("supply.expand_cost_per_place", self.expand_cost_per_place)
        if not self.sizes:
            raise ScenarioError("supply.sizes is empty; expected at least one size")
        for i, v in enumerate(self.sizes):
            _number(f"supply.sizes[{i}]", v, strict=True)
        for i, v in enumerate(self.size_costs):
            _number(f"supply.size_costs[{i}]", v)
        if len(self.size_costs) != len(self.sizes):
            raise ScenarioError(
                f"supply.size_costs has {len(self.size_costs)} values for "
                f"{len(self.sizes)} sizes; expected one cost per size"
            )


@dataclass(frozen=True)
class InclusiveOptions:
    """LGBTQ+-inclusive shelters.

    Parameters
    ----------
    max_travel_min
        A person is within reach of an inclusive shelter when one is at most
        this far; ``None`` takes ``targets.max_travel_min``.
    served_share
        Share of the population that must be within reach of an open
        inclusive shelter; ``None`` reports the share without a target.
    """

    max_travel_min: float | None = None
    served_share: float | None = None

    def __post_init__(self) -> None:
        if self.max_travel_min is not None:
            _number("inclusive.max_travel_min", self.max_travel_min, strict=True)
        if self.served_share is not None:
            _share("inclusive.served_share", self.served_share)


@dataclass(frozen=True)
class RapeCrisisOptions:
    """Rape crisis centres at hospitals (Council of Europe: one per 200,000 women).

    Parameters
    ----------
    women_per_centre
        Women one centre serves; the standard's 200,000.
    women_share
        Women's share of each settlement's population.
    one_per_region
        At least one centre in every economic region.
    max_travel_min
        Women are served by a centre at most this far.
    served_share
        Share of women that must be served by a centre within the limit.
    cost
        Cost of one centre.
    """

    women_per_centre: float = 200_000.0
    women_share: float = 0.502
    one_per_region: bool = True
    max_travel_min: float = 120.0
    served_share: float = 0.99
    cost: float = 10.0

    def __post_init__(self) -> None:
        _number("rape_crisis.women_per_centre", self.women_per_centre, strict=True)
        _share("rape_crisis.women_share", self.women_share)
        _number("rape_crisis.max_travel_min", self.max_travel_min, strict=True)
        _share("rape_crisis.served_share", self.served_share)
        _number("rape_crisis.cost", self.cost)


@dataclass(frozen=True)
class ForensicOptions:
    """24/7 forensic examination at hospitals.

    Parameters
    ----------
    max_travel_min
        Every settlement with a hospital at most this far must have a 24/7
        forensic hospital at most this far.
    cost
        Cost of making one hospital's forensic service 24/7.
    """

    max_travel_min: float = 120.0
    cost: float = 5.0

    def __post_init__(self) -> None:
        _number("forensic.max_travel_min", self.max_travel_min, strict=True)
        _number("forensic.cost", self.cost)


@dataclass(frozen=True)
class HospitalSiteOptions:
    """How rape crisis centres and forensic examination are planned together.

    Parameters
    ----------
    site_cost
        Cost of opening any service at a hospital, counted once per hospital
        however many services it gets (a shared site is paid once).
    colocation
        ``"reward"``: subtract ``colocation_bonus`` for each hospital with
        both services; ``"require"``: every centre must be at a hospital with
        24/7 forensic examination; ``"none"``: no preference beyond the shared
        site cost.
    colocation_bonus
        Reward per hospital with both services (``"reward"`` only).
    """

    site_cost: float = 10.0
    colocation: Literal["reward", "require", "none"] = "reward"
    colocation_bonus: float = 5.0

    def __post_init__(self) -> None:
        _number("hospital_sites.site_cost", self.site_cost)
        _number("hospital_sites.colocation_bonus", self.colocation_bonus)
        if self.colocation not in ("reward", "require", "none"):
            raise ScenarioError(
                f"hospital_sites.colocation is {self.colocation!r}; "
                "expected 'reward', 'require' or 'none'"
            )


@dataclass(frozen=True)
class BudgetOptions:
    """Limits on what is built (``None``: no limit)."""

    max_new_sites: int | None = None
    max_cost: float | None = None

    def __post_init__(self) -> None:
        if self.max_new_sites is not None and (
            isinstance(self.max_new_sites, bool)
            or not isinstance(self.max_new_sites, int)
            or self.max_new_sites < 0
        ):
            raise ScenarioError(
                f"budget.max_new_sites is {self.max_new_sites!r}; expected a whole number >= 0"
            )
        if self.max_cost is not None:
            _number("budget.max_cost", self.max_cost)


Objective = Literal["min_cost", "max_coverage", "min_travel", "min_worst_travel"]
OBJECTIVES: tuple[str, ...] = ("min_cost", "max_coverage", "min_travel", "min_worst_travel")


@dataclass(frozen=True)
class ObjectiveOptions:
    """What the optimizer minimises or maximises.

    Parameters
    ----------
    type
        ``min_cost``: the cheapest set of new sites that serves the required
        demand within the limits (capacitated set covering); ``max_coverage``:
        the most demand served within the budget (capacitated maximum
        covering); ``min_travel``: the least demand-weighted travel time for
        ``budget.max_new_sites`` sites (capacitated p-median);
        ``min_worst_travel``: the smallest worst-case travel time (p-centre).
    tie_break
        Second objective among solutions optimal for the first.
    """

    type: Objective = "min_cost"
    tie_break: Literal["travel", "cost", "none"] = "travel"

    def __post_init__(self) -> None:
        if self.type not in OBJECTIVES:
            raise ScenarioError(
                f"objective.type is {self.type!r}; expected one of {list(OBJECTIVES)}"
            )
        if self.tie_break not in ("travel", "cost", "none"):
            raise ScenarioError(
                f"objective.tie_break is {self.tie_break!r}; expected 'travel', 'cost' or 'none'"
            )


@dataclass(frozen=True)
class SolverOptions:
    """HiGHS limits."""

    time_limit_s: float = 60.0
    mip_gap: float = 0.005

    def __post_init__(self) -> None:
        _number("solver.time_limit_s", self.time_limit_s, strict=True)
        gap = _number("solver.mip_gap", self.mip_gap)
        if gap >= 1:
            raise ScenarioError(f"solver.mip_gap is {gap!r}; expected a relative gap below 1")


@dataclass(frozen=True)
class Scenario:
    """A validated planning scenario.

    Build one with :func:`load_scenario` or directly; every field has the
    default of the Council of Europe minimum standard.
    """

    name: str = "default"
    description: str = ""
    demand: DemandOptions = field(default_factory=DemandOptions)
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
    source: Path | None = None

    @property
    def plans_hospital_services(self) -> bool:
        """Whether the scenario plans rape crisis centres or forensic examination."""
        return self.rape_crisis is not None or self.forensic is not None

    def check_districts(self, district_ids: Sequence[str]) -> None:
        """Raise if the scenario names a district id not in ``district_ids``."""
        known = set(district_ids)
        for i, d in enumerate(self.candidates.exclude_districts):
            if d not in known:
                raise ScenarioError(
                    f"candidates.exclude_districts[{i}] is {d!r}, not a district id of the "
                    f"dataset (e.g. {sorted(known)[:3]})"
                )


_TABLES: dict[str, set[str]] = {
    "demand": {"population", "places_per_10000", "family_place_size"},
    "access": {"thresholds_min", "catchment_min", "decay", "zone_weights", "map_threshold_min"},
    "leg": {"speed_kph", "detour_factor"},
    "candidates": {"exclude_districts", "file"},
    "targets": {
        "max_travel_min", "max_travel_km", "served_share", "one_per_region", "regional_capacity",
    },
    "supply": {
        "existing", "expand_max_places", "expand_cost_per_place", "sizes", "size_costs",
        "new_inclusive",
    },
    "budget": {"max_new_sites", "max_cost"},
    "objective": {"type", "tie_break"},
    "solver": {"time_limit_s", "mip_gap"},
    "inclusive": {"max_travel_min", "served_share"},
    "rape_crisis": {
        "women_per_centre", "women_share", "one_per_region", "max_travel_min", "served_share",
        "cost",
    },
    "forensic": {"max_travel_min", "cost"},
    "hospital_sites": {"site_cost", "colocation", "colocation_bonus"},
}  # fmt: skip
_TOP = {"name", "description", *_TABLES}


def _table(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ScenarioError(f"[{name}] must be a table, not {value!r}")
    unknown = sorted(set(value) - _TABLES[name])
    if unknown:
        raise ScenarioError(
            f"[{name}] has unknown key(s) {unknown}; known: {sorted(_TABLES[name])}"
        )
    return dict(value)


def _float_list(where: str, value: object) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where} is {value!r}; expected a list of numbers")
    return tuple(_number(f"{where}[{i}]", v) for i, v in enumerate(value))


def scenario_from_dict(data: Mapping[str, Any], *, base_dir: Path | None = None) -> Scenario:
    """Validate a parsed scenario mapping.

    Parameters
    ----------
    data
        Parsed TOML.
    base_dir
        Folder relative paths are resolved against.

    Returns
    -------
    Scenario
    """
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise ScenarioError(f"unknown top-level key(s) {unknown}; known: {sorted(_TOP)}")
    for table in _TABLES:
        _table(data, table)
    demand = _table(data, "demand")
    access = _table(data, "access")
    leg = _table(data, "leg")
    cand = _table(data, "candidates")
    pop = demand.pop("population", "default")
    if not isinstance(pop, str):
        raise ScenarioError(f"demand.population is {pop!r}; expected 'default' or a CSV path")
    pop_path = None if pop == "default" else (base_dir or Path.cwd()) / pop
    demand_opts = DemandOptions(
        population=pop_path,
        **{k: _number(f"demand.{k}", v) for k, v in demand.items()},
    )
    acc: dict[str, Any] = {}
    for key, value in access.items():
        if key in ("thresholds_min", "zone_weights"):
            acc[key] = _float_list(f"access.{key}", value)
        elif key == "decay":
            acc[key] = value
        else:
            acc[key] = _number(f"access.{key}", value)
    try:
        leg_opts = OffNetworkLeg(**{k: _number(f"leg.{k}", v) for k, v in leg.items()})
    except ValueError as exc:
        raise ScenarioError(f"[leg]: {exc}") from None
    excl = cand.get("exclude_districts", [])
    if not isinstance(excl, list) or not all(isinstance(d, str) for d in excl):
        raise ScenarioError(
            f"candidates.exclude_districts is {excl!r}; expected a list of district ids"
        )
    cand_file = cand.get("file", "default")
    if not isinstance(cand_file, str):
        raise ScenarioError(f"candidates.file is {cand_file!r}; expected 'default' or a path")
    name = data.get("name", "default")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"name is {name!r}; expected a non-empty string")

    tg = _table(data, "targets")
    targets = TargetOptions(
        max_travel_min=_number("targets.max_travel_min", tg.get("max_travel_min", 120.0)),
        max_travel_km=_optional(tg, "targets", "max_travel_km"),
        served_share=_number("targets.served_share", tg.get("served_share", 1.0)),
        one_per_region=_bool(tg, "targets", "one_per_region", True),
        regional_capacity=_bool(tg, "targets", "regional_capacity", False),
    )
    sp = _table(data, "supply")
    default_supply = SupplyOptions()
    supply = SupplyOptions(
        existing=sp.get("existing", "keep"),
        expand_max_places=_number(
            "supply.expand_max_places",
            sp.get("expand_max_places", default_supply.expand_max_places),
        ),
        expand_cost_per_place=_number(
            "supply.expand_cost_per_place",
            sp.get("expand_cost_per_place", default_supply.expand_cost_per_place),
        ),
        sizes=_float_list("supply.sizes", sp.get("sizes", list(default_supply.sizes))),
        size_costs=_float_list(
            "supply.size_costs", sp.get("size_costs", list(default_supply.size_costs))
        ),
        new_inclusive=_bool(sp, "supply", "new_inclusive", True),
    )
    bg = _table(data, "budget")
    budget = BudgetOptions(
        max_new_sites=bg.get("max_new_sites"),
        max_cost=_optional(bg, "budget", "max_cost"),
    )
    ob = _table(data, "objective")
    objective = ObjectiveOptions(
        type=ob.get("type", "min_cost"), tie_break=ob.get("tie_break", "travel")
    )
    sv = _table(data, "solver")
    solver = SolverOptions(
        time_limit_s=_number("solver.time_limit_s", sv.get("time_limit_s", 60.0)),
        mip_gap=_number("solver.mip_gap", sv.get("mip_gap", 0.005)),
    )
    inc = _table(data, "inclusive")
    inclusive = InclusiveOptions(
        max_travel_min=_optional(inc, "inclusive", "max_travel_min"),
        served_share=_optional(inc, "inclusive", "served_share"),
    )
    rape_crisis = None
    if "rape_crisis" in data:
        rc = _table(data, "rape_crisis")
        rc_default = RapeCrisisOptions()
        rape_crisis = RapeCrisisOptions(
            one_per_region=_bool(rc, "rape_crisis", "one_per_region", True),
            **{
                k: _number(f"rape_crisis.{k}", rc.get(k, getattr(rc_default, k)))
                for k in (
                    "women_per_centre",
                    "women_share",
                    "max_travel_min",
                    "served_share",
                    "cost",
                )
            },
        )
    forensic = None
    if "forensic" in data:
        fo = _table(data, "forensic")
        fo_default = ForensicOptions()
        forensic = ForensicOptions(
            **{
                k: _number(f"forensic.{k}", fo.get(k, getattr(fo_default, k)))
                for k in ("max_travel_min", "cost")
            }
        )
    hs = _table(data, "hospital_sites")
    hs_default = HospitalSiteOptions()
    hospital_sites = HospitalSiteOptions(
        site_cost=_number("hospital_sites.site_cost", hs.get("site_cost", hs_default.site_cost)),
        colocation=hs.get("colocation", hs_default.colocation),
        colocation_bonus=_number(
            "hospital_sites.colocation_bonus",
            hs.get("colocation_bonus", hs_default.colocation_bonus),
        ),
    )
    return Scenario(
        name=name,
        description=str(data.get("description", "")),
        demand=demand_opts,
        access=AccessOptions(**acc),
        leg=leg_opts,
        candidates=CandidateOptions(
            exclude_districts=tuple(excl),
            file=None if cand_file == "default" else (base_dir or Path.cwd()) / cand_file,
        ),
        targets=targets,
        supply=supply,
        budget=budget,
        objective=objective,
        solver=solver,
        inclusive=inclusive,
        rape_crisis=rape_crisis,
        forensic=forensic,
        hospital_sites=hospital_sites,
    )


def _optional(table: Mapping[str, Any], name: str, key: str) -> float | None:
    """Read an optional limit: absent means no limit."""
    if key not in table:
        return None
    return _number(f"{name}.{key}", table[key])


def _bool(table: Mapping[str, Any], name: str, key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ScenarioError(f"{name}.{key} is {value!r}; expected true or false")
    return value


def builtin_scenarios() -> dict[str, Path]:
    """Return the scenario files shipped with the planner, by name (file stem)."""
    here = Path(__file__).resolve().parent
    for folder in (here / "_scenarios", here.parent / "scenarios"):
        if folder.is_dir():
            return {p.stem: p for p in sorted(folder.glob("*.toml"))}
    return {}


def resolve_scenario(name_or_path: str | Path) -> Path:
    """Return a scenario file: an existing path, or the name of a shipped scenario."""
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
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path} is not valid TOML: {exc}") from None
    try:
        scenario = scenario_from_dict(data, base_dir=path.parent)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return replace(scenario, source=path)
