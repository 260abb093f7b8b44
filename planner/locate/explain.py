"""Why a target cannot be met, in words, for both location models.

Each function looks at a model before any solving and returns one sentence
per problem it finds (empty when none is evident); the sentences name the
option to change, as a scenario file writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from planner._i18n import Fixed, Note, Place, Share
from planner.locate._milp import TOL_LIMIT, BoolArray, FloatArray
from planner.locate._search import populated_regions
from planner.locate.formulation import SitingFormulation
from planner.locate.options import BudgetOptions, ServiceOptions, required_centres


class ServicesInputs(Protocol):
    """What :func:`explain_services` reads of a hospital services model."""

    @property
    def minutes(self) -> FloatArray:
        """The model's ``minutes``."""
        ...

    @property
    def options(self) -> ServiceOptions:
        """The model's ``options``."""
        ...

    @property
    def demand_region(self) -> npt.NDArray[Any] | None:
        """The model's ``demand_region``."""
        ...

    @property
    def site_region(self) -> npt.NDArray[Any] | None:
        """The model's ``site_region``."""
        ...

    @property
    def required_centres(self) -> int:
        """The model's ``required_centres``."""
        ...

    @property
    def demand_names(self) -> Sequence[str] | None:
        """The model's ``demand_names``."""
        ...

    @property
    def candidates(self) -> BoolArray:
        """The model's ``candidates``."""
        ...

    @property
    def women(self) -> FloatArray:
        """The model's ``women``."""
        ...


__all__ = [
    "ServicesInputs",
    "budget_reason",
    "explain_centre_capacity",
    "explain_reach_capacity",
    "explain_services",
    "explain_siting",
    "regional_centres",
]

#: How many of the largest settlements a message names.
EXAMPLES = 5


def _places(value: float) -> Fixed:
    """Return family places as a message shows them.

    One decimal, and two significant digits below one place, so that 0.047
    allowed unserved does not read as 0.0 against 0.1 lost.
    """
    if value <= 0 or value >= 1:
        return Fixed(value)
    return Fixed(value, min(4, 1 - math.floor(math.log10(value))))


def _examples(lost: BoolArray, weight: FloatArray, names: Sequence[str] | None) -> str:
    """Name the largest of the ``lost`` rows by ``weight``."""
    idx = np.flatnonzero(lost)[np.argsort(-weight[lost], kind="stable")[:EXAMPLES]]
    return ", ".join(names[i] for i in idx) if names else "rows " + ", ".join(map(str, idx))


def explain_siting(model: SitingFormulation, limit_min: float | None = None) -> list[str]:
    """Say in words why a siting model's targets cannot be met, before any solving.

    Parameters
    ----------
    model
        The model.
    limit_min
        Travel limit to check (default: the targets').

    Returns
    -------
    list[str]
        One sentence per problem found; empty if none is evident.
    """
    opts = model.options
    tg = opts.targets
    limit = tg.max_travel_min if limit_min is None else limit_min
    d = np.asarray(model.demand, dtype=float)
    pi, _ = model.pairs(limit)
    reach = np.zeros(len(d), dtype=bool)
    reach[pi] = True
    lost = (~reach) & (d > 0)
    msgs: list[str] = []
    allowed = (1 - tg.served_share) * d.sum()
    if opts.objective.type != "max_coverage" and d[lost].sum() > allowed + TOL_LIMIT:
        names = list(model.demand_names) if model.demand_names is not None else None
        lim = (
            Note("message.limit_km", minutes=float(limit), km=float(tg.max_travel_km))
            if tg.max_travel_km is not None
            else Note("message.limit_min", minutes=float(limit))
        )
        ruled = _rule_removes(model, limit, lost)
        msgs.append(
            Note(
                "message.unreachable",
                settlements=int(lost.sum()),
                places=_places(float(d[lost].sum())),
                limit=lim,
                rule=Note("message.unreachable_rule", tolerance=tg.nearest_tolerance_min)
                if ruled
                else "",
                examples=_examples(lost, d, names),
                allowed=_places(float(allowed)),
                served_share=float(tg.served_share),
                hint=Note("message.unreachable_hint") if ruled else "",
            )
        )
    msgs += _explain_capacity(model, allowed)
    msgs += _explain_regions(model)
    msgs += _explain_single_source(model, limit, allowed)
    if not msgs:  # each settlement, region and the whole fit: does every group? (milliseconds)
        msgs += explain_reach_capacity(model, limit)
    target = opts.inclusive_served_share
    if target is not None and model.inclusive_cover is not None:
        cover = np.asarray(model.inclusive_cover)
        best = float(d[cover.any(axis=1)].sum()) / d.sum() if d.sum() > 0 else 1.0
        if best + TOL_LIMIT < target:
            msgs.append(Note("message.inclusive_target", best=Share(best), target=float(target)))
    return msgs


def _rule_removes(model: SitingFormulation, limit: float, rows: BoolArray) -> bool:
    """Whether the closest-assignment rule removes a pair within the limits from ``rows``.

    Only then do the messages name the rule (``targets.nearest_tolerance_min``): a
    settlement with no road path, or none within the travel limit, is out of reach
    whatever the rule says.
    """
    if model.options.targets.nearest_tolerance_min is None or model.n_existing == 0:
        return False
    removed = model.allowed(limit, rule=False) & ~model.allowed(limit)
    return bool(removed[rows].any())


def _explain_capacity(model: SitingFormulation, allowed: float) -> list[str]:
    """Too few places in all: every site at its largest size holds less than must be served."""
    opts = model.options
    if opts.objective.type == "max_coverage":
        return []
    d = np.asarray(model.demand, dtype=float)
    need = float(d.sum()) - allowed
    cap = float(_largest_sizes(model).sum())
    if cap + TOL_LIMIT >= need:
        return []
    return [
        Note(
            "message.capacity_total",
            need=Fixed(need),
            served_share=Share(float(opts.targets.served_share)),
            capacity=Fixed(cap),
            sites=model.n_candidates,
        )
    ]


def _explain_regions(model: SitingFormulation) -> list[str]:
    """Regions without any site, or without room for their own demand."""
    if model.demand_region is None or model.site_region is None:
        return []
    opts = model.options
    d = np.asarray(model.demand, dtype=float)
    dr, srg = np.asarray(model.demand_region), np.asarray(model.site_region)
    largest = _largest_sizes(model)
    msgs: list[str] = []
    populated = set(populated_regions(dr, d))
    for region in sorted(set(dr.tolist())):
        sites = srg == region
        if opts.targets.one_per_region and not sites.any() and region in populated:
            msgs.append(Note("message.region_no_site", region=Place("region", str(region))))
        if not opts.targets.regional_capacity:
            continue
        need = d[dr == region].sum()
        cap = largest[sites].sum()
        if cap + TOL_LIMIT < need:
            msgs.append(
                Note(
                    "message.region_capacity",
                    region=Place("region", str(region)),
                    need=Fixed(float(need)),
                    capacity=Fixed(float(cap)),
                )
            )
    return msgs


def _largest_sizes(model: SitingFormulation) -> FloatArray:
    """Each site's capacity at its largest: existing (with any expansion), then candidates."""
    opts = model.options
    caps, _, ok = model.size_options()
    return np.concatenate(
        [
            np.asarray(model.existing_capacity, dtype=float)
            + (opts.supply.expand_max_places if opts.expand_existing else 0.0),
            np.where(ok, caps, 0.0).max(axis=1, initial=0.0),
        ]
    )


def _short_of_room(
    demand: FloatArray, reach: BoolArray, capacity: FloatArray, need: float
) -> tuple[BoolArray, BoolArray] | None:
    """Find demand that the sites within its reach cannot hold, even all at full capacity.

    The most demand the sites can serve is a maximum flow (demand -> the sites
    it may use -> capacity). When it is below ``need``, the source side of a
    minimum cut is a group of demand rows whose sites within reach hold less
    than the group needs (Hall's condition). Flows are counted in whole units
    of 1/1000 (fewer for very large totals), rounded up, so the flow can only
    come out larger than the true one and a shortfall found is proven.

    Returns
    -------
    tuple or None
        The group's rows and the sites they reach, or ``None`` when the sites
        can serve ``need``.
    """
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import breadth_first_order, maximum_flow

    n_i, n_j = len(demand), len(capacity)
    pi, pj = np.nonzero(reach)
    scale = min(1000.0, 1e9 / max(float(demand.sum()), float(capacity.sum()), 1.0))
    source, sink = 0, n_i + n_j + 1
    through = int(np.ceil(demand.sum() * scale)) + 1  # more than any flow: an uncut arc
    tails = np.concatenate([np.zeros(n_i, int), 1 + pi, 1 + n_i + np.arange(n_j)])
    heads = np.concatenate([1 + np.arange(n_i), 1 + n_i + pj, np.full(n_j, sink)])
    caps = np.concatenate(
        [np.ceil(demand * scale), np.full(len(pi), through), np.ceil(capacity * scale)]
    ).astype(np.int32)
    graph = csr_array((caps, (tails, heads)), shape=(sink + 1, sink + 1))
    graph.sum_duplicates()
    flow = maximum_flow(graph, source, sink)
    if flow.flow_value / scale + TOL_LIMIT >= need:
        return None
    # the source side of a minimum cut: what still has room to send from the source
    residual = csr_array(graph - flow.flow)
    residual.data = np.maximum(residual.data, 0)
    residual.eliminate_zeros()
    side = np.zeros(sink + 1, dtype=bool)
    side[breadth_first_order(residual, source, return_predecessors=False)] = True
    return side[1 : 1 + n_i] & (demand > 0), side[1 + n_i : sink]


def explain_reach_capacity(model: SitingFormulation, limit_min: float | None = None) -> list[str]:
    """Name the settlements whose sites within reach cannot hold them, even all at their largest.

    Every site open at its largest size, the most demand the sites can serve
    within the limit is a maximum flow; when it is less than the demand that
    must be served, its minimum cut names a group of settlements whose sites
    within reach hold less than the group needs (Hall's condition), a reason
    the checks of each settlement alone, the whole area and each region miss.
    :func:`explain_siting` runs it when those find nothing, before any solving
    (nationally a few milliseconds, where a solver may take long to prove the
    same).

    Parameters
    ----------
    model
        The model.
    limit_min
        Travel limit (default: the targets').

    Returns
    -------
    list[str]
        One sentence naming the group, or nothing when capacity within reach
        is not the reason.
    """
    opts = model.options
    tg = opts.targets
    if opts.objective.type == "max_coverage":
        return []
    limit = tg.max_travel_min if limit_min is None else limit_min
    d = np.asarray(model.demand, dtype=float)
    largest = _largest_sizes(model)
    allowed = (1 - tg.served_share) * float(d.sum())
    found = _short_of_room(d, model.allowed(limit), largest, float(d.sum()) - allowed)
    if found is None:
        return []
    group, sites = found
    names = list(model.demand_names) if model.demand_names is not None else None
    ruled = _rule_removes(model, limit, group)
    return [
        Note(
            "message.reach_capacity",
            rule=Note("message.unreachable_rule", tolerance=tg.nearest_tolerance_min)
            if ruled
            else "",
            settlements=int(group.sum()),
            places=_places(float(d[group].sum())),
            sites=int(sites.sum()),
            capacity=Fixed(float(largest[sites].sum())),
            examples=_examples(group, d, names),
            allowed=_places(allowed),
            served_share=float(tg.served_share),
            hint=Note("message.unreachable_hint") if ruled else "",
        )
    ]


def _explain_single_source(model: SitingFormulation, limit: float, allowed: float) -> list[str]:
    """Settlements too large for any site they reach cannot be referred whole."""
    opts = model.options
    if not opts.targets.single_source or opts.objective.type == "max_coverage":
        return []
    d = np.asarray(model.demand, dtype=float)
    largest = _largest_sizes(model)
    room = np.where(model.allowed(limit), largest[None, :], 0.0).max(axis=1, initial=0.0)
    big = d > room + TOL_LIMIT
    if d[big].sum() <= allowed + TOL_LIMIT:
        return []
    names = list(model.demand_names) if model.demand_names is not None else None
    return [
        Note(
            "message.single_source",
            settlements=int(big.sum()),
            examples=_examples(big, d, names),
            need=Fixed(float(d.max())),
            largest=Fixed(float(largest.max())),
        )
    ]


def budget_reason(budget: BudgetOptions, cheapest: tuple[int, float, float] | None) -> str:
    """Say that a budget is too small, and what the cheapest plan without it needs.

    Parameters
    ----------
    budget
        The budget that made the targets infeasible.
    cheapest
        ``(new sites, cost, bound)`` of the best plan found without the budget
        and the proven lower bound of any plan's cost (``nan`` if none was
        proven), if a plan was found. It is called the cheapest only when the
        bound proves it; otherwise the sentence gives the plan and the bound.

    Returns
    -------
    str
        The sentence.
    """
    sites = (
        Note("message.budget_sites", sites=budget.max_new_sites)
        if budget.max_new_sites is not None
        else None
    )
    cost = (
        Note("message.budget_cost", cost=float(budget.max_cost))
        if budget.max_cost is not None
        else None
    )
    limits = (
        Note("message.budget_both", sites=sites, cost=cost) if sites and cost else sites or cost
    )
    return Note(
        "message.budget",
        limits=limits or "",
        cheapest=_cheapest(cheapest) if cheapest is not None else "",
    )


def _cheapest(found: tuple[int, float, float]) -> str:
    """Say the plan found without the budget: the cheapest if proven, else with its bound."""
    sites, cost, bound = found
    if math.isfinite(bound) and bound >= cost - 1e-6 * max(1.0, abs(cost)):
        return Note("message.budget_cheapest", sites=sites, cost=float(cost))
    if math.isfinite(bound):
        return Note("message.budget_found", sites=sites, cost=float(cost), bound=float(bound))
    return Note("message.budget_found_unproven", sites=sites, cost=float(cost))


def explain_services(model: ServicesInputs) -> list[str]:
    """Say in words why the hospital services' targets cannot be met, before any solving.

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    list[str]
        One sentence per problem; empty if none is evident.
    """
    rc = model.options.rape_crisis
    n_h = int(np.shape(model.minutes)[1])
    if n_h == 0 and (rc is not None or model.options.forensic is not None):
        return [Note("message.no_hospitals")]
    if rc is None:
        return []
    msgs: list[str] = []
    cand = model.candidates
    women = model.women
    reach = (np.asarray(model.minutes)[:, cand] <= rc.max_travel_min + TOL_LIMIT).any(axis=1)
    lost = (~reach) & (women > 0)
    allowed = (1 - rc.served_share) * women.sum()
    if women[lost].sum() > allowed + TOL_LIMIT:
        names = list(model.demand_names) if model.demand_names is not None else None
        msgs.append(
            Note(
                "message.women_unreachable",
                settlements=int(lost.sum()),
                women=Fixed(float(women[lost].sum()), 0),
                minutes=float(rc.max_travel_min),
                examples=_examples(lost, women, names),
                allowed=Fixed(float(allowed), 0),
                served_share=float(rc.served_share),
            )
        )
    if int(cand.sum()) < model.required_centres:
        msgs.append(
            Note(
                "message.too_few_hospitals",
                required=int(model.required_centres),
                hospitals=int(cand.sum()),
            )
        )
    if rc.one_per_region and model.demand_region is not None and model.site_region is not None:
        have = set(np.asarray(model.site_region)[cand].tolist())
        missing = sorted(set(populated_regions(model.demand_region, women)) - have)
        msgs.extend(
            Note("message.region_no_hospital", region=Place("region", str(region)))
            for region in missing
        )
    msgs += _regions_short_of_hospitals(model, cand)
    if not msgs:  # each settlement and the whole fit: does every group?
        msgs += explain_centre_capacity(model)
    return msgs


def _regions_short_of_hospitals(model: ServicesInputs, cand: BoolArray) -> list[str]:
    """Name the regions with fewer candidate hospitals than ``regional_capacity`` asks."""
    if model.demand_region is None or model.site_region is None:
        return []
    site_region = np.asarray(model.site_region)
    msgs: list[str] = []
    for region in sorted(set(np.asarray(model.demand_region).tolist())):
        need = regional_centres(model, region)
        have = int((cand & (site_region == region)).sum())
        if need > have:
            msgs.append(
                Note(
                    "message.region_few_hospitals",
                    region=Place("region", str(region)),
                    need=need,
                    hospitals=have,
                )
            )
    return msgs


def explain_centre_capacity(model: ServicesInputs) -> list[str]:
    """Name the settlements whose candidate hospitals within reach cannot hold their women.

    Every candidate hospital hosting a centre of ``rape_crisis.women_per_centre``
    women, the most women served within the travel limit is a maximum flow; its
    minimum cut names the settlements short of centres within reach (see
    :func:`explain_reach_capacity`). :func:`explain_services` runs it when its
    other checks find nothing, before any solving.

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    list[str]
        One sentence naming the group, or nothing when that is not the reason.
    """
    rc = model.options.rape_crisis
    if rc is None:
        return []
    cand = np.asarray(model.candidates, dtype=bool)
    women = np.asarray(model.women, dtype=float)
    reach = (np.asarray(model.minutes, dtype=float) <= rc.max_travel_min + TOL_LIMIT) & cand
    allowed = (1 - rc.served_share) * float(women.sum())
    capacity = np.where(cand, float(rc.women_per_centre), 0.0)
    found = _short_of_room(women, reach, capacity, float(women.sum()) - allowed)
    if found is None:
        return []
    group, sites = found
    names = list(model.demand_names) if model.demand_names is not None else None
    return [
        Note(
            "message.centre_capacity",
            settlements=int(group.sum()),
            women=Fixed(float(women[group].sum()), 0),
            minutes=float(rc.max_travel_min),
            hospitals=int(sites.sum()),
            capacity=Fixed(float(capacity[sites].sum()), 0),
            examples=_examples(group, women, names),
            allowed=Fixed(allowed, 0),
            served_share=float(rc.served_share),
        )
    ]


def regional_centres(model: ServicesInputs, region: object) -> int:
    r"""Return the centres region ``region`` must host under ``rape_crisis.regional_capacity``.

    Parameters
    ----------
    model
        The model (its women, their regions and the standard).
    region
        A region of ``model.demand_region``.

    Returns
    -------
    int
        :math:`\lceil W_g / K \rceil` (0 without the rule or without regions).
    """
    rc = model.options.rape_crisis
    if rc is None or not rc.regional_capacity or model.demand_region is None:
        return 0
    women = float(model.women[np.asarray(model.demand_region) == region].sum())
    return required_centres(women, rc.women_per_centre)
