"""Output stage, report: the self-contained HTML evidence report of a plan.

The page is rendered from a Jinja2 template (``_templates/report.html.j2``)
with autoescaping on: every name and figure passes through Jinja2's escaping
exactly once; the few sentences with emphasis are built with
:class:`markupsafe.Markup`, whose ``format`` escapes each value it inserts.
The sources, licences, limitations and notes about a dataset come from the
dataset's own ``metadata.json`` (``report`` block, in the report's language where
``report.translations`` has it); a dataset without them gets a report without
them. Every other word comes from the language catalogs (:mod:`planner._i18n`):
``lang="az"`` writes the whole report in Azerbaijani, numbers and dates
included, with the dataset's names of districts and regions in that language.
Figures are embedded, so the report is one file to send or print.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from planner._escape import html_text, web_frame
from planner._i18n import Translator
from planner._io import write_text_atomic
from planner._version import __version__
from planner.assessment import population_words
from planner.data import Dataset, PlaceNames
from planner.figures import plan_figures
from planner.tables import (
    WORSE_OFF_MARGIN_MIN,
    district_publication,
    service_locations,
    shown_name,
)

if TYPE_CHECKING:
    from planner.locate.options import RapeCrisisOptions
    from planner.planning import Plan, ServicesPlan
    from planner.scenario import Scenario
    from planner.summary import PlanSummary

__all__ = ["render_report", "write_report"]


@dataclass(frozen=True)
class _Section:
    """One section of the report about a hospital service."""

    title: str
    text: Markup | None = None
    table: Markup | None = None
    warnings: tuple[str, ...] = ()


def _is_bool(values: pd.Series) -> bool:
    """Whether a column holds yes/no values (a bool dtype, or only booleans)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    return bool(len(values)) and all(isinstance(v, bool | np.bool_) for v in values)


def _table(frame: pd.DataFrame, tr: Translator) -> Markup:
    """Render a table with headings for people; every cell passes through :func:`html_text`.

    Headings come from the catalog (``heading.<column>``); booleans are the
    language's yes and no, shares percentages, other numbers grouped, with one
    decimal in a column that holds a fraction and none in a column of whole
    numbers (40 family places, not 40.0). Figures align right (class ``n``),
    words left.
    """
    shown = frame.copy()
    numeric: list[bool] = []
    for col in shown.columns:
        values = shown[col]
        numeric.append(not _is_bool(values) and pd.api.types.is_numeric_dtype(values))
        if _is_bool(values):
            shown[col] = [tr.yes_no(v) for v in values]
        elif "share" in str(col) and pd.api.types.is_float_dtype(values):
            shown[col] = [tr.percent(v) for v in values]
        elif pd.api.types.is_float_dtype(values):
            known = values.dropna().to_numpy(dtype=float)
            whole = bool(np.allclose(known, np.round(known), rtol=0, atol=1e-6))
            shown[col] = [tr.number(v, 0 if whole else 1) for v in values]
        elif pd.api.types.is_integer_dtype(values):
            shown[col] = [tr.number(v) for v in values]
        elif col == "status":
            shown[col] = [tr(f"status.{v}") for v in values]
    shown = web_frame(shown.astype(object).where(shown.notna(), "-"))
    cls = [' class="n"' if n else "" for n in numeric]
    head = "".join(
        f"<th{c}>{html_text(tr(f'heading.{col}'))}</th>"
        for c, col in zip(cls, shown.columns, strict=True)
    )
    body = "".join(
        "<tr>" + "".join(f"<td{c}>{v}</td>" for c, v in zip(cls, row, strict=True)) + "</tr>\n"
        for row in shown.itertuples(index=False)
    )
    return Markup(
        f'<table class="t">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>'
    )


def _executive_summary(plan: Plan, tr: Translator, names: PlaceNames) -> list[str]:
    """Say in plain words what is missing, where, what the plan proposes and how sure it is."""
    s, b = plan.summary, plan.before.summary
    empty = b["regions_without_people"]  # needing no shelter of their own, so not counted
    size = plan.scenario.demand.family_place_size
    ratio = b["required_to_existing_ratio"]
    out = [
        tr(
            "report.summary.need",
            standard=tr.plain(plan.scenario.demand.places_per_10000),
            people=tr.number(b["population_total"]),
            places=tr.number(b["required_family_places"]),
            beds=tr.number(b["required_beds"]),
            existing=tr.number(b["existing_places"] / size),
            existing_beds=tr.number(b["existing_places"]),
            too_few=tr("report.summary.too_few", ratio=tr.plain(ratio)) if ratio else "",
        )
        + " "
        + (
            tr("report.summary.far_none", regions=b["regions_total"])
            if b["existing_shelters"] == 0
            else tr(
                "report.summary.far"
                if b["regions_without_shelter"]
                else "report.summary.far_all_with_people"
                if empty
                else "report.summary.far_all",
                share=_beyond_two_hours(b, tr),
                without=len(b["regions_without_shelter"]),
                regions=b["regions_total"],
            )
        )
        + (
            " "
            + tr(
                "report.summary.empty_regions",
                count=len(empty),
                names=", ".join(map(names.region, empty)),
            )
            if empty
            else ""
        )
    ]
    if not plan.result.feasible:
        out.append(
            tr(
                "report.summary.no_plan_infeasible"
                if plan.result.status == "infeasible"
                else "report.summary.no_plan_limit"
            )
        )
        return out
    worse = len(plan.summary["regions_without_shelter_after"])
    out.append(
        tr(
            "report.summary.proposal",
            sites=s["new_sites"],
            places=tr.number(s["total_places"] or 0),
            served=tr.percent(s["served_share"] or 0),
            limit=tr.plain(s["max_travel_limit_min"]),
            mean=tr.plain(s["mean_travel_min"]),
            cost=tr.number(s["cost"] or 0),
        )
        + " "
        + (
            tr(
                "report.summary.every_region_with_people"
                if empty
                else "report.summary.every_region"
            )
            if worse == 0
            else tr("report.summary.regions_without", regions=worse)
        )
    )
    if plan.services is not None:
        out.append(_services_summary(plan.summary, plan.services.result.feasible, tr))
    if s["status"] == "optimal":
        certainty = tr("report.summary.proven", gap=tr.percent(s["mip_gap"] or 0))
    elif s["mip_gap"] is not None:
        certainty = tr("report.summary.not_proven", gap=tr.percent(s["mip_gap"]))
    else:
        certainty = tr("report.summary.no_bound")
    out.append(certainty + " " + tr("report.summary.estimates"))
    return out


def _services_summary(s: PlanSummary, feasible: bool, tr: Translator) -> str:
    """Say in one paragraph what a plan proposes for survivors of sexual violence."""
    if not feasible:
        return tr("report.summary.services_none")
    rc, fo = s.get("rape_crisis_centres"), s.get("forensic_24_7")
    parts = []
    if rc is not None:
        parts.append(
            tr(
                "report.summary.centres",
                proposed=rc["proposed"],
                required=rc["required"],
                within=tr.percent(rc["women_within_limit_share"] or 0),
                limit=tr.plain(rc["limit_min"]),
            )
        )
    if fo is not None:
        parts.append(
            tr(
                "report.summary.forensic",
                proposed=fo["proposed"],
                share=tr.percent(fo["population_within_limit_share"] or 0),
                limit=tr.plain(fo["limit_min"]),
            )
        )
    return " ".join(parts)


def _key_figures(plan: Plan, dataset: Dataset, tr: Translator) -> list[tuple[str, str, str]]:
    """Return the report's key figures: label, figure, and what the figure assumes (or "")."""
    s, b = plan.summary, plan.before.summary
    size = plan.scenario.demand.family_place_size
    beyond, assumed = _beyond_parts(b, tr, 1)
    return [
        (
            tr("report.key.population"),
            tr.number(b["population_total"]),
            population_words(dataset, plan.scenario, tr),
        ),
        (tr("report.key.required"), tr.number(s["required_family_places"] or 0), ""),
        (tr("report.key.today"), tr.number(b["existing_places"] / size), ""),
        (tr("report.key.new_sites"), str(s["new_sites"]), ""),
        (
            tr("report.key.with_plan"),
            tr.number(s["total_places"]) if s["total_places"] else "-",
            "",
        ),
        (tr("report.key.served"), tr.percent(s["served_share"]), ""),
        (
            tr("report.key.worst"),
            tr("word.minutes", value=tr.plain(s["max_travel_min"]))
            if s["max_travel_min"] is not None
            else "-",
            "",
        ),
        (tr("report.key.beyond"), tr("report.key.of_people", share=beyond), "; ".join(assumed)),
    ]


def _beyond_two_hours(b: Mapping[str, Any], tr: Translator, digits: int = 0) -> str:
    """Write the share beyond two hours, with its range across modes and population bases.

    E.g. "50% (by car, registered population; 54% by bus or minibus; 44% counting
    displaced people where they live, with 25% counted in their registered
    district)": first what the headline share assumes, then each alternative.
    """
    share, ranges = _beyond_parts(b, tr, digits)
    return f"{share} ({'; '.join(ranges)})" if ranges else share


def _beyond_parts(b: Mapping[str, Any], tr: Translator, digits: int) -> tuple[str, list[str]]:
    """Return the share beyond two hours, and what it assumes followed by each alternative."""
    share = tr.percent(b["population_share_beyond_120min"], digits)
    assumed: list[str] = []
    ranges: list[str] = []
    by_mode = b.get("population_share_beyond_120min_by_mode") or {}
    if len(by_mode) >= 2:
        mode = b.get("travel_mode", "car")
        assumed.append(
            tr("report.range.head_mode", mode=tr.word(f"report.mode.{mode}", str(mode)))
        )
        ranges += [
            tr(
                "report.range.by_mode",
                share=tr.percent(v, digits),
                mode=tr.word(f"report.mode.{k}", str(k)),
            )
            for k, v in sorted(by_mode.items())
            if k != mode
        ]
    by_basis = b.get("population_share_beyond_120min_by_basis") or {}
    others = {k: v for k, v in by_basis.items() if k != "registered"}
    if others:
        assumed.append(tr("report.range.registered"))
        ranges += [
            tr("report.range.by_basis", share=tr.percent(v, digits), counted=_counted(k, tr))
            for k, v in sorted(others.items())
        ]
    if assumed:
        ranges.insert(0, ", ".join(assumed))
    return share, ranges


def _counted(basis: str, tr: Translator) -> str:
    """Name a population basis of the summary (``"resident (25%)"``) in the language."""
    share = re.search(r"(\d+)\s*%", basis)
    if basis.startswith("resident") and share:
        return tr("report.range.resident", share=tr.percent(int(share.group(1)) / 100, 0))
    return basis


def _stopped(status: object, tr: Translator) -> str:
    """Say how the solver ended (proved, used its work budget, hit its time limit)."""
    known = ("optimal", "work_limit", "time_limit")
    return tr(f"report.stopped.{status}") if status in known else str(status)


def _bound_words(
    objective: float | None, bound: float | None, gap: float | None, tr: Translator
) -> str:
    """Say how far a plan may be from the best possible (or that nothing is proven)."""
    if objective is None:
        return tr("report.bound.no_objective")
    if bound is None or gap is None:
        return tr("report.bound.unknown", objective=tr.plain(objective))
    return tr(
        "report.bound.proven",
        objective=tr.plain(objective),
        bound=tr.plain(bound),
        gap=tr.percent(gap, 2),
    )


def _quality(plan: Plan, tr: Translator) -> str:
    s = plan.summary
    checked = (
        tr("report.quality.checked_ok")
        if not plan.violations
        else tr(
            "report.quality.problems", problems="; ".join(tr.message(v) for v in plan.violations)
        )
    )
    return tr(
        "report.quality.text",
        stopped=_stopped(s["status"], tr),
        bound=_bound_words(s["objective_value"], s["bound"], s["mip_gap"], tr),
        build=tr.number(s["build_seconds"], 1),
        solve=tr.number(s["solve_seconds"], 1),
        checked=checked,
    )


def _named_districts(plan: Plan, rows: pd.DataFrame) -> pd.DataFrame:
    """Return ``rows`` with each ``district_id`` replaced by its district's name.

    A reader knows "Quba District", not "AZ-QBA"; the names are those of
    ``plan.districts``, already in the report's language. The files keep the ids.
    """
    names = plan.district_names
    out = rows.copy()
    out["district_id"] = [names.get(d, d) for d in out["district_id"]]
    return out


def _proposal_tables(plan: Plan, tr: Translator) -> dict[str, Markup]:
    sites = _named_districts(plan, plan.sites)
    new = sites.loc[sites["status"] == "new"]
    columns = ["name", "district_id", "region", "capacity_places", "capacity_beds", "cost"]
    existing = [
        "name",
        "district_id",
        "status",
        "capacity_places",
        "capacity_beds",
        "added_places",
    ]
    return {
        "new": _table(new[[*columns, "inclusive"]], tr),
        "existing": _table(sites.loc[sites["status"] != "new", existing], tr),
        "farthest": _table(
            district_publication(plan.districts)
            .query("population > 0")  # a district with nobody in it travels nowhere
            .sort_values("travel_min_mean_before", ascending=False)
            .head(15)[[*_TRAVEL_COLUMNS, "places_before", "places_after", "served_share_after"]],
            tr,
        ),
        "better_worse": _better_and_worse(plan, tr),
        "worse": _worse_off(plan, tr),
    }


#: The district columns that compare travel today and with the plan.
_TRAVEL_COLUMNS = [
    "name",
    "region",
    "population",
    "travel_min_mean_before",
    "travel_min_mean_nearest_after",
    "travel_min_mean_after",
]


def _paragraph(text: str) -> Markup:
    return Markup("<p>") + html_text(text) + Markup("</p>")


def _people_mean(values: pd.Series, people: pd.Series) -> float:
    """Mean of ``values`` weighted by ``people`` over the known values (NaN if none)."""
    ok = values.notna() & (people > 0)
    return float((values[ok] * people[ok]).sum() / people[ok].sum()) if ok.any() else np.nan


def _better_and_worse(plan: Plan, tr: Translator) -> Markup:
    """Count the districts and people better off, about the same and worse off than today.

    A district's travel is the people-weighted mean travel of the demand it has
    served, today to the nearest shelter and with the plan to the assigned one;
    half a minute either way counts as the same (the worse-off rule's margin).
    Worse off is the district table's ``worse_off`` (its settlements a shelter
    reached today, compared with today): a district whose mean grows only by
    people no shelter reached today, better off served, counts as about the same.
    Districts no shelter serves today (no road path) but the plan does form a
    group of their own, apart from those the plan does not serve either.
    """
    d = district_publication(plan.districts)
    before, after = d["travel_min_mean_before"], d["travel_min_mean_after"]
    known = before.notna() & after.notna()
    change = after - before
    worse = known & d["worse_off"].astype(bool)
    better = known & ~worse & (change < -WORSE_OFF_MARGIN_MIN)
    groups = [
        ("better", better),
        ("same", known & ~worse & ~better),
        ("worse", worse),
        ("reached", before.isna() & after.notna()),
        ("unserved", after.isna()),
    ]
    rows = []
    for label, mask in groups:
        people = d.loc[mask, "population"].astype(float)
        total = float(people.sum())
        rows.append(
            {
                "group": tr(f"report.better_worse.{label}"),
                "districts": int(mask.sum()),
                "population": int(total),
                "population_share": total / max(float(d["population"].sum()), 1.0),
                "travel_min_mean_before": _people_mean(before[mask], people),
                "travel_min_mean_after": _people_mean(after[mask], people),
            }
        )
    return _table(pd.DataFrame(rows), tr)


def _worse_off(plan: Plan, tr: Translator) -> Markup:
    """List every district referred farther than its nearest shelter today, or say none is."""
    d = district_publication(plan.districts)
    worse = d.loc[d["worse_off"].astype(bool)].sort_values("population", ascending=False)
    if worse.empty:
        return _paragraph(tr("report.worse.none"))
    people = int(worse["population"].sum())
    text = tr("report.worse.some", districts=len(worse), people=tr.number(people))
    used = _budget_used_up(plan, tr)
    if used:
        text += " " + tr("report.worse.budget", limits=used)
    # a district whose demand is mostly unserved is "worse off" by the few it has referred
    partial = int((worse["served_share_after"] < 0.5).sum())
    if partial:
        text += " " + tr("report.worse.partial", districts=partial)
    return _paragraph(text) + _table(worse[[*_TRAVEL_COLUMNS, "served_share_after"]], tr)


def _budget_used_up(plan: Plan, tr: Translator) -> str:
    """Name the budget limits the plan reaches (empty when none binds)."""
    budget, s = plan.scenario.budget, plan.summary
    used = []
    if budget.max_new_sites is not None and s["new_sites"] >= budget.max_new_sites:
        used.append(tr("report.worse.budget_sites", sites=budget.max_new_sites))
    cost = s["cost"]
    if budget.max_cost is not None and cost is not None and cost >= budget.max_cost - 1e-6:
        used.append(tr("report.worse.budget_cost", cost=tr.plain(budget.max_cost)))
    return tr.join(used)


def _scenario_table(plan: Plan, tr: Translator) -> Markup:
    sc = plan.scenario
    dem = sc.demand
    limit = tr("word.minutes", value=tr.plain(sc.targets.max_travel_min))
    if sc.targets.max_travel_km:
        limit += f", {tr.plain(sc.targets.max_travel_km)} km"
    objective = tr(
        "report.scenario.objective_text",
        objective=tr(f"value.objective.{sc.objective.type}"),
        code=sc.objective.type,
        tie_break=tr(f"value.tie_break.{sc.objective.tie_break}"),
    )
    if sc.objective.type == "fixed_charge":
        objective += " " + tr(
            "report.scenario.travel_weight", weight=tr.plain(sc.objective.travel_weight)
        )
    no_limit = tr("word.no_limit")
    rows = [
        (
            tr("report.scenario.standard"),
            tr(
                "report.scenario.standard_text",
                places=tr.plain(dem.places_per_10000),
                beds=tr.plain(dem.family_place_size),
            ),
        ),
        (tr("report.scenario.limit"), limit),
        (tr("report.scenario.served_share"), tr.percent(sc.targets.served_share)),
        (tr("report.scenario.one_per_region"), tr.yes_no(sc.targets.one_per_region)),
        (tr("report.scenario.regional_capacity"), tr.yes_no(sc.targets.regional_capacity)),
        (tr("report.scenario.existing"), tr(f"value.existing.{sc.supply.existing}")),
        (
            tr("report.scenario.sizes"),
            ", ".join(
                f"{tr.plain(a)}: {tr.plain(c)}"
                for a, c in zip(sc.supply.sizes, sc.supply.size_costs, strict=True)
            ),
        ),
        (tr("report.scenario.inclusive"), tr.yes_no(sc.supply.new_inclusive)),
        (
            tr("report.scenario.budget"),
            tr(
                "report.scenario.budget_text",
                # 0 is a limit (no new sites), only None is none
                sites=no_limit if sc.budget.max_new_sites is None else sc.budget.max_new_sites,
                cost=no_limit if sc.budget.max_cost is None else tr.plain(sc.budget.max_cost),
            ),
        ),
        (tr("report.scenario.objective"), objective),
        (
            tr("report.scenario.exclude_districts"),
            ", ".join(sc.candidates.exclude_districts) or tr("word.none"),
        ),
        (tr("report.scenario.candidates"), _listed(sc.candidates, tr)),
        (tr("report.scenario.hospital_types"), _scenario_types(sc, tr)),
        (tr("report.scenario.hospitals"), _listed(sc.hospitals, tr)),
    ]
    if sc.site_lists_dataset not in (None, plan.summary["dataset"]):
        rows.append(
            (
                tr("report.scenario.site_lists"),
                tr("report.scenario.site_lists_text", dataset=sc.site_lists_dataset),
            )
        )
    return _table(pd.DataFrame(rows, columns=["parameter", "value"]), tr)


def _types(types: Sequence[str], tr: Translator) -> str:
    """Name hospital types in words, each with its code (``general hospitals (general)``)."""
    return ", ".join(f"{tr('value.hospital_type.' + t)} ({t})" for t in types)


def _scenario_types(sc: Scenario, tr: Translator) -> str:
    """Name the types offered, and those that may host 24/7 forensic examination if fewer."""
    types = sc.hospitals.types
    text = _types(types, tr)
    forensic = sc.hospitals.forensic_types
    if forensic and set(forensic) != set(types) and sc.forensic is not None:
        text += "; " + tr("report.scenario.forensic_types", types=_types(forensic, tr))
    return text


def _listed(options: object, tr: Translator) -> str:
    """Write the include, exclude and require lists of a scenario table in one cell."""
    parts = []
    for key in ("include", "exclude", "require", "require_rape_crisis", "require_forensic"):
        values = getattr(options, key, None)
        if values is not None:
            parts.append(f"{tr('report.list.' + key)}: {', '.join(values) or tr('word.none')}")
    return "; ".join(parts)


def _method(plan: Plan, dataset: Dataset, tr: Translator) -> list[Markup]:
    basis = population_words(dataset, plan.scenario, tr)
    paragraphs = [
        tr.html(
            "report.method.main_html",
            basis=basis,
            weights=_weights_words(dataset, tr),
            mode=tr.word(f"report.mode.{plan.scenario.travel.mode}", plan.scenario.travel.mode),
            sourcing=tr(
                "report.method.single"
                if plan.scenario.targets.single_source
                else "report.method.split"
            ),
        )
    ]
    tolerance = plan.scenario.targets.nearest_tolerance_min
    if tolerance is not None:
        paragraphs.append(tr.html("report.method.closest_html", tolerance=tr.plain(tolerance)))
    if plan.services is not None:
        hs = plan.scenario.hospital_sites
        colocation = tr(
            f"report.method.colocation_{hs.colocation}", bonus=tr.plain(hs.colocation_bonus)
        )
        text = tr.html("report.method.services_html", colocation=colocation)
        rc = plan.scenario.rape_crisis
        if rc is not None and rc.regional_capacity:
            text += " " + tr.html("report.method.centres_home_html")
        paragraphs.append(text)
    return paragraphs


def _weights_words(dataset: Dataset, tr: Translator) -> str:
    """Say by which weights a district's people are spread over its settlements.

    From the ``kind`` the generic build writes in ``settlement_weights``; a
    dataset that says nothing of it (or describes it in its limitations, as the
    embedded one does) gets nothing.
    """
    weights = dataset.metadata.get("settlement_weights")
    if not isinstance(weights, Mapping):
        return ""
    if weights.get("kind") == "own_population":
        return tr("report.method.weights_own")
    multiplier = weights.get("urban_multiplier")
    if weights.get("kind") == "residential" and isinstance(multiplier, int | float):
        if multiplier == 1:  # no urban share given: every place's land counts alike
            return tr("report.method.weights_residential_plain")
        return tr("report.method.weights_residential", multiplier=tr.plain(multiplier))
    classes = weights.get("place_weights")
    if weights.get("kind") != "place_class" or not isinstance(classes, Mapping):
        return ""
    values = {c: classes.get(c) for c in ("city", "town", "village", "hamlet")}
    if not all(isinstance(v, int | float) for v in values.values()):
        return ""
    return tr("report.method.weights_place_class", **{c: tr.plain(v) for c, v in values.items()})


def _inclusive_text(s: PlanSummary, tr: Translator) -> Markup:
    inc = s["inclusive_shelters"]
    target = inc["target_population_share"]
    return tr.html(
        "report.inclusive_html",
        places_before=tr.number(inc["inclusive_places_before"]),
        share_before=tr.percent(inc["population_within_reach_share_before"]),
        limit=tr.plain(inc["reach_limit_min"]),
        after=inc["inclusive_sites_after"],
        places=tr.number(inc["inclusive_places_after"]),
        share_after=tr.percent(inc["population_within_reach_share_after"]),
        target=tr("report.inclusive_target", target=tr.percent(target, 0))
        if target is not None
        else tr("report.inclusive_no_target"),
        new=tr(
            "report.inclusive_new_yes"
            if inc["new_shelters_inclusive"]
            else "report.inclusive_new_no"
        ),
    )


def _service_rows(
    plan: Plan, services: ServicesPlan, dataset: Dataset, rows: pd.DataFrame, tr: Translator
) -> pd.DataFrame:
    """Return a service's sites for its table: district names, locations in the language."""
    notes = service_locations(rows, services.sites, dataset.hospitals, tr)
    names = [shown_name(name, tr) for name in rows["name"]]
    return _named_districts(plan, rows.assign(name=names, location=notes))


def _centre_standard(options: RapeCrisisOptions, tr: Translator) -> str:
    """Say the rape crisis centres' standard in the report's language."""
    text = tr("report.centres.standard", women=tr.number(options.women_per_centre))
    text += tr("report.centres.standard_regions") if options.one_per_region else ""
    return text + (tr("report.centres.standard_home") if options.regional_capacity else "")


def _centre_section(
    plan: Plan, dataset: Dataset, tr: Translator, names: PlaceNames
) -> _Section | None:
    rc = plan.summary.get("rape_crisis_centres")
    options = plan.scenario.rape_crisis
    if rc is None or plan.services is None or options is None:
        return None
    sites = plan.services.sites
    centres = sites.loc[sites["service"] == "rape_crisis_centre"]
    r_a = plan.services.result.assignments  # unrounded solver figures
    hospital_ids = plan.services.model_ids
    load = (
        pd.Series(r_a["women"].to_numpy(float), index=hospital_ids[r_a["site"].to_numpy(int)])
        .groupby(level=0)
        .sum()
    )
    table = _service_rows(
        plan,
        plan.services,
        dataset,
        centres[["site_id", "name", "district_id", "region", "location"]],
        tr,
    )
    table["women_served"] = table["site_id"].map(load).fillna(0).round(0).astype(int)
    missing = rc["regions_without_centre_after"]
    fewest = rc["fewest_possible"]
    proven = ""
    if fewest is not None and fewest > rc["required"]:
        proven = " " + tr(
            "report.centres.fewest",
            fewest=fewest,
            share=tr.percent(rc["served_target"], 0),
            limit=tr.plain(rc["limit_min"]),
        )
        if fewest == rc["proposed"]:
            proven += " " + tr("report.centres.no_more")
    text = tr.html(
        "report.centres.text_html",
        required=rc["required"],
        standard=_centre_standard(options, tr),
        women=tr.number(rc["women"]),
        women_share=tr.percent(rc["women_share"]),
        regions=rc["regions"],
        proposed=rc["proposed"],
        within=tr.percent(rc["women_within_limit_share"] or 0),
        limit=tr.plain(rc["limit_min"]),
        served=tr.percent(rc["women_served_share"] or 0),
        mean=tr.plain(rc["mean_travel_min"]),
        at_forensic=rc["at_forensic_hospital"],
        regions_text=tr(
            "report.centres.every_region_with_people"
            if plan.before.summary["regions_without_people"]
            else "report.centres.every_region"
        )
        if not missing
        else tr("report.centres.missing", regions=", ".join(map(names.region, missing))),
        proven=proven,
    )
    return _Section(tr("report.centres.title"), text, _table(table, tr))


def _forensic_section(plan: Plan, dataset: Dataset, tr: Translator) -> _Section | None:
    fo = plan.summary.get("forensic_24_7")
    if fo is None or plan.services is None:
        return None
    sites = plan.services.sites
    forensic = sites.loc[sites["service"] == "forensic_24_7"]
    text = tr.html(
        "report.forensic.text_html",
        proposed=fo["proposed"],
        with_centre=fo["with_rape_crisis_centre"],
        share=tr.percent(fo["population_within_limit_share"] or 0),
        limit=tr.plain(fo["limit_min"]),
        people=tr.number(fo["population_without_hospital_within_limit"]),
        settlements=tr.number(fo["settlements_without_hospital_within_limit"]),
    )
    return _Section(
        tr("report.forensic.title"),
        text,
        _table(
            _service_rows(
                plan,
                plan.services,
                dataset,
                forensic[["site_id", "name", "district_id", "region", "location"]],
                tr,
            ),
            tr,
        ),
    )


def _offered(services: ServicesPlan, tr: Translator) -> str:
    """Say which hospitals were offered the services (by type, or all when untyped)."""
    offer = services.offer
    if not offer.types:
        return tr("report.services.offered_all", hospitals=len(offer.hospitals))
    text = tr(
        "report.services.offered_types",
        hospitals=len(offer.hospitals),
        total=offer.total,
        types=_types(offer.types, tr),
    )
    if offer.forensic_types and set(offer.forensic_types) != set(offer.types):
        text += tr(
            "report.services.offered_forensic",
            hospitals=int(offer.forensic.sum()),
            types=_types(offer.forensic_types, tr),
        )
    return text


def _service_sections(
    plan: Plan, dataset: Dataset, tr: Translator, names: PlaceNames
) -> tuple[list[_Section], str | None]:
    """Return the sections on rape crisis centres and forensic examination, and the note."""
    hs = plan.summary.get("hospital_services")
    if plan.services is None or hs is None:
        return [], None
    r = plan.services.result
    if not r.feasible:
        title = tr(
            "report.services.title_infeasible"
            if r.status == "infeasible"
            else "report.services.title_no_plan"
        )
        return [
            _Section(title, warnings=tuple(tr.sentence(tr.message(m)) for m in r.messages))
        ], None
    checked = (
        tr("report.services.checked_ok")
        if not plan.services.violations
        else tr(
            "report.quality.problems",
            problems="; ".join(tr.message(v) for v in plan.services.violations),
        )
    )
    quality = tr(
        "report.services.quality",
        stopped=_stopped(hs["status"], tr),
        bound=_bound_words(hs["objective_value"], hs["bound"], hs["mip_gap"], tr),
        used=hs["hospitals_used"],
        both=hs["hospitals_with_both"],
        site_cost=tr.plain(hs["site_cost"]),
        colocation=tr(
            f"report.method.colocation_{hs['colocation']}", bonus=tr.plain(hs["colocation_bonus"])
        ),
        offered=_offered(plan.services, tr),
        checked=checked,
    )
    sections = [
        s
        for s in (_centre_section(plan, dataset, tr, names), _forensic_section(plan, dataset, tr))
        if s is not None
    ]
    return sections, quality


def _environment() -> Environment:
    # every value the template prints passes through html_text (the one escaping path);
    # autoescape stays on as a second guard and leaves its Markup alone
    return Environment(
        loader=PackageLoader("planner", "_templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=html_text,
        keep_trailing_newline=True,
    )


def render_report(
    plan: Plan, dataset: Dataset, *, lang: str = "en", scenario_file: str | None = None
) -> str:
    """Render the evidence report of a plan as HTML.

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset planned: its name, and the sources, licences and
        limitations its metadata gives reports.
    lang
        Language of the report: ``"en"`` (default) or ``"az"`` (Azerbaijani).
    scenario_file
        Name of the file beside the report that holds the scenario as run
        (:meth:`planner.scenario.Scenario.to_toml`), for the report to point
        to; default: none is mentioned.

    Returns
    -------
    str
        The report, one self-contained HTML page.
    """
    names = dataset.place_names(lang)
    tr = names.told(Translator(lang))
    plan = plan.with_names(names)
    env = _environment()
    s = plan.summary
    infeasible = not plan.result.feasible  # no plan: proven impossible, or stopped in time
    figures = ("", "") if infeasible else plan_figures(plan, dataset, lang=lang)
    sections, services_quality = _service_sections(plan, dataset, tr, names)
    tables = {} if infeasible else _proposal_tables(plan, tr)
    tables["scenario"] = _scenario_table(plan, tr)
    scenario_note = (
        tr.html("report.page.scenario_file_html", file=scenario_file, scenario=plan.scenario.name)
        if scenario_file
        else ""
    )
    messages = plan.result.messages if infeasible else s["messages"]
    context = {
        "t": tr,
        "lang": tr.lang,
        "scenario_note": scenario_note,
        "scenario": plan.scenario,
        "summary_text": _executive_summary(plan, tr, names),
        "generated": tr.date(datetime.now(UTC).date()),
        "css": Markup(resources.files("planner").joinpath("_templates", "report.css").read_text()),
        "key_figures": _key_figures(plan, dataset, tr),
        "infeasible": infeasible,
        "no_plan_title": tr(
            "report.no_plan.infeasible"
            if plan.result.status == "infeasible"
            else "report.no_plan.limit"
        ),
        "time_limit_warning": _time_limit_warning(plan, tr),
        "messages": [html_text(tr.sentence(tr.message(m))) for m in messages],
        "quality": "" if infeasible else _quality(plan, tr),
        "map_png": figures[0],
        "bars_png": figures[1],
        "tables": tables,
        "inclusive_text": _inclusive_text(s, tr),
        "service_sections": sections,
        "services_quality": services_quality,
        "method": _method(plan, dataset, tr),
        "sources": _sources(dataset, tr),
        "limitations": dataset.report_list("limitations", lang=tr.lang),
        "version": __version__,
        "dataset_name": dataset.name,
    }
    return env.get_template("report.html.j2").render(context)


def _time_limit_warning(plan: Plan, tr: Translator) -> str | None:
    """Return the warning for the top of a report whose solve stopped at a time limit."""
    limited = [
        tr(f"report.limit.{name}")
        for name, result in (
            ("shelters", plan.result),
            ("services", plan.services.result if plan.services else None),
        )
        if result is not None and result.feasible and result.status in ("time_limit", "work_limit")
    ]
    if not limited:
        return None
    timed = any(
        r is not None and r.status == "time_limit"
        for r in (plan.result, plan.services.result if plan.services else None)
    )
    text = tr("report.limit.warning", what=tr.join(limited))
    text += " " + tr("report.limit.time" if timed else "report.limit.work")
    if plan.result.repaired:  # a deeper search cannot close what the district repair added
        text += " " + tr("report.limit.repaired")
    if plan.deeper_search_may_help:
        text += " " + tr("report.limit.cheaper")
    return text


def _sources(dataset: Dataset, tr: Translator) -> Sequence[str]:
    sources = dataset.report_list("sources", lang=tr.lang)
    if sources:
        return sources
    licences = dataset.metadata.get("licences")
    if isinstance(licences, dict) and licences:
        return [f"{name}: {text}" for name, text in licences.items()]
    return _input_files(dataset, tr)


#: Input files a report may describe by name and hash (never the shelters' file: confidential).
_DESCRIBED_INPUTS = (
    "boundaries",
    "roads",
    "extra_roads",
    "population",
    "places",
    "hospitals",
    "hospital_types",
)


def _input_files(dataset: Dataset, tr: Translator) -> list[str]:
    """Return the build's input files by name and hash (the dataset names no source)."""
    files = dataset.metadata.get("sources")
    if not isinstance(files, dict):
        return []
    lines = [
        tr(
            "report.input_file",
            role=tr(f"report.input.{role}"),
            file=str(files[role].get("file", "")),
            digest=str(files[role].get("sha256", ""))[:12],
        )
        for role in _DESCRIBED_INPUTS
        if isinstance(files.get(role), dict)
    ]
    return [*lines, tr("report.input_unnamed")] if lines else []


def write_report(
    plan: Plan,
    dataset: Dataset,
    path: str | Path,
    *,
    lang: str = "en",
    scenario_file: str | None = None,
) -> Path:
    """Write the self-contained evidence report (HTML with embedded figures).

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset planned.
    path
        HTML file to write (atomically).
    lang
        Language of the report: ``"en"`` (default) or ``"az"`` (Azerbaijani).
    scenario_file
        As for :func:`render_report`.

    Returns
    -------
    Path
        The HTML file written.
    """
    text = render_report(plan, dataset, lang=lang, scenario_file=scenario_file)
    write_text_atomic(path, text)
    return Path(path)
