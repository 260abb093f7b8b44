"""Outputs stage: tables written for planners, atomically.

Nothing written here carries the coordinates of an existing shelter: shelters
are referred to by name and district only.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner._io import write_csv_atomic
from planner.access import AccessTables

__all__ = ["district_table", "write_district_table"]


def district_table(tables: AccessTables) -> pd.DataFrame:
    """Return the district table rounded for publication.

    Travel times are rounded to 0.1 minute, distances to 0.1 km and shares to
    four decimals; districts without a road path keep empty travel figures.
    """
    out = tables.districts.copy()
    for col in ("travel_min_mean", "travel_min_max", "travel_km_mean"):
        out[col] = out[col].round(1)
    for col in out.columns:
        if col.startswith("share_beyond_"):
            out[col] = out[col].round(4)
    return out


def write_district_table(tables: AccessTables, out_dir: str | Path) -> Path:
    """Write ``districts.csv`` into ``out_dir`` (created if needed) and return its path."""
    path = Path(out_dir) / "districts.csv"
    write_csv_atomic(path, district_table(tables))
    return path
