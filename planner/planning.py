"""Plan new shelters for a dataset under a scenario (data -> models -> typed plan).

:func:`plan` is orchestration only: it computes the travel matrices on the
road network, builds a :class:`~planner.locate.SitingModel` (and, when the
scenario asks for them, a :class:`~planner.locate.HospitalServicesModel`),
solves them, re-checks the results independently, and returns a
:class:`Plan` whose tables come from :mod:`planner.tables` and whose summary
comes from :mod:`planner.summary`.

Units: the optimizer counts **family places** (a woman and her children);
``capacity_beds`` = family places x ``demand.family_place_size``. Existing
shelters' capacity in the dataset is in beds and is converted.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planner._errors import InputDataError
from planner._i18n import noun
from planner.assessment import Assessment, assess_prepared, demand_dataset
from planner.data import Dataset, PlaceNames
from planner.locate import (
    HospitalServicesModel,
    PlanResult,
    ServicesResult,
    SitingModel,
    check_services,
    check_solution,
    required_centres,
)
from planner.network import TravelMode, travel_matrix
from planner.scenario import Scenario, ScenarioError, at_least_as_strict
from planner.selection import HospitalOffer, offered_hospitals, shelter_candidates
from planner.summary import PlanSummary, inclusive_summary, plan_summary, services_summary
from planner.tables import (
    SERVICE_NAMES,
    SITE_COLUMNS,
    assignment_table,
    centre_assignment_table,
    district_table,
    service_site_table,
    site_table,
)

__all__ = [
    "SERVICE_NAMES",
    "SITE_COLUMNS",
    "Plan",
    "ServicesPlan",
    "check_scenario",
    "dearer_than_stricter",
    "plan",
    "rcc_candidates",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# candidate hospitals for a rape crisis centre kept per district beyond the
# district's own share of centres (see rcc_candidates)
RCC_SPARE_CANDIDATES = 2

# settlement-site pairs within the travel limit above which a shelter plan is said to be
# large before it is solved. Measured on 2 cores: 42,000 pairs (the embedded dataset,
# 4,602 settlements and 100 candidates) plan in about 25 s; a synthetic region of 6,000
# settlements and 1,102 candidates (1.18 million pairs) found no plan in 20 minutes
LARGE_MODEL_PAIRS = 250_000
# the same for the models solved whole, without merging settlements: the travel objectives
# (min_travel, fixed_charge) and single sourcing. Measured on 2 cores with fixed_charge:
# 2,000 pairs (a region of 223 settlements and 10 candidates) proven optimal in 3 s;
# 12,743 (the embedded dataset within 60 min) and 43,033 (within 120 min) stopped at the
# 300 s limit
LARGE_FULL_MODEL_PAIRS = 5_000


@dataclass(frozen=True)
class ServicesPlan:
    """Rape crisis centres and 24/7 forensic examination planned at hospitals.

    Attributes
    ----------
    model
        The model solved (travel matrix settlements x hospitals, options).
    result
        Its typed result.
    sites
        One row per hospital and service opened, with the columns of
        :attr:`Plan.sites` (``service`` is ``rape_crisis_centre`` or
        ``forensic_24_7``; a co-located hospital has one row for each).
    assignments
        ``settlement_id, site_id, women, travel_min`` (women served by each centre).
    violations
        Rules the plan breaks when checked independently of the solver.
    model_ids
        ``hospital_id`` of each column of the model's matrix.
    offer
        The hospitals the scenario offered (by type and its lists).
    """

    model: HospitalServicesModel
    result: ServicesResult
    sites: gpd.GeoDataFrame
    assignments: pd.DataFrame
    violations: tuple[str, ...]
    model_ids: npt.NDArray[np.object_]
    offer: HospitalOffer


@dataclass(frozen=True)
class Plan:
    """A solved plan for one scenario.

    Attributes
    ----------
    scenario
        The scenario planned.
    result
        The optimizer's typed result (status, objective, bound, gap, timings).
    sites
        Existing and new sites: ``site_id, name, district_id, region, lon, lat,
        location, status`` (existing/expanded/new), ``capacity_places``
        (family places), ``capacity_beds``, ``added_places``, ``cost``,
        ``inclusive``. Existing shelters carry their district's representative
        point, never their own coordinates.
    assignments
        ``settlement_id, site_id, demand_places, travel_min, travel_km``.
    districts
        Per district, before (today) and after the plan.
    summary
        National figures (JSON-ready, typed).
    before
        The assessment of today's situation under the same scenario.
    violations
        Rules the solution breaks when checked independently of the solver
        (empty for a correct solution).
    services
        Rape crisis centres and forensic examination, when the scenario plans
        them (``[rape_crisis]`` or ``[forensic]`` tables).
    """

    scenario: Scenario
    result: PlanResult
    sites: gpd.GeoDataFrame
    assignments: pd.DataFrame
    districts: gpd.GeoDataFrame
    summary: PlanSummary
    before: Assessment
    violations: tuple[str, ...]
    services: ServicesPlan | None = None

    def with_names(self, names: PlaceNames) -> Plan:
        """Return the plan with its districts' and regions' names in another language.

        Only names change (the ``name`` of district rows, every ``region``);
        ids, figures and the solver's result stay as they are. For outputs in
        that language (:meth:`planner.data.Dataset.place_names`).

        Parameters
        ----------
        names
            The names to use.

        Returns
        -------
        Plan
            A copy with the names replaced.
        """
        services = self.services
        if services is not None:
            services = replace(services, sites=names.frame(services.sites, district_names=False))
        return replace(
            self,
            sites=names.frame(self.sites, district_names=False),
            districts=names.frame(self.districts, district_names=True),
            services=services,
        )

    @property
    def district_names(self) -> dict[str, str]:
        """Each district's name by its id, in the language :meth:`with_names` gave the plan."""
        d = self.districts
        return dict(zip(d["district_id"].astype(str), d["name"].astype(str), strict=True))

    @property
    def deeper_search_may_help(self) -> bool:
        """Whether ``solver.plan_search_nodes`` may find a cheaper shelter plan.

        True for a ``min_cost`` shelter plan that its work budget stopped short
        of the requested gap, found without the deeper search: the report and
        the terminal then say how to ask for it.
        """
        r, sc = self.result, self.scenario
        return (
            r.feasible
            and r.status == "work_limit"
            and sc.objective.type == "min_cost"
            and sc.solver.plan_search_nodes == 0
        )

    @property
    def all_sites(self) -> gpd.GeoDataFrame:
        """Shelters and hospital services in one table (the ``sites.csv`` rows)."""
        if self.services is None or self.services.sites.empty:
            return self.sites
        return gpd.GeoDataFrame(
            pd.concat([self.sites, self.services.sites], ignore_index=True),
            geometry="geometry",
            crs="EPSG:4326",
        )


@dataclass(frozen=True)
class _Prepared:
    """A scenario as it applies to a dataset, and what the checks before planning read."""

    scenario: Scenario  # its lists for this dataset, its districts by id
    dropped: tuple[str, ...]  # the lists written for another dataset, not applied
    mode: TravelMode  # the scenario's, as the dataset defines it
    dataset: Dataset  # as every public output sees it, with the scenario's population
    candidates: gpd.GeoDataFrame
    required: BoolArray
    offer: HospitalOffer | None


def _prepare(dataset: Dataset, scenario: Scenario, before: Assessment | None) -> _Prepared:
    """Apply a scenario to a dataset, checking all that can be checked before the long work."""
    scenario, dropped = scenario.lists_for(dataset.name)
    scenario = _check_inputs(dataset, scenario, before)
    mode = dataset.travel_mode(scenario.travel.mode)
    candidates, required = shelter_candidates(dataset, scenario)
    offer = offered_hospitals(dataset, scenario) if scenario.plans_hospital_services else None
    # every figure of a plan is published: existing shelters count at their district only
    public = demand_dataset(dataset.public(), scenario)
    return _Prepared(scenario, dropped, mode, public, candidates, required, offer)


def _check_inputs(dataset: Dataset, scenario: Scenario, before: Assessment | None) -> Scenario:
    """Return the scenario with its districts by id, once it applies to the dataset."""
    scenario = scenario.check_districts(
        list(dataset.districts["district_id"]), dataset.district_names()
    )
    if scenario.plans_hospital_services and dataset.hospitals.empty:
        raise InputDataError(
            f"scenario {scenario.name!r} plans rape crisis centres or forensic examination, "
            f"but dataset {dataset.name!r} has no hospitals (hospitals.csv is missing or has "
            "no rows); rebuild the dataset with `data build --hospitals FILE`, or plan the "
            "shelters alone with a scenario without [rape_crisis] and [forensic]"
        )
    if before is not None and (
        before.scenario.demand != scenario.demand
        or before.scenario.access != scenario.access
        or before.scenario.leg != scenario.leg
    ):
        raise ScenarioError(
            f"the assessment given as 'before' was made under scenario "
            f"{before.scenario.name!r}, whose [demand], [access] or [leg] differ from "
            f"{scenario.name!r}; assess under the scenario planned"
        )
    return scenario


def _model_sites(dataset: Dataset, candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Existing shelters then candidates: the columns of the siting model."""
    existing = dataset.shelters
    frames = [
        pd.DataFrame(
            {
                "site_id": table[id_col].to_numpy(),
                "name": table["name"].to_numpy(),
                "district_id": table["district_id"].to_numpy(),
                "geometry": table.geometry.to_numpy(),
            }
        )
        for table, id_col in ((existing, "shelter_id"), (candidates, "candidate_id"))
    ]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")


def _settlement_labels(dataset: Dataset) -> list[str]:
    s = dataset.settlements
    return [f"{n} ({d})" for n, d in zip(s["name"], s["district_id"], strict=True)]


def _district_names(dataset: Dataset) -> dict[str, str]:
    d = dataset.districts
    return {str(i): str(n) for i, n in zip(d["district_id"], d["name"], strict=True)}


def _warn_if_large(minutes: FloatArray, scenario: Scenario, settlements: int, sites: int) -> None:
    """Say before a long solve that the model is large, and what makes it smaller."""
    limit = scenario.targets.max_travel_min
    pairs = int(np.count_nonzero(minutes <= limit + 1e-9))
    whole = scenario.targets.single_source or scenario.objective.type in (
        "min_travel",
        "fixed_charge",
    )
    if pairs <= (LARGE_FULL_MODEL_PAIRS if whole else LARGE_MODEL_PAIRS):
        return
    sizes = (
        "; a single-sourced or travel-weighted plan solves every settlement's pairs itself: "
        "one of 2,000 pairs took 3 s, one of 12,700 stopped at 300 s"
        if whole
        else "; a model of 42,000 pairs plans in about 25 s on 2 cores, one of 1.2 million "
        "found no plan in 20 minutes"
    )
    warnings.warn(
        f"a large plan: {settlements:,} settlements and {sites:,} sites make {pairs:,} pairs "
        f"within {limit:g} min{sizes}. The solve may reach its time limit "
        f"(solver.time_limit_s, {scenario.solver.time_limit_s:g} s) with an unproven plan or "
        "none: fewer candidate sites (the dataset's candidates.csv, or a scenario's "
        "[candidates] exclude list) or a shorter travel limit make it smaller"
        + (
            ", and the min_cost objective with split referrals merges settlements" if whole else ""
        ),
        stacklevel=3,
    )


def check_scenario(dataset: Dataset, scenario: Scenario) -> None:
    """Check that a scenario applies to a dataset, before any long work.

    :func:`plan` makes the same checks; a caller planning several scenarios
    makes them first, so that a wrong name in the last does not stop the run
    after the others were planned.

    Parameters
    ----------
    dataset
        The dataset the scenario will be planned on.
    scenario
        Its travel mode must be one the dataset has; its population table
        (``demand.population``) must match the dataset's districts; its
        districts (by id or name) must be the dataset's; its site lists
        (``[candidates]`` and ``[hospitals]``) must name the dataset's
        candidate sites, settlements and hospitals, unless they were written
        for another dataset (``site_lists_dataset``: they are then not
        applied); a scenario that plans hospital services needs hospitals.

    Raises
    ------
    InputDataError
        What does not apply, named (an ``OptionError`` for a list's entry).
    """
    _prepare(dataset, scenario, None)


def plan(dataset: Dataset, scenario: Scenario, *, before: Assessment | None = None) -> Plan:
    """Propose new shelter sites for a scenario.

    Parameters
    ----------
    dataset
        Districts, settlements, existing shelters, candidates and roads.
    scenario
        Demand standard, targets, supply, budget, objective and solver limits.
    before
        Today's assessment under ``scenario``, if already computed (it must
        have been made under the same demand, access and leg options).

    Returns
    -------
    Plan
        Check ``plan.result.status``; when a target cannot be met,
        ``plan.result.messages`` says why.
    """
    # all that can be checked is, before the long work (the assessment, travel times, solves)
    ready = _prepare(dataset, scenario, before)
    scenario = ready.scenario
    if ready.dropped:
        warnings.warn(
            f"scenario {scenario.name!r} names sites of dataset {scenario.site_lists_dataset!r} "
            f"in {', '.join(ready.dropped)}; on dataset {dataset.name!r} "
            f"{noun(len(ready.dropped), 'this list is', 'these lists are')} not applied",
            stacklevel=2,
        )
    dataset = ready.dataset
    before = before or assess_prepared(dataset, scenario)
    sites = _model_sites(dataset, ready.candidates)
    settlements = dataset.settlements
    net, leg, mode = dataset.network, scenario.leg, ready.mode
    minutes = travel_matrix(net, settlements, sites, leg=leg, warn_beyond_m=np.inf, mode=mode) / 60
    km = travel_matrix(
        net, settlements, sites, weight="route_length", leg=leg, warn_beyond_m=np.inf
    )
    region_of = dataset.districts.set_index("district_id")["region"]
    demand = settlements["population"].to_numpy(float) * scenario.demand.places_per_10000 / 10_000
    inclusive = np.full(len(sites), scenario.supply.new_inclusive, dtype=bool)
    inclusive[: len(dataset.shelters)] = dataset.shelters["inclusive"].to_numpy(bool)
    cover = None
    if scenario.inclusive.served_share is not None:
        cover = (minutes <= scenario.inclusive_limit_min + 1e-9) & inclusive[None, :]
    model = SitingModel(
        minutes,
        demand,
        dataset.shelters["capacity_places"].to_numpy(float) / scenario.demand.family_place_size,
        km=km / 1000,
        demand_region=settlements["district_id"].map(region_of).to_numpy(),
        site_region=sites["district_id"].map(region_of).to_numpy(),
        options=scenario.siting_options,
        demand_names=_settlement_labels(dataset),
        inclusive_cover=cover,
        demand_district=settlements["district_id"].to_numpy(),
        district_names=_district_names(dataset),
        required=ready.required,
        **_own_sizes(ready.candidates),
    )
    _warn_if_large(minutes, scenario, len(settlements), len(sites))
    result = model.solve()
    violations = tuple(check_solution(model, result)) if result.feasible else ()
    table = site_table(dataset, scenario, sites, result, region_of)
    assignments = assignment_table(settlements, sites, result)
    incl_cols = sites.index[
        sites["site_id"].isin(table.loc[table["inclusive"].astype(bool), "site_id"])
    ]
    summary = plan_summary(
        dataset,
        scenario,
        result,
        (table, assignments),
        demand,
        inclusive_summary(dataset, scenario, minutes, inclusive, result.open_sizes),
        _reach_share(
            settlements, minutes[:, incl_cols.to_numpy()], scenario.targets.max_travel_min
        ),
    )
    services = _plan_services(dataset, scenario, ready.offer) if ready.offer is not None else None
    if services is not None:
        block, rc, fo = services_summary(
            replace(dataset, hospitals=services.offer.hospitals),
            scenario,
            services.result,
            services.violations,
            services.offer.note,
        )
        summary["hospital_services"] = block
        if rc is not None:
            summary["rape_crisis_centres"] = rc
        if fo is not None:
            summary["forensic_24_7"] = fo
    open_cols = np.flatnonzero(result.open_sizes > 1e-6)
    nearest_after = (
        minutes[:, open_cols].min(axis=1) if len(open_cols) else np.full(len(settlements), np.inf)
    )
    districts = district_table(dataset, before, result, demand, table, nearest_after)
    return Plan(
        scenario, result, table, assignments, districts, summary, before, violations, services
    )


def _meets_its_rules(p: Plan) -> bool:
    """Return whether a cheapest plan keeps every rule of its scenario, checked independently."""
    return (
        p.scenario.objective.type == "min_cost"
        and p.result.feasible
        and not p.result.districts_left
        and not p.violations
    )


def dearer_than_stricter(plans: Sequence[Plan]) -> list[tuple[Plan, Plan]]:
    """Return the pairs of plans whose looser scenario was given the dearer plan.

    A pair ``(dearer, stricter)``: both cheapest-plan (``min_cost``) plans of
    the same dataset keep every rule of their scenario, ``stricter``'s rules
    imply ``dearer``'s (:func:`planner.scenario.at_least_as_strict`), and yet
    ``dearer`` costs more. ``stricter``'s plan is then a plan of ``dearer``'s
    scenario too, so ``dearer``'s is not the cheapest there: a search stopped
    by its work budget can end at a local optimum, and ``stricter``'s plan is the
    better answer for ``dearer``'s scenario. (Planning ``dearer`` again with
    ``stricter``'s new sites required is no remedy: nationally it gave cheaper
    plans for one looser scenario and dearer ones for two others.)

    Parameters
    ----------
    plans
        The plans compared (one dataset).

    Returns
    -------
    list[tuple[Plan, Plan]]
        Every such pair, in the order of ``plans``.
    """
    kept = [
        (p, cost) for p in plans if _meets_its_rules(p) and (cost := p.summary["cost"]) is not None
    ]
    return [
        (dearer, stricter)
        for dearer, cost in kept
        for stricter, strict_cost in kept
        if cost > strict_cost + 1e-6  # so never a plan with itself
        and dearer.summary["dataset"] == stricter.summary["dataset"]
        and at_least_as_strict(stricter.scenario, dearer.scenario)
    ]


def _own_sizes(candidates: gpd.GeoDataFrame) -> dict[str, FloatArray | None]:
    """Return the candidates' own capacities and costs, when a candidate file gives any."""
    cap = candidates["capacity_places"].to_numpy(float)
    if not np.isfinite(cap).any():
        return {"site_capacity": None, "site_cost": None}
    return {"site_capacity": cap, "site_cost": candidates["cost"].to_numpy(float)}


def _reach_share(settlements: gpd.GeoDataFrame, minutes: FloatArray, limit: float) -> float:
    """Share of people within ``limit`` of any of the columns of ``minutes``."""
    pop = settlements["population"].to_numpy(float)
    if minutes.shape[1] == 0 or pop.sum() <= 0:
        return 0.0
    return float(pop[(minutes <= limit).any(axis=1)].sum()) / float(pop.sum())


def rcc_candidates(
    dataset: Dataset, minutes: FloatArray, women_per_centre: float, women_share: float
) -> BoolArray:
    """Mark the hospitals that may host a rape crisis centre.

    In each district, the hospitals best placed for the district's own women
    (the least women-weighted travel time to its settlements, an hour's cap on
    each settlement's term so one remote village does not decide) are kept:
    as many as the district's share of centres (its women / K, rounded up)
    plus two spares. This keeps the model small (about a sixth of the hospitals
    of the embedded dataset) while every district can host centres where its
    women live.

    Parameters
    ----------
    dataset
        Settlements and hospitals.
    minutes
        Travel time from each settlement to each hospital.
    women_per_centre, women_share
        The standard's K and the women's share of the population.

    Returns
    -------
    numpy.ndarray
        Boolean mask over ``dataset.hospitals``.
    """
    hosp = dataset.hospitals
    s = dataset.settlements
    women = s["population"].to_numpy(float) * women_share
    district = s["district_id"].to_numpy()
    mask = np.zeros(len(hosp), dtype=bool)
    for district_id, idx in hosp.groupby("district_id").indices.items():
        rows = district == district_id
        score = (women[rows, None] * np.minimum(minutes[rows][:, idx], 60.0)).sum(axis=0)
        keep = required_centres(float(women[rows].sum()), women_per_centre) + RCC_SPARE_CANDIDATES
        mask[idx[np.argsort(score, kind="stable")[:keep]]] = True
    return mask


def _plan_services(dataset: Dataset, scenario: Scenario, offer: HospitalOffer) -> ServicesPlan:
    dataset = replace(dataset, hospitals=offer.hospitals)
    hosp = dataset.hospitals
    s = dataset.settlements
    region_of = dataset.districts.set_index("district_id")["region"]
    mode = dataset.travel_mode(scenario.travel.mode)
    minutes = (
        travel_matrix(dataset.network, s, hosp, leg=scenario.leg, warn_beyond_m=np.inf, mode=mode)
        / 60
    )
    rc = scenario.rape_crisis
    mask = (
        rcc_candidates(dataset, minutes, rc.women_per_centre, rc.women_share)
        if rc is not None
        else None
    )
    model = HospitalServicesModel(
        minutes,
        s["population"].to_numpy(float),
        demand_region=s["district_id"].map(region_of).to_numpy(),
        site_region=hosp["district_id"].map(region_of).to_numpy(),
        options=scenario.service_options,
        rcc_candidate=mask,
        demand_names=_settlement_labels(dataset),
        require_rcc=offer.require_rape_crisis,
        require_forensic=offer.require_forensic,
        forensic_candidate=offer.forensic,
    )
    result = model.solve()
    violations = tuple(check_services(model, result)) if result.feasible else ()
    return ServicesPlan(
        model,
        result,
        service_site_table(dataset, scenario, result, region_of),
        centre_assignment_table(dataset, result),
        violations,
        hosp["hospital_id"].to_numpy(),
        offer,
    )
