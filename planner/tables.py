"""Output stage, tables: the rows a plan publishes (sites, assignments, districts).

Each function turns a solver result (positions into the model's matrices) into
a table with ids and names, in family places and beds, rounded for
publication. Existing shelters appear at their district's representative
public point (its most populous settlement), never at their own coordinates.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planner._i18n import Translator
from planner.locate import PlanResult, ServicesResult

if TYPE_CHECKING:
    from planner.assessment import Assessment
    from planner.data import Dataset
    from planner.scenario import Scenario

__all__ = [
    "SERVICE_NAMES",
    "SITE_COLUMNS",
    "assignment_table",
    "centre_assignment_table",
    "district_publication",
    "district_table",
    "service_locations",
    "service_site_table",
    "shown_name",
    "site_table",
]

SITE_COLUMNS = [
    "site_id",
    "name",
    "district_id",
    "region",
    "lon",
    "lat",
    "location",
    "status",
    "capacity_places",
    "capacity_beds",
    "added_places",
    "cost",
    "inclusive",
    "service",
]
SERVICE_NAMES = {
    "shelter": "shelter",
    "rape_crisis_centre": "rape crisis centre",
    "forensic_24_7": "24/7 forensic examination",
}
#: Location text of an existing shelter in every public output.
CONFIDENTIAL_LOCATION = "generalised to the district (confidential)"


def _frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        rows, columns=[*SITE_COLUMNS, "geometry"], geometry="geometry", crs="EPSG:4326"
    )


def site_table(
    dataset: Dataset,
    scenario: Scenario,
    sites: gpd.GeoDataFrame,
    result: PlanResult,
    region_of: pd.Series,
) -> gpd.GeoDataFrame:
    """Return the shelters of a plan: existing (generalised to the district) and new.

    Parameters
    ----------
    dataset
        The dataset planned (existing shelters first in ``sites``).
    scenario
        Supply options and the family place size.
    sites
        Existing shelters then candidates, as in the model's columns.
    result
        The siting result.
    region_of
        Region of each district id.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SITE_COLUMNS` and geometry.
    """
    n_e = len(dataset.shelters)
    size = scenario.demand.family_place_size
    opts = scenario.supply
    base = dataset.shelters["capacity_places"].to_numpy(float) / size
    cap = result.open_sizes
    rows = []
    reps = dataset.district_points()
    cost_of = dict(zip(opts.sizes, opts.size_costs, strict=True))
    for j, rec in enumerate(sites.to_dict("records")):
        is_existing = j < n_e
        if not is_existing and not (j - n_e < len(result.built) and result.built[j - n_e]):
            continue
        added = float(cap[j] - base[j]) if is_existing else float(cap[j])
        if is_existing:
            status = "expanded" if added > 1e-6 else "existing"
            point = reps.loc[rec["district_id"]]
            location = CONFIDENTIAL_LOCATION
            cost = (
                added * opts.expand_cost_per_place
                if result.site_costs is None
                else float(result.site_costs[j])
            )
            inclusive = bool(dataset.shelters["inclusive"].iloc[j])
        else:
            status = "new"
            point = rec["geometry"]
            location = "candidate site"
            cost = (
                cost_of.get(float(cap[j]), math.nan)
                if result.site_costs is None
                else float(result.site_costs[j])
            )
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
    return _frame(rows)


#: How a dataset names a facility that has no name in its source (``data build``).
UNNAMED_PREFIX = "(unnamed"
#: Added to the location of a proposed service at an unnamed hospital.
UNNAMED_NOTE = "; no name in the source data: confirm the facility and its type before planning"


def shown_name(name: str, tr: Translator) -> str:
    """Return a name for a map or report: a build's ``(unnamed clinic)`` in ``tr``'s language.

    Every other name is the data's own and stays as it is.

    Parameters
    ----------
    name
        A site's or settlement's name.
    tr
        The output's translator.

    Returns
    -------
    str
        The name to show.
    """
    match = re.fullmatch(r"\(unnamed (\w+)\)", str(name))
    if match is None:
        return str(name)
    kind = match.group(1)
    # a kind the catalog does not know stays as the data has it
    return tr("value.unnamed", kind=tr.word(f"value.kind.{kind}", kind))


def service_locations(
    rows: pd.DataFrame, sites: pd.DataFrame, hospitals: pd.DataFrame, tr: Translator
) -> list[str]:
    """Say where each proposed service is, in ``tr``'s language, for maps and reports.

    ``sites.csv`` keeps the English ``location`` of :func:`service_site_table`; this tells
    it again from the hospital's OSM kind, whether it hosts both services and whether the
    data names it.

    Parameters
    ----------
    rows
        Rows of ``sites`` (``site_id``, ``name``) to describe.
    sites
        Every service row of the plan (a hospital with both services has two).
    hospitals
        The dataset's hospitals (``hospital_id``, ``subclass``).
    tr
        The language.

    Returns
    -------
    list[str]
        One text per row of ``rows``.
    """
    hosts = sites["site_id"].value_counts()
    kinds = hospitals.set_index("hospital_id")["subclass"].astype(str)
    notes = []
    for site_id, name in zip(rows["site_id"], rows["name"], strict=True):
        kind = str(kinds.get(site_id, ""))
        # a kind the catalog does not know stays as the data has it
        note = tr("report.service_site.osm", kind=tr.word(f"value.kind.{kind}", kind))
        if hosts.get(site_id, 0) > 1:
            note += f" ({tr('report.service_site.both')})"
        if str(name).startswith(UNNAMED_PREFIX):
            note += f"; {tr('report.service_site.unnamed')}"
        notes.append(note)
    return notes


def service_site_table(
    dataset: Dataset, scenario: Scenario, result: ServicesResult, region_of: pd.Series
) -> gpd.GeoDataFrame:
    """Return one row per hospital and service opened (a co-located hospital has two).

    Parameters
    ----------
    dataset
        The dataset (its hospitals are the model's columns).
    scenario
        Service costs.
    result
        The services result.
    region_of
        Region of each district id.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`SITE_COLUMNS` and geometry; a shared hospital's site cost is
        counted once, on its centre row.
    """
    hosp = dataset.hospitals
    rc, fo, st = scenario.rape_crisis, scenario.forensic, scenario.hospital_sites
    rows = []
    for service, opened, cost in (
        ("rape_crisis_centre", result.centre, rc.cost if rc is not None else 0.0),
        ("forensic_24_7", result.forensic, fo.cost if fo is not None else 0.0),
    ):
        for j in np.flatnonzero(opened):
            rec = hosp.iloc[j]
            shared = bool(result.centre[j] and result.forensic[j])
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
                    + (" (with both services)" if shared else "")
                    + (UNNAMED_NOTE if str(rec["name"]).startswith(UNNAMED_PREFIX) else ""),
                    "status": "new",
                    "capacity_places": np.nan,
                    "capacity_beds": np.nan,
                    "added_places": np.nan,
                    "cost": round(cost + site_cost, 3),
                    "inclusive": np.nan,
                    "geometry": rec.geometry,
                }
            )
    return _frame(rows)


def assignment_table(
    settlements: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, result: PlanResult
) -> pd.DataFrame:
    """Return ``settlement_id, site_id, demand_places, travel_min, travel_km`` of a plan.

    Parameters
    ----------
    settlements
        The settlements (demand rows).
    sites
        The plan's site table.
    result
        The siting result.

    Returns
    -------
    pandas.DataFrame
        One row per settlement-site assignment.
    """
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


def centre_assignment_table(dataset: Dataset, result: ServicesResult) -> pd.DataFrame:
    """Return ``settlement_id, site_id, women, travel_min`` (women served by each centre).

    Parameters
    ----------
    dataset
        The dataset planned (settlements and hospitals).
    result
        The hospital services result.

    Returns
    -------
    pandas.DataFrame
        One row per settlement-centre assignment.
    """
    a = result.assignments
    return pd.DataFrame(
        {
            "settlement_id": dataset.settlements["settlement_id"].to_numpy()[
                a["demand"].to_numpy(int)
            ],
            "site_id": dataset.hospitals["hospital_id"].to_numpy()[a["site"].to_numpy(int)],
            "women": a["women"].to_numpy(float).round(1),
            "travel_min": a["travel_min"].to_numpy(float).round(1),
        }
    )


#: A district is worse off when its mean referral travel after exceeds today's
#: nearest-shelter travel by more than this (minutes): round-off, not a change.
WORSE_OFF_MARGIN_MIN = 0.5


def district_table(
    dataset: Dataset,
    before: Assessment,
    result: PlanResult,
    demand: npt.NDArray[np.float64],
    sites: gpd.GeoDataFrame,
    nearest_after: npt.NDArray[np.float64] | None = None,
) -> gpd.GeoDataFrame:
    """Return each district before (today) and after the plan.

    ``travel_min_mean_before`` is the mean travel to the nearest shelter today
    and ``travel_min_mean_nearest_after`` the same with the plan (the same
    definition); ``travel_min_mean_after`` is the mean travel to the shelter
    each settlement is referred to, which capacity may make longer.
    ``worse_off`` marks a district whose referral travel after, of its settlements
    a shelter reached today, is longer than its nearest-shelter travel today (by
    more than half a minute).

    Parameters
    ----------
    dataset
        Settlements (for their districts).
    before
        Today's assessment.
    result
        The siting result.
    demand
        Family places needed at each settlement.
    sites
        The plan's site table (:func:`site_table`).
    nearest_after
        Travel (minutes) from each settlement to its nearest open site with the
        plan; ``None`` leaves ``travel_min_mean_nearest_after`` empty.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per district, with its polygon.
    """
    b = before.districts
    size = before.scenario.demand.family_place_size
    d = b[["district_id", "name", "region", "population", "geometry"]].copy()
    d["required_family_places"] = b["required_family_places"].to_numpy()
    d["places_before"] = b["existing_places"].to_numpy() / size
    d["travel_min_mean_before"] = b["travel_min_mean"].to_numpy()
    d["share_beyond_120min_before"] = b["share_beyond_120min"].to_numpy()
    cap_after = sites.groupby("district_id")["capacity_places"].sum()
    d["places_after"] = d["district_id"].map(cap_after).fillna(0.0)
    d["new_sites"] = (
        d["district_id"]
        .map(sites.loc[sites["status"] == "new"].groupby("district_id").size())
        .fillna(0)
        .astype(int)
    )
    dist_of = dataset.settlements["district_id"].to_numpy()
    a = result.assignments
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
        # worse off: the people a shelter reached today, compared with today (one no shelter
        # reached is better off served, however far)
        today = before.settlements["travel_min"].to_numpy(float)
        held = frame[np.isfinite(today[a["demand"].to_numpy(int)])].groupby("district_id")
        after_held = d["district_id"].map(held["weighted"].sum() / held["places"].sum())
    else:
        served = pd.Series(dtype=float)
        d["travel_min_mean_after"] = np.nan
        d["travel_min_max_after"] = np.nan
        after_held = d["travel_min_mean_after"]
    pop = dataset.settlements["population"].to_numpy(float)
    if nearest_after is not None:
        finite = np.isfinite(nearest_after)
        w = pd.Series(np.where(finite, pop, 0.0), index=dist_of).groupby(level=0).sum()
        t = (
            pd.Series(np.where(finite, pop * nearest_after, 0.0), index=dist_of)
            .groupby(level=0)
            .sum()
        )
        d["travel_min_mean_nearest_after"] = d["district_id"].map(t / w.where(w > 0))
    else:
        d["travel_min_mean_nearest_after"] = np.nan
    d["worse_off"] = (after_held > d["travel_min_mean_before"] + WORSE_OFF_MARGIN_MIN).fillna(
        False
    )
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


def district_publication(districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the district table without geometry, rounded for publication.

    Parameters
    ----------
    districts
        The districts of :func:`district_table`.

    Returns
    -------
    pandas.DataFrame
        The table as ``districts.csv`` publishes it.
    """
    d = pd.DataFrame(districts.drop(columns="geometry"))
    for col in d.columns:
        if d[col].dtype.kind == "f":
            d[col] = d[col].round(4 if "share" in col else 2)
    return d
