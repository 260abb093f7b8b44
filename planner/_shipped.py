"""The scenarios shipped with the planner, found without importing the planning stack.

Light on purpose: the command line's help lists them, and ``--help`` should not
load geopandas and the road network code to do so.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["builtin_scenarios", "shipped_descriptions"]


def builtin_scenarios() -> dict[str, Path]:
    """Return the scenario files shipped with the planner, by name (file stem).

    Returns
    -------
    dict[str, Path]
        Each shipped scenario's name to its file.
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "_scenarios", here.parent / "scenarios"):
        if folder.is_dir():
            return {p.stem: p for p in sorted(folder.glob("*.toml"))}
    return {}


def shipped_descriptions() -> dict[str, str]:
    """Return each shipped scenario's one-line description (empty where it has none).

    Returns
    -------
    dict[str, str]
        Each shipped scenario's name to its ``description``.
    """
    out: dict[str, str] = {}
    for name, path in builtin_scenarios().items():
        try:
            text = tomllib.loads(path.read_text("utf-8")).get("description", "")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            text = ""  # a broken file is named when it is loaded, not in the help
        out[name] = str(text)
    return out
