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


def test_result_folder_swaps_a_whole_set_in(tmp_path: Path) -> None:
    from planner._io import MANIFEST, result_folder

    out = tmp_path / "results"
    with result_folder(out) as folder:
        (folder / "summary.json").write_text("one")
        (folder / "centre_assignments.csv").write_text("old")
    assert (out / MANIFEST).is_file()
    # an interrupted run leaves the previous set as it was
    with pytest.raises(RuntimeError), result_folder(out) as folder:
        (folder / "summary.json").write_text("half")
        raise RuntimeError("interrupted")
    assert (out / "summary.json").read_text() == "one"
    # a complete run replaces it whole: no file of the earlier run survives
    with result_folder(out) as folder:
        (folder / "summary.json").write_text("two")
    assert (out / "summary.json").read_text() == "two"
    assert not (out / "centre_assignments.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # nothing left beside it


def test_result_folder_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    from planner._errors import InputDataError
    from planner._io import result_folder

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("keep")
    with pytest.raises(InputDataError, match="did not write"), result_folder(mine):
        pass
    assert (mine / "thesis.docx").read_text() == "keep"


def test_result_folder_that_is_a_file_or_cannot_be_made_is_named(tmp_path: Path) -> None:
    from planner._errors import InputDataError
    from planner._io import result_folder

    notes = tmp_path / "notes.txt"
    notes.write_text("keep")
    is_file = r"--out .*notes\.txt is a file; expected a folder"
    with pytest.raises(InputDataError, match=is_file), result_folder(notes):
        pass
    # a folder below a file cannot be created: said, and nothing is written
    below = r"cannot create the result folder .*notes\.txt/out"
    with pytest.raises(InputDataError, match=below), result_folder(notes / "out"):
        pass
    assert notes.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_spreadsheet_csv_opens_in_excel(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["Ağcabədi", "=cmd"], "value": [1.5, -2.0]})
    write_csv_atomic(tmp_path / "out.csv", frame, spreadsheet=True)
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads UTF-8
    back = pd.read_csv(tmp_path / "out.csv")
    assert back["name"].tolist() == ["Ağcabədi", "'=cmd"] and back["value"].tolist() == [1.5, -2.0]
    write_csv_atomic(tmp_path / "data.csv", frame)  # dataset files: plain UTF-8, as given
    assert not (tmp_path / "data.csv").read_bytes().startswith(b"\xef\xbb\xbf")
