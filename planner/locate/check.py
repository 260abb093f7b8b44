"""Independent checks of a solution: every rule of a model, re-checked from its inputs.

These functions do not use the solver or the model's matrices; they read the
result against the travel matrix and the options, so a formulation error shows
up as a violated rule in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from planner.locate._milp import TOL_LIMIT
from planner.locate.options import required_centres
from planner.locate.result import PlanResult, ServicesResult

if TYPE_CHECKING:
    from planner.locate.formulation import SitingFormulation
    from planner.locate.services import HospitalServicesModel

__all__ = ["check_services", "check_solution"]


def check_solution(
    model: SitingFormulation, result: PlanResult, *, tol: float = 1e-5
) -> list[str]:
    """Check a solution against the model's rules, independently of the solver.

    Returns
    -------
    list[str]
        Every violated rule, in words; empty for a feasible solution.
    """
    opts = model.options
    tg = opts.targets
    problems = []
    a = result.assignments
    d = np.asarray(model.demand, dtype=float)
    cap = result.open_sizes
    n_e = model.n_existing
    load = np.bincount(a["site"], weights=a["places"], minlength=len(cap))
    over = np.flatnonzero(load > cap + tol)
    if len(over):
        problems.append(f"sites {over.tolist()} serve more than their capacity")
    if (cap[:n_e] + tol < np.asarray(model.existing_capacity)).any():
        problems.append("an existing site lost capacity")
    if len(a) and (a["travel_min"] > tg.max_travel_min + TOL_LIMIT).any():
        problems.append("an assignment exceeds the travel limit")
    problems += _closest_to_today(model, result)
    problems += _single_source(model, result)
    t = np.asarray(model.minutes)[a["demand"], a["site"]] if len(a) else np.zeros(0)
    if len(a) and not np.allclose(t, a["travel_min"]):
        problems.append("assignment travel times do not match the matrix")
    got = np.bincount(a["demand"], weights=a["places"], minlength=len(d))
    if (got > d + tol).any():
        problems.append("a settlement receives more than its demand")
    served = got.sum() / d.sum() if d.sum() > 0 else 1.0
    if opts.objective.type != "max_coverage" and served + tol < tg.served_share:
        problems.append(f"served share {served:.4f} is below {tg.served_share:g}")
    caps, _, ok = model.size_options()
    allowed_size = (np.abs(caps - cap[n_e:, None]) < 1e-6) & ok
    if not allowed_size[result.built].any(axis=1).all():
        problems.append("a new site has a size that is not allowed")
    if len(a) and (cap[a["site"]] <= tol).any():
        problems.append("demand is assigned to a site that is not open")
    closed = np.flatnonzero(model.must_open & ~result.built).tolist()
    problems += [f"required candidate sites {closed} are not opened"] if closed else []
    if opts.budget.max_new_sites is not None and result.built.sum() > opts.budget.max_new_sites:
        problems.append("more new sites than the budget allows")
    if model.demand_region is not None and model.site_region is not None and tg.one_per_region:
        open_regions = set(np.asarray(model.site_region)[cap > tol].tolist())
        missing = set(np.asarray(model.demand_region).tolist()) - open_regions
        if missing:
            problems.append(f"regions {sorted(missing)} have no shelter")
    if opts.inclusive_served_share is not None and model.inclusive_cover is not None:
        share = model.inclusive_share(cap) if d.sum() > 0 else 1.0
        if share + tol < opts.inclusive_served_share:
            problems.append(
                f"only {share:.4f} of the demand is within reach of an open inclusive shelter, "
                f"below {opts.inclusive_served_share:g}"
            )
    return problems


def _single_source(model: SitingFormulation, result: PlanResult) -> list[str]:
    """Check single sourcing: no settlement split between sites, none served in part."""
    a = result.assignments
    if not model.options.targets.single_source or not len(a):
        return []
    d = np.asarray(model.demand, dtype=float)
    split = a.groupby("demand")["site"].nunique()
    problems = []
    if (split > 1).any():
        problems.append(f"{int((split > 1).sum())} settlements are split between sites")
    got = a.groupby("demand")["places"].sum()
    part = np.abs(got.to_numpy() - d[got.index.to_numpy()]) > 1e-5 * np.maximum(1.0, d[got.index])
    if part.any():
        problems.append(f"{int(part.sum())} settlements are served only in part")
    return problems


def _closest_to_today(model: SitingFormulation, result: PlanResult) -> list[str]:
    """Check the closest-assignment rule's exact part: nobody far past today's nearest site."""
    tolerance = model.options.targets.nearest_tolerance_min
    a, n_e = result.assignments, model.n_existing
    if not len(a) or tolerance is None or not n_e:
        return []
    today = np.asarray(model.minutes, dtype=float)[:, :n_e].min(axis=1)
    beyond = a["travel_min"].to_numpy(float) > (
        today[a["demand"].to_numpy(int)] + tolerance + TOL_LIMIT
    )
    if not beyond.any():
        return []
    return [
        f"{int(beyond.sum())} assignments are more than {tolerance:g} min beyond the "
        "settlement's nearest existing site"
    ]


def check_services(
    model: HospitalServicesModel, result: ServicesResult, *, tol: float = 1e-4
) -> list[str]:
    """Check a services plan against the standards, independently of the solver.

    Returns
    -------
    list[str]
        Every violated rule, in words; empty for a feasible plan.
    """
    problems: list[str] = []
    opts = model.options
    rc, fo = opts.rape_crisis, opts.forensic
    minutes = np.asarray(model.minutes, dtype=float)
    pop = np.asarray(model.population, dtype=float)
    centre, forensic = result.centre, result.forensic
    if rc is not None:
        women = model.women
        need = required_centres(float(women.sum()), rc.women_per_centre)
        if int(centre.sum()) < need:
            problems.append(f"{int(centre.sum())} centres, fewer than the {need} required")
        if not model.candidates[centre].all():
            problems.append("a centre is at a hospital that is not a candidate")
        a = result.assignments
        site = a["site"].to_numpy(int)
        dem = a["demand"].to_numpy(int)
        got = a["women"].to_numpy(float)
        if len(a) and not centre[site].all():
            problems.append("women are assigned to a hospital without a centre")
        load = np.bincount(site, weights=got, minlength=len(centre))
        if (load > rc.women_per_centre * (1 + tol)).any():
            problems.append(f"a centre serves more than {rc.women_per_centre:,.0f} women")
        if len(a) and (minutes[dem, site] > rc.max_travel_min + TOL_LIMIT).any():
            problems.append("women are assigned to a centre beyond the travel limit")
        per = np.bincount(dem, weights=got, minlength=len(women))
        if (per > women * (1 + tol) + tol).any():
            problems.append("a settlement's assigned women exceed its women")
        share = float(per.sum()) / women.sum() if women.sum() > 0 else 1.0
        if share + tol < rc.served_share:
            problems.append(f"{share:.4f} of women served, below {rc.served_share:g}")
        if rc.one_per_region and model.demand_region is not None and model.site_region is not None:
            missing = set(np.asarray(model.demand_region).tolist()) - set(
                np.asarray(model.site_region)[centre].tolist()
            )
            if missing:
                problems.append(f"regions {sorted(missing)} have no rape crisis centre")
    if fo is not None:
        reach = minutes <= fo.max_travel_min + TOL_LIMIT
        must = reach.any(axis=1) & (pop > 0)
        have = (reach & forensic[None, :]).any(axis=1)
        if (must & ~have).any():
            problems.append(
                f"{int((must & ~have).sum())} settlements with a hospital within "
                f"{fo.max_travel_min:g} min have no 24/7 forensic hospital within it"
            )
    problems += _required_services(model, centre, forensic)
    if opts.sites.colocation == "require" and (centre & ~forensic).any():
        problems.append("a rape crisis centre is at a hospital without 24/7 forensic examination")
    return problems


def _required_services(
    model: HospitalServicesModel, centre: npt.NDArray[np.bool_], forensic: npt.NDArray[np.bool_]
) -> list[str]:
    """Check that every required hospital hosts its service."""
    problems = []
    for what, must_have, have in (
        ("a rape crisis centre", model.require_rcc, centre),
        ("24/7 forensic examination", model.require_forensic, forensic),
    ):
        if must_have is None:
            continue
        lacking = np.flatnonzero(np.asarray(must_have, dtype=bool) & ~have).tolist()
        if lacking:
            problems.append(f"hospitals {lacking} are required to host {what} but do not")
    return problems
