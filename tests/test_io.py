from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from planner._io import atomic_write, write_csv_atomic


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out" / "table.csv"
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert not target.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_failed_write_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    target.write_text("old", "utf-8")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("new")
        raise RuntimeError("boom")
    assert target.read_text("utf-8") == "old"


def test_gzip_csv_is_deterministic(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    write_csv_atomic(tmp_path / "a.csv.gz", frame)
    first = (tmp_path / "a.csv.gz").read_bytes()
    write_csv_atomic(tmp_path / "a.csv.gz", frame)
    assert (tmp_path / "a.csv.gz").read_bytes() == first
    assert gzip.decompress(first).decode() == "a,b\n1,x\n2,y\n"
