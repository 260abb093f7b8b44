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
from planner._i18n import Translator
from planner._io import write_text_atomic
from planner.assessment import Assessment, generalised_shelters
from planner.data import Dataset
from planner.figures import (
    EXISTING_SHELTER,
    INCLUSIVE_SHELTER,
    NEW_SHELTER,
    NO_ROAD,
    TRAVEL_BINS,
    TRAVEL_COLOURS,
    UNSERVED_SETTLEMENT,
    credits,
)
from planner.tables import service_locations, shown_name

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


def _places(tr: Translator, value: float) -> str:
    """Write a capacity as people read it: ``40``, ``1,113``, or ``12.9`` for a fraction."""
    whole = abs(value - round(value)) < 0.05
    return tr.number(value, 0 if whole else 1)


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


def _legend(
    title: str, bins: list[float], colours: list[str], unit: str, zero: str, tr: Translator
) -> str:
    rows = []
    for k, colour in enumerate(colours[: len(bins) - 1]):
        lo, hi = bins[k], bins[k + 1]
        lo_text = "0" if lo == 1e-9 else tr.plain(lo)
        if hi == 1e-9:
            label = zero
        elif np.isinf(hi):
            label = (
                tr("map.legend_over", value=lo_text, unit=unit)
                if lo == 1e-9
                else f"{lo_text}+ {unit}"
            )
        else:
            label = f"{lo_text}-{tr.plain(hi)} {unit}"
        rows.append(
            f'<div><span class="sw" style="background:{colour}"></span>{html_text(label)}</div>'
        )
    return f"<b>{html_text(title)}</b>" + "".join(rows)


#: The style of the boxes a map draws over Leaflet (note at the top, legend at the foot).
#: Each folds away (a ``<details>``); on a narrow screen, such as one side of the
#: comparison map, both start folded so that they hide neither the layers nor the map.
_BOX_CSS = """
    <style>
      .sp-box {position: fixed; z-index: 9999; background: rgba(255,255,255,0.92);
               padding: 6px 10px; font: 12px/1.35 sans-serif; border-radius: 4px;
               box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 300px;}
      .sp-box summary {cursor: pointer; font-weight: bold;}
      .sp-box details[open] summary {margin-bottom: 4px;}
      #sp-note {max-width: min(var(--sp-note-width), calc(100vw - 440px)); min-width: 120px;}
      .sp-box .sw {display: inline-block; width: 14px; height: 10px; margin-right: 6px;
                   border: 1px solid #777;}
      .sp-box .dot {display: inline-block; width: 8px; height: 8px; margin: 0 8px 0 2px;
                    border-radius: 50%; border: 2px solid; vertical-align: -1px;}
    </style>"""

#: Below this window width (px) the boxes start folded.
_NARROW_PX = 900


def _boxes(legend: str, note: str, tr: Translator, *, note_width: int = 300) -> str:
    """Return the legend box (above the scale bar) and the note box (top left) as HTML."""
    return f"""{_BOX_CSS}
    <div class="sp-box" id="sp-legend" style="bottom: 52px; left: 10px;">
      <details open><summary>{html_text(tr("map.legend_title"))}</summary>{legend}</details>
    </div>
    <div class="sp-box" id="sp-note"
         style="top: 10px; left: 60px; --sp-note-width: {note_width}px;">
      <details open><summary>{html_text(tr("map.about"))}</summary>{note}</details>
    </div>
    <script>
      if (window.innerWidth < {_NARROW_PX}) {{
        document.querySelectorAll(".sp-box details").forEach(function (d) {{ d.open = false; }});
      }}
    </script>
    """


def _marker_row(edge: str, fill: str, label: str, *, dashed: bool = False) -> str:
    """Return one legend row: a circle marker of these colours and its label."""
    style = f"border-color:{edge};background:{fill}" + (";border-style:dashed" if dashed else "")
    return f'<div><span class="dot" style="{style}"></span>{html_text(label)}</div>'


def light_districts(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return district polygons generalised by about 300 m, at 10 m precision, for web maps.

    Parameters
    ----------
    districts
        District polygons in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        The generalised polygons, the same rows.
    """
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
    """Make an empty folium map fitted to the districts, with Leaflet local or from a CDN.

    Parameters
    ----------
    districts
        The districts the map is fitted to.
    tiles, assets
        As for :func:`access_map`.

    Returns
    -------
    folium.Map
        The empty map.
    """
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
    lang: str = "en",
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
    lang
        Language of the layer names, legends and labels: ``"en"`` (default) or
        ``"az"``.

    Returns
    -------
    folium.Map
        The map, ready to save or show.
    """
    import folium

    names = dataset.place_names(lang)
    tr = names.told(Translator(lang))
    d = light_districts(names.frame(assessment.districts, district_names=True))
    fmap = base_map(d, tiles=tiles, assets=assets)

    threshold = assessment.scenario.access.map_threshold_min
    none_today = assessment.summary["existing_shelters"] == 0  # nothing to travel to
    d["travel_label"] = [
        tr("map.travel_label", mean=tr.number(v), max=tr.number(m))
        if np.isfinite(v)
        else tr("figure.no_shelter" if none_today else "figure.no_road")
        for v, m in zip(d["travel_min_mean"], d["travel_min_max"], strict=True)
    ]
    d["shortfall_per_10000"] = np.where(
        d["population"] > 0, d["shortfall_beds"] * 10_000 / d["population"], 0.0
    )
    d["share_beyond"] = (d["share_beyond_120min"].fillna(1.0) * 100).round(0)
    props = d[
        [
            "district_id",
            "name",
            "region",
            "population",
            "travel_label",
            "travel_km_mean",
            "share_beyond",
            "required_beds",
            "existing_places",
            "shortfall_beds",
            "shortfall_per_10000",
            "e2sfca_per_10000",
            "travel_min_mean",
            "geometry",
        ]
    ].copy()
    for col in ("required_beds", "shortfall_beds", "shortfall_per_10000", "e2sfca_per_10000"):
        props[col] = props[col].round(2)
    props = web_frame(props, ["district_id", "name", "region", "travel_label"])
    props["travel_km_mean"] = props["travel_km_mean"].round(0)
    props["travel_min_mean"] = props["travel_min_mean"].fillna(-1)
    tooltip_fields = [
        (field, tr(f"map.field.{field}"))
        for field in (
            "name",
            "region",
            "population",
            "travel_label",
            "travel_km_mean",
            "share_beyond",
            "required_beds",
            "existing_places",
            "shortfall_beds",
            "e2sfca_per_10000",
        )
    ]

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
        tr("map.layer.travel"),
        lambda p: _class_colour(
            p["travel_min_mean"] if p["travel_min_mean"] >= 0 else np.nan,
            TRAVEL_BINS,
            TRAVEL_COLOURS,
        ),
        True,
    )
    layer(
        tr("map.layer.shortfall"),
        lambda p: _class_colour(p["shortfall_per_10000"], short_bins, TRAVEL_COLOURS[1:]),
        False,
    )
    layer(
        tr("map.layer.e2sfca"),
        lambda p: _class_colour(p["e2sfca_per_10000"], score_bins, SCORE_COLOURS),
        False,
    )

    s = assessment.settlements
    far = s.loc[s["travel_min"] > threshold]
    pts = gpd.GeoDataFrame(
        {
            "name": [str(html_text(n)) for n in far["name"]],
            "people": ["~" + tr.number(p) for p in far["population"]],
            "travel": [
                tr("word.minutes", value=tr.number(m))
                if np.isfinite(m)
                else tr("map.no_shelter" if none_today else "map.no_road")
                for m in far["travel_min"]
            ],
        },
        geometry=shapely.set_precision(far.geometry.to_numpy(), 1e-4),
        crs="EPSG:4326",
    )
    far_name = tr("map.layer.far", minutes=tr.plain(threshold))
    if len(pts):
        folium.GeoJson(
            pts.to_json(),
            name=far_name,
            marker=folium.CircleMarker(radius=2, weight=0, fill=True, fill_opacity=0.6),
            style_function=lambda f: {"fillColor": "#4a1486", "weight": 0},
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "people", "travel"],
                aliases=[
                    tr("map.field.settlement"),
                    tr("map.field.people"),
                    tr("map.field.travel"),
                ],
            ),
        ).add_to(fmap)
    else:  # an empty layer still says in the layer control that there are none
        folium.FeatureGroup(name=tr("map.layer.none", layer=far_name), show=False).add_to(fmap)

    shelters = generalised_shelters(dataset, lang=tr.lang)
    sgroup = folium.FeatureGroup(name=tr("map.layer.existing"), show=True)
    for rec, geom in zip(shelters.to_dict("records"), shelters.geometry, strict=True):
        folium.CircleMarker(
            [geom.y, geom.x],
            radius=6 + float(np.sqrt(rec["capacity_places"])),
            color=EXISTING_SHELTER[0],
            weight=2,
            fill=True,
            fill_color=EXISTING_SHELTER[1],
            fill_opacity=0.9,
            tooltip=html_text(
                tr(
                    "map.existing_tooltip",
                    district=str(rec["district"]),
                    places=int(rec["capacity_places"]),
                    inclusive=int(rec["inclusive_places"]),
                )
            ),
        ).add_to(sgroup)
    sgroup.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)

    notes = []
    cut = assessment.districts.loc[~assessment.districts["reachable_by_road"]]
    if none_today:
        notes.append(
            tr.html(
                "map.no_shelter_note_html",
                districts=len(cut),
                people=tr.number(int(cut["population"].sum())),
            )
        )
    elif len(cut):
        notes.append(
            tr.html(
                "map.no_road_note_html",
                districts=len(cut),
                people=tr.number(int(cut["population"].sum())),
                note=dataset.report_text("disconnected_note", lang=tr.lang) or "",
            )
        )
    legend = (
        _legend(tr("map.legend.travel"), TRAVEL_BINS, TRAVEL_COLOURS, tr("map.min"), "", tr)
        + f'<div><span class="sw" style="background:{NO_ROAD}"></span>'
        + f"{html_text(tr('map.no_shelter' if none_today else 'map.no_road'))}</div>"
        + "<br>"
        + _legend(
            tr("map.legend.shortfall"),
            short_bins,
            TRAVEL_COLOURS[1:],
            "",
            tr("word.none"),
            tr,
        )
        + "<br>"
        + _legend(
            tr("map.legend.e2sfca"), score_bins, SCORE_COLOURS, "", tr("map.none_reachable"), tr
        )
        + "<br>"
        + _marker_row(*EXISTING_SHELTER, tr("map.legend.existing"))
    )
    note = (
        f"<b>{html_text(tr('map.access_title', scenario=assessment.scenario.name))}</b><br>"
        + "<br>".join(notes)
        + f'<br><span style="color:#555">{html_text(credits(dataset))}</span>'
    )
    box = _boxes(legend, note, tr)
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
    lang: str = "en",
) -> Path:
    """Write the interactive map (and, for local assets, ``assets/leaflet/`` beside it).

    Parameters
    ----------
    assessment, dataset
        As for :func:`access_map`.
    path
        HTML file to write (atomically).
    tiles, assets, lang
        As for :func:`access_map`.

    Returns
    -------
    Path
        The HTML file written.
    """
    path = Path(path)
    fmap = access_map(assessment, dataset, tiles=tiles, assets=assets, lang=lang)
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


#: The district figures a plan map's tooltips show (names: ``map.field.<column>``).
_PLAN_FIELDS = (
    "name",
    "region",
    "population",
    "travel_min_mean_before",
    "travel_min_mean_after",
    "places_before",
    "places_after",
    "new_sites",
    "served_share_after",
)


def plan_map(
    plan: Plan,
    dataset: Dataset,
    *,
    tiles: Tiles = "openstreetmap",
    assets: Assets = "local",
    lang: str = "en",
) -> Any:
    """Build the before/after map of a plan.

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset planned (credits).
    tiles, assets, lang
        As for :func:`access_map`.

    Returns
    -------
    folium.Map
        The map, ready to save or show.
    """
    import folium

    names = dataset.place_names(lang)
    tr = names.told(Translator(lang))
    plan = plan.with_names(names)
    d = light_districts(plan.districts)
    fmap = base_map(d, tiles=tiles, assets=assets)
    props = d[[*_PLAN_FIELDS, "geometry"]].copy()
    for col in props.columns:
        if props[col].dtype.kind == "f":
            props[col] = props[col].round(1)
    props = web_frame(props.fillna(-1), ["name", "region"])
    fields = [(field, tr(f"map.field.{field}")) for field in _PLAN_FIELDS]
    for label, col, show in (
        (tr("map.layer.today"), "travel_min_mean_before", False),
        (tr("map.layer.with_plan"), "travel_min_mean_after", True),
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
            name=tr("map.layer.assignments"),
            show=False,
            style_function=lambda f: {"color": "#3f007d", "weight": 0.6, "opacity": 0.5},
        ).add_to(fmap)
    unserved = plan.result.unserved > 1e-6
    if unserved.any():
        grp = folium.FeatureGroup(name=tr("map.layer.unserved"), show=True)
        for geom, name in zip(
            plan.before.settlements.geometry[unserved],
            plan.before.settlements["name"][unserved],
            strict=True,
        ):
            folium.CircleMarker(
                [round(geom.y, 4), round(geom.x, 4)],
                radius=3,
                color=UNSERVED_SETTLEMENT[0],
                weight=1,
                fill=True,
                fill_color=UNSERVED_SETTLEMENT[1],
                tooltip=html_text(tr("map.unserved_tooltip", name=shown_name(name, tr))),
            ).add_to(grp)
        grp.add_to(fmap)
    sgroup = folium.FeatureGroup(name=tr("map.layer.shelters"), show=True)
    for rec in plan.sites.to_dict("records"):
        edge, colour = NEW_SHELTER if rec["status"] == "new" else EXISTING_SHELTER
        folium.CircleMarker(
            [rec["lat"], rec["lon"]],
            radius=4 + float(np.sqrt(rec["capacity_places"])) * 1.5,
            color=edge,
            weight=2,
            fill=True,
            fill_color=colour,
            fill_opacity=0.85,
            tooltip=html_text(
                tr(
                    "map.shelter_tooltip",
                    name=shown_name(rec["name"], tr),
                    status=tr(f"status.{rec['status']}"),
                    places=_places(tr, rec["capacity_places"]),
                    beds=_places(tr, rec["capacity_beds"]),
                )
                + (tr("map.inclusive_suffix") if rec["inclusive"] else "")
                + (tr("map.generalised_suffix") if rec["status"] != "new" else "")
            ),
        ).add_to(sgroup)
    sgroup.add_to(fmap)
    inclusive = plan.sites.loc[plan.sites["inclusive"].astype(bool)]
    igroup = folium.FeatureGroup(name=tr("map.layer.inclusive"), show=False)
    for rec in inclusive.to_dict("records"):
        # a ring, drawn by Leaflet itself (no plugin from a CDN: the map works offline)
        folium.CircleMarker(
            [rec["lat"], rec["lon"]],
            radius=9,
            color=INCLUSIVE_SHELTER[0],
            weight=3,
            dash_array="3 3",
            fill=True,
            fill_color=INCLUSIVE_SHELTER[1],
            fill_opacity=0.9,
            tooltip=html_text(
                tr(
                    "map.inclusive_tooltip",
                    name=shown_name(rec["name"], tr),
                    places=_places(tr, rec["capacity_places"]),
                )
            ),
        ).add_to(igroup)
    igroup.add_to(fmap)
    if plan.services is not None:
        _service_layers(plan, dataset, fmap, tr)
    folium.LayerControl(collapsed=False).add_to(fmap)
    summ = plan.summary
    note = tr.html(
        "map.plan_note_html",
        scenario=plan.scenario.name,
        sites=summ["new_sites"],
        places=tr.number(summ["total_places"]),
        served=tr.percent(summ["served_share"]),
        worst=tr.plain(summ["max_travel_min"]),
        credits=credits(dataset),
    )
    box = _boxes(_plan_legend(plan, tr), str(note), tr, note_width=340)
    root: Any = fmap.get_root()
    root.html.add_child(folium.Element(box))
    return fmap


def _plan_legend(plan: Plan, tr: Translator) -> str:
    """Return the plan map's legend: travel classes, then each kind of marker drawn."""
    rows = [
        _legend(tr("map.legend.travel_plan"), TRAVEL_BINS, TRAVEL_COLOURS, tr("map.min"), "", tr),
        f'<div><span class="sw" style="background:{NO_ROAD}"></span>'
        f"{html_text(tr('map.legend.not_served'))}</div><br>",
    ]
    status = set(plan.sites["status"])
    if "new" in status:
        rows.append(_marker_row(*NEW_SHELTER, tr("map.legend.new")))
    if status & {"existing", "expanded"}:
        rows.append(_marker_row(*EXISTING_SHELTER, tr("map.legend.existing")))
    if bool(plan.sites["inclusive"].astype(bool).any()):
        rows.append(_marker_row(*INCLUSIVE_SHELTER, tr("map.legend.inclusive"), dashed=True))
    if (plan.result.unserved > 1e-6).any():
        rows.append(_marker_row(*UNSERVED_SETTLEMENT, tr("map.legend.unserved")))
    if plan.services is not None:
        present = set(plan.services.sites["service"])
        for service, (edge, fill) in SERVICE_STYLE.items():
            if service in present:
                rows.append(_marker_row(edge, fill, tr(f"map.service.{service}")))
    return "".join(rows)


#: Edge and fill colours of the hospital services' markers (names: ``map.service.<key>``).
SERVICE_STYLE = {
    "rape_crisis_centre": ("#6a51a3", "#bcbddc"),
    "forensic_24_7": ("#a50f15", "#fc9272"),
}


def _service_layers(plan: Plan, dataset: Dataset, fmap: Any, tr: Translator) -> None:
    """Add one layer per hospital service, and the settlements beyond forensic reach."""
    import folium

    if plan.services is None:
        return
    sites = plan.services.sites
    sites = sites.assign(
        location=service_locations(sites, sites, dataset.hospitals, tr)
    )  # in the map's language
    district = plan.district_names
    for service, (edge, fill) in SERVICE_STYLE.items():
        group = folium.FeatureGroup(name=tr(f"map.service.{service}"), show=True)
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
                tooltip=html_text(
                    tr(
                        f"map.service_tooltip.{service}",
                        name=shown_name(rec["name"], tr),
                        district=str(district.get(rec["district_id"], rec["district_id"])),
                        location=str(rec["location"]),
                    )
                ),
            ).add_to(group)
        group.add_to(fmap)
    r = plan.services.result
    fo = plan.scenario.forensic
    if fo is not None:
        far = r.forensic_travel_min > fo.max_travel_min + 1e-9
        st = plan.before.settlements
        far &= st["population"].to_numpy() > 0
        group = folium.FeatureGroup(
            name=tr("map.layer.forensic_far", minutes=tr.plain(fo.max_travel_min)),
            show=False,
        )
        for geom, name in zip(st.geometry[far], st["name"][far], strict=True):
            folium.CircleMarker(
                [round(geom.y, 4), round(geom.x, 4)],
                radius=2,
                color="#a50f15",
                weight=1,
                tooltip=html_text(shown_name(name, tr)),
            ).add_to(group)
        group.add_to(fmap)
