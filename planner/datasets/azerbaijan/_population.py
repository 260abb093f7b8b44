"""District populations from the official figures, brought to 1 January 2024.

Private to the Azerbaijan builder; the method is stated in ``data/README.md``
and each step is tested on hand-made tables in ``tests/test_build.py``.

The raw table (``azerbaijan-district-population.csv``) holds figures of
different kinds and years: the 2019 census (residents present), the State
Statistical Committee's estimates of 1 January 2023 and 2024 (recalculated
from the census) and of 2018-2020 (the older registered series), a stale and
an undated one. They are brought to one reference date, 1 January 2024, so:

1. **Regional totals.** Baku and the Nakhchivan Autonomous Republic keep their
   exact 1 January 2024 totals; the other twelve economic regions share the
   rest of the national total (10,180,770) by their published 2024 shares
   (largest-remainder rounding).
2. **Figures of 1 January 2024 are kept** as published: the exact ones in
   ``_reference/aze_population_known.csv`` and the raw table's 2024 figures.
3. **Every other figure is raked to its region.** Within a region, the units
   without a 2024 figure take the region's remainder in proportion to their
   latest figure; one factor per region absorbs the growth since the figure's
   date and the difference between census and registered counts, and is
   reported.
4. **City and district published together** (Lankaran, Shaki, Yevlakh: the
   city's row counts both) are raked as one unit, then split between the city
   and the district in proportion to the people the settlement weights put in
   each (the dasymetric weights of ``planner.demand``).
5. **Units without any figure** (Naftalan, Shusha city and district,
   Khankendi, Khojali, Khojavend, Zangilan) enter the raking with an assumed
   figure: the region's people per km² of residential land (among its units
   with a figure) times their own residential land.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner._errors import InputDataError
from planner._i18n import noun
from planner.datasets.azerbaijan._tables import fold, reference_csv
from planner.demand import largest_remainder

__all__ = [
    "NATIONAL_POPULATION",
    "REFERENCE_DATE",
    "REGISTERED_REGIONS",
    "PopulationFigures",
    "figure_errors",
    "official_population",
    "read_population_figures",
    "region_totals",
]

NATIONAL_POPULATION = 10_180_770
REFERENCE_DATE = "1 January 2024"
#: Regions whose figures are registered populations, mostly displaced people
#: living elsewhere while resettlement goes on (see the raw table's notes).
REGISTERED_REGIONS = ("Karabakh", "East Zangezur")
_TABLE_COLUMNS = (
    "name_en", "name_az", "kind", "population", "year", "ref_date", "kind_of_figure",
    "source_url", "source2_url", "population2", "year2", "notes",
)  # fmt: skip


@dataclass(frozen=True)
class PopulationFigures:
    """The published figure chosen for each district, before raking.

    Attributes
    ----------
    table
        One row per district: ``district_id``, ``figure`` (people or NaN),
        ``figure_date``, ``figure_kind``, ``figure_source``, ``fixed`` (a
        1 January 2024 figure kept as it is).
    """

    table: pd.DataFrame


def _fold(name: str) -> str:
    return fold(name.replace(" rayonu", ""))


def region_totals(shares: pd.DataFrame, *, national: int = NATIONAL_POPULATION) -> dict[str, int]:
    """Each region's 1 January 2024 total: exact where published, else its share.

    Parameters
    ----------
    shares
        ``region``, ``population_share_pct``, ``population_exact`` (empty
        where not published).
    national
        The national total.

    Returns
    -------
    dict[str, int]
        People per region, summing to ``national``.
    """
    exact = shares.loc[shares["population_exact"].astype(str).str.strip() != ""]
    totals = {r: int(v) for r, v in zip(exact["region"], exact["population_exact"], strict=True)}
    rest = shares.loc[~shares["region"].isin(totals)]
    left = national - sum(totals.values())
    if left < 0:
        raise InputDataError(f"exact regional totals exceed the national total {national}")
    split = largest_remainder(left, rest["population_share_pct"].astype(float).to_numpy())
    totals.update(zip(rest["region"], split.tolist(), strict=True))
    return totals


def _number(value: object) -> float:
    text = str(value).strip()
    if text in ("", "nan", "None"):
        return math.nan
    return float(text)


def read_population_figures(path: Path, districts: pd.DataFrame) -> PopulationFigures:
    """Read the official table and choose each district's figure.

    A district's figure is, in order: an exact 1 January 2024 figure from
    ``_reference/aze_population_known.csv``; a 2024 figure of the raw table
    (``population2``/``year2`` or ``population``/``year``); its latest other
    figure (``population``); none.

    Parameters
    ----------
    path
        The raw district population table.
    districts
        ``district_id``, ``name`` (geoBoundaries spelling), ``name_az``, ``kind``.

    Returns
    -------
    PopulationFigures

    Raises
    ------
    InputDataError
        If a column is missing, a figure is not a number, or a district has no
        row (or two).
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise InputDataError(f"cannot read the population table {path}: {exc}") from exc
    missing = [c for c in _TABLE_COLUMNS if c not in raw.columns]
    if missing:
        raise InputDataError(
            f"{path} lacks {noun(len(missing), 'column')} {missing}; "
            f"expected {list(_TABLE_COLUMNS)}"
        )
    for col in ("population", "population2", "year", "year2"):
        bad = raw[col].map(lambda v: str(v).strip() not in ("", "nan") and not _is_number(v))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputDataError(
                f"{path}, row {pos + 2} ({raw['name_en'].iloc[pos]}): {col} is "
                f"{raw[col].iloc[pos]!r}; expected a number or nothing"
            )
    raw["key"] = raw["name_az"].map(_fold) + "|" + raw["kind"].str.strip()
    dup = raw["key"].duplicated(keep=False)
    if dup.any():
        raise InputDataError(f"{path}: rows {sorted(raw.loc[dup, 'name_en'])} name one unit twice")
    by_key = {str(r["key"]): r for _, r in raw.iterrows()}
    known = {
        str(r["shape_name"]): r for _, r in reference_csv("aze_population_known.csv").iterrows()
    }
    rows = []
    for d in districts.itertuples():
        key = _fold(str(d.name_az)) + "|" + str(d.kind)
        if key not in by_key:
            raise InputDataError(
                f"{path}: no row for district {d.district_id} ({d.name}, {d.name_az}, {d.kind})"
            )
        rows.append((str(d.district_id), *_choose(by_key[key], known.get(str(d.name)))))
    table = pd.DataFrame(
        rows,
        columns=["district_id", "figure", "figure_date", "figure_kind", "figure_source", "fixed"],
    )
    return PopulationFigures(table=table)


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def _choose(r: pd.Series, known: pd.Series | None) -> tuple[float, str, str, str, bool]:
    if known is not None:
        return (float(known["population"]), REFERENCE_DATE, "estimate",
                str(known["population_source"]), True)  # fmt: skip
    for pop, year, url in (
        ("population2", "year2", "source2_url"),
        ("population", "year", "source_url"),
    ):
        if _number(r[year]) == 2024 and not math.isnan(_number(r[pop])):
            return (_number(r[pop]), REFERENCE_DATE, "estimate",
                    f"State Statistical Committee via {r[url]}", True)  # fmt: skip
    if not math.isnan(_number(r["population"])):
        date = str(r["ref_date"]).strip() or "undated"
        kind = str(r["kind_of_figure"]).strip() or "estimate"
        return (_number(r["population"]), date, kind,
                f"State Statistical Committee via {r['source_url']}", False)  # fmt: skip
    return math.nan, "", "none", "", False


def official_population(
    districts: pd.DataFrame,
    figures: PopulationFigures,
    *,
    land_km2: pd.Series,
    split_weight: pd.Series,
    notes: list[str],
    totals: Mapping[str, int] | None = None,
    pairs: Mapping[str, str] | None = None,
    members: Mapping[str, set[str]] | None = None,
) -> pd.DataFrame:
    """Bring every district to 1 January 2024 (the method of this module).

    Parameters
    ----------
    districts
        ``district_id``, ``name`` (geoBoundaries spelling), ``region``.
    figures
        The chosen figures (:func:`read_population_figures`).
    land_km2
        Residential land per district (for units without a figure).
    split_weight
        Summed settlement weights per district (for city + district pairs).
    notes
        The regional factors are appended here.
    totals
        People per region on the reference date; default
        :func:`region_totals` of ``_reference/aze_region_shares.csv``.
    pairs
        District name -> city name, for units published together; default
        ``_reference/aze_population_pairs.csv``.
    members
        Every unit name of each region, to tell a partial region; default
        ``_reference/aze_regions.csv``.

    Returns
    -------
    pandas.DataFrame
        ``district_id``, ``population``, ``population_source``,
        ``population_figure``, ``population_figure_date``,
        ``population_figure_kind``, ``population_method``,
        ``population_factor``, ``population_basis``.
    """
    if totals is None:
        totals = region_totals(reference_csv("aze_region_shares.csv"))
    if pairs is None:
        table_pairs = reference_csv("aze_population_pairs.csv")
        pairs = dict(zip(table_pairs["district"], table_pairs["city"], strict=True))
    if members is None:
        regions = reference_csv("aze_regions.csv")
        members = {str(r): set(g) for r, g in regions.groupby("region")["shape_name"]}
    name_to_id = dict(zip(districts["name"], districts["district_id"], strict=True))
    partner = {
        name_to_id[d]: name_to_id[c]
        for d, c in pairs.items()
        if c in name_to_id and d in name_to_id
    }
    table = figures.table
    inputs = _RakeInputs(
        figure=dict(zip(table["district_id"], table["figure"].astype(float), strict=True)),
        fixed=frozenset(table.loc[table["fixed"].astype(bool), "district_id"]),
        partner=partner,
        land_km2={str(k): float(v) for k, v in land_km2.items()},
        split_weight={str(k): float(v) for k, v in split_weight.items()},
    )
    rows: dict[str, tuple[int, str, float]] = {}
    for region, units in districts.groupby("region"):
        total: int | None = totals.get(str(region))
        if total is None:
            raise InputDataError(f"region {region!r} has no 2024 total or share")
        absent = sorted(members.get(str(region), set()) - set(units["name"]))
        if absent:
            notes.append(
                f"region {region}: {noun(len(absent), 'unit')} {absent} "
                f"{noun(len(absent), 'is', 'are')} not in the boundary file; the units "
                "present keep their published figures (no raking to the regional total)"
            )
            total = None
        rows.update(_rake_region(str(region), list(units["district_id"]), total, inputs, notes))
    out = districts[["district_id", "region"]].copy()
    out["population"] = out["district_id"].map(lambda i: rows[i][0])
    out["method"] = out["district_id"].map(lambda i: rows[i][1])
    out["factor"] = out["district_id"].map(lambda i: rows[i][2])
    return _describe(out.set_index("district_id"), table.set_index("district_id"), partner)


@dataclass(frozen=True)
class _RakeInputs:
    figure: dict[str, float]
    fixed: frozenset[str]
    partner: dict[str, str]
    land_km2: dict[str, float]
    split_weight: dict[str, float]


def _rake_region(
    region: str, ids: list[str], total: int | None, inp: _RakeInputs, notes: list[str]
) -> dict[str, tuple[int, str, float]]:
    """Return the population, method and factor of one region's units."""
    rows: dict[str, tuple[int, str, float]] = {}
    fixed = [i for i in ids if i in inp.fixed]
    for i in fixed:
        rows[i] = (int(inp.figure[i]), "kept", 1.0)
    groups = [i for i in ids if i not in inp.fixed and i not in inp.partner]
    members = {i: [i] + [d for d, c in inp.partner.items() if c == i] for i in groups}
    land = {i: sum(inp.land_km2.get(m, 0.0) for m in members[i]) for i in groups}
    dated = [i for i in groups if not math.isnan(inp.figure[i])]
    basis = dated or fixed
    people = sum(inp.figure[i] for i in basis)
    per_km2 = people / max(sum(land.get(i, inp.land_km2.get(i, 0.0)) for i in basis), 1e-9)
    prior = np.array([inp.figure[i] if i in dated else per_km2 * land[i] for i in groups])
    if total is None:  # a partial region: figures as published
        total = sum(int(inp.figure[i]) for i in fixed) + round(float(prior.sum()))
    left = total - sum(int(inp.figure[i]) for i in fixed)
    if not groups:
        if left != 0:
            raise InputDataError(
                f"region {region}: its units' 1 January 2024 figures sum to "
                f"{total - left}, not to its total {total}"
            )
        return rows
    if left < 0:
        raise InputDataError(
            f"region {region}: its 1 January 2024 figures ({total - left}) exceed "
            f"its total ({total})"
        )
    got = largest_remainder(left, np.maximum(prior, 1e-9))
    factor = float(left / prior.sum())
    notes.append(f"population, region {region}: figures raked to its 2024 total by x{factor:.3f}")
    for i, n in zip(groups, got.tolist(), strict=True):
        if len(members[i]) == 1:
            rows[i] = (int(n), "raked" if i in dated else "assumed", factor)
            continue
        w = np.array([inp.split_weight.get(m, 0.0) for m in members[i]])
        parts = largest_remainder(int(n), np.maximum(w, 1e-9)).tolist()
        for m, part in zip(members[i], parts, strict=True):
            rows[m] = (int(part), "raked, split", factor)
    return rows


def _describe(out: pd.DataFrame, fig: pd.DataFrame, partner: dict[str, str]) -> pd.DataFrame:
    """Write each district's source sentence and figure columns."""
    rows = []
    for i, r in out.iterrows():
        owner = partner.get(str(i), str(i))
        f = fig.loc[owner]
        figure = float(str(f["figure"]))
        published = "" if math.isnan(figure) else f"{int(figure):,}"
        if r["method"] == "kept":
            text = f"official, {REFERENCE_DATE}: {f['figure_source']}"
        elif r["method"] == "raked":
            text = (
                f"{f['figure_kind']} of {f['figure_date']} ({published}; {f['figure_source']}), "
                f"brought to {REFERENCE_DATE} with its region's factor {r['factor']:.3f}"
            )
        elif r["method"] == "raked, split":
            text = (
                f"{f['figure_kind']} of {f['figure_date']} for the city and district together "
                f"({published}; {f['figure_source']}), brought to {REFERENCE_DATE} with its "
                f"region's factor {r['factor']:.3f} and split by settlement weights"
            )
        else:
            text = (
                "assumption: no published figure; the region's people per km² of residential "
                f"land times this unit's, brought to {REFERENCE_DATE} with the region's factor "
                f"{r['factor']:.3f}"
            )
        rows.append(
            {
                "district_id": i,
                "population": int(r["population"]),
                "population_source": text,
                "population_figure": "" if math.isnan(figure) else int(figure),
                "population_figure_date": f["figure_date"],
                "population_figure_kind": f["figure_kind"],
                "population_method": r["method"],
                "population_factor": round(float(r["factor"]), 4),
                "population_basis": (
                    "registered" if r["region"] in REGISTERED_REGIONS else "resident"
                ),
            }
        )
    return pd.DataFrame(rows)


def figure_errors(populations: pd.DataFrame, partner_of: dict[str, str]) -> pd.Series:
    """Relative difference between each unit's population and its published figure.

    City + district pairs are compared together with the city's figure.

    Parameters
    ----------
    populations
        The output of :func:`official_population`.
    partner_of
        District id -> the id of the city published together with it.

    Returns
    -------
    pandas.Series
        ``population / figure - 1`` by district id, for units with a figure.
    """
    p = populations.set_index("district_id")
    combined = p["population"].copy()
    for district, city in partner_of.items():
        combined[city] += combined.pop(district)
    figure = pd.to_numeric(p["population_figure"], errors="coerce").reindex(combined.index)
    has = figure.notna() & (figure > 0)
    return (combined[has] / figure[has] - 1.0).astype(float)
