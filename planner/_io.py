"""Atomic file output: a reader never sees a half-written file."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd


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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
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
    path: str | Path, frame: pd.DataFrame, *, float_format: str | None = None
) -> None:
    """Write a data frame as CSV, atomically.

    A ``.gz`` suffix gives a gzip file with a zero timestamp, so that the same
    content always gives the same bytes.
    """
    path = Path(path)
    text = frame.to_csv(index=False, lineterminator="\n", float_format=float_format)
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = buf.getvalue()
    write_bytes_atomic(path, data)
