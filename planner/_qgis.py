"""QGIS styles stored inside a GeoPackage (private plumbing of :mod:`planner.outputs`).

QGIS reads a layer's default style from the GeoPackage's ``layer_styles``
table (QML, the format QGIS itself writes there), so a plan opens in QGIS with
the sites coloured by service, the assignment lines thin and grey and the
districts coloured by travel time as on the web map. Other GIS programs ignore
the table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

__all__ = ["Style", "categorized_points", "graduated_fill", "single_line", "write_styles"]

# a fixed time: the same plan gives the same style rows on any day
_STYLE_TIME = "2000-01-01T00:00:00Z"
_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"

#: (layer name, geometry column, QML)
Style = tuple[str, str, str]


def _rgba(colour: str, alpha: int = 255) -> str:
    value = colour.lstrip("#")
    r, g, b = (int(value[k : k + 2], 16) for k in (0, 2, 4))
    return f"{r},{g},{b},{alpha}"


def _option(name: str, value: str) -> str:
    return f'<Option type="QString" name={quoteattr(name)} value={quoteattr(value)}/>'


def _symbol(kind: str, index: int, layer_class: str, options: dict[str, str]) -> str:
    body = "".join(_option(k, v) for k, v in options.items())
    return (
        f'<symbol type="{kind}" name="{index}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer_class}" enabled="1" pass="0" locked="0">'
        f'<Option type="Map">{body}</Option></layer></symbol>'
    )


def _qml(renderer: str) -> str:
    return f'{_HEAD}<qgis version="3.28.0" styleCategories="Symbology">{renderer}</qgis>\n'


def categorized_points(
    attribute: str, categories: Sequence[tuple[str, str, str]], *, size: float = 3.0
) -> str:
    """Return the QML of point markers coloured by category.

    Parameters
    ----------
    attribute
        Field name or QGIS expression whose value picks the category.
    categories
        ``(value, label, colour as #rrggbb)`` per category.
    size
        Marker size in millimetres.
    """
    cats = "".join(
        f'<category value={quoteattr(value)} symbol="{k}" label={quoteattr(label)} render="true"/>'
        for k, (value, label, _) in enumerate(categories)
    )
    symbols = "".join(
        _symbol(
            "marker",
            k,
            "SimpleMarker",
            {
                "color": _rgba(colour),
                "name": "circle",
                "size": f"{size:g}",
                "outline_color": "255,255,255,255",
                "outline_width": "0.3",
            },
        )
        for k, (_, _, colour) in enumerate(categories)
    )
    return _qml(
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attribute)} symbollevels="0" '
        f'enableorderby="0" forceraster="0"><categories>{cats}</categories>'
        f"<symbols>{symbols}</symbols></renderer-v2>"
    )


def single_line(colour: str, *, width: float = 0.2, alpha: int = 140) -> str:
    """Return the QML of thin lines of one colour."""
    symbol = _symbol(
        "line",
        0,
        "SimpleLine",
        {
            "line_color": _rgba(colour, alpha),
            "line_width": f"{width:g}",
            "line_width_unit": "MM",
        },
    )
    return _qml(
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<symbols>{symbol}</symbols></renderer-v2>"
    )


def graduated_fill(
    attribute: str, bins: Sequence[float], colours: Sequence[str], *, unit: str, missing: str
) -> str:
    """Return the QML of polygons coloured by class of a numeric field.

    Parameters
    ----------
    attribute
        Numeric field.
    bins
        Class edges (``len(colours) + 1`` values; the last may be infinite).
    colours
        Fill colour per class (#rrggbb).
    unit
        Unit written in the legend labels.
    missing
        Colour of polygons whose value is empty (QGIS draws them with the
        layer's "else" rule: a category-free fallback is not part of a
        graduated renderer, so they are left to QGIS's default and the colour
        is only recorded in the description).
    """
    top = float(max(b for b in bins if np.isfinite(b))) * 100
    ranges, symbols = [], []
    for k, colour in enumerate(colours):
        lo, hi = float(bins[k]), float(bins[k + 1])
        label = f"{lo:g}+ {unit}" if not np.isfinite(hi) else f"{lo:g}-{hi:g} {unit}"
        upper = top if not np.isfinite(hi) else hi
        ranges.append(
            f'<range lower="{lo:g}" upper="{upper:g}" symbol="{k}" label={quoteattr(label)} '
            'render="true"/>'
        )
        symbols.append(
            _symbol(
                "fill",
                k,
                "SimpleFill",
                {
                    "color": _rgba(colour),
                    "outline_color": "255,255,255,255",
                    "outline_width": "0.2",
                    "style": "solid",
                },
            )
        )
    return _qml(
        f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(attribute)} '
        'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<ranges>{''.join(ranges)}</ranges><symbols>{''.join(symbols)}</symbols>"
        f"</renderer-v2><!-- empty {attribute}: {missing} -->"
    )


def write_styles(gpkg: Path, styles: Sequence[Style]) -> None:
    """Store each layer's QML as its default style in the GeoPackage's ``layer_styles``.

    Parameters
    ----------
    gpkg
        An open-able GeoPackage (written by GDAL), changed in place.
    styles
        ``(layer, geometry column, QML)`` per styled layer.
    """
    with sqlite3.connect(gpkg) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME)"
        )
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
            "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', ?)",
            (_STYLE_TIME,),
        )
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
            [
                (layer, geom, layer, qml, "shelter-planner default style", _STYLE_TIME)
                for layer, geom, qml in styles
            ],
        )
