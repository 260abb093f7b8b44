"""Dataset builders: everything about one country lives in its own subpackage.

A builder turns a country's raw files into a dataset folder (the layout in
``data/README.md``) and writes into its ``metadata.json`` the sentences a
report needs about that dataset: its sources, licences, limitations and the
note on parts without a road path. The generic planner reads those from the
metadata and knows no country.

- :mod:`planner.datasets.azerbaijan`: the embedded Azerbaijan dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from planner._progress import Progress
    from planner.datasets._folder import BuildReport

__all__ = ["EMBEDDED", "build_embedded"]

#: The dataset shipped in ``data/`` and built by ``shelter-planner data build``.
EMBEDDED = "azerbaijan"


def build_embedded(
    raw: str | Path,
    out: str | Path,
    *,
    roads: Literal["major", "drive"] = "major",
    population: str | Path | None = None,
    speeds: str | Path | None = None,
    extra_roads: str | Path | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the embedded dataset folder from its raw files (what ``data build`` runs).

    The arguments are those of the embedded dataset's builder,
    :func:`planner.datasets.azerbaijan.build_azerbaijan`.

    Parameters
    ----------
    raw
        Folder with the raw files.
    out
        The dataset folder to write.
    roads, population, speeds, extra_roads, progress
        As for :func:`planner.datasets.azerbaijan.build_azerbaijan`.

    Returns
    -------
    BuildReport
        What was built, with the counts and warnings of each step.
    """
    from planner.datasets.azerbaijan import build_azerbaijan

    return build_azerbaijan(
        raw,
        out,
        roads=roads,
        population=population,
        speeds=speeds,
        extra_roads=extra_roads,
        progress=progress,
    )
