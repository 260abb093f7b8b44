"""Output stage, report: the self-contained HTML evidence report of a plan.

The page is rendered from a Jinja2 template (``_templates/report.html.j2``)
with autoescaping on: every name and figure passes through Jinja2's escaping
exactly once; the few sentences with emphasis are built with
:class:`markupsafe.Markup`, whose ``format`` escapes each value it inserts.
The sources, licences, limitations and notes about a dataset come from the
dataset's own ``metadata.json`` (``report`` block); a dataset without them gets
a report without them. Figures are embedded, so the report is one file to
send or print.
"""

from __future__ import annotations

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

from planner._escape import html_text, markup, web_frame
from planner._io import write_text_atomic
from planner._version import __version__
from planner.data import Dataset
from planner.figures import plan_figures
from planner.tables import WORSE_OFF_MARGIN_MIN, district_publication

if TYPE_CHECKING:
    from planner.planning import Plan
    from planner.summary import PlanSummary

__all__ = ["render_report", "write_report"]


@dataclass(frozen=True)
class _Section:
    """One section of the report about a hospital service."""

    title: str
    text: Markup | None = None
    table: Markup | None = None
    warnings: tuple[str, ...] = ()


#: Headings people read, for the columns the report's tables show.
HEADINGS = {
    "name": "Name",
    "site_id": "Site",
    "district_id": "District",
    "region": "Economic region",
    "population": "Population",
    "status": "Status",
    "location": "Location",
    "capacity_places": "Family places",
    "family places": "Family places",
    "capacity_beds": "Beds",
    "beds": "Beds",
    "added_places": "Family places added",
    "cost": "Cost (relative units)",
    "inclusive": "LGBTQ+-inclusive",
    "travel_min_mean_before": "Mean travel to the nearest shelter today (min)",
    "travel_min_mean_nearest_after": "Mean travel to the nearest shelter with the plan (min)",
    "travel_min_mean_after": "Mean travel to the assigned shelter with the plan (min)",
    "places_before": "Family places today",
    "places_after": "Family places with the plan",
    "served_share_after": "Share of demand served",
    "women served": "Women served",
    "parameter": "Parameter",
    "value": "Value",
    "group": "Districts",
    "districts": "Number of districts",
    "population_share": "Share of the population",
}


def _cell(value: object) -> object:
    """Format a cell for people: yes/no for booleans, thousands separators."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return value


def _table(frame: pd.DataFrame) -> Markup:
    """Render a table with headings for people; every cell passes through :func:`html_text`."""
    shown = web_frame(frame.map(_cell) if len(frame) else frame)
    for col in shown.columns:
        if "share" in str(col) and pd.api.types.is_float_dtype(shown[col]):
            shown[col] = [f"{v:.1%}" if v == v else "-" for v in shown[col]]
    shown.columns = [str(html_text(HEADINGS.get(str(c), str(c)))) for c in shown.columns]
    return Markup(
        shown.to_html(
            index=False,
            border=0,
            classes="t",
            na_rep="-",
            escape=False,
            float_format=lambda v: f"{v:,.1f}",
        )
    )


def _executive_summary(plan: Plan) -> list[str]:
    """Say in plain words what is missing, where, what the plan proposes and how sure it is."""
    s, b = plan.summary, plan.before.summary
    size = plan.scenario.demand.family_place_size
    ratio = b["required_to_existing_ratio"]
    out = [
        f"By the standard of {plan.scenario.demand.places_per_10000:g} family place per 10,000 "
        f"people, the {b['population_total']:,} people of the area studied need "
        f"{b['required_family_places']:,.0f} family places ({b['required_beds']:,.0f} beds); "
        f"{b['existing_places'] / size:,.0f} exist today"
        + (f", {ratio:g} times too few" if ratio else "")
        + f". {_beyond_two_hours(b)} of people live more than two hours from "
        f"a shelter or have no road path to one, and {len(b['regions_without_shelter'])} of "
        f"{b['regions_total']} regions have none.",
    ]
    if not plan.result.feasible:
        out.append(
            "No plan is proposed: "
            + (
                "the targets cannot be met as set (see below)."
                if plan.result.status == "infeasible"
                else "the solver's time limit ran out before it found one."
            )
        )
        return out
    worse = len(plan.summary["regions_without_shelter_after"])
    out.append(
        f"The plan proposes {s['new_sites']} new shelters, bringing the total to "
        f"{s['total_places'] or 0:,.0f} family places and serving {s['served_share'] or 0:.1%} "
        f"of the need within {s['max_travel_limit_min']:g} minutes (mean travel "
        f"{s['mean_travel_min']} min), at a relative cost of {s['cost'] or 0:,.0f}; "
        + (
            "every region would have a shelter."
            if worse == 0
            else f"{worse} regions would still have none."
        )
    )
    certainty = (
        f"The plan is proven to be within {s['mip_gap'] or 0:.1%} of the best possible plan "
        "for its objective."
        if s["status"] == "optimal"
        else (
            "The solver stopped before proving the requested gap: the plan may be up to "
            f"{s['mip_gap']:.1%} from the best possible."
            if s["mip_gap"] is not None
            else "The solver stopped before proving any bound: how far the plan is from the "
            "best possible is unknown."
        )
    )
    out.append(
        certainty + " Travel times are planning estimates on the road network; the data's "
        "limitations are listed at the end."
    )
    return out


def _key_figures(plan: Plan) -> list[tuple[str, str]]:
    s, b = plan.summary, plan.before.summary
    size = plan.scenario.demand.family_place_size
    return [
        ("Population", f"{b['population_total']:,} ({b['population_basis']})"),
        ("Family places required (standard)", f"{s['required_family_places'] or 0:,.0f}"),
        ("Family places today", f"{b['existing_places'] / size:,.0f}"),
        ("New shelters proposed", f"{s['new_sites']}"),
        ("Family places with the plan", f"{s['total_places']:,.0f}" if s["total_places"] else "-"),
        (
            "Demand served within the limit",
            f"{s['served_share']:.1%}" if s["served_share"] is not None else "-",
        ),
        (
            "Worst travel with the plan",
            f"{s['max_travel_min']} min" if s["max_travel_min"] is not None else "-",
        ),
        ("Beyond 2 hours today", f"{_beyond_two_hours(b, digits=1)} of people"),
    ]


def _beyond_two_hours(b: Mapping[str, Any], *, digits: int = 0) -> str:
    """Write the share beyond two hours, with its range across modes and population bases."""
    share = f"{b['population_share_beyond_120min']:.{digits}%}"
    ranges = []
    by_mode = b.get("population_share_beyond_120min_by_mode") or {}
    if len(by_mode) >= 2:
        ranges.append(
            f"{b.get('travel_mode', 'car')}; "
            + ", ".join(f"{v:.{digits}%} by {k}" for k, v in sorted(by_mode.items()))
        )
    by_basis = b.get("population_share_beyond_120min_by_basis") or {}
    others = {k: v for k, v in by_basis.items() if k != "registered"}
    if others:
        ranges.append(
            "registered population; "
            + ", ".join(
                f"{v:.{digits}%} counting displaced people where they live ({k} basis)"
                for k, v in sorted(others.items())
            )
        )
    return f"{share} ({'; '.join(ranges)})" if ranges else share


_STOPPED = {
    "optimal": "the solver proved the plan optimal within the requested gap",
    "work_limit": "the solver used its whole work budget (solver.node_limit) without proving "
    "the requested gap; the plan is the best found, the same on every machine",
    "time_limit": "the solver stopped at its time limit (a safety net) with the best plan "
    "found; on another machine the plan may differ",
}


def _bound_words(objective: float | None, bound: float | None, gap: float | None) -> str:
    """Say how far a plan may be from the best possible (or that nothing is proven)."""
    if objective is None:
        return "no objective"
    if bound is None or gap is None:
        return (
            f"objective {objective:g}; no bound was proven, so its distance from the best "
            "is unknown"
        )
    return (
        f"objective {objective:g}, proven bound {bound:g}: at most {gap:.2%} from the best "
        "possible"
    )


def _quality(plan: Plan) -> str:
    s = plan.summary
    stopped = _STOPPED.get(str(s["status"]), str(s["status"]))
    checked = (
        "every constraint holds."
        if not plan.violations
        else "PROBLEMS: " + "; ".join(plan.violations)
    )
    return (
        f"Solved with HiGHS (an exact branch-and-bound method): {stopped}. The plan has "
        f"{_bound_words(s['objective_value'], s['bound'], s['mip_gap'])}. Model built in "
        f"{s['build_seconds']:.1f} s and solved in {s['solve_seconds']:.1f} s. "
        f"The solution was re-checked independently of the solver: {checked}"
    )


def _proposal_tables(plan: Plan) -> dict[str, Markup]:
    new = plan.sites.loc[plan.sites["status"] == "new"]
    columns = ["name", "district_id", "region", "capacity_places", "capacity_beds", "cost"]
    return {
        "new": _table(
            new[[*columns, "inclusive"]].rename(
                columns={"capacity_places": "family places", "capacity_beds": "beds"}
            )
        ),
        "existing": _table(
            plan.sites.loc[
                plan.sites["status"] != "new",
                ["name", "district_id", "status", "capacity_places", "added_places"],
            ]
        ),
        "farthest": _table(
            district_publication(plan.districts)
            .sort_values("travel_min_mean_before", ascending=False)
            .head(15)[[*_TRAVEL_COLUMNS, "places_before", "places_after", "served_share_after"]]
        ),
        "better_worse": _better_and_worse(plan),
        "worse": _worse_off(plan),
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


def _better_and_worse(plan: Plan) -> Markup:
    """Count the districts and people better off, about the same and worse off than today.

    A district's travel is the people-weighted mean travel of the demand it has
    served, today to the nearest shelter and with the plan to the assigned one;
    half a minute either way counts as the same (the worse-off rule's margin).
    """
    d = district_publication(plan.districts)
    before, after = d["travel_min_mean_before"], d["travel_min_mean_after"]
    known = before.notna() & after.notna()
    change = after - before
    groups = [
        ("Better off (shorter mean travel)", known & (change < -WORSE_OFF_MARGIN_MIN)),
        ("About the same (within half a minute)", known & (change.abs() <= WORSE_OFF_MARGIN_MIN)),
        ("Worse off (longer mean travel)", known & (change > WORSE_OFF_MARGIN_MIN)),
        ("Not served today or with the plan", ~known),
    ]
    rows = []
    for label, mask in groups:
        people = d.loc[mask, "population"].astype(float)
        total = float(people.sum())

        rows.append(
            {
                "group": label,
                "districts": int(mask.sum()),
                "population": int(total),
                "population_share": total / max(float(d["population"].sum()), 1.0),
                "travel_min_mean_before": _people_mean(before[mask], people),
                "travel_min_mean_after": _people_mean(after[mask], people),
            }
        )
    return _table(pd.DataFrame(rows))


def _worse_off(plan: Plan) -> Markup:
    """List every district referred farther than its nearest shelter today, or say none is."""
    d = district_publication(plan.districts)
    worse = d.loc[d["worse_off"].astype(bool)].sort_values("population", ascending=False)
    if worse.empty:
        return _paragraph(
            "No district is worse off than today: in every district the mean travel to the "
            "shelter people are referred to is at most today's mean travel to the nearest "
            "shelter (half a minute of round-off allowed)."
        )
    people = int(worse["population"].sum())
    return _paragraph(
        f"{len(worse)} districts ({people:,} people) would be referred farther on average "
        "than their nearest shelter today, because the shelters near them have no room "
        "left. Every one is listed:"
    ) + _table(worse[_TRAVEL_COLUMNS])


def _scenario_table(plan: Plan) -> Markup:
    sc = plan.scenario
    dem = sc.demand
    rows = [
        (
            "Standard",
            f"{dem.places_per_10000:g} family place(s) per 10,000 people; "
            f"{dem.family_place_size:g} beds per family place",
        ),
        (
            "Travel limit",
            f"{sc.targets.max_travel_min:g} min"
            + (f", {sc.targets.max_travel_km:g} km" if sc.targets.max_travel_km else ""),
        ),
        ("Share of demand to serve", f"{sc.targets.served_share:g}"),
        ("One shelter per region", str(sc.targets.one_per_region)),
        ("Regional capacity rule", str(sc.targets.regional_capacity)),
        ("Existing shelters", sc.supply.existing),
        (
            "New sizes (family places) and costs",
            ", ".join(
                f"{a:g}: {c:g}" for a, c in zip(sc.supply.sizes, sc.supply.size_costs, strict=True)
            ),
        ),
        ("New shelters inclusive (LGBTQ+)", str(sc.supply.new_inclusive)),
        (
            "Budget",
            f"sites {sc.budget.max_new_sites or 'no limit'}, "
            f"cost {sc.budget.max_cost or 'no limit'}",
        ),
        (
            "Objective",
            f"{sc.objective.type} (tie-break: {sc.objective.tie_break}"
            + (
                f"; travel weight {sc.objective.travel_weight:g} cost units per family "
                "place-minute)"
                if sc.objective.type == "fixed_charge"
                else ")"
            ),
        ),
        ("Candidates excluded in", ", ".join(sc.candidates.exclude_districts) or "none"),
        ("Candidates added / excluded / required", _listed(sc.candidates)),
        ("Hospital types offered", ", ".join(sc.hospitals.types)),
        ("Hospitals included / excluded", _listed(sc.hospitals)),
    ]
    return _table(pd.DataFrame(rows, columns=["parameter", "value"]))


def _listed(options: object) -> str:
    """Write the include, exclude and require lists of a scenario table in one cell."""
    parts = []
    for key in ("include", "exclude", "require", "require_rape_crisis", "require_forensic"):
        values = getattr(options, key, None)
        if values is not None:
            parts.append(f"{key.replace('_', ' ')}: {', '.join(values) or 'none'}")
    return "; ".join(parts)


def _method(plan: Plan) -> list[Markup]:
    paragraphs = [
        Markup(
            "Every settlement (OSM city, town, village, hamlet) carries a share of its district's"
            " population ({}). Travel times are door to door by {}: the road time at the class "
            "speeds of each road, scaled and with an allowance as the dataset's travel modes "
            "state (calibrated on published travel times where the dataset has them); road "
            "distances are the length of that fastest route. Both run from each settlement (plus "
            "a short off-road leg) to every existing shelter and candidate site, computed with "
            "many-source Dijkstra on a sparse matrix. Demand is the standard's family places per "
            "settlement. The siting model is a capacitated facility-location mixed-integer "
            "programme: existing shelters stay open, each candidate may be built at one of the "
            "allowed sizes, a settlement's demand may be split between shelters, and only "
            "settlement-shelter pairs within the travel limit exist, so road-disconnected parts "
            "are planned on their own. It is solved exactly by HiGHS to the stated gap; the "
            "model's equations are in <code>planner/locate/siting.py</code>."
        ).format(plan.scenario.demand.basis_text, plan.scenario.travel.mode)
    ]
    tolerance = plan.scenario.targets.nearest_tolerance_min
    if tolerance is not None:
        paragraphs.append(
            markup(
                "Closest assignment: nobody is referred more than {} minutes beyond their nearest "
                "shelter today, and, in the site decision itself, no district whose people are "
                "within the travel limit today may have a longer mean travel after the plan "
                "(one row per district). Settlements are then assigned to the nearest open "
                "shelters with room; where the capacities chosen cannot keep everyone within {} "
                "minutes of their nearest open shelter, the plan's messages say how many family "
                "places are referred farther.",
                f"{tolerance:g}",
                f"{tolerance:g}",
            )
        )
    if plan.services is not None:
        hs = plan.scenario.hospital_sites
        colocation = {
            "reward": f"rewarded with {hs.colocation_bonus:g} per hospital",
            "require": "required (every centre at a forensic hospital)",
            "none": "not rewarded beyond that",
        }[hs.colocation]
        paragraphs.append(
            markup(
                "Rape crisis centres and 24/7 forensic examination are planned at hospitals and "
                "clinics by a second exact model (<code>planner/locate/services.py</code>): each "
                "centre serves at most its standard's number of women within the travel limit, "
                "at least the standard's national number of centres and one per region; every "
                "settlement with a hospital within the forensic limit gets a 24/7 service within "
                "it. A hospital hosting both services pays its site cost once; co-location is "
                "{}. No hospital is assumed to offer either service today.",
                colocation,
            )
        )
    return paragraphs


def _inclusive_text(s: PlanSummary) -> Markup:
    inc = s["inclusive_shelters"]
    target = inc["target_population_share"]
    return markup(
        "Today {} shelters are known to accept LGBTQ+ survivors; {} of people live within {} "
        "minutes of one. With the plan, <b>{} inclusive shelters with {} family places</b>, "
        "and <b>{} of people within {} minutes</b> of one{}. New shelters are {} in this "
        "scenario.",
        inc["inclusive_sites_before"],
        f"{inc['population_within_reach_share_before']:.1%}",
        f"{inc['reach_limit_min']:g}",
        inc["inclusive_sites_after"],
        f"{inc['inclusive_places_after']:,.0f}",
        f"{inc['population_within_reach_share_after']:.1%}",
        f"{inc['reach_limit_min']:g}",
        f" (target {target:.0%})" if target is not None else " (no target set)",
        "inclusive" if inc["new_shelters_inclusive"] else "not required to be inclusive",
    )


def _centre_section(plan: Plan) -> _Section | None:
    rc = plan.summary.get("rape_crisis_centres")
    if rc is None or plan.services is None:
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
    table = centres[["site_id", "name", "district_id", "region", "location"]].copy()
    table["women served"] = table["site_id"].map(load).fillna(0).round(0).astype(int)
    missing = rc["regions_without_centre_after"]
    fewest = rc["fewest_possible"]
    proven = ""
    if fewest is not None and fewest > rc["required"]:
        proven = (
            f" No plan with fewer than {fewest} centres can serve {rc['served_target']:.0%} of "
            f"women within {rc['limit_min']:g} minutes by this standard (proven by the solver's "
            "bound)"
            + (
                ", so the proposal needs no more centres than necessary."
                if fewest == rc["proposed"]
                else "."
            )
        )
    text = markup(
        "<b>{} rape crisis centres needed</b> ({}: {} women, {} of the population; {} regions), "
        "<b>{} proposed</b> (none exists today); <b>{} of women within {} minutes</b> of one, "
        "{} served by a centre with room within the limit, mean travel {} min. {} of the "
        "centres are at a hospital that also gets 24/7 forensic examination. {}{}",
        rc["required"],
        rc["standard"],
        f"{rc['women']:,}",
        f"{rc['women_share']:.1%}",
        rc["regions"],
        rc["proposed"],
        f"{rc['women_within_limit_share'] or 0:.1%}",
        f"{rc['limit_min']:g}",
        f"{rc['women_served_share'] or 0:.1%}",
        rc["mean_travel_min"],
        rc["at_forensic_hospital"],
        "Every region has a centre."
        if not missing
        else f"Regions without a centre: {', '.join(missing)}.",
        proven,
    )
    return _Section("Rape crisis centres", text, _table(table))


def _forensic_section(plan: Plan) -> _Section | None:
    fo = plan.summary.get("forensic_24_7")
    if fo is None or plan.services is None:
        return None
    sites = plan.services.sites
    forensic = sites.loc[sites["service"] == "forensic_24_7"]
    text = markup(
        "Forensic examination is not available around the clock today. <b>{} hospitals "
        "proposed for 24/7 forensic examination</b> ({} beside a rape crisis centre), putting "
        "<b>{} of people within {} minutes</b>. {} people in {} settlements have no offered "
        "hospital within {} minutes (see the hospital types above), so no hospital-based "
        "service can reach them in time: they need another hospital offered, a mobile or a "
        "non-hospital option.",
        fo["proposed"],
        fo["with_rape_crisis_centre"],
        f"{fo['population_within_limit_share'] or 0:.1%}",
        f"{fo['limit_min']:g}",
        f"{fo['population_without_hospital_within_limit']:,}",
        fo["settlements_without_hospital_within_limit"],
        f"{fo['limit_min']:g}",
    )
    return _Section(
        "24/7 forensic examination",
        text,
        _table(forensic[["site_id", "name", "district_id", "region", "location"]]),
    )


def _service_sections(plan: Plan) -> tuple[list[_Section], str | None]:
    """Return the sections on rape crisis centres and forensic examination, and the note."""
    hs = plan.summary.get("hospital_services")
    if plan.services is None or hs is None:
        return [], None
    r = plan.services.result
    if not r.feasible:
        title = "Rape crisis centres and forensic examination: " + (
            "targets cannot be met"
            if r.status == "infeasible"
            else "no plan within the solver's limits"
        )
        return [_Section(title, warnings=r.messages)], None
    checked = (
        "every standard holds."
        if not plan.services.violations
        else "PROBLEMS: " + "; ".join(plan.services.violations)
    )
    quality = (
        f"Both services were planned together at hospitals by one exact model (HiGHS): "
        f"{_STOPPED.get(str(hs['status']), str(hs['status']))}; "
        f"{_bound_words(hs['objective_value'], hs['bound'], hs['mip_gap'])}; "
        f"{hs['hospitals_used']} hospitals used, {hs['hospitals_with_both']} with both services "
        f"(site cost {hs['site_cost']:g} counted once per hospital; co-location "
        f"{hs['colocation']}"
        + (f", reward {hs['colocation_bonus']:g}" if hs["colocation"] == "reward" else "")
        + f"). {hs['hospitals_offered']}. Re-checked independently of the solver: {checked}"
    )
    sections = [s for s in (_centre_section(plan), _forensic_section(plan)) if s is not None]
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


def render_report(plan: Plan, dataset: Dataset) -> str:
    """Render the evidence report of a plan as HTML.

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset planned: its name, and the sources, licences and
        limitations its metadata gives reports.

    Returns
    -------
    str
    """
    env = _environment()
    s = plan.summary
    infeasible = not plan.result.feasible  # no plan: proven impossible, or stopped in time
    figures = ("", "") if infeasible else plan_figures(plan, dataset)
    sections, services_quality = _service_sections(plan)
    tables = {} if infeasible else _proposal_tables(plan)
    tables["scenario"] = _scenario_table(plan)
    context = {
        "scenario": plan.scenario,
        "summary_text": _executive_summary(plan),
        "generated": datetime.now(UTC).strftime("%d %B %Y"),
        "css": Markup(resources.files("planner").joinpath("_templates", "report.css").read_text()),
        "key_figures": _key_figures(plan),
        "infeasible": infeasible,
        "no_plan_title": (
            "The targets cannot be met"
            if plan.result.status == "infeasible"
            else "The time limit stopped the solver before it found a plan"
        ),
        "time_limit_warning": _time_limit_warning(plan),
        "messages": [
            html_text(m) for m in (plan.result.messages if infeasible else s["messages"])
        ],
        "quality": "" if infeasible else _quality(plan),
        "map_png": figures[0],
        "bars_png": figures[1],
        "tables": tables,
        "inclusive_text": _inclusive_text(s),
        "service_sections": sections,
        "services_quality": services_quality,
        "method": _method(plan),
        "sources": _sources(dataset),
        "limitations": dataset.report_list("limitations"),
        "version": __version__,
        "dataset_name": dataset.name,
    }
    return env.get_template("report.html.j2").render(context)


def _time_limit_warning(plan: Plan) -> str | None:
    """Return the warning for the top of a report whose solve stopped at a time limit."""
    limited = [
        name
        for name, result in (
            ("the shelter plan", plan.result),
            ("the hospital services", plan.services.result if plan.services else None),
        )
        if result is not None and result.feasible and result.status in ("time_limit", "work_limit")
    ]
    if not limited:
        return None
    timed = any(
        r is not None and r.status == "time_limit"
        for r in (plan.result, plan.services.result if plan.services else None)
    )
    return (
        f"Not proven: the solver stopped before proving the requested gap for "
        f"{' and '.join(limited)}. What follows is the best plan found (the gap below says how "
        "far from the best possible it may be). "
        + (
            "The time limit, a safety net, stopped it, so the plan may differ on another machine: "
            "run again with a longer --time-limit before quoting it."
            if timed
            else "The work budget stopped it (the same plan on every machine): raise "
            "solver.node_limit to prove it before quoting it."
        )
    )


def _sources(dataset: Dataset) -> Sequence[str]:
    sources = dataset.report_list("sources")
    if sources:
        return sources
    licences = dataset.metadata.get("licences")
    if isinstance(licences, dict):
        return [f"{name}: {text}" for name, text in licences.items()]
    return []


def write_report(plan: Plan, dataset: Dataset, path: str | Path) -> Path:
    """Write the self-contained evidence report (HTML with embedded figures).

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset planned.
    path
        HTML file to write (atomically).

    Returns
    -------
    Path
    """
    write_text_atomic(path, render_report(plan, dataset))
    return Path(path)
