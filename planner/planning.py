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
from planner.services import (
    HospitalServicesModel,
    ServiceOptions,
    ServicesResult,
    check_services,
    required_centres,
)

__all__ = ["Plan", "ServicesPlan", "plan", "rcc_candidates"]

SITE_COLUMNS = [
    "site_id", "name", "district_id", "region", "lon", "lat", "location", "status",
    "capacity_places", "capacity_beds", "added_places", "cost", "inclusive", "service",
]  # fmt: skip
SERVICE_NAMES = {
    "shelter": "shelter",
    "rape_crisis_centre": "rape crisis centre",
    "forensic_24_7": "24/7 forensic examination",
}
# candidate hospitals for a rape crisis centre kept per district beyond the
# district's own share of centres (see rcc_candidates)
RCC_SPARE_CANDIDATES = 2


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
    """

    model: HospitalServicesModel
    result: ServicesResult
    sites: gpd.GeoDataFrame
    assignments: pd.DataFrame
    violations: tuple[str, ...]
    model_ids: np.ndarray[Any, Any]


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
    services
        Rape crisis centres and forensic examination, when the scenario plans
        them (``[rape_crisis]`` or ``[forensic]`` tables).
    """

    scenario: Scenario
    result: PlanResult
    sites: gpd.GeoDataFrame
    assignments: pd.DataFrame
    districts: gpd.GeoDataFrame
    summary: dict[str, Any]
    before: Assessment
    violations: tuple[str, ...]
    services: ServicesPlan | None = None

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
    if scenario.plans_hospital_services and dataset.hospitals.empty:
        raise InputDataError(
            f"scenario {scenario.name!r} plans rape crisis centres or forensic examination, "
            f"but dataset {dataset.name!r} has no hospitals (hospitals.csv); rebuild it with "
            "'shelter-planner data build' or add the file"
        )
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
    inclusive = _site_inclusive(dataset, scenario, len(sites))
    reach_limit = _inclusive_limit(scenario)
    cover = (
        (minutes <= reach_limit + 1e-9) & inclusive[None, :]
        if scenario.inclusive.served_share is not None
        else None
    )
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
        inclusive_cover=cover,
    )
    result = model.solve()
    violations = tuple(check_solution(model, result)) if result.feasible else ()
    site_table = _site_table(dataset, scenario, sites, result, region_of)
    assignments = _assignment_table(settlements, sites, result)
    districts = _district_table(dataset, before, result, sites, demand, site_table, scenario)
    summary = _summary(dataset, scenario, result, site_table, assignments, demand, minutes, sites)
    summary["shelters"] = {
        k: summary[k]
        for k in ("status", "required_family_places", "total_places", "total_beds", "new_sites",
                  "served_share", "mean_travel_min", "max_travel_min", "max_travel_limit_min",
                  "regions_without_shelter_after")
    }  # fmt: skip
    summary["inclusive_shelters"] = _inclusive_block(
        dataset, scenario, minutes, inclusive, result.open_sizes
    )
    services = _plan_services(dataset, scenario) if scenario.plans_hospital_services else None
    if services is not None:
        summary.update(_services_summary(dataset, scenario, services))
    return Plan(
        scenario,
        result,
        site_table,
        assignments,
        districts,
        summary,
        before,
        violations,
        services,
    )


def _inclusive_limit(scenario: Scenario) -> float:
    limit = scenario.inclusive.max_travel_min
    return scenario.targets.max_travel_min if limit is None else limit


def _site_inclusive(dataset: Dataset, scenario: Scenario, n_sites: int) -> np.ndarray[Any, Any]:
    n_e = len(dataset.shelters)
    out = np.full(n_sites, scenario.supply.new_inclusive, dtype=bool)
    out[:n_e] = dataset.shelters["inclusive"].to_numpy(bool)
    return out


def _inclusive_block(
    dataset: Dataset,
    scenario: Scenario,
    minutes: np.ndarray[Any, Any],
    inclusive: np.ndarray[Any, Any],
    open_sizes: np.ndarray[Any, Any],
) -> dict[str, Any]:
    """Reach of LGBTQ+-inclusive shelters before (existing only) and after the plan."""
    pop = dataset.settlements["population"].to_numpy(float)
    limit = _inclusive_limit(scenario)
    n_e = len(dataset.shelters)
    near = minutes <= limit + 1e-9

    def share(cols: np.ndarray[Any, Any]) -> float:
        if not cols.any() or pop.sum() <= 0:
            return 0.0
        return round(float(pop[near[:, cols].any(axis=1)].sum() / pop.sum()), 4)

    before = np.zeros(len(inclusive), dtype=bool)
    before[:n_e] = inclusive[:n_e]
    after = inclusive & (open_sizes > 1e-6)
    size = scenario.demand.family_place_size
    return {
        "reach_limit_min": limit,
        "target_population_share": scenario.inclusive.served_share,
        "new_shelters_inclusive": scenario.supply.new_inclusive,
        "inclusive_sites_before": int(before.sum()),
        "inclusive_sites_after": int(after.sum()),
        "inclusive_places_before": round(float(open_sizes[before].sum()), 3)
        if before.any()
        else 0.0,
        "inclusive_places_after": round(float(open_sizes[after].sum()), 3),
        "inclusive_beds_after": round(float(open_sizes[after].sum()) * size, 1),
        "population_within_reach_share_before": share(before),
        "population_within_reach_share_after": share(after),
    }


def rcc_candidates(
    dataset: Dataset, minutes: np.ndarray[Any, Any], women_per_centre: float, women_share: float
) -> np.ndarray[Any, Any]:
    """Mark the hospitals that may host a rape crisis centre.

    In each district, the hospitals best placed for the district's own women
    (the least women-weighted travel time to its settlements, an hour's cap on
    each settlement's term so one remote village does not decide) are kept:
    as many as the district's share of centres (its women / K, rounded up)
    plus two spares. This keeps the model small (about 160 of 962 hospitals in
    Azerbaijan) while every district can host centres where its women live.

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


def _plan_services(dataset: Dataset, scenario: Scenario) -> ServicesPlan:
    hosp = dataset.hospitals
    s = dataset.settlements
    region_of = dataset.districts.set_index("district_id")["region"]
    minutes = travel_matrix(dataset.network, s, hosp, leg=scenario.leg, warn_beyond_m=np.inf) / 60
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
        options=ServiceOptions.from_scenario(scenario),
        rcc_candidate=mask,
        demand_names=[f"{n} ({d})" for n, d in zip(s["name"], s["district_id"], strict=True)],
    )
    result = model.solve()
    violations = tuple(check_services(model, result)) if result.feasible else ()
    rows = []
    st = scenario.hospital_sites
    for service, opened, cost in (
        ("rape_crisis_centre", result.centre, rc.cost if rc is not None else 0.0),
        (
            "forensic_24_7",
            result.forensic,
            scenario.forensic.cost if scenario.forensic is not None else 0.0,
        ),
    ):
        for j in np.flatnonzero(opened):
            rec = hosp.iloc[j]
            shared = bool(result.centre[j] and result.forensic[j])
            # a shared hospital's site cost is counted once, on its centre row
            site_cost = st.site_cost if (service == "rape_crisis_centre" or not shared) else 0.0
            rows.append(
                {
                    "site_id": rec["hospital_id"],
                    "service": service,
                    "name": rec["name"],
                    "district_id": rec["district_id"],
                    "region": region_of.get(rec["district_id"]),
                    "lon": round(float(rec.geometry.x), 5),
                    "lat": round(float(rec.geometry.y), 5),
                    "location": f"OSM {rec['subclass']}"
                    + (" (with both services)" if shared else ""),
                    "status": "new",
                    "capacity_places": np.nan,
                    "capacity_beds": np.nan,
                    "added_places": np.nan,
                    "cost": round(cost + site_cost, 3),
                    "inclusive": np.nan,
                    "geometry": rec.geometry,
                }
            )
    sites = gpd.GeoDataFrame(
        rows, columns=[*SITE_COLUMNS, "geometry"], geometry="geometry", crs="EPSG:4326"
    )
    a = result.assignments
    assignments = pd.DataFrame(
        {
            "settlement_id": s["settlement_id"].to_numpy()[a["demand"].to_numpy(int)],
            "site_id": hosp["hospital_id"].to_numpy()[a["site"].to_numpy(int)],
            "women": a["women"].to_numpy(float).round(1),
            "travel_min": a["travel_min"].to_numpy(float).round(1),
        }
    )
    return ServicesPlan(
        model, result, sites, assignments, violations, hosp["hospital_id"].to_numpy()
    )


def _services_summary(dataset: Dataset, scenario: Scenario, sp_: ServicesPlan) -> dict[str, Any]:
    """Return the summary blocks of the hospital services (figures a recommendation quotes)."""
    r = sp_.result
    s = dataset.settlements
    pop = s["population"].to_numpy(float)
    region = s["district_id"].map(dataset.districts.set_index("district_id")["region"])
    regions = sorted(set(region))

    def num(v: float, digits: int = 4) -> float | None:
        return None if not math.isfinite(v) else round(float(v), digits)

    out: dict[str, Any] = {
        "hospital_services": {
            "status": r.status,
            "objective_value": num(r.objective, 3),
            "bound": num(r.bound, 3),
            "mip_gap": num(r.gap, 5),
            "cost": num(r.cost, 3),
            "build_seconds": round(r.build_seconds, 2),
            "solve_seconds": round(r.solve_seconds, 2),
            "colocation": scenario.hospital_sites.colocation,
            "colocation_bonus": scenario.hospital_sites.colocation_bonus,
            "site_cost": scenario.hospital_sites.site_cost,
            "hospitals_used": int((r.centre | r.forensic).sum()),
            "hospitals_with_both": int(r.colocated.sum()),
            "messages": list(r.messages),
            "violations": list(sp_.violations),
        }
    }
    rc = scenario.rape_crisis
    if rc is not None:
        women = pop * rc.women_share
        hosp_region = dataset.hospitals["district_id"].map(
            dataset.districts.set_index("district_id")["region"]
        )
        with_centre = set(hosp_region[r.centre])
        served = float(r.assignments["women"].sum()) if len(r.assignments) else 0.0
        mean = (
            float((r.assignments["women"] * r.assignments["travel_min"]).sum()) / served
            if served > 0
            else math.nan
        )
        within = r.centre_travel_min <= rc.max_travel_min + 1e-9
        out["rape_crisis_centres"] = {
            "standard": (
                f"one centre per {rc.women_per_centre:,.0f} women"
                + (", at least one per region" if rc.one_per_region else "")
            ),
            "women": round(float(women.sum())),
            "women_share": rc.women_share,
            "required": r.required_centres,
            "regions": len(regions),
            "existing": 0,
            "proposed": int(r.centre.sum()),
            "fewest_possible": r.fewest_centres,
            "at_forensic_hospital": int(r.colocated.sum()),
            "regions_without_centre_after": sorted(set(regions) - with_centre),
            "limit_min": rc.max_travel_min,
            "served_target": rc.served_share,
            "women_served_share": num(served / women.sum()) if women.sum() else None,
            "women_within_limit_share": num(float(women[within].sum()) / women.sum())
            if women.sum()
            else None,
            "mean_travel_min": num(mean, 1),
            "max_travel_min": num(float(r.assignments["travel_min"].max()), 1)
            if len(r.assignments)
            else None,
        }
    fo = scenario.forensic
    if fo is not None:
        within = r.forensic_travel_min <= fo.max_travel_min + 1e-9
        without = ~r.forensic_reachable & (pop > 0)
        out["forensic_24_7"] = {
            "standard": f"every settlement within {fo.max_travel_min:g} min of a 24/7 service "
            "where a hospital is that close",
            "limit_min": fo.max_travel_min,
            "existing": 0,
            "proposed": int(r.forensic.sum()),
            "with_rape_crisis_centre": int(r.colocated.sum()),
            "population_within_limit_share": num(float(pop[within].sum()) / pop.sum()),
            "settlements_without_hospital_within_limit": int(without.sum()),
            "population_without_hospital_within_limit": int(pop[without].sum()),
            "max_travel_min_where_reachable": num(
                float(r.forensic_travel_min[r.forensic_reachable].max()), 1
            )
            if r.forensic_reachable.any() and r.forensic.any()
            else None,
        }
    return out


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
                "service": "shelter",
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
