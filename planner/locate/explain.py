"""Why a target cannot be met, in words, for both location models.

Each function looks at a model before any solving and returns one sentence
per problem it finds (empty when none is evident); the sentences name the
option to change, as a scenario file writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from planner.locate._milp import TOL_LIMIT, BoolArray, FloatArray
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
    msgs = []
    allowed = (1 - tg.served_share) * d.sum()
    if opts.objective.type != "max_coverage" and d[lost].sum() > allowed + TOL_LIMIT:
        names = list(model.demand_names) if model.demand_names is not None else None
        lim = f"{limit:g} min" + (
            f" / {tg.max_travel_km:g} km" if tg.max_travel_km is not None else ""
        )
        rule = (
            f" and within {tg.nearest_tolerance_min:g} min of their nearest existing site "
            "(targets.nearest_tolerance_min)"
            if tg.nearest_tolerance_min is not None and model.n_existing
            else ""
        )
        msgs.append(
            f"{int(lost.sum())} settlements with {d[lost].sum():.1f} family places of demand "
            f"have no existing or candidate site within {lim}{rule} (largest: "
            f"{_examples(lost, d, names)}); at most {allowed:.1f} may go unserved (served_share "
            f"{tg.served_share:g}). Add candidate sites near them, raise the travel limit"
            + (", raise targets.nearest_tolerance_min" if rule else "")
            + " or lower served_share."
        )
    msgs += _explain_regions(model)
    msgs += _explain_single_source(model, limit, allowed)
    target = opts.inclusive_served_share
    if target is not None and model.inclusive_cover is not None:
        cover = np.asarray(model.inclusive_cover)
        best = float(d[cover.any(axis=1)].sum()) / d.sum() if d.sum() > 0 else 1.0
        if best + TOL_LIMIT < target:
            msgs.append(
                f"at most {best:.1%} of the demand can be within reach of an inclusive "
                f"shelter even with every inclusive candidate open, below the target "
                f"inclusive.served_share {target:g}; make new shelters "
                "inclusive (supply.new_inclusive), add candidates or lower the target."
            )
    return msgs


def _explain_regions(model: SitingFormulation) -> list[str]:
    """Regions without any site, or without room for their own demand."""
    if model.demand_region is None or model.site_region is None:
        return []
    opts = model.options
    d = np.asarray(model.demand, dtype=float)
    dr, srg = np.asarray(model.demand_region), np.asarray(model.site_region)
    n_e = model.n_existing
    msgs = []
    for region in sorted(set(dr.tolist())):
        sites = srg == region
        if opts.targets.one_per_region and not sites.any():
            msgs.append(
                f"region {region} has no existing shelter and no candidate site, so "
                "'one shelter per region' cannot hold; add a candidate there or turn "
                "targets.one_per_region off."
            )
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
                f"region {region} needs {need:.1f} family places but can reach at most "
                f"{cap:.1f} with every candidate at the largest size; add candidates "
                "or larger sizes, or turn targets.regional_capacity off."
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
        f"single sourcing: {int(big.sum())} settlements need more family places than any site "
        f"within reach can hold (largest: {_examples(big, d, names)}; the largest settlement "
        f"needs {d.max():.1f}, the largest site holds {largest.max():.1f}), so they cannot be "
        "referred whole to one shelter; allow split referrals (targets.single_source = "
        "false), offer larger sizes, or split the settlement in the data."
    ]


def budget_reason(budget: BudgetOptions, cheapest: tuple[int, float] | None) -> str:
    """Say that a budget is too small, and what the cheapest plan without it needs.

    Parameters
    ----------
    budget
        The budget that made the targets infeasible.
    cheapest
        ``(new sites, cost)`` of the cheapest plan without the budget, if one
        was found.

    Returns
    -------
    str
    """
    limits = []
    if budget.max_new_sites is not None:
        limits.append(f"at most {budget.max_new_sites} new sites")
    if budget.max_cost is not None:
        limits.append(f"a cost of at most {budget.max_cost:g}")
    msg = f"the budget ({' and '.join(limits)}) is too small to meet the targets"
    if cheapest is not None:
        msg += (
            f"; without it the cheapest plan needs {cheapest[0]} new sites at a cost of "
            f"{cheapest[1]:g}"
        )
    return msg + "."


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
        return [
            "the dataset has no hospitals (hospitals.csv), so rape crisis centres and "
            "forensic examination cannot be planned; add hospitals to the dataset."
        ]
    if rc is None:
        return []
    msgs = []
    cand = model.candidates
    women = model.women
    reach = (np.asarray(model.minutes)[:, cand] <= rc.max_travel_min + TOL_LIMIT).any(axis=1)
    lost = (~reach) & (women > 0)
    allowed = (1 - rc.served_share) * women.sum()
    if women[lost].sum() > allowed + TOL_LIMIT:
        names = list(model.demand_names) if model.demand_names is not None else None
        msgs.append(
            f"{int(lost.sum())} settlements with {women[lost].sum():,.0f} women have no "
            f"candidate hospital within {rc.max_travel_min:g} min (largest: "
            f"{_examples(lost, women, names)}); at most {allowed:,.0f} women may go unserved "
            f"(rape_crisis.served_share {rc.served_share:g}). Raise the travel limit or lower "
            "the served share."
        )
    if int(cand.sum()) < model.required_centres:
        msgs.append(
            f"the standard needs {model.required_centres} rape crisis centres, but only "
            f"{int(cand.sum())} hospitals may host one (one centre per hospital); offer more "
            "hospitals (hospitals.types or hospitals.include) or raise "
            "rape_crisis.women_per_centre."
        )
    if rc.one_per_region and model.demand_region is not None and model.site_region is not None:
        have = set(np.asarray(model.site_region)[cand].tolist())
        for region in sorted(set(np.asarray(model.demand_region).tolist()) - have):
            msgs.append(
                f"region {region} has no hospital that may host a rape crisis centre, so "
                "'at least one centre per region' cannot hold; offer one of its hospitals "
                "(hospitals.include: hospitals of other types or without a name are not "
                "offered by default), add hospitals there, or set "
                "rape_crisis.one_per_region = false."
            )
    return msgs
