"""The Azerbaijan builder's reference tables and name folding (private plumbing)."""

from __future__ import annotations

import csv
import unicodedata
from importlib import resources

import pandas as pd

__all__ = ["fold", "reference_csv"]


def reference_csv(name: str) -> pd.DataFrame:
    """Read a committed table of ``_reference/`` as strings."""
    text = (
        resources.files("planner.datasets.azerbaijan")
        .joinpath("_reference", name)
        .read_text("utf-8")
    )
    return pd.DataFrame(list(csv.DictReader(text.splitlines())))


def fold(name: str) -> str:
    """Fold a name for matching: lower case, no accents or spaces, ə and ǝ as e, ı as i."""
    s = name.lower().replace("ı", "i").replace("ə", "e").replace("ǝ", "e")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if c.isalnum() and not unicodedata.combining(c))
