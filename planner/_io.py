"""Atomic file output: a reader never sees a half-written file."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd

from planner._errors import InputDataError
from planner._escape import spreadsheet_frame


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` and move it into place on success.

    Parameters
    ----------
    path
        Final destination. Its parent directory is created if needed.

    Yields
    ------
    Path
        A temporary file in the same directory. If the block raises, the
        temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary file keeps the real extension (drivers such as GPKG check it)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=f".part{path.suffix}", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_write(path: str | Path, *, mode: str = "w") -> Iterator[IO[str]]:
    """Open a text file for writing that appears at ``path`` only when complete.

    Parameters
    ----------
    path
        Final destination.
    mode
        ``"w"`` for text.

    Yields
    ------
    IO[str]
        An open text stream (UTF-8, Unix line endings).
    """
    with atomic_path(path) as tmp, open(tmp, mode, encoding="utf-8", newline="\n") as fh:
        yield fh


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_csv_atomic(
    path: str | Path,
    frame: pd.DataFrame,
    *,
    float_format: str | None = None,
    spreadsheet: bool = False,
) -> None:
    """Write a data frame as CSV, atomically.

    A ``.gz`` suffix gives a gzip file with a zero timestamp, so that the same
    content always gives the same bytes. ``spreadsheet=True`` (every output
    meant for people) neutralises text cells a spreadsheet would run as a
    formula (:func:`planner._escape.spreadsheet_frame`) and starts the file
    with a UTF-8 byte-order mark, so that Excel shows "Ağcabədi", not
    "AÄŸcabÉ™di"; dataset files, read back by the planner, are written as they are.
    """
    path = Path(path)
    if spreadsheet:
        frame = spreadsheet_frame(frame)
    text = frame.to_csv(index=False, lineterminator="\n", float_format=float_format)
    data = text.encode("utf-8-sig" if spreadsheet else "utf-8")
    if path.suffix == ".gz":
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = buf.getvalue()
    write_bytes_atomic(path, data)


#: Written last into every result folder; lists the files of that one run.
MANIFEST = ".shelter-planner-manifest.json"


@contextmanager
def result_folder(out: str | Path) -> Iterator[Path]:
    """Yield a fresh folder for a whole result set and swap it in for ``out`` on success.

    The run writes into a new folder beside ``out``; only when the block
    completes is ``out`` replaced by it in two renames, so an interrupted run
    leaves the previous result set intact and no file of an earlier run
    survives beside the new ones. A manifest (:data:`MANIFEST`) marks a folder
    the planner wrote; an existing ``out`` without one that holds files is
    refused rather than replaced.

    Parameters
    ----------
    out
        The result folder.

    Yields
    ------
    Path
        The folder to write into.
    """
    shown, out = Path(out), Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise InputDataError(f"--out {shown} is a file; expected a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise InputDataError(
            f"--out {shown} holds files the planner did not write; the planner replaces its "
            "result folder whole, so choose a new or empty folder"
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    except OSError as exc:
        raise InputDataError(f"cannot create the result folder {shown}: {exc.strerror}") from None
    try:
        yield tmp
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
        (tmp / MANIFEST).write_text(json.dumps({"files": files}, indent=1) + "\n", "utf-8")
        tmp.chmod(0o777 & ~_umask())
        backup = out.with_name(f".{out.name}.old")
        if backup.exists():
            shutil.rmtree(backup)
        if out.exists():
            out.rename(backup)
        tmp.rename(out)
        if backup.exists():
            shutil.rmtree(backup)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
