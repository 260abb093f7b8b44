"""Options of the location models: plain, validated dataclasses.

Each option type lives here, with the model that reads it, and is declared
once: its fields and defaults are the scenario file's keys and defaults
(:mod:`planner.scenario` composes them and derives its TOML schema from these
fields), and its ``__post_init__`` is the only validation. Messages name an
option as a scenario file writes it (``targets.max_travel_min``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from planner._errors import OptionError
from planner._i18n import counted
from planner._validate import number, share

__all__ = [
    "OBJECTIVES",
    "BudgetOptions",
    "ForensicOptions",
    "HospitalSiteOptions",
    "InclusiveOptions",
    "Objective",
    "ObjectiveOptions",
    "RapeCrisisOptions",
    "ServiceOptions",
    "SitingOptions",
    "SolverOptions",
    "SupplyOptions",
    "TargetOptions",
    "TieBreak",
    "required_centres",
]


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
        At least one shelter in every economic region (Council of Europe)
        whose settlements hold any demand; a region with nobody in it needs none.
    regional_capacity
        Each region's capacity at least its own requirement.
    nearest_tolerance_min
        Closest assignment: a settlement is served only at a site at most this
        many minutes farther than its nearest open shelter. Existing shelters
        are always open, so nobody is sent more than this beyond today's
        nearest shelter, and a city whose shelter is full gets a new one
        nearby instead of being sent into the countryside. When the model
        knows each settlement's district (``demand_district``; planning gives
        it), the rule also keeps every district whose people are within
        ``max_travel_min`` today at most at today's mean travel. ``None``
        lifts the rule (the cheapest plan may then send people far past a
        nearer shelter).
    single_source
        Refer every settlement to one shelter, as a referral system works
        (default ``False``: a settlement's demand may be split between
        shelters). Exact, but harder to solve: settlements are not merged.
    """

    max_travel_min: float = 120.0
    max_travel_km: float | None = None
    served_share: float = 1.0
    one_per_region: bool = True
    regional_capacity: bool = False
    nearest_tolerance_min: float | None = 15.0
    single_source: bool = False

    def __post_init__(self) -> None:
        number("targets.max_travel_min", self.max_travel_min, strict=True)
        if self.max_travel_km is not None:
            number("targets.max_travel_km", self.max_travel_km, strict=True)
        if self.nearest_tolerance_min is not None:
            number("targets.nearest_tolerance_min", self.nearest_tolerance_min)
        share = number("targets.served_share", self.served_share)
        if share > 1:
            raise OptionError(f"targets.served_share is {share!r}; expected a share in [0, 1]")


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
            raise OptionError(f"supply.existing is {self.existing!r}; expected 'keep' or 'expand'")
        number("supply.expand_max_places", self.expand_max_places)
        number("supply.expand_cost_per_place", self.expand_cost_per_place)
        if not self.sizes:
            raise OptionError("supply.sizes is empty; expected at least one size")
        for i, v in enumerate(self.sizes):
            number(f"supply.sizes[{i}]", v, strict=True)
            if v in self.sizes[:i]:
                raise OptionError(
                    f"supply.sizes[{i}] is {v!r}, as is supply.sizes[{self.sizes.index(v)}]; "
                    "expected each size once (with its one cost in supply.size_costs)"
                )
        for i, v in enumerate(self.size_costs):
            number(f"supply.size_costs[{i}]", v)
        if len(self.size_costs) != len(self.sizes):
            raise OptionError(
                f"supply.size_costs has {counted(len(self.size_costs), 'value')} for "
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
            number("inclusive.max_travel_min", self.max_travel_min, strict=True)
        if self.served_share is not None:
            share("inclusive.served_share", self.served_share)


@dataclass(frozen=True)
class RapeCrisisOptions:
    r"""Rape crisis centres at hospitals (Council of Europe: one per 200,000 women).

    Parameters
    ----------
    women_per_centre
        Women one centre serves; the standard's 200,000.
    women_share
        Women's share of each settlement's population.
    one_per_region
        At least one centre in every economic region with women in it.
    max_travel_min
        Women are served by a centre at most this far.
    served_share
        Share of women that must be served by a centre within the limit.
    cost
        Cost of one centre.
    regional_capacity
        Every region hosts centres for all its women, at least
        :math:`\lceil W_g / K \rceil` in region :math:`g`, so that no city's women
        are referred to another region's centres for want of room at home.
    """

    women_per_centre: float = 200_000.0
    women_share: float = 0.502
    one_per_region: bool = True
    max_travel_min: float = 120.0
    served_share: float = 0.99
    cost: float = 10.0
    regional_capacity: bool = False

    def __post_init__(self) -> None:
        number("rape_crisis.women_per_centre", self.women_per_centre, strict=True)
        share("rape_crisis.women_share", self.women_share)
        number("rape_crisis.max_travel_min", self.max_travel_min, strict=True)
        share("rape_crisis.served_share", self.served_share)
        number("rape_crisis.cost", self.cost)


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
        number("forensic.max_travel_min", self.max_travel_min, strict=True)
        number("forensic.cost", self.cost)


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
        number("hospital_sites.site_cost", self.site_cost)
        number("hospital_sites.colocation_bonus", self.colocation_bonus)
        if self.colocation not in ("reward", "require", "none"):
            raise OptionError(
                f"hospital_sites.colocation is {self.colocation!r}; "
                "expected 'reward', 'require' or 'none'"
            )


@dataclass(frozen=True)
class BudgetOptions:
    """Limits on what is built (``None``: no limit).

    Parameters
    ----------
    max_new_sites
        Most new sites a plan may open (0: none).
    max_cost
        Most a plan may cost, in the unit of ``supply.size_costs``.
    """

    max_new_sites: int | None = None
    max_cost: float | None = None

    def __post_init__(self) -> None:
        if self.max_new_sites is not None and (
            isinstance(self.max_new_sites, bool)
            or not isinstance(self.max_new_sites, int)
            or self.max_new_sites < 0
        ):
            raise OptionError(
                f"budget.max_new_sites is {self.max_new_sites!r}; expected a whole number >= 0"
            )
        if self.max_cost is not None:
            number("budget.max_cost", self.max_cost)


Objective = Literal["min_cost", "max_coverage", "min_travel", "min_worst_travel", "fixed_charge"]
TieBreak = Literal["travel", "cost", "none"]
OBJECTIVES: tuple[str, ...] = (
    "min_cost",
    "max_coverage",
    "min_travel",
    "min_worst_travel",
    "fixed_charge",
)
#: Default weight of travel in the ``fixed_charge`` objective: cost units per
#: family place-minute (100 family place-minutes cost as much as one unit).
DEFAULT_TRAVEL_WEIGHT = 0.01


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
        ``min_worst_travel``: the smallest worst-case travel time (p-centre);
        ``fixed_charge``: the least opening cost plus ``travel_weight`` times
        the demand-weighted travel time (fixed-charge facility location).
    tie_break
        Second objective among solutions optimal for the first.
    travel_weight
        For ``fixed_charge``: the cost of one family place travelling one
        minute, in the units of ``supply.size_costs`` (default 0.01: 100
        family place-minutes cost as much as one unit).
    """

    type: Objective = "min_cost"
    tie_break: TieBreak = "travel"
    travel_weight: float = DEFAULT_TRAVEL_WEIGHT

    def __post_init__(self) -> None:
        if self.type not in OBJECTIVES:
            raise OptionError(
                f"objective.type is {self.type!r}; expected one of {list(OBJECTIVES)}"
            )
        number("objective.travel_weight", self.travel_weight, strict=True)
        if self.tie_break not in ("travel", "cost", "none"):
            raise OptionError(
                f"objective.tie_break is {self.tie_break!r}; expected 'travel', 'cost' or 'none'"
            )


@dataclass(frozen=True)
class SolverOptions:
    """How far the solver goes: the gap to prove, a work budget, and a time safety net.

    Parameters
    ----------
    time_limit_s
        Safety net: the solve stops after this many seconds. A normal run
        ends before it (at the gap or the node budget); a plan stopped by it
        depends on machine speed and load and is reported as ``time_limit``.
    mip_gap
        Relative gap between the plan and the proven bound at which to stop.
    node_limit
        Work budget of the final exact search of ``min_cost`` plans and of
        hospital services, in branch-and-bound nodes (1: the root node, which
        proves the bound). Before it, a region-by-region search whose work is
        bounded too finds the plan. A plan the budget stops is the same on every
        machine and is reported as ``work_limit`` with its proven gap.
    root_search
        Whether ``min_cost`` shelter plans end with that final exact search
        (default). ``False`` skips it and reports the bound of the LP
        relaxation already solved for the starting plan: quicker on a model
        whose root search is slow even when it stops at a stalled bound, with
        a weaker bound.
    stall_checks
        A root-only final search (``node_limit`` 1) stops once the bound
        (rounded up to the next value a plan's cost can take) has not risen at
        this many of HiGHS's checkpoints in a row (after the root LP and after
        each step of cutting planes); HiGHS's own rule may go on for many
        rounds of cuts that each add a hundredth. Counted in checkpoints, not
        seconds, so the same on every machine. 0: HiGHS decides.
    exact_district_size
        Settlements times candidates up to which a ``min_cost`` shelter plan that the
        district repair changed, not proven within ``mip_gap``, is searched again with
        the district rule written in exactly (from the repaired plan, so never
        costlier): on a small model it reaches and proves the cheapest plan keeping
        the rule, for a second or two more at the default size (a region of 250
        settlements and 25 candidates may take a minute or more: ``bench/exact_search.py``).
        0: never. (Where the repair gives up, that search runs whatever this says.)
    plan_search_nodes
        Work budget, in branch-and-bound nodes, of a deeper search for the plan of
        ``min_cost`` shelter plans, after the region-by-region search: HiGHS on the
        whole site decision with its own heuristics kept (sub-MIPs, whose work it
        counts in nodes and simplex iterations, not time), started from that
        search's plan, kept if cheaper. 0 (default): none. It finds cheaper plans
        for minutes more: nationally 200 nodes take about 5.5 minutes and bring
        ``coe-minimum`` from 774 to 760 (29 new sites instead of 33; 100 nodes or
        fewer find nothing cheaper there, 400 the same plan); raise
        ``time_limit_s`` with it (1800: 11 minutes on a busy machine), or the
        safety net cuts it. The bound, and so what is proven, is the root
        search's, as without it.
    """

    time_limit_s: float = 300.0
    mip_gap: float = 0.005
    node_limit: int = 1
    root_search: bool = True
    stall_checks: int = 10
    exact_district_size: int = 2_500
    plan_search_nodes: int = 0

    def __post_init__(self) -> None:
        number("solver.time_limit_s", self.time_limit_s, strict=True)
        for key, least in (
            ("node_limit", 1),
            ("stall_checks", 0),
            ("exact_district_size", 0),
            ("plan_search_nodes", 0),
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise OptionError(
                    f"solver.{key} is {value!r}; expected a whole number >= {least}"
                    + (" (1: the root node, which proves the bound)" if least else "")
                )
        gap = number("solver.mip_gap", self.mip_gap)
        if gap >= 1:
            raise OptionError(f"solver.mip_gap is {gap!r}; expected a relative gap below 1")


@dataclass(frozen=True)
class SitingOptions:
    """Targets, supply, budget, objective and solver limits of a shelter siting model.

    Parameters
    ----------
    targets, supply, budget, objective, solver
        The option tables of the same names.
    inclusive_served_share
        Share of the demand that must be within reach of an open
        LGBTQ+-inclusive site (``None``: no target); the model's
        ``inclusive_cover`` says what "within reach" means.
    """

    targets: TargetOptions = field(default_factory=TargetOptions)
    supply: SupplyOptions = field(default_factory=SupplyOptions)
    budget: BudgetOptions = field(default_factory=BudgetOptions)
    objective: ObjectiveOptions = field(default_factory=ObjectiveOptions)
    solver: SolverOptions = field(default_factory=SolverOptions)
    inclusive_served_share: float | None = None

    def __post_init__(self) -> None:
        if self.inclusive_served_share is not None:
            share("inclusive.served_share", self.inclusive_served_share)

    @property
    def expand_existing(self) -> bool:
        """Whether existing sites may expand."""
        return self.supply.existing == "expand"

    @property
    def has_budget(self) -> bool:
        """Whether a budget limits the number or cost of new sites."""
        return self.budget.max_new_sites is not None or self.budget.max_cost is not None


@dataclass(frozen=True)
class ServiceOptions:
    """Standards, costs and solver limits of a hospital services model.

    ``rape_crisis`` or ``forensic`` set to ``None`` leaves that service out.

    Parameters
    ----------
    rape_crisis
        The rape crisis centres' standard and cost.
    forensic
        The 24/7 forensic examination's standard and cost.
    sites
        Costs shared by the services at one hospital (co-location).
    solver
        Gap, work budget and safety-net time limit.
    """

    rape_crisis: RapeCrisisOptions | None = field(default_factory=RapeCrisisOptions)
    forensic: ForensicOptions | None = field(default_factory=ForensicOptions)
    sites: HospitalSiteOptions = field(default_factory=HospitalSiteOptions)
    solver: SolverOptions = field(default_factory=SolverOptions)


def required_centres(women: float, women_per_centre: float = 200_000.0) -> int:
    """Return the number of rape crisis centres a standard requires for ``women``.

    Parameters
    ----------
    women
        Number of women.
    women_per_centre
        Women per centre (Council of Europe: 200,000).

    Returns
    -------
    int
        ``women / women_per_centre`` rounded up (0 for no women).
    """
    if women < 0 or not math.isfinite(women):
        raise OptionError(f"women is {women!r}; expected a number >= 0")
    if women_per_centre <= 0:
        raise OptionError(f"women_per_centre is {women_per_centre!r}; expected a number > 0")
    return math.ceil(women / women_per_centre - 1e-9)
