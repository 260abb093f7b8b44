"""Writing a dataset folder, shared by every builder (private plumbing)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner._errors import InputDataError, MissingInputError
from planner._i18n import noun
from planner._io import _umask, write_csv_atomic, write_text_atomic
from planner.network import add_road_lines, save_graph

__all__ = ["BuildReport", "add_extra_roads", "sha256", "write_dataset_folder"]


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote.

    Attributes
    ----------
    out
        Dataset folder.
    counts
        Number of districts, settlements, shelters, candidates, hospitals, nodes, edges.
    warnings
        Things a user should know about the inputs.
    """

    out: Path
    counts: Mapping[str, int]
    warnings: tuple[str, ...]


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_dataset_folder(
    out: Path,
    *,
    districts: gpd.GeoDataFrame,
    tables: Mapping[str, pd.DataFrame],
    graph: Any,
    metadata: Mapping[str, Any],
) -> None:
    """Write a dataset into a fresh folder and swap it in whole (or not at all).

    Parameters
    ----------
    out
        The dataset folder; an existing one is replaced only once the new one
        is complete.
    districts
        Written as ``districts.geojson`` (coordinates to 6 decimals).
    tables
        ``{name: frame}``, each written as ``<name>.csv``.
    graph
        The road graph, written by :func:`planner.network.save_graph`.
    metadata
        Written as ``metadata.json``.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        districts.to_file(
            tmp / "districts.geojson", driver="GeoJSON", COORDINATE_PRECISION=6, WRITE_BBOX="NO"
        )
        for name, frame in tables.items():
            write_csv_atomic(tmp / f"{name}.csv", frame)
        save_graph(graph, tmp)
        write_text_atomic(
            tmp / "metadata.json", json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"
        )
        backup = out.with_name(f".{out.name}.old")
        if backup.exists():
            shutil.rmtree(backup)
        if out.exists():
            out.rename(backup)
        tmp.chmod(0o777 & ~_umask())
        tmp.rename(out)
        if backup.exists():
            shutil.rmtree(backup)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def add_extra_roads(
    graph: Any, path: Path, speeds: Mapping[str, float] | None, notes: list[str]
) -> None:
    """Add the road lines of ``path`` to the graph (in place), noting what was done.

    See :func:`planner.network.add_road_lines`; each line end is joined to the
    nearest road within 500 m.
    """
    if not path.is_file():
        raise MissingInputError(f"extra road file {path} does not exist")
    try:
        lines = gpd.read_file(path)
    except Exception as exc:  # fiona/pyogrio raise many kinds
        raise InputDataError(f"cannot read the extra road file {path}: {exc}") from exc
    before = graph.number_of_edges()
    unjoined = add_road_lines(graph, lines, speeds=speeds, source=str(path))
    notes.append(
        f"roads: {len(lines)} extra road {noun(len(lines), 'line')} from {path.name} added as "
        f"{graph.number_of_edges() - before} {noun(graph.number_of_edges() - before, 'edge')}; "
        f"{unjoined} line {noun(unjoined, 'end')} farther than 500 m from any road "
        f"{noun(unjoined, 'was', 'were')} left unjoined"
    )
