"""Plan new shelters for a dataset under a scenario (data -> model -> typed plan).

:func:`plan` turns a :class:`~planner.data.Dataset` and a
:class:`~planner.scenario.Scenario` into a :class:`~planner.optimize.SitingModel`
on the road network, solves it, and returns a :class:`Plan`: the sites with
their capacities, every settlement's assignment, districts before and after,
and a JSON-ready summary.

Units: the optimizer counts **family places** (a woman and her children);
``capacity_beds`` = family places x ``demand.family_place_size``. Existing
shelters' capacity in the dataset is in beds and is converted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._errors import InputDataError
from planner.assessment import Assessment, assess
from planner.data import Dataset, read_points, read_population_table
from planner.network import travel_matrix
from planner.optimize import PlanResult, SitingModel, SitingOptions, check_solution
from planner.scenario import Scenario, ScenarioError

__all__ = ["Plan", "plan"]

SITE_COLUMNS = [
    "site_id", "name", "district_id", "region", "lon", "lat", "location", "status",
    "capacity_places", "capacity_beds", "added_places", "cost", "inclusive",
]  # fmt: skip


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
        National figures (JSON-ready).
    before
        The assessment of today's situation under the same scenario.
    violations
        Rules the solution breaks when checked independently of the solver
        (empty for a correct solution).
    """

    scenario: Scenario
    result: PlanResult
    sites: gpd.GeoDataFrame
    assignments: pd.DataFrame
    districts: gpd.GeoDataFrame
    summary: dict[str, Any]
    before: Assessment
    violations: tuple[str, ...]


def _candidates(dataset: Dataset, scenario: Scenario) -> gpd.GeoDataFrame:
    if scenario.candidates.file is None:
        cand = dataset.candidates[["candidate_id", "name", "district_id", "geometry"]].copy()
    else:
        pts = read_points(scenario.candidates.file, required=["name"])
        joined = gpd.sjoin(
            pts, dataset.districts[["district_id", "geometry"]], how="left", predicate="within"
        )
        joined = joined[~joined.index.duplicated(keep="first")]
        outside = joined["district_id"].isna()
        if outside.any():
            pos = int(np.flatnonzero(outside.to_numpy())[0])
            raise InputDataError(
                f"{scenario.candidates.file}, row {pos + 2}: candidate "
                f"{pts['name'].iloc[pos]!r} lies outside every district"
            )
        ids = (
            pts["candidate_id"]
            if "candidate_id" in pts
            else [f"C{i + 1:04d}" for i in range(len(pts))]
        )
        cand = gpd.GeoDataFrame(
            {
                "candidate_id": list(ids),
                "name": pts["name"].astype(str),
                "district_id": joined["district_id"],
            },
            geometry=pts.geometry.to_numpy(),
            crs="EPSG:4326",
        )
    cand = cand.loc[~cand["district_id"].isin(scenario.candidates.exclude_districts)]
    if cand.empty:
        raise ScenarioError(
            "no candidate sites remain after candidates.exclude_districts; nothing can be built"
        )
    return gpd.GeoDataFrame(cand.reset_index(drop=True), crs="EPSG:4326")


def plan(dataset: Dataset, scenario: Scenario, *, before: Assessment | None = None) -> Plan:
    """Propose new shelter sites for a scenario.

    Parameters
    ----------
    dataset
        Districts, settlements, existing shelters, candidates and roads.
    scenario
        Demand standard, targets, supply, budget, objective and solver limits.
    before
        Today's assessment under ``scenario``, if already computed.

    Returns
    -------
    Plan
        Check ``plan.result.status``; when a target cannot be met,
        ``plan.result.messages`` says why.
    """
    scenario.check_districts(list(dataset.districts["district_id"]))
    if scenario.demand.population is not None:
        dataset = dataset.with_population(read_population_table(scenario.demand.population))
        scenario = _without_population(scenario)
    before = before or assess(dataset, scenario)
    dem = scenario.demand
    size = dem.family_place_size
    cand = _candidates(dataset, scenario)
    existing = dataset.shelters
    sites = gpd.GeoDataFrame(
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "site_id": existing["shelter_id"].to_numpy(),
                        "name": existing["name"].to_numpy(),
                        "district_id": existing["district_id"].to_numpy(),
                        "geometry": existing.geometry.to_numpy(),
                    }
                ),
                pd.DataFrame(
                    {
                        "site_id": cand["candidate_id"].to_numpy(),
                        "name": cand["name"].to_numpy(),
                        "district_id": cand["district_id"].to_numpy(),
                        "geometry": cand.geometry.to_numpy(),
                    }
                ),
            ],
            ignore_index=True,
        ),
        crs="EPSG:4326",
    )
    net = dataset.network
    settlements = dataset.settlements
    minutes = travel_matrix(net, settlements, sites, leg=scenario.leg, warn_beyond_m=np.inf) / 60
    km = (
        travel_matrix(
            net, settlements, sites, weight="length", leg=scenario.leg, warn_beyond_m=np.inf
        )
        / 1000
    )
    region_of = dataset.districts.set_index("district_id")["region"]
    demand = settlements["population"].to_numpy(float) * dem.places_per_10000 / 10_000
    model = SitingModel(
        minutes,
        demand,
        existing["capacity_places"].to_numpy(float) / size,
        km=km,
        demand_region=settlements["district_id"].map(region_of).to_numpy(),
        site_region=sites["district_id"].map(region_of).to_numpy(),
        options=SitingOptions.from_scenario(scenario),
        demand_names=[
            f"{n} ({d})"
            for n, d in zip(settlements["name"], settlements["district_id"], strict=True)
        ],
    )
    result = model.solve()
    violations = tuple(check_solution(model, result)) if result.feasible else ()
    site_table = _site_table(dataset, scenario, sites, result, region_of)
    assignments = _assignment_table(settlements, sites, result)
    districts = _district_table(dataset, before, result, sites, demand, site_table, scenario)
    summary = _summary(dataset, scenario, result, site_table, assignments, demand, minutes, sites)
    return Plan(scenario, result, site_table, assignments, districts, summary, before, violations)


def _without_population(scenario: Scenario) -> Scenario:
    from dataclasses import replace

    return replace(scenario, demand=replace(scenario.demand, population=None))


def _site_table(
    dataset: Dataset,
    scenario: Scenario,
    sites: gpd.GeoDataFrame,
    result: PlanResult,
    region_of: pd.Series,
) -> gpd.GeoDataFrame:
    n_e = len(dataset.shelters)
    size = scenario.demand.family_place_size
    opts = scenario.supply
    base = dataset.shelters["capacity_places"].to_numpy(float) / size
    cap = result.open_sizes
    rows = []
    reps = dataset.districts.set_index("district_id").geometry.representative_point()
    cost_of = dict(zip(opts.sizes, opts.size_costs, strict=True))
    for j, rec in enumerate(sites.to_dict("records")):
        is_existing = j < n_e
        if not is_existing and not (j - n_e < len(result.built) and result.built[j - n_e]):
            continue
        added = float(cap[j] - base[j]) if is_existing else float(cap[j])
        if is_existing:
            status = "expanded" if added > 1e-6 else "existing"
            point = reps.loc[rec["district_id"]]
            location = "generalised to the district (confidential)"
            cost = added * opts.expand_cost_per_place
            inclusive = bool(dataset.shelters["inclusive"].iloc[j])
        else:
            status = "new"
            point = rec["geometry"]
            location = "candidate site"
            cost = cost_of.get(float(cap[j]), math.nan)
            inclusive = opts.new_inclusive
        rows.append(
            {
                "site_id": rec["site_id"],
                "name": rec["name"],
                "district_id": rec["district_id"],
                "region": region_of.get(rec["district_id"]),
                "lon": round(float(point.x), 5),
                "lat": round(float(point.y), 5),
                "location": location,
                "status": status,
                "capacity_places": round(float(cap[j]), 3),
                "capacity_beds": round(float(cap[j]) * size, 1),
                "added_places": round(added, 3),
                "cost": round(cost, 3),
                "inclusive": inclusive,
                "geometry": point,
            }
        )
    table = gpd.GeoDataFrame(
        rows, columns=[*SITE_COLUMNS, "geometry"], geometry="geometry", crs="EPSG:4326"
    )
    return table


def _assignment_table(
    settlements: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, result: PlanResult
) -> pd.DataFrame:
    a = result.assignments
    return pd.DataFrame(
        {
            "settlement_id": settlements["settlement_id"].to_numpy()[a["demand"].to_numpy(int)],
            "site_id": sites["site_id"].to_numpy()[a["site"].to_numpy(int)],
            "demand_places": a["places"].to_numpy(float).round(5),
            "travel_min": a["travel_min"].to_numpy(float).round(1),
            "travel_km": a["travel_km"].to_numpy(float).round(1),
        }
    )


def _district_table(
    dataset: Dataset,
    before: Assessment,
    result: PlanResult,
    sites: gpd.GeoDataFrame,
    demand: np.ndarray[Any, Any],
    site_table: gpd.GeoDataFrame,
    scenario: Scenario,
) -> gpd.GeoDataFrame:
    b = before.districts
    d = b[["district_id", "name", "region", "population", "geometry"]].copy()
    d["required_family_places"] = b["required_family_places"].to_numpy()
    d["places_before"] = b["existing_places"].to_numpy() / scenario.demand.family_place_size
    d["travel_min_mean_before"] = b["travel_min_mean"].to_numpy()
    d["share_beyond_120min_before"] = b["share_beyond_120min"].to_numpy()
    cap_after = site_table.groupby("district_id")["capacity_places"].sum()
    d["places_after"] = d["district_id"].map(cap_after).fillna(0.0)
    d["new_sites"] = (
        d["district_id"]
        .map(site_table.loc[site_table["status"] == "new"].groupby("district_id").size())
        .fillna(0)
        .astype(int)
    )
    s = dataset.settlements
    a = result.assignments
    dist_of = s["district_id"].to_numpy()
    if len(a):
        frame = pd.DataFrame(
            {
                "district_id": dist_of[a["demand"].to_numpy(int)],
                "places": a["places"].to_numpy(float),
                "weighted": a["places"].to_numpy(float) * a["travel_min"].to_numpy(float),
                "travel_min": a["travel_min"].to_numpy(float),
            }
        )
        g = frame.groupby("district_id")
        served = g["places"].sum()
        d["travel_min_mean_after"] = d["district_id"].map(g["weighted"].sum() / served)
        d["travel_min_max_after"] = d["district_id"].map(g["travel_min"].max())
    else:
        served = pd.Series(dtype=float)
        d["travel_min_mean_after"] = np.nan
        d["travel_min_max_after"] = np.nan
    need = pd.Series(demand, index=dist_of).groupby(level=0).sum()
    d["served_share_after"] = (
        d["district_id"].map(served).fillna(0.0) / d["district_id"].map(need)
    ).where(d["district_id"].map(need) > 0, 1.0)
    d["unserved_places"] = (
        d["district_id"]
        .map(pd.Series(result.unserved, index=dist_of).groupby(level=0).sum())
        .fillna(0.0)
    )
    return gpd.GeoDataFrame(d, geometry="geometry", crs="EPSG:4326")


def _summary(
    dataset: Dataset,
    scenario: Scenario,
    result: PlanResult,
    site_table: gpd.GeoDataFrame,
    assignments: pd.DataFrame,
    demand: np.ndarray[Any, Any],
    minutes: np.ndarray[Any, Any],
    sites: gpd.GeoDataFrame,
) -> dict[str, Any]:
    def num(v: float, digits: int = 3) -> float | None:
        return None if v is None or not math.isfinite(v) else round(float(v), digits)

    new = site_table.loc[site_table["status"] == "new"]
    total_places = float(site_table["capacity_places"].sum())
    incl = site_table.loc[site_table["inclusive"]]
    served_total = float(assignments["demand_places"].sum()) if len(assignments) else 0.0
    mean_travel = (
        float((assignments["demand_places"] * assignments["travel_min"]).sum()) / served_total
        if served_total > 0
        else math.nan
    )
    # population within the travel limit of an open inclusive shelter
    incl_cols = sites.index[sites["site_id"].isin(incl["site_id"])].to_numpy()
    pop = dataset.settlements["population"].to_numpy(float)
    limit = scenario.targets.max_travel_min
    near_incl = (
        (minutes[:, incl_cols] <= limit).any(axis=1)
        if len(incl_cols)
        else np.zeros(len(pop), bool)
    )
    served_by_incl = float(
        assignments.loc[assignments["site_id"].isin(incl["site_id"]), "demand_places"].sum()
    )
    regions = set(dataset.districts["region"])
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "objective": scenario.objective.type,
        "tie_break": scenario.objective.tie_break,
        "status": result.status,
        "objective_value": num(result.objective),
        "bound": num(result.bound),
        "mip_gap": num(result.gap, 5),
        "build_seconds": round(result.build_seconds, 2),
        "solve_seconds": round(result.solve_seconds, 2),
        "messages": list(result.messages),
        "new_sites": len(new),
        "new_places": num(float(new["capacity_places"].sum())),
        "expanded_sites": int((site_table["status"] == "expanded").sum()),
        "total_places": num(total_places),
        "total_beds": num(total_places * scenario.demand.family_place_size, 1),
        "required_family_places": num(float(demand.sum())),
        "cost": num(result.cost),
        "served_share": num(result.served_share, 4),
        "max_travel_min": num(result.max_travel_min, 1),
        "mean_travel_min": num(mean_travel, 1),
        "max_travel_limit_min": limit,
        "inclusive_places": num(float(incl["capacity_places"].sum())),
        "inclusive_served_share": num(served_by_incl / float(demand.sum()), 4)
        if demand.sum()
        else None,
        "population_within_limit_of_inclusive_shelter": num(
            float(pop[near_incl].sum()) / pop.sum(), 4
        ),
        "regions_without_shelter_after": sorted(regions - set(site_table["region"])),
    }
