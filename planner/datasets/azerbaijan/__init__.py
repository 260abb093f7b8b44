"""The embedded Azerbaijan dataset: its builder, reference tables and report texts.

``shelter-planner data build --raw RAW --out DIR`` runs :func:`build_azerbaijan`
on the raw files described in ``shared/data/raw/README.md``; the committed
``data/azerbaijan`` is its output. The reference tables (ISO crosswalk,
economic regions, official population figures) are in ``_reference/``.
"""

from __future__ import annotations

from planner.datasets._folder import BuildReport
from planner.datasets.azerbaijan.build import build_azerbaijan, match_iso_codes

__all__ = ["BuildReport", "build_azerbaijan", "match_iso_codes"]
