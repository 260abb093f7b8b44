"""Find the sites a scenario names, by id or by name, with errors that help."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from planner._errors import OptionError
from planner.hospital_types import fold_name

__all__ = ["match_sites"]

#: Ids listed in full in an "ambiguous name" error before "...".
_SHOWN_IDS = 6


def match_sites(
    values: Sequence[str],
    ids: Sequence[str],
    names: Sequence[str],
    *,
    where: str,
    what: str,
) -> npt.NDArray[np.int64]:
    """Return the positions of the sites named by ``values`` (ids, or names that are unique).

    Parameters
    ----------
    values
        What the scenario lists: each an id of ``ids`` or a name of ``names``
        (case and accents ignored).
    ids, names
        The sites' ids and names, in the same order.
    where
        The scenario key, for messages (``"hospitals.exclude"``).
    what
        What a site is, for messages (``"hospital"``).

    Returns
    -------
    numpy.ndarray
        Positions into ``ids``, in the order of ``values`` (no duplicates).

    Raises
    ------
    OptionError
        A value is neither an id nor a name (with the nearest match), or a
        name belongs to several sites (with their ids).
    """
    position = {str(i): k for k, i in enumerate(ids)}
    by_name: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        by_name.setdefault(fold_name(str(name)).strip(), []).append(k)
    found: list[int] = []
    for n, value in enumerate(values):
        key = f"{where}[{n}]"
        if value in position:
            found.append(position[value])
            continue
        hits = by_name.get(fold_name(value).strip(), [])
        if len(hits) == 1:
            found.append(hits[0])
            continue
        if hits:
            listed = ", ".join(str(ids[k]) for k in hits[:_SHOWN_IDS])
            more = ", ..." if len(hits) > _SHOWN_IDS else ""
            raise OptionError(
                f"{key} is {value!r}, the name of {len(hits)} {what}s ({listed}{more}); "
                "give the id of the one you mean"
            )
        choices = {fold_name(str(c)).strip(): str(c) for c in [*names, *ids]}
        near = difflib.get_close_matches(fold_name(value).strip(), list(choices), n=1, cutoff=0.6)
        hint = f"; did you mean {choices[near[0]]!r}?" if near else ""
        raise OptionError(f"{key} is {value!r}, not the id or name of any {what}{hint}")
    return np.asarray(list(dict.fromkeys(found)), dtype=np.int64)
