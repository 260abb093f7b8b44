"""The one escaping path for names that reach HTML, JavaScript or a spreadsheet cell.

Every name that comes from data (districts, settlements, sites, hospitals,
scenarios) passes through :func:`html_text` before it reaches a page: the
report's template calls it for every value (Jinja2 ``finalize``), and the maps
call it on every property and tooltip. It escapes what HTML needs (``& < > " '``)
and also the three characters that matter inside a JavaScript template string
(backtick, ``$`` and backslash), because folium places tooltips in such strings.

:func:`spreadsheet_cell` neutralises a CSV cell that a spreadsheet would read
as a formula (OWASP's advice: a leading ``= + - @``, tab or carriage return is
prefixed with a single quote); :func:`spreadsheet_frame` applies it to every
text column of a table.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import TypeVar

import pandas as pd
from markupsafe import Markup, escape

__all__ = [
    "html_text",
    "markdown_cell",
    "markup",
    "markup_fields",
    "spreadsheet_cell",
    "spreadsheet_frame",
    "web_frame",
]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

_JS_TEMPLATE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def html_text(value: object) -> Markup:
    """Return ``value`` as text safe in HTML and inside a JavaScript template string.

    Parameters
    ----------
    value
        Any value; ``Markup`` (already escaped or trusted) passes unchanged.

    Returns
    -------
    markupsafe.Markup
    """
    if isinstance(value, Markup):
        return value
    return Markup(str(escape(str(value))).translate(_JS_TEMPLATE))


def markup(template: str, *values: object) -> Markup:
    """Fill a trusted HTML ``template`` (``{}`` fields) with escaped ``values``.

    Parameters
    ----------
    template
        HTML written in the code, with ``str.format`` fields.
    *values
        Values from data; each passes through :func:`html_text`.

    Returns
    -------
    markupsafe.Markup
    """
    return Markup(template.format(*(html_text(v) for v in values)))


def markup_fields(
    template: str, /, formatter: string.Formatter | None = None, **values: object
) -> Markup:
    """Fill a trusted HTML ``template`` (named ``{field}`` fields) with escaped ``values``.

    Parameters
    ----------
    template
        HTML from the code or a language catalog, with named ``str.format`` fields.
    formatter
        Fills the fields (default: ``str.format``'s rules); a language catalog's
        formatter also chooses a word by a count (``{sites:site|sites}``).
    **values
        Values from data; each passes through :func:`html_text`.

    Returns
    -------
    markupsafe.Markup
    """
    escaped = {k: html_text(v) for k, v in values.items()}
    return Markup((formatter or string.Formatter()).vformat(template, (), escaped))


def web_frame(frame: FrameT, columns: Iterable[str] | None = None) -> FrameT:
    """Return a copy with every text cell (or those of ``columns``) escaped for the web.

    Parameters
    ----------
    frame
        A table whose text may come from data.
    columns
        Columns to escape; default every column of object or string dtype.

    Returns
    -------
    pandas.DataFrame
        Of the same type (a GeoDataFrame stays one).
    """
    out = frame.copy()
    names = list(columns) if columns is not None else _text_columns(out)
    for col in names:
        out[col] = [v if _missing(v) else str(html_text(v)) for v in out[col]]
    return out


def markdown_cell(value: str) -> str:
    """Return text that stays in its cell of a Markdown table (one line, ``|`` escaped).

    Parameters
    ----------
    value
        Cell text.

    Returns
    -------
    str
    """
    return " ".join(value.split()).replace("|", "\\|")


def spreadsheet_cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (prefix a single quote).

    Parameters
    ----------
    value
        Cell text.

    Returns
    -------
    str
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot start a spreadsheet formula.

    Numbers are left alone (a negative number is not a formula); only cells
    of text columns are neutralised.

    Parameters
    ----------
    frame
        A table to be written as CSV.

    Returns
    -------
    pandas.DataFrame
    """
    cols = _text_columns(frame)
    if not cols:
        return frame
    out = frame.copy()
    for col in cols:
        out[col] = [v if not isinstance(v, str) else spreadsheet_cell(v) for v in out[col]]
    return out


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if c != "geometry" and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
    ]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
