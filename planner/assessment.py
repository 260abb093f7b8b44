"""Access assessment: distance to help, capacity gap and capacity-aware access.

:func:`assess` combines three measures per settlement, district, economic
region and nationally:

* **capacity gap** against the Council of Europe standard (family places per
  10,000 people, times the family-place size in beds), with the rule "at least
  one shelter in every region" checked region by region;
* **distance**: population-weighted travel time and road distance to the
  nearest existing shelter, shares beyond thresholds, people with no road path;
* **capacity-aware access**: the E2SFCA score, shelter places per 10,000
  people reachable within a catchment with distance decay, because a near
  shelter that is full does not help.

A *place* is a bed: one survivor sheltered at one time (the unit of the 175
places the UPR submission counts). A *family place* is a woman plus her
children, ``family_place_size`` beds.

Existing shelters appear in these tables by name and district only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._i18n import Translator
from planner._version import __version__
from planner.access import DISTRICT_TABLE_COLUMNS, district_access, e2sfca
from planner.data import Dataset, read_population_table
from planner.network import travel_matrix
from planner.readers import USER_TABLE
from planner.scenario import Scenario
from planner.summary import AssessmentSummary

__all__ = ["Assessment", "assess", "capacity_gap", "generalised_shelters"]


def capacity_gap(
    population: pd.Series | np.ndarray[Any, Any] | list[float],
    existing_places: pd.Series | np.ndarray[Any, Any] | list[float],
    *,
    places_per_10000: float = 1.0,
    family_place_size: float = 1.7,
) -> pd.DataFrame:
    """Compute required and missing places for given populations.

    Parameters
    ----------
    population
        People per unit.
    existing_places
        Existing shelter places (beds) per unit.
    places_per_10000
        Family places required per 10,000 people.
    family_place_size
        Beds per family place.

    Returns
    -------
    pandas.DataFrame
        ``required_family_places`` = population x rate / 10,000,
        ``required_beds`` = required family places x size, ``existing_places``,
        ``shortfall_beds`` = max(required beds - existing, 0),
        ``places_per_10000`` (existing beds per 10,000 people) and
        ``family_places_per_10000`` (existing beds / size per 10,000 people).
    """
    pop = np.asarray(population, dtype=float)
    have = np.asarray(existing_places, dtype=float)
    fam = pop * places_per_10000 / 10_000
    beds = fam * family_place_size
    per10k = np.divide(have * 10_000, pop, out=np.zeros_like(pop), where=pop > 0)
    return pd.DataFrame(
        {
            "required_family_places": fam,
            "required_beds": beds,
            "existing_places": have,
            "shortfall_beds": np.maximum(beds - have, 0.0),
            "places_per_10000": per10k,
            "family_places_per_10000": per10k / family_place_size,
        }
    )


def generalised_shelters(dataset: Dataset, *, lang: str | None = None) -> gpd.GeoDataFrame:
    """Existing shelter capacity pooled per district, at the district's public point.

    This is the only form in which existing shelters appear in public outputs:
    the exact coordinates never leave the dataset.

    Parameters
    ----------
    dataset
        The dataset.
    lang
        Name the districts in this language where the dataset can
        (:meth:`planner.data.Dataset.place_names`); default: the data's names.

    Returns
    -------
    geopandas.GeoDataFrame
        ``district_id``, ``district``, ``shelters`` (names), ``count`` (rows
        of the shelter table pooled; a row may itself pool several shelters),
        ``capacity_places``, ``inclusive_places`` and a point geometry.
    """
    sh = pd.DataFrame(dataset.shelters.drop(columns="geometry"))
    sh["inclusive_places"] = np.where(sh["inclusive"], sh["capacity_places"], 0)
    pooled = sh.groupby("district_id", as_index=False).agg(
        shelters=("name", lambda s: "; ".join(sorted(s))),
        count=("name", "size"),
        capacity_places=("capacity_places", "sum"),
        inclusive_places=("inclusive_places", "sum"),
    )
    d = dataset.districts.set_index("district_id")
    pooled["district"] = pooled["district_id"].map(d["name"])
    pooled = (
        dataset.place_names(lang)
        .frame(pooled.rename(columns={"district": "name"}), district_names=True)
        .rename(columns={"name": "district"})
    )
    points = dataset.district_points().loc[pooled["district_id"]].to_numpy()
    return gpd.GeoDataFrame(pooled, geometry=points, crs="EPSG:4326")


@dataclass(frozen=True)
class Assessment:
    """Result of :func:`assess`.

    Attributes
    ----------
    scenario
        The parameters used.
    settlements
        Per settlement: nearest shelter, ``travel_min``, ``travel_km``,
        ``reachable``, ``e2sfca_per_10000``, and point geometry.
    districts
        Per district (GeoDataFrame with polygons): the travel columns of
        ``shelter-planner run``, the capacity-gap columns and
        ``e2sfca_per_10000``.
    regions
        Per economic region: capacity gap, travel and whether it has a shelter.
    summary
        National figures (JSON-ready).
    """

    scenario: Scenario
    settlements: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    regions: pd.DataFrame
    summary: AssessmentSummary


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    ok = np.isfinite(values.to_numpy(float))
    w = weights.to_numpy(float)[ok]
    if not ok.any():
        return float("nan")
    if w.sum() <= 0:
        return float(values.to_numpy(float)[ok].mean())
    return float(np.average(values.to_numpy(float)[ok], weights=w))


def assess(dataset: Dataset, scenario: Scenario | None = None) -> Assessment:
    """Assess shelter access for a dataset under a scenario.

    Parameters
    ----------
    dataset
        Districts, settlements, shelters and road graph.
    scenario
        Demand standard, thresholds, catchment and leg model; default: the
        Council of Europe minimum (1 family place per 10,000, 1.7 beds each).

    Returns
    -------
    Assessment
        Travel tables, demand, capacity gaps, E2SFCA and national figures.
    """
    scenario = scenario or Scenario()
    scenario = scenario.check_districts(
        list(dataset.districts["district_id"]), dataset.district_names()
    )
    # every figure below is published: existing shelters count at their district only
    return assess_prepared(demand_dataset(dataset.public(), scenario), scenario)


def demand_dataset(dataset: Dataset, scenario: Scenario) -> Dataset:
    """Return the dataset with the scenario's populations (``[demand]`` table).

    Parameters
    ----------
    dataset
        The dataset as loaded.
    scenario
        Its ``demand.population`` table and ``demand.population_basis`` apply.

    Returns
    -------
    Dataset
    """
    if scenario.demand.population is not None:
        dataset = dataset.with_population(
            read_population_table(scenario.demand.population),
            source=str(scenario.demand.population),
        )
    if scenario.demand.population_basis == "resident":
        dataset = dataset.with_resident_basis(scenario.demand.resident_share)
    return dataset


def population_words(dataset: Dataset, scenario: Scenario, tr: Translator) -> str:
    """Say whose figures the population counts, and on which basis, for reports.

    The source is the scenario's population table, else the table that
    replaced the dataset's figures (:meth:`Dataset.with_population`), else the
    dataset's own words (``report.population_note`` of its metadata), else the
    districts' ``population_source`` when they share one. The basis
    (registered or resident) is named only where the dataset tells them apart
    (districts marked ``registered``).

    Parameters
    ----------
    dataset
        The dataset, before or after :func:`demand_dataset`.
    scenario
        Its ``[demand]`` table says which figures and which basis.
    tr
        The language to say it in.

    Returns
    -------
    str
    """
    d = dataset.districts
    table = scenario.demand.population or dataset.metadata.get("population_table")
    sources = (
        list(dict.fromkeys(d["population_source"].astype(str))) if "population_source" in d else []
    )
    # once a table replaced the figures, the dataset's own words no longer describe them
    replaced = table is not None
    note = None if replaced else dataset.report_text("population_note", lang=tr.lang)
    if table:
        source = tr("report.basis.table", file=Path(str(table)).name)
    elif note:
        source = note
    elif len(sources) == 1 and sources[0].startswith(USER_TABLE):  # the reader's own words
        source = tr("report.basis.table", file=sources[0].removeprefix(USER_TABLE))
    elif len(sources) == 1:
        source = tr("report.basis.one_source", source=sources[0])
    else:
        source = tr("report.basis.sources", count=len(sources))
    if scenario.demand.population_basis == "resident":
        share = tr.percent(scenario.demand.resident_share, 0)
        return tr("report.basis.resident_text", share=share, source=source)
    basis = d["population_basis"].astype(str) if "population_basis" in d else pd.Series([""])
    if basis.eq("registered").any():
        return tr("report.basis.registered_text", source=source)
    return source


def assess_prepared(dataset: Dataset, scenario: Scenario) -> Assessment:
    """Assess a dataset whose populations already follow the scenario (:func:`demand_dataset`).

    Parameters
    ----------
    dataset
        The public dataset with the scenario's populations.
    scenario
        The scenario, its districts checked.

    Returns
    -------
    Assessment
    """
    opts, dem = scenario.access, scenario.demand
    mode = dataset.travel_mode(scenario.travel.mode)
    tables = district_access(
        dataset, thresholds_min=opts.thresholds_min, leg=scenario.leg, mode=mode
    )
    minutes = (
        travel_matrix(
            dataset.network,
            dataset.settlements,
            dataset.shelters,
            leg=scenario.leg,
            warn_beyond_m=np.inf,
            mode=mode,
        )
        / 60.0
    )
    score = e2sfca(
        minutes,
        dataset.settlements["population"].to_numpy(float),
        dataset.shelters["capacity_places"].to_numpy(float),
        catchment_min=opts.catchment_min,
        decay=opts.decay,
        zone_weights=opts.zone_weights,
    )
    settlements = gpd.GeoDataFrame(
        tables.settlements.assign(e2sfca_per_10000=score * 10_000),
        geometry=dataset.settlements.geometry.to_numpy(),
        crs="EPSG:4326",
    )

    existing = dataset.shelters.groupby("district_id")["capacity_places"].sum()
    d = dataset.districts[["district_id", "name", "kind", "region", "area_km2", "geometry"]].copy()
    d = d.merge(tables.districts.drop(columns=["name", "region"]), on="district_id")
    gap = capacity_gap(
        d["population"],
        d["district_id"].map(existing).fillna(0),
        places_per_10000=dem.places_per_10000,
        family_place_size=dem.family_place_size,
    )
    d = pd.concat([d.reset_index(drop=True), gap], axis=1)
    score_by_district = {
        str(k): _weighted(g["e2sfca_per_10000"], g["population"])
        for k, g in settlements.groupby("district_id")
    }
    d["e2sfca_per_10000"] = d["district_id"].map(score_by_district)
    first = [c for c in DISTRICT_TABLE_COLUMNS if c in d.columns]
    d = d[first + [c for c in d.columns if c not in first]]
    districts = gpd.GeoDataFrame(d, geometry="geometry", crs="EPSG:4326")

    regions = _regions(districts, settlements, dataset, scenario)
    summary = _summary(districts, settlements, regions, dataset, scenario)
    return Assessment(scenario, settlements, districts, regions, summary)


def _regions(
    districts: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    dataset: Dataset,
    scenario: Scenario,
) -> pd.DataFrame:
    dem = scenario.demand
    region_of = districts.set_index("district_id")["region"]
    s = pd.DataFrame(settlements.drop(columns="geometry"))
    s["region"] = s["district_id"].map(region_of)
    shelters = dataset.shelters.assign(region=dataset.shelters["district_id"].map(region_of))
    rows = []
    for region, g in districts.groupby("region"):
        sg = s.loc[s["region"] == region]
        reach = sg.loc[sg["reachable"]]
        pop = float(g["population"].sum())
        beyond = float(sg.loc[sg["travel_min"] > 120, "population"].sum())
        rows.append(
            {
                "region": region,
                "districts": len(g),
                "population": int(pop),
                "shelters": int((shelters["region"] == region).sum()),
                "existing_places": float(g["existing_places"].sum()),
                "travel_min_mean": _weighted(reach["travel_min"], reach["population"]),
                "share_beyond_120min": beyond / pop if pop else float("nan"),
                "unreachable_population": int(sg.loc[~sg["reachable"], "population"].sum()),
                "e2sfca_per_10000": _weighted(sg["e2sfca_per_10000"], sg["population"]),
            }
        )
    r = pd.DataFrame(rows)
    gap = capacity_gap(
        r["population"],
        r["existing_places"],
        places_per_10000=dem.places_per_10000,
        family_place_size=dem.family_place_size,
    )
    r = pd.concat([r.drop(columns="existing_places"), gap], axis=1)
    r["has_shelter"] = r["shelters"] > 0  # CoE: at least one shelter in every region
    cols = [
        "region",
        "districts",
        "population",
        "shelters",
        "has_shelter",
        "required_family_places",
        "required_beds",
        "existing_places",
        "shortfall_beds",
        "places_per_10000",
        "family_places_per_10000",
        "travel_min_mean",
        "share_beyond_120min",
        "unreachable_population",
        "e2sfca_per_10000",
    ]
    return r[cols].sort_values("population", ascending=False).reset_index(drop=True)


def _summary(
    districts: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    regions: pd.DataFrame,
    dataset: Dataset,
    scenario: Scenario,
) -> AssessmentSummary:
    dem, opts = scenario.demand, scenario.access
    pop = float(settlements["population"].sum())
    existing = float(dataset.shelters["capacity_places"].sum())
    gap = capacity_gap(
        [pop],
        [existing],
        places_per_10000=dem.places_per_10000,
        family_place_size=dem.family_place_size,
    ).iloc[0]
    reach = settlements.loc[settlements["reachable"]]
    out: dict[str, Any] = {  # typed on return: AssessmentSummary
        "dataset": dataset.name,
        "planner_version": __version__,
        "scenario": scenario.name,
        "population_total": int(pop),
        "population_basis": population_words(dataset, scenario, Translator("en")),
        "places_per_10000_standard": dem.places_per_10000,
        "family_place_size": dem.family_place_size,
        "required_family_places": round(float(gap["required_family_places"]), 1),
        "required_beds": round(float(gap["required_beds"]), 1),
        "existing_shelters": len(dataset.shelters),
        "existing_shelter_districts": int(dataset.shelters["district_id"].nunique()),
        "districts_total": len(dataset.districts),
        "existing_places": int(existing),
        "existing_inclusive_places": int(
            dataset.shelters.loc[dataset.shelters["inclusive"], "capacity_places"].sum()
        ),
        "shortfall_beds": round(float(gap["shortfall_beds"]), 1),
        "required_to_existing_ratio": (
            round(float(gap["required_beds"]) / existing, 2) if existing else None
        ),
        "places_per_10000": round(float(gap["places_per_10000"]), 3),
        "travel_min_mean": round(_weighted(reach["travel_min"], reach["population"]), 1),
        "travel_km_mean": round(_weighted(reach["travel_km"], reach["population"]), 1),
        "unreachable_population": int(
            settlements.loc[~settlements["reachable"], "population"].sum()
        ),
        "unreachable_districts": sorted(
            districts.loc[~districts["reachable_by_road"], "name"].tolist()
        ),
        "regions_total": len(regions),
        # a region with nobody in it needs no shelter of its own (as the plans' rule)
        "regions_without_shelter": sorted(
            regions.loc[~regions["has_shelter"] & (regions["population"] > 0), "region"]
        ),
        "regions_without_people": sorted(regions.loc[regions["population"] <= 0, "region"]),
        "e2sfca_per_10000_mean": round(
            _weighted(settlements["e2sfca_per_10000"], settlements["population"]), 3
        ),
        "e2sfca_catchment_min": opts.catchment_min,
        "e2sfca_decay": opts.decay,
    }
    for t in sorted({60.0, 120.0, *opts.thresholds_min}):
        share = float(settlements.loc[settlements["travel_min"] > t, "population"].sum()) / pop
        out[f"population_share_beyond_{t:g}min"] = round(share, 4)
    out.update(_shares_by_mode(settlements, dataset, scenario, pop))
    out.update(_shares_by_basis(settlements, dataset, scenario))
    return cast(AssessmentSummary, out)


def _shares_by_basis(
    settlements: pd.DataFrame, dataset: Dataset, scenario: Scenario
) -> dict[str, Any]:
    """Share beyond 120 minutes on the registered and on the resident population basis.

    Only where the data allows it: the dataset marks registered districts and
    the scenario counts registered populations (the resident figures are then
    :meth:`Dataset.with_resident_basis` of the same dataset, at the
    scenario's ``resident_share``). Travel times do not depend on the basis,
    only who is counted where.
    """
    d = dataset.districts
    if scenario.demand.population_basis != "registered" or "population_basis" not in d:
        return {}
    if not d["population_basis"].astype(str).eq("registered").any():
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resident = dataset.with_resident_basis(scenario.demand.resident_share)
    people = resident.settlements.set_index("settlement_id")["population"]
    alt = settlements["settlement_id"].map(people).fillna(0.0).to_numpy(float)
    beyond = (settlements["travel_min"] > 120.0).to_numpy()
    registered = float(settlements.loc[beyond, "population"].sum()) / max(
        float(settlements["population"].sum()), 1.0
    )
    return {
        "population_share_beyond_120min_by_basis": {
            "registered": round(registered, 4),
            f"resident ({scenario.demand.resident_share:.0%})": round(
                float(alt[beyond].sum()) / max(float(alt.sum()), 1.0), 4
            ),
        }
    }


def _shares_by_mode(
    settlements: pd.DataFrame, dataset: Dataset, scenario: Scenario, pop: float
) -> dict[str, Any]:
    """Shares beyond 60 and 120 minutes in every travel mode of the dataset.

    Modes are affine in the road time (:class:`planner.network.TravelMode`),
    so the nearest shelter is the same in every mode and one routing serves all.
    """
    chosen = dataset.travel_mode(scenario.travel.mode)
    road_s = chosen.road_seconds(settlements["travel_min"].to_numpy(float) * 60.0)
    people = settlements["population"].to_numpy(float)
    out: dict[str, Any] = {"travel_mode": chosen.name}
    for t in (60.0, 120.0):
        out[f"population_share_beyond_{t:g}min_by_mode"] = {
            name: round(float(people[m.seconds(road_s) > t * 60.0].sum()) / pop, 4)
            for name, m in sorted(dataset.travel_modes.items())
        }
    return out
