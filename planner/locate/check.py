"""Independent checks of a solution: every rule of a model, re-checked from its inputs.

These functions do not use the solver or the model's matrices; they read the
result against the travel matrix and the options, so a formulation error shows
up as a violated rule in words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from planner._i18n import Fixed, Note, Place, Share
from planner.locate._milp import TOL_LIMIT, BoolArray, FloatArray
from planner.locate._search import populated_regions
from planner.locate.options import required_centres
from planner.locate.result import PlanResult, ServicesResult

if TYPE_CHECKING:
    from planner.locate.formulation import SitingFormulation
    from planner.locate.services import HospitalServicesModel

__all__ = ["check_services", "check_solution"]

#: Place-minutes per family place of demand by which a district's travel may exceed today's
#: mean: ten times the slack of the model's district rows, a numerical tolerance, not a rule.
_SLACK = 1e-5


def check_solution(
    model: SitingFormulation, result: PlanResult, *, tol: float = 1e-5
) -> list[str]:
    """Check a solution against the model's rules, independently of the solver.

    Parameters
    ----------
    model
        The model solved.
    result
        Its result.
    tol
        Tolerance of each comparison.

    Returns
    -------
    list[str]
        Every violated rule, in words; empty for a feasible solution.
    """
    opts = model.options
    tg = opts.targets
    problems: list[str] = []
    a = result.assignments
    d = np.asarray(model.demand, dtype=float)
    cap = result.open_sizes
    n_e = model.n_existing
    load = np.bincount(a["site"], weights=a["places"], minlength=len(cap))
    over = np.flatnonzero(load > cap + tol)
    if len(over):
        problems.append(Note("check.over_capacity", sites=str(over.tolist())))
    if (cap[:n_e] + tol < np.asarray(model.existing_capacity)).any():
        problems.append(Note("check.lost_capacity"))
    problems += _travel(model, result)
    problems += _closest_to_today(model, result)
    problems += _districts_worse_off(model, result)
    problems += _districts_far_from_nearest(model, result)
    problems += _single_source(model, result)
    got = np.bincount(a["demand"], weights=a["places"], minlength=len(d))
    if (got > d + tol).any():
        problems.append(Note("check.over_demand"))
    served = got.sum() / d.sum() if d.sum() > 0 else 1.0
    if opts.objective.type != "max_coverage" and served + tol < tg.served_share:
        problems.append(
            Note("check.served_below", served=Share(served, 2), target=Share(tg.served_share, 2))
        )
    caps, _, ok = model.size_options()
    allowed_size = (np.abs(caps - cap[n_e:, None]) < 1e-6) & ok
    if not allowed_size[result.built].any(axis=1).all():
        problems.append(Note("check.bad_size"))
    if len(a) and (cap[a["site"]] <= tol).any():
        problems.append(Note("check.closed_site"))
    closed = np.flatnonzero(model.must_open & ~result.built).tolist()
    problems += [Note("check.required_closed", sites=str(closed))] if closed else []
    if opts.budget.max_new_sites is not None and result.built.sum() > opts.budget.max_new_sites:
        problems.append(Note("check.over_budget"))
    problems += _growth_and_cost(model, result, tol)
    problems += _regions(model, result, tol)
    if opts.inclusive_served_share is not None and model.inclusive_cover is not None:
        share = model.inclusive_share(cap) if d.sum() > 0 else 1.0
        if share + tol < opts.inclusive_served_share:
            problems.append(
                Note(
                    "check.inclusive_below",
                    share=Share(share, 2),
                    target=Share(opts.inclusive_served_share, 2),
                )
            )
    return problems


def _growth_and_cost(model: SitingFormulation, result: PlanResult, tol: float) -> list[str]:
    """Check the existing sites' growth against the supply and the plan's cost against the budget.

    The cost is recounted from the size table (or a candidate's own cost) at
    the size each new site is built, plus the places added to existing sites
    at their cost per place; a size not on offer is left to the size rule.
    """
    opts = model.options
    n_e = model.n_existing
    cap = np.asarray(result.open_sizes, dtype=float)
    grown = cap[:n_e] - np.asarray(model.existing_capacity, dtype=float)
    most = opts.supply.expand_max_places if opts.expand_existing else 0.0
    problems: list[str] = []
    over = np.flatnonzero(grown > most + tol)
    if len(over):
        problems.append(Note("check.over_growth", sites=str(over.tolist()), places=float(most)))
    if opts.budget.max_cost is None:
        return problems
    caps, costs, ok = model.size_options()
    size_built = (np.abs(caps - cap[n_e:, None]) < 1e-6) & ok
    each = np.where(size_built, costs, np.inf).min(axis=1)
    known = np.asarray(result.built, dtype=bool) & np.isfinite(each)
    spent = float(each[known].sum())
    spent += float(np.clip(grown, 0.0, None).sum()) * opts.supply.expand_cost_per_place
    if spent > opts.budget.max_cost + tol * max(1.0, opts.budget.max_cost):
        problems.append(
            Note("check.over_cost", cost=round(spent, 2), budget=float(opts.budget.max_cost))
        )
    return problems


def _travel(model: SitingFormulation, result: PlanResult) -> list[str]:
    """Check the assignments' travel: within the limits, and as the matrix says."""
    tg = model.options.targets
    a = result.assignments
    if not len(a):
        return []
    problems: list[str] = []
    if (a["travel_min"] > tg.max_travel_min + TOL_LIMIT).any():
        problems.append(Note("check.beyond_limit"))
    if tg.max_travel_km is not None and model.km is not None:
        km = np.asarray(model.km, dtype=float)[a["demand"], a["site"]]
        if (km > tg.max_travel_km + TOL_LIMIT).any():
            problems.append(Note("check.beyond_km", km=float(tg.max_travel_km)))
    if not np.allclose(np.asarray(model.minutes)[a["demand"], a["site"]], a["travel_min"]):
        problems.append(Note("check.times_mismatch"))
    return problems


def _regions(model: SitingFormulation, result: PlanResult, tol: float) -> list[str]:
    """Check the regional rules: a shelter in every region, and room for its whole demand."""
    tg = model.options.targets
    if model.demand_region is None or model.site_region is None:
        return []
    d = np.asarray(model.demand, dtype=float)
    demand_region, site_region = np.asarray(model.demand_region), np.asarray(model.site_region)
    cap = np.asarray(result.open_sizes, dtype=float)
    problems: list[str] = []
    if tg.regional_capacity:
        short = [
            r
            for r in sorted(set(demand_region.tolist()))
            if cap[site_region == r].sum() + tol < d[demand_region == r].sum()
        ]
        if short:
            problems.append(Note("check.regional_capacity", regions=_places(short)))
    if tg.one_per_region:
        missing = set(populated_regions(demand_region, d)) - set(site_region[cap > tol].tolist())
        if missing:
            problems.append(Note("check.regions_without", regions=_places(sorted(missing))))
    return problems


def _single_source(model: SitingFormulation, result: PlanResult) -> list[str]:
    """Check single sourcing: no settlement split between sites, none served in part."""
    a = result.assignments
    if not model.options.targets.single_source or not len(a):
        return []
    d = np.asarray(model.demand, dtype=float)
    split = a.groupby("demand")["site"].nunique()
    problems: list[str] = []
    if (split > 1).any():
        problems.append(Note("check.split", settlements=int((split > 1).sum())))
    got = a.groupby("demand")["places"].sum()
    part = np.abs(got.to_numpy() - d[got.index.to_numpy()]) > 1e-5 * np.maximum(1.0, d[got.index])
    if part.any():
        problems.append(Note("check.partial", settlements=int(part.sum())))
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
    return [Note("check.beyond_today", assignments=int(beyond.sum()), tolerance=float(tolerance))]


def _districts_worse_off(model: SitingFormulation, result: PlanResult) -> list[str]:
    """Check that no district's mean travel is longer than today's (closest-assignment rule).

    Today's mean is demand-weighted over the district's settlements with
    demand and a road path to an existing site; districts whose mean today is
    beyond the travel limit are not held (the limit keeps them). The mean
    after is that of the demand served to those same settlements, wherever it
    is referred (a settlement no shelter reached today is better off served).
    """
    tg = model.options.targets
    a, n_e = result.assignments, model.n_existing
    if not len(a) or tg.nearest_tolerance_min is None or model.demand_district is None or not n_e:
        return []
    d = np.asarray(model.demand, dtype=float)
    _, code = np.unique(np.asarray(model.demand_district).astype(str), return_inverse=True)
    code = np.asarray(code).ravel()
    today = np.asarray(model.minutes, dtype=float)[:, :n_e].min(axis=1)
    known = np.isfinite(today) & (d > 0)
    n_d = int(code.max()) + 1
    weight = np.bincount(code[known], weights=d[known], minlength=n_d)
    mean_today = np.bincount(code[known], weights=(d * today)[known], minlength=n_d) / np.where(
        weight > 0, weight, np.nan
    )
    held = np.isfinite(mean_today) & (mean_today < tg.max_travel_min)
    # a settlement with no road path to a shelter today is not compared with today
    a = a[np.isfinite(today[a["demand"].to_numpy(int)])]
    of = code[a["demand"].to_numpy(int)]
    places = a["places"].to_numpy(float)
    served = np.bincount(of, weights=places, minlength=n_d)
    spent = np.bincount(of, weights=places * a["travel_min"].to_numpy(float), minlength=n_d)
    # in place-minutes, as the model's rows: a few ten-thousandths of a place served a
    # minute or two farther is their numerical slack, not a district worse off
    excess = spent - served * np.where(held, mean_today, 0.0)
    worse = held & (excess > _SLACK * max(float(d.sum()), 1.0))
    if not worse.any():
        return []
    return [Note("check.district_worse", districts=int(worse.sum()))]


def _districts_far_from_nearest(model: SitingFormulation, result: PlanResult) -> list[str]:
    """Check that every district's mean travel is near its nearest open site, as the plan says.

    The closest-assignment rule's district part, a target of ``min_cost`` plans: the mean
    travel of the demand each district gets served at most the tolerance beyond its
    settlements' mean travel to their nearest open site (demand-weighted, over those with
    a road path to one). A plan that says districts are left beyond it
    (``result.districts_left``) is not checked again: it says so itself.
    """
    tg = model.options.targets
    a = result.assignments
    if (
        model.options.objective.type != "min_cost"
        or tg.nearest_tolerance_min is None
        or model.demand_district is None
        or result.districts_left
        or not len(a)
    ):
        return []
    d = np.asarray(model.demand, dtype=float)
    minutes = np.asarray(model.minutes, dtype=float)
    _, code = np.unique(np.asarray(model.demand_district).astype(str), return_inverse=True)
    code = np.asarray(code).ravel()
    n_d = int(code.max()) + 1
    is_open = np.asarray(result.open_sizes, dtype=float) > 0
    nearest = np.where(is_open[None, :], minutes, np.inf).min(axis=1)
    known = np.isfinite(nearest) & (d > 0)
    people = np.bincount(code[known], weights=d[known], minlength=n_d)
    near = np.bincount(code[known], weights=(d * nearest)[known], minlength=n_d)
    of = code[a["demand"].to_numpy(int)]
    places = a["places"].to_numpy(float)
    served = np.bincount(of, weights=places, minlength=n_d)
    spent = np.bincount(of, weights=places * a["travel_min"].to_numpy(float), minlength=n_d)
    limit = np.where(people > 0, near / np.where(people > 0, people, 1.0), np.inf)
    # in place-minutes, as the district rows: their round-off is not a district far off
    excess = spent - served * (limit + tg.nearest_tolerance_min)
    far = (served > 0) & np.isfinite(limit) & (excess > _SLACK * max(float(d.sum()), 1.0))
    if not far.any():
        return []
    return [Note("check.district_far", districts=int(far.sum()))]


def check_services(
    model: HospitalServicesModel, result: ServicesResult, *, tol: float = 1e-4
) -> list[str]:
    """Check a services plan against the standards, independently of the solver.

    Parameters
    ----------
    model
        The services model solved.
    result
        Its result.
    tol
        Tolerance of each comparison.

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
            problems.append(
                Note("check.too_few_centres", centres=int(centre.sum()), required=need)
            )
        if not model.candidates[centre].all():
            problems.append(Note("check.centre_not_candidate"))
        a = result.assignments
        site = a["site"].to_numpy(int)
        dem = a["demand"].to_numpy(int)
        got = a["women"].to_numpy(float)
        if len(a) and not centre[site].all():
            problems.append(Note("check.women_without_centre"))
        load = np.bincount(site, weights=got, minlength=len(centre))
        if (load > rc.women_per_centre * (1 + tol)).any():
            problems.append(Note("check.centre_over", women=Fixed(float(rc.women_per_centre), 0)))
        if len(a) and (minutes[dem, site] > rc.max_travel_min + TOL_LIMIT).any():
            problems.append(Note("check.women_beyond"))
        per = np.bincount(dem, weights=got, minlength=len(women))
        if (per > women * (1 + tol) + tol).any():
            problems.append(Note("check.women_over"))
        share = float(per.sum()) / women.sum() if women.sum() > 0 else 1.0
        if share + tol < rc.served_share:
            problems.append(
                Note("check.women_below", share=Share(share, 2), target=Share(rc.served_share, 2))
            )
        problems += _centre_regions(model, centre, women)
    if fo is not None:
        if not model.forensic_sites[forensic].all():
            problems.append(Note("check.forensic_not_candidate"))
        reach = (minutes <= fo.max_travel_min + TOL_LIMIT) & model.forensic_sites[None, :]
        must = reach.any(axis=1) & (pop > 0)
        have = (reach & forensic[None, :]).any(axis=1)
        if (must & ~have).any():
            problems.append(
                Note(
                    "check.forensic_missing",
                    settlements=int((must & ~have).sum()),
                    minutes=float(fo.max_travel_min),
                )
            )
    problems += _required_services(model, centre, forensic)
    if opts.sites.colocation == "require" and (centre & ~forensic).any():
        problems.append(Note("check.centre_without_forensic"))
    return problems


def _centre_regions(
    model: HospitalServicesModel, centre: BoolArray, women: FloatArray
) -> list[str]:
    """Check the centres' region rules: one per region, and enough for its women."""
    rc = model.options.rape_crisis
    if rc is None or model.demand_region is None or model.site_region is None:
        return []
    dr, sr = np.asarray(model.demand_region), np.asarray(model.site_region)
    problems: list[str] = []
    if rc.one_per_region:
        missing = set(populated_regions(dr, women)) - set(sr[centre].tolist())
        if missing:
            problems.append(Note("check.regions_without_centre", regions=_places(sorted(missing))))
    if rc.regional_capacity:
        short = [
            g
            for g in sorted(set(dr.tolist()))
            if int(centre[sr == g].sum())
            < required_centres(float(women[dr == g].sum()), rc.women_per_centre)
        ]
        if short:
            problems.append(Note("check.regions_short_of_centres", regions=_places(short)))
    return problems


def _required_services(
    model: HospitalServicesModel, centre: npt.NDArray[np.bool_], forensic: npt.NDArray[np.bool_]
) -> list[str]:
    """Check that every required hospital hosts its service."""
    problems: list[str] = []
    for key, must_have, have in (
        ("check.required_centre", model.require_rcc, centre),
        ("check.required_forensic", model.require_forensic, forensic),
    ):
        if must_have is None:
            continue
        lacking = np.flatnonzero(np.asarray(must_have, dtype=bool) & ~have).tolist()
        if lacking:
            problems.append(Note(key, hospitals=str(lacking)))
    return problems


def _places(regions: list[Any]) -> tuple[Place, ...]:
    """Return the regions a message names, each told in the report's language."""
    return tuple(Place("region", str(r)) for r in regions)
