"""Plan outputs: tables, an interactive before/after map and a self-contained evidence report.

:func:`write_plan` writes ``sites.csv`` (every service, see its ``service``
column), ``assignments.csv``, ``districts.csv`` (before and after),
``summary.json``, ``map.html``, ``report.html`` and, when rape crisis centres
are planned, ``centre_assignments.csv`` (women served by each centre). The
report embeds its figures, so it is one file a planner can send or print.
Existing shelters appear only at their district's representative point.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from planner import __version__
from planner._io import write_csv_atomic, write_text_atomic
from planner.data import Dataset
from planner.maps import (
    CREDITS,
    NO_ROAD,
    TRAVEL_BINS,
    TRAVEL_COLOURS,
    Assets,
    Tiles,
    _class_colour,
    base_map,
    light_districts,
)
from planner.outputs import write_summary
from planner.planning import Plan

__all__ = [
    "PlanFiles",
    "comparison_markdown",
    "comparison_table",
    "plan_map",
    "write_plan",
    "write_report",
]


@dataclass(frozen=True)
class PlanFiles:
    """Paths of the files :func:`write_plan` wrote."""

    sites_csv: Path
    assignments_csv: Path
    districts_csv: Path
    summary_json: Path
    map_html: Path
    report_html: Path
    centre_assignments_csv: Path | None = None


def _district_csv(plan: Plan) -> pd.DataFrame:
    d = pd.DataFrame(plan.districts.drop(columns="geometry"))
    for col in d.columns:
        if d[col].dtype.kind == "f":
            d[col] = d[col].round(4 if "share" in col else 2)
    return d


def plan_map(
    plan: Plan,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
) -> Any:
    """Build the before/after map of a plan (folium.Map)."""
    import folium

    d = light_districts(plan.districts)
    fmap = base_map(d, tiles=tiles, assets=assets)
    props = d[
        [
            "name",
            "region",
            "population",
            "travel_min_mean_before",
            "travel_min_mean_after",
            "places_before",
            "places_after",
            "new_sites",
            "served_share_after",
            "geometry",
        ]
    ].copy()
    for col in props.columns:
        if props[col].dtype.kind == "f":
            props[col] = props[col].round(1)
    props = props.fillna(-1)
    fields = [
        ("name", "District"),
        ("region", "Region"),
        ("population", "Population"),
        ("travel_min_mean_before", "Mean travel today (min)"),
        ("travel_min_mean_after", "Mean travel with the plan (min)"),
        ("places_before", "Family places today"),
        ("places_after", "Family places with plan"),
        ("new_sites", "New sites"),
        ("served_share_after", "Share served"),
    ]
    for label, col, show in (
        ("Travel time today", "travel_min_mean_before", False),
        ("Travel time with the plan", "travel_min_mean_after", True),
    ):
        folium.GeoJson(
            props.to_json(),
            name=label,
            overlay=False,
            show=show,
            style_function=lambda f, c=col: {
                "fillColor": _class_colour(
                    f["properties"][c] if f["properties"][c] >= 0 else np.nan,
                    TRAVEL_BINS,
                    TRAVEL_COLOURS,
                ),
                "color": "#555555",
                "weight": 0.7,
                "fillOpacity": 0.7,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=[f for f, _ in fields], aliases=[a for _, a in fields]
            ),
        ).add_to(fmap)
    # assignments as lines from settlement to site (hidden by default)
    s = plan.before.settlements.set_index("settlement_id")
    sites = plan.sites.set_index("site_id")
    a = plan.assignments
    if len(a):
        lines = shapely.linestrings(
            np.stack(
                [
                    np.column_stack(
                        [
                            s.geometry.loc[a["settlement_id"]].x,
                            s.geometry.loc[a["settlement_id"]].y,
                        ]
                    ),
                    np.column_stack(
                        [sites.loc[a["site_id"], "lon"], sites.loc[a["site_id"], "lat"]]
                    ),
                ],
                axis=1,
            )
        )
        import geopandas as gpd

        lines_gdf = gpd.GeoDataFrame(
            {"site": a["site_id"].to_numpy(), "minutes": a["travel_min"].to_numpy()},
            geometry=shapely.set_precision(lines, 1e-4),
            crs="EPSG:4326",
        )
        folium.GeoJson(
            lines_gdf.to_json(),
            name="Assignments (settlement to shelter)",
            show=False,
            style_function=lambda f: {"color": "#3f007d", "weight": 0.6, "opacity": 0.5},
        ).add_to(fmap)
    unserved = plan.result.unserved > 1e-6
    if unserved.any():
        grp = folium.FeatureGroup(name="Settlements left unserved", show=True)
        for geom, name in zip(
            plan.before.settlements.geometry[unserved],
            plan.before.settlements["name"][unserved],
            strict=True,
        ):
            folium.CircleMarker(
                [round(geom.y, 4), round(geom.x, 4)],
                radius=3,
                color="#000000",
                weight=1,
                fill=True,
                fill_color="#ffffff",
                tooltip=f"{html.escape(str(name))}: unserved",
            ).add_to(grp)
        grp.add_to(fmap)
    sgroup = folium.FeatureGroup(name="Shelters with the plan (size = capacity)", show=True)
    for rec in plan.sites.to_dict("records"):
        colour = {"new": "#2171b5", "expanded": "#41ab5d", "existing": "#41ab5d"}[rec["status"]]
        folium.CircleMarker(
            [rec["lat"], rec["lon"]],
            radius=4 + float(np.sqrt(rec["capacity_places"])) * 1.5,
            color="#08306b" if rec["status"] == "new" else "#00441b",
            weight=2,
            fill=True,
            fill_color=colour,
            fill_opacity=0.85,
            tooltip=(
                f"{html.escape(str(rec['name']))} ({rec['status']}): "
                f"{rec['capacity_places']:g} family places, {rec['capacity_beds']:g} beds"
                + ("; LGBTQ+-inclusive" if rec["inclusive"] else "")
                + ("; location generalised to the district" if rec["status"] != "new" else "")
            ),
        ).add_to(sgroup)
    sgroup.add_to(fmap)
    inclusive = plan.sites.loc[plan.sites["inclusive"].astype(bool)]
    igroup = folium.FeatureGroup(name="LGBTQ+-inclusive shelters", show=False)
    for rec in inclusive.to_dict("records"):
        folium.RegularPolygonMarker(
            [rec["lat"], rec["lon"]],
            number_of_sides=4,
            radius=7,
            color="#7a0177",
            weight=2,
            fill=True,
            fill_color="#f768a1",
            fill_opacity=0.9,
            tooltip=f"{html.escape(str(rec['name']))}: inclusive, "
            f"{rec['capacity_places']:g} family places",
        ).add_to(igroup)
    igroup.add_to(fmap)
    if plan.services is not None:
        _service_layers(plan, fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    summ = plan.summary
    note = (
        f"<b>{html.escape(plan.scenario.name)}</b>: {summ['new_sites']} new sites, "
        f"{summ['total_places']:g} family places in all, served share "
        f"{summ['served_share']:.1%}, worst travel {summ['max_travel_min']} min. "
        "Blue: new; green: existing (shown at district level).<br>"
        f'<span style="color:#555">{CREDITS}</span>'
    )
    box = f"""<div style="position: fixed; z-index: 9999; top: 10px; left: 60px; max-width: 340px;
      background: rgba(255,255,255,0.92); padding: 8px 10px; font: 12px/1.35 sans-serif;
      border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);">{note}</div>"""
    root: Any = fmap.get_root()
    root.html.add_child(folium.Element(box))
    return fmap


SERVICE_STYLE = {
    "rape_crisis_centre": ("Rape crisis centres (proposed)", "#6a51a3", "#bcbddc"),
    "forensic_24_7": ("24/7 forensic examination (proposed)", "#a50f15", "#fc9272"),
}


def _service_layers(plan: Plan, fmap: Any) -> None:
    """Add one layer per hospital service, and the settlements beyond forensic reach."""
    import folium

    assert plan.services is not None
    sites = plan.services.sites
    for service, (label, edge, fill) in SERVICE_STYLE.items():
        group = folium.FeatureGroup(name=label, show=True)
        offset = 0.004 if service == "forensic_24_7" else 0.0  # co-located: both visible
        for rec in sites.loc[sites["service"] == service].to_dict("records"):
            folium.CircleMarker(
                [rec["lat"] + offset, rec["lon"] + offset],
                radius=6 if service == "rape_crisis_centre" else 4,
                color=edge,
                weight=2,
                fill=True,
                fill_color=fill,
                fill_opacity=0.95,
                tooltip=f"{html.escape(str(rec['name']))} ({html.escape(rec['district_id'])}): "
                f"{label.split(' (')[0].lower()}; {html.escape(rec['location'])}",
            ).add_to(group)
        group.add_to(fmap)
    r = plan.services.result
    fo = plan.scenario.forensic
    if fo is not None:
        far = r.forensic_travel_min > fo.max_travel_min + 1e-9
        st = plan.before.settlements
        far &= st["population"].to_numpy() > 0
        group = folium.FeatureGroup(
            name=f"Settlements beyond {fo.max_travel_min:g} min of forensic examination",
            show=False,
        )
        for geom, name in zip(st.geometry[far], st["name"][far], strict=True):
            folium.CircleMarker(
                [round(geom.y, 4), round(geom.x, 4)],
                radius=2,
                color="#a50f15",
                weight=1,
                tooltip=html.escape(str(name)),
            ).add_to(group)
        group.add_to(fmap)


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figures(plan: Plan) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    d = plan.districts
    fig, ax = plt.subplots(figsize=(9, 6.5))
    cmap = ListedColormap(TRAVEL_COLOURS)
    bounds = [0, 30, 60, 120, 180, 240, 300]
    norm = BoundaryNorm(bounds, cmap.N)
    has = d["travel_min_mean_after"].notna()
    if has.any():
        d.loc[has].plot(
            column=d.loc[has, "travel_min_mean_after"].clip(upper=299),
            cmap=cmap,
            norm=norm,
            edgecolor="#555555",
            linewidth=0.4,
            ax=ax,
        )
    if (~has).any():
        d.loc[~has].plot(color=NO_ROAD, edgecolor="#555555", linewidth=0.4, ax=ax)
    fig.colorbar(
        plt.cm.ScalarMappable(cmap=cmap, norm=norm),
        ax=ax,
        shrink=0.6,
        ticks=bounds[:-1],
        label="Mean travel to the assigned shelter (min)",
    )
    for status, colour in (("new", "#2171b5"), ("existing", "#41ab5d"), ("expanded", "#41ab5d")):
        sel = plan.sites.loc[plan.sites["status"] == status]
        if len(sel):
            ax.scatter(
                sel["lon"],
                sel["lat"],
                s=8 + 3 * sel["capacity_places"],
                c=colour,
                edgecolors="black",
                linewidths=0.8,
                zorder=5,
                label=status,
            )
    ax.legend(loc="lower left", fontsize=8, title="shelters (size = capacity)")
    ax.set_title(
        f"{plan.scenario.name}: travel to the assigned shelter with the plan", fontsize=11
    )
    ax.set_axis_off()
    fig.text(0.01, 0.01, CREDITS.replace("&copy;", "©"), fontsize=7, color="#555555")
    map_png = _png(fig)

    r = d.groupby("region")[["required_family_places", "places_before", "places_after"]].sum()
    r = r.sort_values("required_family_places")
    fig, ax = plt.subplots(figsize=(9, 6))
    y = np.arange(len(r))
    ax.barh(y + 0.27, r["required_family_places"], 0.27, color="#bd0026", label="required")
    ax.barh(y, r["places_before"], 0.27, color="#a1d99b", label="today")
    ax.barh(y - 0.27, r["places_after"], 0.27, color="#2171b5", label="with the plan")
    ax.set_yticks(y, r.index)
    ax.set_xlabel("Family places")
    ax.legend(loc="lower right")
    ax.set_title("Family places by economic region: required, today, with the plan", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    return map_png, _png(fig)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(
        index=False, border=0, classes="t", na_rep="-", float_format=lambda v: f"{v:,.1f}"
    )


REPORT_CSS = """
body { font: 15px/1.5 Georgia, serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #222; }
h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; }
table.t { border-collapse: collapse; font: 13px/1.35 Helvetica, Arial, sans-serif;
          margin: 0.5em 0 1em; }
table.t th, table.t td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
table.t th { background: #f3f3f3; }
table.t td:first-child, table.t th:first-child { text-align: left; }
.key { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; }
.key div { background: #f6f6f6; padding: 8px 10px; border-left: 4px solid #bd0026; }
.key b { display: block; font: 22px Helvetica, Arial, sans-serif; }
.warn { background: #fff3cd; border-left: 4px solid #e0a800; padding: 8px 12px; }
img { max-width: 100%; }
.small { color: #555; font-size: 13px; }
"""


def write_report(plan: Plan, dataset: Dataset, path: str | Path) -> Path:
    """Write the self-contained evidence report (HTML with embedded figures)."""
    s = plan.summary
    b = plan.before.summary
    sc = plan.scenario
    dem = sc.demand
    esc = html.escape
    key = [
        ("Population", f"{b['population_total']:,}"),
        ("Family places required (standard)", f"{s['required_family_places']:,.0f}"),
        ("Family places today", f"{b['existing_places'] / dem.family_place_size:,.0f}"),
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
        ("Beyond 2 hours today", f"{b['population_share_beyond_120min']:.1%} of people"),
    ]
    key_html = "".join(f"<div>{esc(k)}<b>{esc(v)}</b></div>" for k, v in key)
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(sc.name)}: shelter plan</title><style>{REPORT_CSS}</style></head><body>",
        f"<h1>Where new shelters should go: {esc(sc.name)}</h1>",
        f"<p>{esc(sc.description)}</p>" if sc.description else "",
        f"<div class='key'>{key_html}</div>",
    ]
    if plan.result.status == "infeasible":
        parts.append(
            "<h2>The targets cannot be met</h2><div class='warn'><ul>"
            + "".join(f"<li>{esc(m)}</li>" for m in plan.result.messages)
            + "</ul></div>"
        )
    else:
        stopped = (
            "the solver proved the plan optimal within the requested gap"
            if s["status"] == "optimal"
            else "the solver stopped at its time limit with the best plan found"
        )
        checked = (
            "every constraint holds."
            if not plan.violations
            else "PROBLEMS: " + "; ".join(plan.violations)
        )
        quality = (
            f"Solved with HiGHS (an exact branch-and-bound method): {stopped}. Objective "
            f"{s['objective_value']:g}, proven bound {s['bound']:g}: the plan is at most "
            f"{s['mip_gap']:.2%} from the best possible. Model built in "
            f"{s['build_seconds']:.1f} s and solved in {s['solve_seconds']:.1f} s. "
            "The solution was re-checked "
            f"independently of the solver: {checked}"
        )
        map_png, bars_png = _figures(plan)
        new = plan.sites.loc[plan.sites["status"] == "new"]
        parts += [
            "<h2>The proposal</h2>",
            f"<p>{quality}</p>",
            f"<img alt='map of the plan' src='data:image/png;base64,{map_png}'>",
            f"<img alt='places by region' src='data:image/png;base64,{bars_png}'>",
            "<h3>New shelters</h3>",
            _table(
                new[
                    [
                        "name",
                        "district_id",
                        "region",
                        "capacity_places",
                        "capacity_beds",
                        "cost",
                        "inclusive",
                    ]
                ].rename(columns={"capacity_places": "family places", "capacity_beds": "beds"})
            ),
            "<h3>Existing shelters (locations confidential, shown by district)</h3>",
            _table(
                plan.sites.loc[
                    plan.sites["status"] != "new",
                    ["name", "district_id", "status", "capacity_places", "added_places"],
                ]
            ),
            "<h3>Districts farthest from help today, and with the plan</h3>",
            _table(
                _district_csv(plan)
                .sort_values("travel_min_mean_before", ascending=False)
                .head(15)[
                    [
                        "name",
                        "region",
                        "population",
                        "travel_min_mean_before",
                        "travel_min_mean_after",
                        "places_before",
                        "places_after",
                        "served_share_after",
                    ]
                ]
            ),
        ]
        if s["messages"]:
            parts.append("<div class='warn'>" + "<br>".join(map(esc, s["messages"])) + "</div>")
    parts += _service_sections(plan)
    opts = [
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
        ("Objective", f"{sc.objective.type} (tie-break: {sc.objective.tie_break})"),
        ("Candidates excluded in", ", ".join(sc.candidates.exclude_districts) or "none"),
    ]
    parts += [
        "<h2>Scenario</h2>",
        _table(pd.DataFrame(opts, columns=["parameter", "value"])),
        "<h2>Method</h2>",
        "<p>Every settlement (OSM city, town, village, hamlet) carries a share of its district's "
        "population. Travel times and road distances run on the OpenStreetMap major-road network "
        "with planning speeds by road class, from each settlement (plus a short off-road leg) to "
        "every existing shelter and candidate site, computed with many-source Dijkstra on a "
        "sparse "
        "matrix. Demand is the standard's family places per settlement. The siting model is a "
        "capacitated facility-location mixed-integer programme: existing shelters stay open, each "
        "candidate may be built at one of the allowed sizes, a settlement's demand may be split "
        "between shelters, and only settlement-shelter pairs within the travel limit exist, so "
        "road-disconnected parts (the Nakhchivan exclave) are planned on their own. It is solved "
        "exactly by HiGHS to the stated gap; the model's equations are in "
        "<code>planner/optimize.py</code>.</p>",
        (
            "<p>Rape crisis centres and 24/7 forensic examination are planned at OpenStreetMap "
            "hospitals and clinics by a second exact model (<code>planner/services.py</code>): "
            "each centre serves at most its standard's number of women within the travel limit, "
            "at least the standard's national number of centres and one per region; every "
            "settlement with a hospital within the forensic limit gets a 24/7 service within it. "
            "A hospital hosting both services pays its site cost once; co-location is "
            + {
                "reward": f"rewarded with {sc.hospital_sites.colocation_bonus:g} per hospital",
                "require": "required (every centre at a forensic hospital)",
                "none": "not rewarded beyond that",
            }[sc.hospital_sites.colocation]
            + ". No hospital is assumed to offer either service today.</p>"
            if plan.services is not None
            else ""
        ),
        "<h2>Sources and licences</h2><ul>"
        "<li>Roads and places: OpenStreetMap, Geofabrik extract of August 2021 — ODbL 1.0, "
        "© OpenStreetMap contributors.</li>"
        "<li>Hospitals and clinics: OpenStreetMap points of interest (same extract) — ODbL "
        "1.0.</li>"
        "<li>District boundaries: geoBoundaries gbOpen AZE ADM2 — CC BY-SA 3.0.</li>"
        "<li>Population: State Statistical Committee of Azerbaijan, 1 January 2024 totals and "
        "regional shares; district figures below the regional level are estimates.</li>"
        "<li>Standards: Council of Europe, <i>Combating violence against women: minimum standards "
        "for support services</i> (2008).</li>"
        "<li>Situation: submission to the UN Universal Periodic Review "
        "(State Statistical Committee "
        "yearbooks; Mukhtarova 2022).</li></ul>",
        "<h2>Limitations</h2><ul>"
        "<li>District populations are estimates; Karabakh and East Zangezur figures are "
        "registered "
        "populations that include displaced people living elsewhere.</li>"
        "<li>Roads are those of 2021, without speed limits or road condition; travel times are "
        "planning estimates for a car, not public transport.</li>"
        "<li>Existing shelters are modelled as two pooled shelters at the city centres of Baku "
        "and Ganja (their addresses are confidential); replace them with real data for "
        "operational use.</li>"
        "<li>Candidate sites are cities, towns and district centres; the cost figures are "
        "relative "
        "units set by the scenario, not budgets.</li>"
        "<li>Hospitals are OSM points of 2021 without departments or opening hours; a proposed "
        "hospital's suitability for a rape crisis centre or forensic service must be checked "
        "on the ground.</li></ul>",
        f"<p class='small'>Generated by shelter-planner {__version__} from dataset "
        f"'{esc(dataset.name)}'. Shelter locations are generalised to districts.</p>",
        "</body></html>",
    ]
    write_text_atomic(path, "\n".join(parts))
    return Path(path)


def _service_sections(plan: Plan) -> list[str]:
    """Report sections for inclusive shelters, rape crisis centres and forensic examination."""
    esc = html.escape
    s = plan.summary
    inc = s["inclusive_shelters"]
    target = inc["target_population_share"]
    parts = [
        "<h2>LGBTQ+-inclusive shelters</h2>",
        f"<p>Today {inc['inclusive_sites_before']} shelters are known to accept LGBTQ+ "
        f"survivors; {inc['population_within_reach_share_before']:.1%} of people live within "
        f"{inc['reach_limit_min']:g} minutes of one. With the plan, "
        f"<b>{inc['inclusive_sites_after']} inclusive shelters with "
        f"{inc['inclusive_places_after']:,.0f} family places</b>, and "
        f"<b>{inc['population_within_reach_share_after']:.1%} of people within "
        f"{inc['reach_limit_min']:g} minutes</b> of one"
        + (f" (target {target:.0%})" if target is not None else " (no target set)")
        + ". New shelters are "
        + ("inclusive" if inc["new_shelters_inclusive"] else "not required to be inclusive")
        + " in this scenario.</p>",
    ]
    if plan.services is None:
        return parts
    hs = s["hospital_services"]
    r = plan.services.result
    if r.status == "infeasible":
        parts.append(
            "<h2>Rape crisis centres and forensic examination: targets cannot be met</h2>"
            "<div class='warn'><ul>"
            + "".join(f"<li>{esc(m)}</li>" for m in r.messages)
            + "</ul></div>"
        )
        return parts
    sites = plan.services.sites
    checked = (
        "every standard holds."
        if not plan.services.violations
        else "PROBLEMS: " + "; ".join(plan.services.violations)
    )
    quality = (
        f"Both services were planned together at hospitals by one exact model (HiGHS): "
        f"{'optimal within the requested gap' if hs['status'] == 'optimal' else 'time limit'}; "
        f"objective {hs['objective_value']:g}, bound {hs['bound']:g} (gap {hs['mip_gap']:.2%}); "
        f"{hs['hospitals_used']} hospitals used, {hs['hospitals_with_both']} with both services "
        f"(site cost {hs['site_cost']:g} counted once per hospital; co-location "
        f"{esc(hs['colocation'])}"
        + (f", reward {hs['colocation_bonus']:g}" if hs["colocation"] == "reward" else "")
        + f"). Re-checked independently of the solver: {checked}"
    )
    rc = s.get("rape_crisis_centres")
    if rc is not None:
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
        parts += [
            "<h2>Rape crisis centres</h2>",
            f"<p><b>{rc['required']} rape crisis centres needed</b> ({rc['standard']}: "
            f"{rc['women']:,} women, {rc['women_share']:.1%} of the population; "
            f"{rc['regions']} regions), <b>{rc['proposed']} proposed</b> (none exists today); "
            f"<b>{rc['women_within_limit_share']:.1%} of women within {rc['limit_min']:g} "
            f"minutes</b> of one, {rc['women_served_share']:.1%} served by a centre with room "
            f"within the limit, mean travel {rc['mean_travel_min']} min. "
            f"{rc['at_forensic_hospital']} of the centres are at a hospital that also gets 24/7 "
            "forensic examination. "
            + (
                "Every region has a centre."
                if not missing
                else f"Regions without a centre: {esc(', '.join(missing))}."
            )
            + (
                f" No plan with fewer than {rc['fewest_possible']} centres can serve "
                f"{rc['served_target']:.0%} of women within {rc['limit_min']:g} minutes by "
                "this standard (proven by the solver's bound)"
                + (
                    ", so the proposal needs no more centres than necessary."
                    if rc["fewest_possible"] == rc["proposed"]
                    else "."
                )
                if rc["fewest_possible"] is not None and rc["fewest_possible"] > rc["required"]
                else ""
            )
            + "</p>",
            _table(table),
        ]
    fo = s.get("forensic_24_7")
    if fo is not None:
        forensic = sites.loc[sites["service"] == "forensic_24_7"]
        parts += [
            "<h2>24/7 forensic examination</h2>",
            f"<p>Forensic examination is not available around the clock today. <b>"
            f"{fo['proposed']} hospitals proposed for 24/7 forensic examination</b> "
            f"({fo['with_rape_crisis_centre']} beside a rape crisis centre), putting "
            f"<b>{fo['population_within_limit_share']:.1%} of people within "
            f"{fo['limit_min']:g} minutes</b>. "
            f"{fo['population_without_hospital_within_limit']:,} people in "
            f"{fo['settlements_without_hospital_within_limit']} settlements have no hospital at "
            f"all within {fo['limit_min']:g} minutes, so no hospital-based service can reach "
            "them in time: they need a mobile or non-hospital option.</p>",
            _table(forensic[["site_id", "name", "district_id", "region", "location"]]),
        ]
    parts.append(f"<p>{quality}</p>")
    return parts


def write_plan(
    plan: Plan,
    dataset: Dataset,
    out_dir: str | Path,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
) -> PlanFiles:
    """Write every output of a plan into ``out_dir``."""
    from planner.maps import copy_leaflet_assets

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv_atomic(out / "sites.csv", pd.DataFrame(plan.all_sites.drop(columns="geometry")))
    write_csv_atomic(out / "assignments.csv", plan.assignments)
    centre_csv = None
    if plan.services is not None and plan.scenario.rape_crisis is not None:
        centre_csv = out / "centre_assignments.csv"
        write_csv_atomic(centre_csv, plan.services.assignments)
    write_csv_atomic(out / "districts.csv", _district_csv(plan))
    write_summary(plan.summary, out / "summary.json")
    if assets == "local":
        copy_leaflet_assets(out)
    write_text_atomic(
        out / "map.html", plan_map(plan, tiles=tiles, assets=assets).get_root().render()
    )
    write_report(plan, dataset, out / "report.html")
    return PlanFiles(
        out / "sites.csv",
        out / "assignments.csv",
        out / "districts.csv",
        out / "summary.json",
        out / "map.html",
        out / "report.html",
        centre_csv,
    )


def comparison_table(plans: list[Plan]) -> pd.DataFrame:
    """One row per plan: new sites, places, served share, mean and worst travel, cost."""
    rows = []
    for p in plans:
        s = p.summary
        rows.append(
            {
                "scenario": s["scenario"],
                "objective": s["objective"],
                "status": s["status"],
                "new_sites": s["new_sites"],
                "total_places": s["total_places"],
                "total_beds": s["total_beds"],
                "served_share": s["served_share"],
                "mean_travel_min": s["mean_travel_min"],
                "max_travel_min": s["max_travel_min"],
                "cost": s["cost"],
                "inclusive_places": s["inclusive_places"],
                "inclusive_reach_share": s["inclusive_shelters"][
                    "population_within_reach_share_after"
                ],
                "rape_crisis_centres": s.get("rape_crisis_centres", {}).get("proposed"),
                "forensic_24_7_sites": s.get("forensic_24_7", {}).get("proposed"),
                "mip_gap": s["mip_gap"],
                "solve_seconds": s["solve_seconds"],
            }
        )
    return pd.DataFrame(rows)


def comparison_markdown(table: pd.DataFrame) -> str:
    """Render a comparison table as a GitHub Markdown table."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return "" if v != v else f"{v:,.4g}"
        return str(v)

    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = [
        "| " + " | ".join(cell(v) for v in rec) + " |" for rec in table.itertuples(index=False)
    ]
    return "\n".join([head, rule, *rows]) + "\n"
