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

from planner._i18n import Fixed, Note, Share
from planner.locate._milp import TOL_LIMIT, BoolArray, FloatArray
from planner.locate._search import populated_regions
from planner.locate.formulation import SitingFormulation
from planner.locate.options import BudgetOptions, ServiceOptions


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


__all__ = ["ServicesInputs", "budget_reason", "explain_services", "explain_siting"]

#: How many of the largest settlements a message names.
EXAMPLES = 5


def _examples(lost: BoolArray, weight: FloatArray, names: Sequence[str] | None) -> str:
    """Name the largest of the ``lost`` rows by ``weight``."""
    idx = np.flatnonzero(lost)[np.argsort(-weight[lost], kind="stable")[:EXAMPLES]]
    return ", ".join(names[i] for i in idx) if names else f"rows {idx.tolist()}"


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
        ruled = tg.nearest_tolerance_min is not None and model.n_existing > 0
        msgs.append(
            Note(
                "message.unreachable",
                settlements=int(lost.sum()),
                places=Fixed(float(d[lost].sum())),
                limit=lim,
                rule=Note("message.unreachable_rule", tolerance=tg.nearest_tolerance_min)
                if ruled
                else "",
                examples=_examples(lost, d, names),
                allowed=Fixed(float(allowed)),
                served_share=float(tg.served_share),
                hint=Note("message.unreachable_hint") if ruled else "",
            )
        )
    msgs += _explain_capacity(model, allowed)
    msgs += _explain_regions(model)
    msgs += _explain_single_source(model, limit, allowed)
    target = opts.inclusive_served_share
    if target is not None and model.inclusive_cover is not None:
        cover = np.asarray(model.inclusive_cover)
        best = float(d[cover.any(axis=1)].sum()) / d.sum() if d.sum() > 0 else 1.0
        if best + TOL_LIMIT < target:
            msgs.append(Note("message.inclusive_target", best=Share(best), target=float(target)))
    return msgs


def _explain_capacity(model: SitingFormulation, allowed: float) -> list[str]:
    """Too few places in all: every site at its largest size holds less than must be served."""
    opts = model.options
    if opts.objective.type == "max_coverage":
        return []
    d = np.asarray(model.demand, dtype=float)
    need = float(d.sum()) - allowed
    cap = float(np.asarray(model.existing_capacity, dtype=float).sum())
    if opts.expand_existing:
        cap += opts.supply.expand_max_places * model.n_existing
    caps, _, ok = model.size_options()
    cap += float(np.where(ok, caps, 0.0).max(axis=1, initial=0.0).sum())
    if cap + TOL_LIMIT >= need:
        return []
    return [
        Note(
            "message.capacity_total",
            need=Fixed(need),
            served_share=Share(float(opts.targets.served_share)),
            capacity=Fixed(cap),
            sites=len(caps),
        )
    ]


def _explain_regions(model: SitingFormulation) -> list[str]:
    """Regions without any site, or without room for their own demand."""
    if model.demand_region is None or model.site_region is None:
        return []
    opts = model.options
    d = np.asarray(model.demand, dtype=float)
    dr, srg = np.asarray(model.demand_region), np.asarray(model.site_region)
    n_e = model.n_existing
    msgs: list[str] = []
    populated = set(populated_regions(dr, d))
    for region in sorted(set(dr.tolist())):
        sites = srg == region
        if opts.targets.one_per_region and not sites.any() and region in populated:
            msgs.append(Note("message.region_no_site", region=str(region)))
        if not opts.targets.regional_capacity:
            continue
        need = d[dr == region].sum()
        cap = np.asarray(model.existing_capacity, dtype=float)[sites[:n_e]].sum()
        if opts.expand_existing:
            cap += opts.supply.expand_max_places * int(sites[:n_e].sum())
        caps, _, ok = model.size_options()
        cap += float(np.where(ok, caps, 0.0).max(axis=1, initial=0.0)[sites[n_e:]].sum())
        if cap + TOL_LIMIT < need:
            msgs.append(
                Note(
                    "message.region_capacity",
                    region=str(region),
                    need=Fixed(float(need)),
                    capacity=Fixed(float(cap)),
                )
            )
    return msgs


def _explain_single_source(model: SitingFormulation, limit: float, allowed: float) -> list[str]:
    """Settlements too large for any site they reach cannot be referred whole."""
    opts = model.options
    if not opts.targets.single_source or opts.objective.type == "max_coverage":
        return []
    d = np.asarray(model.demand, dtype=float)
    caps, _, ok = model.size_options()
    largest = np.concatenate(
        [
            np.asarray(model.existing_capacity, dtype=float)
            + (opts.supply.expand_max_places if opts.expand_existing else 0.0),
            np.where(ok, caps, 0.0).max(axis=1, initial=0.0),
        ]
    )
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
        msgs.extend(Note("message.region_no_hospital", region=str(region)) for region in missing)
    return msgs
