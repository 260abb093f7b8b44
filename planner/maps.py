"""Output stage, maps: the interactive folium maps (assessment and plan).

Existing shelters are drawn only at a generalised location (their district's
public point: its most populous settlement, capacity pooled), never at their coordinates.

The interactive map works without internet: the background tile layer is
optional (``tiles="none"`` draws the districts on a plain background) and the
Leaflet JavaScript and CSS are copied next to the map from the copy shipped in
the package (``assets="local"``, the default) or written into the page itself
(``assets="inline"``: one self-contained file, as a notebook displays it)
instead of being loaded from a CDN (``assets="cdn"``).
"""

from __future__ import annotations

import base64
import shutil
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner._escape import html_text, web_frame
from planner._io import write_text_atomic
from planner.assessment import Assessment, generalised_shelters
from planner.data import Dataset
from planner.figures import NO_ROAD, TRAVEL_BINS, TRAVEL_COLOURS, credits

if TYPE_CHECKING:
    from planner.planning import Plan

__all__ = [
    "TILES",
    "Assets",
    "Tiles",
    "access_map",
    "base_map",
    "light_districts",
    "plan_map",
    "write_access_map",
]

#: Name of a background tile layer (``"none"`` needs no internet).
Tiles = Literal["none", "openstreetmap", "cartodbpositron"]
#: Where a map loads Leaflet from: files copied beside it, the page itself, or a CDN.
Assets = Literal["local", "inline", "cdn"]

#: Background tile layers a map can use; ``"none"`` needs no internet.
TILES: dict[str, tuple[str, str] | None] = {
    "none": None,
    "openstreetmap": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap contributors",
    ),
    "cartodbpositron": (
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "&copy; OpenStreetMap contributors &copy; CARTO",
    ),
}
LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist"
SCORE_COLOURS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]


def _class_colour(value: float, bins: list[float], colours: list[str]) -> str:
    if not np.isfinite(value):
        return NO_ROAD
    k = int(np.searchsorted(bins, value, side="right")) - 1
    return colours[min(max(k, 0), len(colours) - 1)]


def _quantile_bins(values: pd.Series, n: int) -> list[float]:
    v = values[np.isfinite(values)]
    if v.empty or v.max() <= 0:
        return [0.0, np.inf]
    qs = np.unique(np.quantile(v[v > 0], np.linspace(0, 1, n)[1:-1]).round(2))
    return [0.0, 1e-9, *qs.tolist(), np.inf][: n + 1]


def _legend(title: str, bins: list[float], colours: list[str], unit: str, zero: str) -> str:
    rows = []
    for k, colour in enumerate(colours[: len(bins) - 1]):
        lo, hi = bins[k], bins[k + 1]
        lo_text = "0" if lo == 1e-9 else f"{lo:g}"
        if hi == 1e-9:
            label = zero
        elif np.isinf(hi):
            label = f"over {lo_text} {unit}" if lo == 1e-9 else f"{lo_text}+ {unit}"
        else:
            label = f"{lo_text}-{hi:g} {unit}"
        rows.append(f'<div><span class="sw" style="background:{colour}"></span>{label}</div>')
    return f"<b>{html_text(title)}</b>" + "".join(rows)


def light_districts(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return district polygons generalised by about 300 m, at 10 m precision, for web maps."""
    d = districts.copy()
    d["geometry"] = shapely.set_precision(
        d.geometry.simplify(0.003, preserve_topology=True).to_numpy(), 1e-4
    )
    return d


def base_map(
    districts: gpd.GeoDataFrame,
    *,
    tiles: Tiles,
    assets: Assets,
) -> Any:
    """Make an empty folium map fitted to the districts, with Leaflet local or from a CDN."""
    import folium

    if tiles not in TILES:
        raise ValueError(f"tiles is {tiles!r}; expected one of {sorted(TILES)}")
    if assets not in ("local", "inline", "cdn"):
        raise ValueError(f"assets is {assets!r}; expected 'local', 'inline' or 'cdn'")
    fmap = folium.Map(tiles=None, control_scale=True)
    # an empty icon: a browser asks no server for /favicon.ico (a failed request offline)
    cast(Any, fmap.get_root()).header.add_child(
        folium.Element('<link rel="icon" href="data:,">'), name="no_favicon"
    )
    if assets == "inline":
        fmap.default_js, fmap.default_css = [], []
        css, js = _inline_leaflet()
        header = cast(Any, fmap.get_root()).header
        header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css", index=0)
        header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js", index=1)
    else:
        root = "assets/leaflet" if assets == "local" else LEAFLET_CDN
        fmap.default_js = [("leaflet", f"{root}/leaflet.js")]
        fmap.default_css = [("leaflet_css", f"{root}/leaflet.css")]
    tile = TILES[tiles]
    if tile is not None:
        folium.TileLayer(tile[0], attr=tile[1], name=tiles, control=False).add_to(fmap)
    west, south, east, north = districts.total_bounds
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def _inline_leaflet() -> tuple[str, str]:
    """Return the packaged Leaflet CSS (its images as data URIs) and JavaScript."""
    folder = resources.files("planner").joinpath("_assets", "leaflet")
    css = folder.joinpath("leaflet.css").read_text("utf-8")
    for image in ("layers-2x.png", "layers.png", "marker-icon.png"):
        data = base64.b64encode(folder.joinpath("images", image).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{image})", f"url(data:image/png;base64,{data})")
    js = folder.joinpath("leaflet.js").read_text("utf-8")
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover - vendored file
        raise ValueError("the packaged Leaflet files cannot be written into a page")
    return css, js


def access_map(
    assessment: Assessment,
    dataset: Dataset,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
) -> Any:
    """Build the interactive access map.

    Parameters
    ----------
    assessment
        Result of :func:`planner.assessment.assess`.
    dataset
        The dataset assessed (for the generalised shelter layer).
    tiles
        Background layer, or ``"none"`` for a plain background (offline).
    assets
        ``"local"``: Leaflet is loaded from ``assets/leaflet/`` beside the map
        (copied there by :func:`write_access_map`); ``"inline"``: written into
        the page (about 170 kB; for notebooks, which show a map as one page
        with no files beside it); ``"cdn"``: from jsDelivr (needs internet).

    Returns
    -------
    folium.Map
    """
    import folium

    d = light_districts(assessment.districts)
    fmap = base_map(d, tiles=tiles, assets=assets)

    threshold = assessment.scenario.access.map_threshold_min
    d["travel_label"] = [
        f"{v:.0f} min (max {m:.0f})" if np.isfinite(v) else "no road path to a shelter"
        for v, m in zip(d["travel_min_mean"], d["travel_min_max"], strict=True)
    ]
    d["shortfall_per_10000"] = np.where(
        d["population"] > 0, d["shortfall_beds"] * 10_000 / d["population"], 0.0
    )
    d["share_beyond"] = (d["share_beyond_120min"].fillna(1.0) * 100).round(0)
    props = d[
        [
            "district_id", "name", "region", "population", "travel_label", "travel_km_mean",
            "share_beyond", "required_beds", "existing_places", "shortfall_beds",
            "shortfall_per_10000", "e2sfca_per_10000", "travel_min_mean", "geometry",
        ]
    ].copy()  # fmt: skip
    for col in ("required_beds", "shortfall_beds", "shortfall_per_10000", "e2sfca_per_10000"):
        props[col] = props[col].round(2)
    props = web_frame(props, ["district_id", "name", "region", "travel_label"])
    props["travel_km_mean"] = props["travel_km_mean"].round(0)
    props["travel_min_mean"] = props["travel_min_mean"].fillna(-1)
    tooltip_fields = [
        ("name", "District"), ("region", "Economic region"), ("population", "Population"),
        ("travel_label", "Travel to nearest shelter"), ("travel_km_mean", "Road km (mean)"),
        ("share_beyond", "% beyond 120 min"), ("required_beds", "Beds required"),
        ("existing_places", "Existing places"), ("shortfall_beds", "Shortfall (beds)"),
        ("e2sfca_per_10000", "E2SFCA places / 10,000"),
    ]  # fmt: skip

    short_bins = _quantile_bins(d["shortfall_per_10000"], 5)
    score_bins = _quantile_bins(d["e2sfca_per_10000"], 5)

    def layer(name: str, colour_of: Any, show: bool) -> None:
        folium.GeoJson(
            props.to_json(na="null"),
            name=name,
            overlay=False,
            show=show,
            style_function=lambda f: {
                "fillColor": colour_of(f["properties"]),
                "color": "#555555",
                "weight": 0.7,
                "fillOpacity": 0.75,
            },
            highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(
                fields=[f for f, _ in tooltip_fields],
                aliases=[a for _, a in tooltip_fields],
                localize=True,
            ),
        ).add_to(fmap)

    layer(
        "Travel time to the nearest shelter",
        lambda p: _class_colour(
            p["travel_min_mean"] if p["travel_min_mean"] >= 0 else np.nan,
            TRAVEL_BINS,
            TRAVEL_COLOURS,
        ),
        True,
    )
    layer(
        "Shortfall of shelter beds per 10,000 people",
        lambda p: _class_colour(p["shortfall_per_10000"], short_bins, TRAVEL_COLOURS[1:]),
        False,
    )
    layer(
        "E2SFCA: shelter places per 10,000 reachable",
        lambda p: _class_colour(p["e2sfca_per_10000"], score_bins, SCORE_COLOURS),
        False,
    )

    s = assessment.settlements
    far = s.loc[s["travel_min"] > threshold]
    pts = gpd.GeoDataFrame(
        {
            "name": [str(html_text(n)) for n in far["name"]],
            "people": far["population"].map("~{:,}".format).to_numpy(),
            "travel": [
                f"{m:.0f} min" if np.isfinite(m) else "no road path" for m in far["travel_min"]
            ],
        },
        geometry=shapely.set_precision(far.geometry.to_numpy(), 1e-4),
        crs="EPSG:4326",
    )
    far_name = f"Settlements beyond {threshold:g} min"
    if len(pts):
        folium.GeoJson(
            pts.to_json(),
            name=far_name,
            marker=folium.CircleMarker(radius=2, weight=0, fill=True, fill_opacity=0.6),
            style_function=lambda f: {"fillColor": "#4a1486", "weight": 0},
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "people", "travel"], aliases=["Settlement", "People", "Travel"]
            ),
        ).add_to(fmap)
    else:  # an empty layer still says in the layer control that there are none
        folium.FeatureGroup(name=f"{far_name} (none)", show=False).add_to(fmap)

    shelters = generalised_shelters(dataset)
    sgroup = folium.FeatureGroup(name="Existing shelter capacity (by district)", show=True)
    for rec, geom in zip(shelters.to_dict("records"), shelters.geometry, strict=True):
        folium.CircleMarker(
            [geom.y, geom.x],
            radius=6 + float(np.sqrt(rec["capacity_places"])),
            color="#00441b",
            weight=2,
            fill=True,
            fill_color="#41ab5d",
            fill_opacity=0.9,
            tooltip=(
                f"{html_text(str(rec['district']))}: {rec['count']} shelter(s), "
                f"{rec['capacity_places']} places, {rec['inclusive_places']} LGBTQ+-inclusive. "
                "Location generalised to the district: shelter addresses are confidential."
            ),
        ).add_to(sgroup)
    sgroup.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)

    notes = []
    cut = assessment.districts.loc[~assessment.districts["reachable_by_road"]]
    if len(cut):
        notes.append(
            f"<b>No road path</b> (grey): {len(cut)} districts, "
            f"{int(cut['population'].sum()):,} people. "
            + html_text(dataset.report_text("disconnected_note") or "")
        )
    legend = (
        _legend("Mean travel to nearest shelter", TRAVEL_BINS, TRAVEL_COLOURS, "min", "")
        + f'<div><span class="sw" style="background:{NO_ROAD}"></span>no road path</div>'
        + "<br>"
        + _legend("Shortfall, beds per 10,000", short_bins, TRAVEL_COLOURS[1:], "", "none")
        + "<br>"
        + _legend("E2SFCA places per 10,000", score_bins, SCORE_COLOURS, "", "none reachable")
    )
    box = f"""
    <style>
      .sp-box {{position: fixed; z-index: 9999; background: rgba(255,255,255,0.92);
               padding: 8px 10px; font: 12px/1.35 sans-serif; border-radius: 4px;
               box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 300px;}}
      .sp-box .sw {{display: inline-block; width: 14px; height: 10px; margin-right: 6px;
                   border: 1px solid #777;}}
    </style>
    <div class="sp-box" id="sp-legend" style="bottom: 24px; left: 10px;">{legend}</div>
    <div class="sp-box" id="sp-note" style="top: 10px; left: 60px;">
      <b>{html_text(assessment.scenario.name)}: access to shelters</b><br>
      {"<br>".join(notes)}<br>
      <span style="color:#555">{html_text(credits(dataset))}</span>
    </div>
    """
    root: Any = fmap.get_root()
    root.html.add_child(folium.Element(box))
    return fmap


def write_access_map(
    assessment: Assessment,
    dataset: Dataset,
    path: str | Path,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
) -> Path:
    """Write the interactive map (and, for local assets, ``assets/leaflet/`` beside it).

    Returns
    -------
    Path
        The HTML file written.
    """
    path = Path(path)
    fmap = access_map(assessment, dataset, tiles=tiles, assets=assets)
    if assets == "local":
        copy_leaflet_assets(path.parent)
    write_text_atomic(path, fmap.get_root().render())
    return path


def copy_leaflet_assets(folder: str | Path) -> Path:
    """Copy the packaged Leaflet files to ``folder/assets/leaflet`` and return that folder."""
    target = Path(folder) / "assets" / "leaflet"
    source = resources.files("planner").joinpath("_assets", "leaflet")
    with resources.as_file(source) as src:
        shutil.copytree(src, target, dirs_exist_ok=True)
    return target


def plan_map(
    plan: Plan,
    dataset: Dataset,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
) -> Any:
    """Build the before/after map of a plan.

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset planned (credits).
    tiles, assets
        As for :func:`access_map`.

    Returns
    -------
    folium.Map
    """
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
    props = web_frame(props.fillna(-1), ["name", "region"])
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
            {
                "site": [str(html_text(v)) for v in a["site_id"]],
                "minutes": a["travel_min"].to_numpy(),
            },
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
                tooltip=f"{html_text(str(name))}: unserved",
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
                f"{html_text(rec['name'])} ({rec['status']}): "
                f"{rec['capacity_places']:g} family places, {rec['capacity_beds']:g} beds"
                + ("; LGBTQ+-inclusive" if rec["inclusive"] else "")
                + ("; location generalised to the district" if rec["status"] != "new" else "")
            ),
        ).add_to(sgroup)
    sgroup.add_to(fmap)
    inclusive = plan.sites.loc[plan.sites["inclusive"].astype(bool)]
    igroup = folium.FeatureGroup(name="LGBTQ+-inclusive shelters", show=False)
    for rec in inclusive.to_dict("records"):
        # a ring, drawn by Leaflet itself (no plugin from a CDN: the map works offline)
        folium.CircleMarker(
            [rec["lat"], rec["lon"]],
            radius=9,
            color="#7a0177",
            weight=3,
            dash_array="3 3",
            fill=True,
            fill_color="#f768a1",
            fill_opacity=0.9,
            tooltip=f"{html_text(str(rec['name']))}: inclusive, "
            f"{rec['capacity_places']:g} family places",
        ).add_to(igroup)
    igroup.add_to(fmap)
    if plan.services is not None:
        _service_layers(plan, fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    summ = plan.summary
    note = (
        f"<b>{html_text(plan.scenario.name)}</b>: {summ['new_sites']} new sites, "
        f"{summ['total_places']:g} family places in all, served share "
        f"{summ['served_share']:.1%}, worst travel {summ['max_travel_min']} min. "
        "Blue: new; green: existing (shown at district level).<br>"
        f'<span style="color:#555">{html_text(credits(dataset))}</span>'
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

    if plan.services is None:
        return
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
                tooltip=f"{html_text(str(rec['name']))} ({html_text(rec['district_id'])}): "
                f"{label.split(' (')[0].lower()}; {html_text(rec['location'])}",
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
                tooltip=html_text(str(name)),
            ).add_to(group)
        group.add_to(fmap)
