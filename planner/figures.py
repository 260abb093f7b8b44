"""Output stage, figures: static matplotlib figures for reports.

Figures are drawn with matplotlib's object-oriented API
(:class:`matplotlib.figure.Figure`), never through pyplot's global state, so
the planner never switches a caller's backend (a notebook keeps its own).
Existing shelters are drawn only at their district's public point (its most populous settlement).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from planner._i18n import Translator
from planner._io import atomic_path
from planner.assessment import Assessment, generalised_shelters
from planner.data import Dataset, PlaceNames

if TYPE_CHECKING:
    from planner.planning import Plan

__all__ = [
    "EXISTING_SHELTER",
    "INCLUSIVE_SHELTER",
    "NEW_SHELTER",
    "NO_ROAD",
    "TRAVEL_BINS",
    "TRAVEL_COLOURS",
    "UNSERVED_SETTLEMENT",
    "credits",
    "plan_figures",
    "shortfall_figure",
    "travel_figure",
]

# travel-time classes (minutes) and their colours, light to dark
TRAVEL_BINS = [0, 30, 60, 120, 180, 240, np.inf]
TRAVEL_COLOURS = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#bd0026", "#800026"]
NO_ROAD = "#9e9e9e"
#: Edge and fill colours of the shelter and settlement markers, on the web maps and figures alike.
NEW_SHELTER = ("#08306b", "#2171b5")
EXISTING_SHELTER = ("#00441b", "#41ab5d")
INCLUSIVE_SHELTER = ("#7a0177", "#f768a1")
UNSERVED_SETTLEMENT = ("#000000", "#ffffff")
#: Class edges of the static travel maps (the top class is 240+).
_FIGURE_BOUNDS = [0, 30, 60, 120, 180, 240, 300]
_FALLBACK_CREDITS = "Roads and places \u00a9 OpenStreetMap contributors (ODbL)"


def credits(dataset: Dataset) -> str:
    """Return the attribution line of a dataset's figures and maps (from its licences).

    Parameters
    ----------
    dataset
        The dataset drawn.

    Returns
    -------
    str
        The attribution line.
    """
    licences = dataset.metadata.get("licences")
    if isinstance(licences, dict) and licences:
        return "; ".join(f"{name}: {text}" for name, text in licences.items())
    return _FALLBACK_CREDITS


def _figure(size: tuple[float, float]) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    return fig, fig.subplots()


def _save(fig: Any, path: Path, dpi: int = 150) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    return path


def _footnote(ax: Any, text: str, *, fontsize: float = 7, color: str = "#555555") -> None:
    """Write ``text`` just under ``ax`` (not at the figure's foot, so no blank band remains)."""
    ax.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -6),
        textcoords="offset points",
        va="top",
        fontsize=fontsize,
        color=color,
    )


def _png(fig: Any) -> str:
    """Return a figure as base64 PNG text, for embedding in HTML."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _travel_choropleth(ax: Any, fig: Any, districts: Any, column: str, label: str) -> None:
    """Draw districts by travel class (grey where empty) with a colour bar."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    cmap = ListedColormap(TRAVEL_COLOURS)
    norm = BoundaryNorm(_FIGURE_BOUNDS, cmap.N)
    has = districts[column].notna()
    if has.any():
        districts.loc[has].plot(
            column=districts.loc[has, column].clip(upper=299),
            cmap=cmap,
            norm=norm,
            edgecolor="#555555",
            linewidth=0.4,
            ax=ax,
        )
    if (~has).any():
        districts.loc[~has].plot(
            color=NO_ROAD, edgecolor="#555555", linewidth=0.4, hatch="///", ax=ax
        )
    cbar = fig.colorbar(
        ScalarMappable(cmap=cmap, norm=norm), ax=ax, shrink=0.6, ticks=_FIGURE_BOUNDS[:-1]
    )
    cbar.set_label(label)


def travel_figure(
    assessment: Assessment, dataset: Dataset, path: str | Path, *, lang: str = "en"
) -> Path:
    """Draw a static map of mean travel time by district with the generalised shelters.

    Parameters
    ----------
    assessment
        The assessment.
    dataset
        The dataset (shelters, pooled by district; credits).
    path
        PNG file to write.
    lang
        Language of the labels: ``"en"`` (default) or ``"az"``.

    Returns
    -------
    Path
        The PNG file written.
    """
    tr = dataset.place_names(lang).told(Translator(lang))
    return _save(_travel_map_figure(assessment, dataset, tr), Path(path))


def _travel_map_figure(assessment: Assessment, dataset: Dataset, tr: Translator) -> Any:
    """Draw today's travel map: districts by mean travel, shelters pooled by district."""
    from matplotlib.patches import Patch

    fig, ax = _figure((10, 7.5))
    summary = assessment.summary
    none_today = summary["existing_shelters"] == 0  # nothing to travel to
    d = assessment.districts.copy()
    d["travel_shown"] = d["travel_min_mean"].where(d["reachable_by_road"])
    _travel_choropleth(
        ax,
        fig,
        d,
        "travel_shown",
        tr("figure.travel_bar"),
    )
    shelters = generalised_shelters(dataset, lang=tr.lang)
    ax.scatter(
        shelters.geometry.x,
        shelters.geometry.y,
        s=60 + 4 * shelters["capacity_places"].to_numpy(float),
        c=EXISTING_SHELTER[1],
        edgecolors=EXISTING_SHELTER[0],
        linewidths=1.5,
        zorder=5,
    )
    for name, geom, cap in zip(
        shelters["district"], shelters.geometry, shelters["capacity_places"], strict=True
    ):
        ax.annotate(
            tr("figure.places_at", district=str(name), places=int(cap)),
            (geom.x, geom.y),
            xytext=(-30, 14),
            textcoords="offset points",
            fontsize=9,
            weight="bold",
        )
    handles = [
        Patch(
            facecolor=EXISTING_SHELTER[1],
            edgecolor=EXISTING_SHELTER[0],
            label=tr("figure.existing_capacity"),
        ),
        Patch(
            facecolor=NO_ROAD,
            hatch="///",
            edgecolor="#555555",
            label=tr("figure.no_shelter" if none_today else "figure.no_road"),
        ),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=9)
    ax.set_title(
        tr("figure.travel_title_none")
        if none_today
        else tr(
            "figure.travel_title",
            share=tr.percent(summary["population_share_beyond_120min"], 0),
            places=tr.number(summary["existing_places"]),
            districts=summary["existing_shelter_districts"],
            total=summary["districts_total"],
        ),
        fontsize=11,
    )
    ax.set_axis_off()
    _footnote(ax, credits(dataset))
    return fig


def shortfall_figure(
    assessment: Assessment, path: str | Path, *, lang: str = "en", names: PlaceNames | None = None
) -> Path:
    """Draw a bar chart of required versus existing shelter beds by economic region.

    Parameters
    ----------
    assessment
        The assessment.
    path
        PNG file to write.
    lang
        Language of the labels: ``"en"`` (default) or ``"az"``.
    names
        Region names in that language (:meth:`planner.data.Dataset.place_names`);
        default: as the data names them.

    Returns
    -------
    Path
        The PNG file written.
    """
    tr = names.told(Translator(lang)) if names is not None else Translator(lang)
    return _save(_shortfall_figure(assessment, tr, names), Path(path))


def _shortfall_figure(assessment: Assessment, tr: Translator, names: PlaceNames | None) -> Any:
    """Draw the bar chart of required versus existing beds by region (see shortfall_figure)."""
    r = assessment.regions.sort_values("required_beds")
    if names is not None:
        r = names.frame(r, district_names=False)
    fig, ax = _figure((9, 6))
    y = np.arange(len(r))
    ax.barh(
        y + 0.2, r["required_beds"], height=0.4, color="#bd0026", label=tr("figure.required_std")
    )
    ax.barh(
        y - 0.2, r["existing_places"], height=0.4, color="#41ab5d", label=tr("figure.existing")
    )
    ax.set_yticks(
        y, [f"{n}{'' if h else ' *'}" for n, h in zip(r["region"], r["has_shelter"], strict=True)]
    )
    ax.set_xlabel(tr("figure.beds_axis"))
    dem = assessment.scenario.demand
    s = assessment.summary
    ax.set_title(
        tr(
            "figure.shortfall_title",
            standard=tr.plain(dem.places_per_10000),
            size=tr.plain(dem.family_place_size),
            required=tr.number(s["required_beds"]),
            existing=s["existing_places"],
            ratio=tr.plain(s["required_to_existing_ratio"]),
        ),
        fontsize=11,
    )
    ax.legend(loc="lower right")
    fig.text(0.01, 0.01, tr("figure.no_shelter_note"), fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _plan_map_figure(plan: Plan, dataset: Dataset, tr: Translator) -> Any:
    """Draw a plan's travel map (districts by travel with the plan, sites by capacity)."""
    d = plan.districts
    fig, ax = _figure((9, 6.5))
    _travel_choropleth(ax, fig, d, "travel_min_mean_after", tr("heading.travel_min_mean_after"))
    for status, (_, colour) in (
        ("new", NEW_SHELTER),
        ("existing", EXISTING_SHELTER),
        ("expanded", EXISTING_SHELTER),
    ):
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
                label=tr(f"status.{status}"),
            )
    handles, _ = ax.get_legend_handles_labels()
    if d["travel_min_mean_after"].isna().any():  # grey, hatched: say what it means
        from matplotlib.patches import Patch

        handles.append(
            Patch(
                facecolor=NO_ROAD,
                hatch="///",
                edgecolor="#555555",
                label=tr("map.legend.not_served"),
            )
        )
    ax.legend(handles=handles, loc="lower left", fontsize=8, title=tr("figure.shelters_legend"))
    ax.set_title(tr("figure.plan_title", scenario=plan.scenario.name), fontsize=11)
    ax.set_axis_off()
    _footnote(ax, credits(dataset))
    return fig


def plan_figures(plan: Plan, dataset: Dataset, *, lang: str = "en") -> tuple[str, str]:
    """Draw a plan's travel map and its places-by-region bars, as base64 PNG text.

    Parameters
    ----------
    plan
        The plan.
    dataset
        The dataset (credits).
    lang
        Language of the labels: ``"en"`` (default) or ``"az"``.

    Returns
    -------
    tuple[str, str]
        The map and the bar chart.
    """
    names = dataset.place_names(lang)
    tr = names.told(Translator(lang))
    plan = plan.with_names(names)
    d = plan.districts
    map_png = _png(_plan_map_figure(plan, dataset, tr))

    r = d.groupby("region")[["required_family_places", "places_before", "places_after"]].sum()
    r = r.sort_values("required_family_places")
    fig, ax = _figure((9, 6))
    y = np.arange(len(r))
    ax.barh(
        y + 0.27, r["required_family_places"], 0.27, color="#bd0026", label=tr("figure.required")
    )
    ax.barh(y, r["places_before"], 0.27, color="#a1d99b", label=tr("figure.today"))
    ax.barh(y - 0.27, r["places_after"], 0.27, color="#2171b5", label=tr("figure.with_plan"))
    ax.set_yticks(y, r.index)
    ax.set_xlabel(tr("heading.capacity_places"))
    ax.legend(loc="lower right")
    ax.set_title(tr("figure.bars_title"), fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    return map_png, _png(fig)
