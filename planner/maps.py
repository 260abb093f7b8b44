"""Maps and figures: an interactive folium map and static matplotlib figures.

Existing shelters are drawn only at a generalised location (their district's
representative point, capacity pooled), never at their coordinates.

The interactive map works without internet: the background tile layer is
optional (``tiles="none"`` draws the districts on a plain background) and the
Leaflet JavaScript and CSS are copied next to the map from the copy shipped in
the package (``assets="local"``, the default) instead of being loaded from a
CDN (``assets="cdn"``).
"""

from __future__ import annotations

import html
import shutil
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner._io import atomic_path, write_text_atomic
from planner.assessment import Assessment, generalised_shelters
from planner.data import Dataset

__all__ = [
    "TILES",
    "Assets",
    "Tiles",
    "access_map",
    "base_map",
    "light_districts",
    "shortfall_figure",
    "travel_figure",
    "write_access_map",
]

#: Name of a background tile layer (``"none"`` needs no internet).
Tiles = Literal["none", "openstreetmap", "cartodbpositron"]
#: Where a map loads Leaflet from: files copied beside it, or a CDN.
Assets = Literal["local", "cdn"]

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
CREDITS = (
    "Roads and places &copy; OpenStreetMap contributors (ODbL); "
    "boundaries: geoBoundaries (CC BY-SA 3.0)"
)

# travel-time classes (minutes) and their colours, light to dark
TRAVEL_BINS = [0, 30, 60, 120, 180, 240, np.inf]
TRAVEL_COLOURS = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#bd0026", "#800026"]
SCORE_COLOURS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]
NO_ROAD = "#9e9e9e"


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
    return f"<b>{html.escape(title)}</b>" + "".join(rows)


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
    if assets not in ("local", "cdn"):
        raise ValueError(f"assets is {assets!r}; expected 'local' or 'cdn'")
    fmap = folium.Map(tiles=None, control_scale=True)
    root = "assets/leaflet" if assets == "local" else LEAFLET_CDN
    fmap.default_js = [("leaflet", f"{root}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{root}/leaflet.css")]
    tile = TILES[tiles]
    if tile is not None:
        folium.TileLayer(tile[0], attr=tile[1], name=tiles, control=False).add_to(fmap)
    west, south, east, north = districts.total_bounds
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


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
        (copied there by :func:`write_access_map`); ``"cdn"``: from jsDelivr.

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
            "name": far["name"].astype(str).to_numpy(),
            "people": far["population"].map("~{:,}".format).to_numpy(),
            "travel": [
                f"{m:.0f} min" if np.isfinite(m) else "no road path" for m in far["travel_min"]
            ],
        },
        geometry=shapely.set_precision(far.geometry.to_numpy(), 1e-4),
        crs="EPSG:4326",
    )
    folium.GeoJson(
        pts.to_json(),
        name=f"Settlements beyond {threshold:g} min",
        marker=folium.CircleMarker(radius=2, weight=0, fill=True, fill_opacity=0.6),
        style_function=lambda f: {"fillColor": "#4a1486", "weight": 0},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "people", "travel"], aliases=["Settlement", "People", "Travel"]
        ),
    ).add_to(fmap)

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
                f"{html.escape(str(rec['district']))}: {rec['count']} shelter(s), "
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
            f"{int(cut['population'].sum()):,} people. In Azerbaijan this is the Nakhchivan "
            "exclave, whose road links to the mainland cross Armenia or Iran."
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
      <b>{html.escape(assessment.scenario.name)}: access to shelters</b><br>
      {"<br>".join(notes)}<br>
      <span style="color:#555">{CREDITS}</span>
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


def _save_figure(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)


def travel_figure(assessment: Assessment, dataset: Dataset, path: str | Path) -> Path:
    """Draw a static map of mean travel time by district with the generalised shelters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    path = Path(path)
    d = assessment.districts
    fig, ax = plt.subplots(figsize=(10, 7.5))
    cmap = ListedColormap(TRAVEL_COLOURS)
    bounds = [0, 30, 60, 120, 180, 240, 300]
    norm = BoundaryNorm(bounds, cmap.N)
    reach = d.loc[d["reachable_by_road"]]
    reach.plot(
        column=reach["travel_min_mean"].clip(upper=299),
        cmap=cmap,
        norm=norm,
        edgecolor="#555555",
        linewidth=0.4,
        ax=ax,
    )
    cut = d.loc[~d["reachable_by_road"]]
    if len(cut):
        cut.plot(color=NO_ROAD, edgecolor="#555555", linewidth=0.4, hatch="///", ax=ax)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    cbar = fig.colorbar(sm, ax=ax, shrink=0.6, ticks=bounds[:-1])
    cbar.set_label("Mean travel time to the nearest shelter (minutes; top class 240+)")
    shelters = generalised_shelters(dataset)
    ax.scatter(
        shelters.geometry.x,
        shelters.geometry.y,
        s=60 + 4 * shelters["capacity_places"].to_numpy(float),
        c="#41ab5d",
        edgecolors="#00441b",
        linewidths=1.5,
        zorder=5,
    )
    for name, geom, cap in zip(
        shelters["district"], shelters.geometry, shelters["capacity_places"], strict=True
    ):
        ax.annotate(f"{name}: {int(cap)} places", (geom.x, geom.y), xytext=(-30, 14),
                    textcoords="offset points", fontsize=9, weight="bold")  # fmt: skip
    handles = [
        Patch(
            facecolor="#41ab5d", edgecolor="#00441b", label="existing shelter capacity (district)"
        ),
        Patch(
            facecolor=NO_ROAD, hatch="///", edgecolor="#555555", label="no road path to a shelter"
        ),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=9)
    summary = assessment.summary
    ax.set_title(
        "Travel time to the nearest domestic-violence shelter, by district\n"
        f"{summary['population_share_beyond_120min']:.0%} of the population beyond 2 hours "
        f"or without a road path; {summary['existing_places']} places in "
        f"{summary['existing_shelters']} shelters",
        fontsize=11,
    )
    ax.set_axis_off()
    fig.text(0.01, 0.01, CREDITS.replace("&copy;", "©"), fontsize=7, color="#555555")
    _save_figure(fig, path)
    return path


def shortfall_figure(assessment: Assessment, path: str | Path) -> Path:
    """Bar chart of required versus existing shelter beds by economic region."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    r = assessment.regions.sort_values("required_beds")
    fig, ax = plt.subplots(figsize=(9, 6))
    y = np.arange(len(r))
    ax.barh(
        y + 0.2, r["required_beds"], height=0.4, color="#bd0026", label="required (CoE standard)"
    )
    ax.barh(y - 0.2, r["existing_places"], height=0.4, color="#41ab5d", label="existing")
    ax.set_yticks(
        y, [f"{n}{'' if h else ' *'}" for n, h in zip(r["region"], r["has_shelter"], strict=True)]
    )
    ax.set_xlabel("Shelter beds (places)")
    dem = assessment.scenario.demand
    s = assessment.summary
    ax.set_title(
        f"Required versus existing shelter places by economic region\n"
        f"standard {dem.places_per_10000:g} family place per 10,000 people x "
        f"{dem.family_place_size:g} beds: {s['required_beds']:,.0f} required, "
        f"{s['existing_places']} existing ({s['required_to_existing_ratio']}x)",
        fontsize=11,
    )
    ax.legend(loc="lower right")
    fig.text(0.01, 0.01, "* no shelter in the region (CoE: at least one per region)", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    _save_figure(fig, path)
    return path
