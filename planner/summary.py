"""Output stage, summaries: the national figures of a plan, typed.

The summaries are :class:`~typing.TypedDict` s: at run time plain dicts that
serialise to ``summary.json`` with the same keys as always (the keys are a
public contract), and for mypy a checked schema, so the report and the CLI
cannot read a key that is not written.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NotRequired, TypedDict

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planner._version import __version__
from planner.locate import PlanResult, ServicesResult
from planner.locate.result import GAP_DECIMALS

if TYPE_CHECKING:
    from planner.data import Dataset
    from planner.scenario import Scenario

__all__ = [
    "AssessmentSummary",
    "ForensicSummary",
    "HospitalServicesSummary",
    "InclusiveSummary",
    "PlanSummary",
    "RapeCrisisSummary",
    "ShelterSummary",
    "inclusive_summary",
    "plan_summary",
    "services_summary",
]

FloatArray = npt.NDArray[np.float64]


class AssessmentSummary(TypedDict):
    """Today's national figures (an assessment's ``summary.json``; keys as always).

    ``population_share_beyond_60min`` and ``..._120min`` are always written;
    each other threshold of the scenario adds a key of the same form.
    ``existing_shelters`` counts the rows of the dataset's shelter table, one of
    which may pool a city's shelters (as the embedded dataset's do); what public
    outputs quote is ``existing_shelter_districts``, the districts holding them,
    out of ``districts_total``.
    """

    dataset: str
    planner_version: str
    scenario: str
    population_total: int
    population_basis: str
    places_per_10000_standard: float
    family_place_size: float
    required_family_places: float
    required_beds: float
    existing_shelters: int
    existing_shelter_districts: int
    districts_total: int
    existing_places: int
    existing_inclusive_places: int
    shortfall_beds: float
    required_to_existing_ratio: float | None
    places_per_10000: float
    travel_min_mean: float
    travel_km_mean: float
    unreachable_population: int
    unreachable_districts: list[str]
    regions_total: int
    regions_without_shelter: list[str]
    regions_without_people: list[str]
    e2sfca_per_10000_mean: float
    e2sfca_catchment_min: float
    e2sfca_decay: str
    population_share_beyond_60min: float
    population_share_beyond_120min: float
    travel_mode: str
    population_share_beyond_60min_by_mode: dict[str, float]
    population_share_beyond_120min_by_mode: dict[str, float]
    population_share_beyond_120min_by_basis: NotRequired[dict[str, float]]
    population_share_beyond_30min: NotRequired[float]
    population_share_beyond_180min: NotRequired[float]


class ShelterSummary(TypedDict):
    """The shelter figures of a plan (``summary.json``'s ``shelters`` block)."""

    status: str
    required_family_places: float | None
    total_places: float | None
    total_beds: float | None
    new_sites: int
    served_share: float | None
    mean_travel_min: float | None
    max_travel_min: float | None
    max_travel_limit_min: float
    regions_without_shelter_after: list[str]


class InclusiveSummary(TypedDict):
    """Reach of LGBTQ+-inclusive shelters before and after (``inclusive_shelters``)."""

    reach_limit_min: float
    target_population_share: float | None
    new_shelters_inclusive: bool
    inclusive_sites_before: int
    inclusive_sites_after: int
    inclusive_places_before: float
    inclusive_places_after: float
    inclusive_beds_after: float
    population_within_reach_share_before: float
    population_within_reach_share_after: float


class HospitalServicesSummary(TypedDict):
    """How the hospital services were solved (``hospital_services``)."""

    status: str
    objective_value: float | None
    bound: float | None
    mip_gap: float | None
    cost: float | None
    build_seconds: float
    solve_seconds: float
    colocation: str
    colocation_bonus: float
    site_cost: float
    hospitals_used: int
    hospitals_with_both: int
    hospitals_offered: str
    messages: list[str]
    violations: list[str]


class RapeCrisisSummary(TypedDict):
    """Rape crisis centres: the figures a recommendation quotes (``rape_crisis_centres``)."""

    standard: str
    women: int
    women_share: float
    required: int
    regions: int
    existing: int
    proposed: int
    fewest_possible: int | None
    at_forensic_hospital: int
    regions_without_centre_after: list[str]
    limit_min: float
    served_target: float
    women_served_share: float | None
    women_within_limit_share: float | None
    mean_travel_min: float | None
    max_travel_min: float | None


class ForensicSummary(TypedDict):
    """24/7 forensic examination (``forensic_24_7``)."""

    standard: str
    limit_min: float
    existing: int
    proposed: int
    with_rape_crisis_centre: int
    population_within_limit_share: float | None
    settlements_without_hospital_within_limit: int
    population_without_hospital_within_limit: int
    max_travel_min_where_reachable: float | None


class PlanSummary(TypedDict):
    """A plan's national figures (``summary.json``), with the dataset and version behind them."""

    dataset: str
    planner_version: str
    scenario: str
    description: str
    objective: str
    tie_break: str
    status: str
    objective_value: float | None
    bound: float | None
    mip_gap: float | None
    build_seconds: float
    solve_seconds: float
    messages: list[str]
    new_sites: int
    new_places: float | None
    expanded_sites: int
    total_places: float | None
    total_beds: float | None
    required_family_places: float | None
    cost: float | None
    served_share: float | None
    max_travel_min: float | None
    mean_travel_min: float | None
    max_travel_limit_min: float
    inclusive_places: float | None
    inclusive_served_share: float | None
    population_within_limit_of_inclusive_shelter: float | None
    regions_without_shelter_after: list[str]
    shelters: ShelterSummary
    inclusive_shelters: InclusiveSummary
    hospital_services: NotRequired[HospitalServicesSummary]
    rape_crisis_centres: NotRequired[RapeCrisisSummary]
    forensic_24_7: NotRequired[ForensicSummary]


def _num(value: float | None, digits: int = 3) -> float | None:
    """Round for publication; ``None`` for a missing or non-finite value."""
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def plan_summary(
    dataset: Dataset,
    scenario: Scenario,
    result: PlanResult,
    tables: tuple[gpd.GeoDataFrame, pd.DataFrame],
    demand: FloatArray,
    inclusive: InclusiveSummary,
    inclusive_reach_share: float,
) -> PlanSummary:
    """Return the national figures of a shelter plan.

    Parameters
    ----------
    dataset
        The dataset planned.
    scenario
        The scenario.
    result
        The siting result.
    tables
        The plan's site table and assignment table.
    demand
        Family places needed at each settlement.
    inclusive
        The inclusive-shelter block (:func:`inclusive_summary`).
    inclusive_reach_share
        Share of people within the travel limit of an open inclusive shelter.

    Returns
    -------
    PlanSummary
        The national figures.
    """
    site_table, assignments = tables
    new = site_table.loc[site_table["status"] == "new"]
    total_places = float(site_table["capacity_places"].sum())
    incl = site_table.loc[site_table["inclusive"].astype(bool)]
    served_total = float(assignments["demand_places"].sum()) if len(assignments) else 0.0
    mean_travel = (
        float((assignments["demand_places"] * assignments["travel_min"]).sum()) / served_total
        if served_total > 0
        else math.nan
    )
    served_by_incl = float(
        assignments.loc[assignments["site_id"].isin(incl["site_id"]), "demand_places"].sum()
    )
    regions = _populated_regions(dataset, dataset.settlements["population"].to_numpy(float))
    limit = scenario.targets.max_travel_min
    shelters = ShelterSummary(
        status=str(result.status),
        required_family_places=_num(float(demand.sum())),
        total_places=_num(total_places),
        total_beds=_num(total_places * scenario.demand.family_place_size, 1),
        new_sites=len(new),
        served_share=_num(result.served_share, 4),
        mean_travel_min=_num(mean_travel, 1),
        max_travel_min=_num(result.max_travel_min, 1),
        max_travel_limit_min=limit,
        regions_without_shelter_after=sorted(regions - set(site_table["region"])),
    )
    return PlanSummary(
        dataset=dataset.name,
        planner_version=__version__,
        scenario=scenario.name,
        description=scenario.description,
        objective=scenario.objective.type,
        tie_break=scenario.objective.tie_break,
        status=shelters["status"],
        objective_value=_num(result.objective),
        bound=_num(result.bound),
        mip_gap=_num(result.gap, GAP_DECIMALS),
        build_seconds=round(result.build_seconds, 2),
        solve_seconds=round(result.solve_seconds, 2),
        messages=list(result.messages),
        new_sites=shelters["new_sites"],
        new_places=_num(float(new["capacity_places"].sum())),
        expanded_sites=int((site_table["status"] == "expanded").sum()),
        total_places=shelters["total_places"],
        total_beds=shelters["total_beds"],
        required_family_places=shelters["required_family_places"],
        cost=_num(result.cost),
        served_share=shelters["served_share"],
        max_travel_min=shelters["max_travel_min"],
        mean_travel_min=shelters["mean_travel_min"],
        max_travel_limit_min=limit,
        inclusive_places=_num(float(incl["capacity_places"].sum())),
        inclusive_served_share=(
            _num(served_by_incl / float(demand.sum()), 4) if demand.sum() else None
        ),
        population_within_limit_of_inclusive_shelter=_num(inclusive_reach_share, 4),
        regions_without_shelter_after=shelters["regions_without_shelter_after"],
        shelters=shelters,
        inclusive_shelters=inclusive,
    )


def inclusive_summary(
    dataset: Dataset,
    scenario: Scenario,
    minutes: FloatArray,
    inclusive: npt.NDArray[np.bool_],
    open_sizes: FloatArray,
) -> InclusiveSummary:
    """Return the reach of LGBTQ+-inclusive shelters before (existing only) and after.

    Parameters
    ----------
    dataset
        Settlements and existing shelters.
    scenario
        The reach limit and target.
    minutes
        Travel time from each settlement to each site (existing first).
    inclusive
        Whether each site is inclusive.
    open_sizes
        Capacity of each site with the plan.

    Returns
    -------
    InclusiveSummary
        Reach and places of inclusive shelters before and after.
    """
    pop = dataset.settlements["population"].to_numpy(float)
    limit = scenario.inclusive_limit_min
    n_e = len(dataset.shelters)
    near = minutes <= limit + 1e-9

    def share(cols: npt.NDArray[np.bool_]) -> float:
        if not cols.any() or pop.sum() <= 0:
            return 0.0
        return round(float(pop[near[:, cols].any(axis=1)].sum() / pop.sum()), 4)

    before = np.zeros(len(inclusive), dtype=bool)
    before[:n_e] = inclusive[:n_e]
    after = inclusive & (open_sizes > 1e-6)
    size = scenario.demand.family_place_size
    return InclusiveSummary(
        reach_limit_min=limit,
        target_population_share=scenario.inclusive.served_share,
        new_shelters_inclusive=scenario.supply.new_inclusive,
        inclusive_sites_before=int(before.sum()),
        inclusive_sites_after=int(after.sum()),
        inclusive_places_before=(
            round(float(open_sizes[before].sum()), 3) if before.any() else 0.0
        ),
        inclusive_places_after=round(float(open_sizes[after].sum()), 3),
        inclusive_beds_after=round(float(open_sizes[after].sum()) * size, 1),
        population_within_reach_share_before=share(before),
        population_within_reach_share_after=share(after),
    )


def services_summary(
    dataset: Dataset,
    scenario: Scenario,
    result: ServicesResult,
    violations: tuple[str, ...],
    offered: str = "",
) -> tuple[HospitalServicesSummary, RapeCrisisSummary | None, ForensicSummary | None]:
    """Return the summary blocks of the hospital services (figures a recommendation quotes).

    Parameters
    ----------
    dataset
        Settlements, districts and hospitals.
    scenario
        The service tables.
    result
        The services result.
    violations
        Rules the plan breaks when checked independently.
    offered
        Which hospitals were offered (:attr:`planner.selection.HospitalOffer.note`).

    Returns
    -------
    tuple
        The ``hospital_services`` block, and the ``rape_crisis_centres`` and
        ``forensic_24_7`` blocks of the services planned (else ``None``).
    """
    r = result
    hs = scenario.hospital_sites
    block = HospitalServicesSummary(
        status=str(r.status),
        objective_value=_num(r.objective, 3),
        bound=_num(r.bound, 3),
        mip_gap=_num(r.gap, GAP_DECIMALS),
        cost=_num(r.cost, 3),
        build_seconds=round(r.build_seconds, 2),
        solve_seconds=round(r.solve_seconds, 2),
        colocation=hs.colocation,
        colocation_bonus=hs.colocation_bonus,
        site_cost=hs.site_cost,
        hospitals_used=int((r.centre | r.forensic).sum()),
        hospitals_with_both=int(r.colocated.sum()),
        hospitals_offered=offered,
        messages=list(r.messages),
        violations=list(violations),
    )
    return (
        block,
        _rape_crisis_summary(dataset, scenario, r),
        _forensic_summary(dataset, scenario, r),
    )


def _populated_regions(dataset: Dataset, weights: npt.NDArray[np.float64]) -> set[str]:
    """Return the regions whose settlements hold any of ``weights`` (people, women).

    As the "one in every region" rule: a region with nobody in it needs no site of its own.
    """
    region_of = dataset.districts.set_index("district_id")["region"]
    return set(dataset.settlements["district_id"].map(region_of)[weights > 0])


def _rape_crisis_summary(
    dataset: Dataset, scenario: Scenario, r: ServicesResult
) -> RapeCrisisSummary | None:
    rc = scenario.rape_crisis
    if rc is None:
        return None
    s = dataset.settlements
    region_of = dataset.districts.set_index("district_id")["region"]
    regions = sorted(set(s["district_id"].map(region_of)))
    women = s["population"].to_numpy(float) * rc.women_share
    populated = _populated_regions(dataset, women)
    with_centre = set(dataset.hospitals["district_id"].map(region_of)[r.centre])
    a = r.assignments
    served = float(a["women"].sum()) if len(a) else 0.0
    mean = float((a["women"] * a["travel_min"]).sum()) / served if served > 0 else math.nan
    within = r.centre_travel_min <= rc.max_travel_min + 1e-9
    total = float(women.sum())
    return RapeCrisisSummary(
        standard=(
            f"one centre per {rc.women_per_centre:,.0f} women"
            + (", at least one per region" if rc.one_per_region else "")
            + (", each region hosting centres for all its women" if rc.regional_capacity else "")
        ),
        women=round(total),
        women_share=rc.women_share,
        required=r.required_centres,
        regions=len(regions),
        existing=0,
        proposed=int(r.centre.sum()),
        fewest_possible=r.fewest_centres,
        at_forensic_hospital=int(r.colocated.sum()),
        regions_without_centre_after=sorted(populated - with_centre),
        limit_min=rc.max_travel_min,
        served_target=rc.served_share,
        women_served_share=_num(served / total, 4) if total else None,
        women_within_limit_share=_num(float(women[within].sum()) / total, 4) if total else None,
        mean_travel_min=_num(mean, 1),
        max_travel_min=_num(float(a["travel_min"].max()), 1) if len(a) else None,
    )


def _forensic_summary(
    dataset: Dataset, scenario: Scenario, r: ServicesResult
) -> ForensicSummary | None:
    fo = scenario.forensic
    if fo is None:
        return None
    pop = dataset.settlements["population"].to_numpy(float)
    within = r.forensic_travel_min <= fo.max_travel_min + 1e-9
    without = ~r.forensic_reachable & (pop > 0)
    return ForensicSummary(
        standard=f"every settlement within {fo.max_travel_min:g} min of a 24/7 service "
        "where a hospital is that close",
        limit_min=fo.max_travel_min,
        existing=0,
        proposed=int(r.forensic.sum()),
        with_rape_crisis_centre=int(r.colocated.sum()),
        population_within_limit_share=_num(float(pop[within].sum()) / pop.sum(), 4),
        settlements_without_hospital_within_limit=int(without.sum()),
        population_without_hospital_within_limit=int(pop[without].sum()),
        max_travel_min_where_reachable=(
            _num(float(r.forensic_travel_min[r.forensic_reachable].max()), 1)
            if r.forensic_reachable.any() and r.forensic.any()
            else None
        ),
    )
