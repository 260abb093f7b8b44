"""Which sites a scenario offers the optimizer: shelter candidates and hospitals.

A scenario narrows or widens the dataset's sites by lists of ids or names
(``[candidates] include/exclude/require`` and ``[hospitals]``); hospitals are
also filtered by type (:mod:`planner.hospital_types`). Every name is matched
with case and accents ignored; an unknown one is an error with the nearest
match, an ambiguous one an error with the ids to choose from.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planner._errors import OptionError
from planner._select import match_sites
from planner.data import Dataset, candidate_sites
from planner.hospital_types import UNCLASSIFIED
from planner.scenario import Scenario

__all__ = ["HospitalOffer", "offered_hospitals", "shelter_candidates"]

BoolArray = npt.NDArray[np.bool_]


def shelter_candidates(dataset: Dataset, scenario: Scenario) -> tuple[gpd.GeoDataFrame, BoolArray]:
    """Return the candidate sites a scenario offers for new shelters, and which must open.

    Parameters
    ----------
    dataset
        Settlements, districts and default candidates.
    scenario
        ``[candidates]``: ``file``, ``exclude_districts`` (ids), ``include``
        (settlements added as sites), ``exclude`` and ``require`` (candidates).

    Returns
    -------
    tuple[geopandas.GeoDataFrame, numpy.ndarray]
        ``candidate_id, name, district_id, capacity_places, cost`` (a site's
        own size and cost, ``nan`` where the size table applies) and points;
        a boolean per row, true for the required ones.

    Raises
    ------
    OptionError
        A listed id or name is unknown or ambiguous, or a listed site lies in
        an excluded district.
    """
    opts = scenario.candidates
    cand = candidate_sites(dataset, file=opts.file, exclude_districts=())
    if opts.include:
        s = dataset.settlements
        rows = match_sites(
            opts.include,
            list(s["settlement_id"]),
            list(s["name"]),
            where="candidates.include",
            what="settlement",
        )
        added = s.iloc[rows]
        added = added.loc[~added["settlement_id"].isin(_settlements_of(dataset, cand))]
        extra = gpd.GeoDataFrame(
            {
                "candidate_id": ("C-" + added["settlement_id"].astype(str)).to_numpy(),
                "name": added["name"].to_numpy(),
                "district_id": added["district_id"].to_numpy(),
                "capacity_places": np.nan,
                "cost": np.nan,
            },
            geometry=added.geometry.to_numpy(),
            crs="EPSG:4326",
        )
        cand = gpd.GeoDataFrame(pd.concat([cand, extra], ignore_index=True), crs="EPSG:4326")
    ids, names = list(cand["candidate_id"]), list(cand["name"])
    keep = np.ones(len(cand), dtype=bool)
    keep[
        match_sites(opts.exclude, ids, names, where="candidates.exclude", what="candidate site")
    ] = False
    required = np.zeros(len(cand), dtype=bool)
    required[
        match_sites(opts.require, ids, names, where="candidates.require", what="candidate site")
    ] = True
    both = np.flatnonzero(required & ~keep)
    if len(both):
        raise OptionError(
            f"candidates.require and candidates.exclude both name {ids[int(both[0])]} "
            f"({names[int(both[0])]!r})"
        )
    in_excluded = cand["district_id"].isin(list(opts.exclude_districts)).to_numpy()
    bad = np.flatnonzero(required & in_excluded)
    if len(bad):
        row = cand.iloc[int(bad[0])]
        raise OptionError(
            f"candidates.require lists {row['name']!r} ({row['candidate_id']}), which lies in "
            f"{row['district_id']}, a district of candidates.exclude_districts"
        )
    keep &= ~in_excluded
    if not keep.any():
        raise OptionError(
            "no candidate sites remain after candidates.exclude_districts and "
            "candidates.exclude; nothing can be built"
        )
    return (
        gpd.GeoDataFrame(cand.loc[keep].reset_index(drop=True), crs="EPSG:4326"),
        required[keep],
    )


def _settlements_of(dataset: Dataset, cand: gpd.GeoDataFrame) -> set[str]:
    """Settlements that are already candidates (the dataset's own candidates)."""
    if "settlement_id" not in dataset.candidates.columns:
        return set()
    ids = set(cand["candidate_id"])
    own = dataset.candidates.loc[dataset.candidates["candidate_id"].isin(ids)]
    return set(own["settlement_id"].astype(str))


@dataclass(frozen=True)
class HospitalOffer:
    """The hospitals a scenario offers the hospital services.

    Attributes
    ----------
    hospitals
        The offered rows of ``dataset.hospitals`` (index reset).
    require_rape_crisis, require_forensic
        A boolean per offered hospital: the ones that must get the service.
    types
        The types offered; empty when the dataset's hospitals have no type
        (then every hospital is offered).
    total
        Hospitals in the dataset.
    forensic
        A boolean per offered hospital: may host 24/7 forensic examination
        (of ``[hospitals] forensic_types``, included or required for it).
    forensic_types
        The types that may host it; empty when they are all of ``types``.
    """

    hospitals: gpd.GeoDataFrame
    require_rape_crisis: BoolArray
    require_forensic: BoolArray
    types: tuple[str, ...]
    total: int
    forensic: BoolArray
    forensic_types: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """One sentence on what was offered, for the summary and the report."""
        n = len(self.hospitals)
        if not self.types:
            return (
                f"All {n} hospitals were offered: the dataset gives no hospital types, so "
                "unsuitable facilities (dispensaries, ambulance stations) could not be left out"
            )
        text = (
            f"{n} of the dataset's {self.total} hospitals were offered: those of type "
            f"{', '.join(self.types)} (read from their names) and any the scenario includes; "
            "the others (dispensaries, ambulance stations, hygiene centres, village hospitals, "
            "specialist and private clinics, unnamed points) were left out"
        )
        if self.forensic_types and set(self.forensic_types) != set(self.types):
            text += (
                f"; 24/7 forensic examination only at {int(self.forensic.sum())} of them, of "
                f"type {', '.join(self.forensic_types)} or included"
            )
        return text


def offered_hospitals(dataset: Dataset, scenario: Scenario) -> HospitalOffer:
    """Return the hospitals a scenario offers rape crisis centres and forensic examination.

    A hospital is offered when its type is one of ``[hospitals] types`` or the
    scenario includes or requires it, and the scenario does not exclude it.

    Parameters
    ----------
    dataset
        Its hospitals, with ``hospital_type``.
    scenario
        ``[hospitals]`` lists.

    Returns
    -------
    HospitalOffer
        Which hospitals are offered, and which required, for each service.

    Raises
    ------
    OptionError
        A listed id or name is unknown or ambiguous, a service is required
        that the scenario does not plan, or nothing is offered.
    """
    sel = scenario.hospitals
    hosp = dataset.hospitals
    ids, names = list(hosp["hospital_id"]), list(hosp["name"])

    def mask(values: tuple[str, ...], key: str) -> BoolArray:
        out = np.zeros(len(hosp), dtype=bool)
        out[match_sites(values, ids, names, where=f"hospitals.{key}", what="hospital")] = True
        return out

    for key, table in (("require_rape_crisis", "rape_crisis"), ("require_forensic", "forensic")):
        if getattr(sel, key) and getattr(scenario, table) is None:
            raise OptionError(
                f"hospitals.{key} lists hospitals, but the scenario has no [{table}] table"
            )
    req_r, req_f = (
        mask(sel.require_rape_crisis, "require_rape_crisis"),
        mask(sel.require_forensic, "require_forensic"),
    )
    excluded = mask(sel.exclude, "exclude")
    both = np.flatnonzero(excluded & (req_r | req_f))
    if len(both):
        raise OptionError(
            f"hospitals.exclude and a hospitals.require_* list both name {ids[int(both[0])]} "
            f"({names[int(both[0])]!r})"
        )
    typed = not (hosp["hospital_type"] == UNCLASSIFIED).all()
    offered = (
        hosp["hospital_type"].isin(list(sel.types)).to_numpy(copy=True)
        if typed
        else np.ones(len(hosp), dtype=bool)
    )
    included = mask(sel.include, "include")
    offered |= included | req_r | req_f
    offered &= ~excluded
    forensic_types = tuple(sel.forensic_types) if typed else ()
    forensic = (
        hosp["hospital_type"].isin(list(forensic_types)).to_numpy(copy=True) | included | req_f
        if forensic_types
        else np.ones(len(hosp), dtype=bool)
    )
    if not offered.any():
        raise OptionError(
            f"no hospital of dataset {dataset.name!r} is offered: none is of the types "
            f"{list(sel.types)} (hospitals.types) or listed in hospitals.include"
        )
    return HospitalOffer(
        gpd.GeoDataFrame(hosp.loc[offered].reset_index(drop=True), crs=hosp.crs),
        req_r[offered],
        req_f[offered],
        tuple(sel.types) if typed else (),
        len(hosp),
        forensic[offered],
        forensic_types,
    )
