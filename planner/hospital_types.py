"""Hospital types: what kind of facility each hospital point is, from what the data says.

OpenStreetMap tags a rape crisis centre's possible hosts only as ``hospital``
or ``clinic``; an oncology dispensary, an ambulance station and a district
hospital look alike. The type of a facility is read from its name by
patterns that a dataset ships with its builder (names are in the country's
languages; this module knows no country): a table of rules ``type,pattern``,
each pattern a regular expression matched anywhere in the *folded* name
(case folded, accents removed, ``ə`` as ``e`` and dotless ``ı`` as ``i``),
the first matching rule winning. A hospital without a name is ``unknown``;
one whose name matches no rule is ``other``.

Only :data:`SUITABLE_TYPES` (general hospitals and polyclinics) are offered to
the hospital services by default: the Council of Europe standard asks for
rape crisis centres and forensic examination where women already go for
general care, with round-the-clock medical staff; a dispensary, an ambulance
station or a hygiene centre has neither, and a village hospital or health post
has too few staff for either.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner._errors import InputDataError
from planner._i18n import noun

__all__ = [
    "HOSPITAL_TYPES",
    "SUITABLE_TYPES",
    "UNCLASSIFIED",
    "TypeRule",
    "classify_hospitals",
    "fold_name",
    "read_type_rules",
]

#: Every hospital type and what it means (the vocabulary of ``hospitals.csv``'s ``type``).
HOSPITAL_TYPES: dict[str, str] = {
    "general": "general hospital: central district, city, regional or republican hospital",
    "polyclinic": "polyclinic or public outpatient clinic",
    "rural": (
        "village or settlement hospital, rural doctor's or feldsher post (few beds, no "
        "round-the-clock specialists)"
    ),
    "maternity": "maternity hospital or women's consultation",
    "children": "children's hospital or polyclinic",
    "dispensary": (
        "specialist dispensary (oncology, tuberculosis, skin and venereal diseases, "
        "narcology, psychiatry)"
    ),
    "specialist": (
        "specialist hospital, institute, sanatorium or rehabilitation centre (eyes, teeth, "
        "heart, trauma, psychiatry)"
    ),
    "medical_centre": "private medical or diagnostic centre",
    "emergency": "ambulance or emergency station (no beds)",
    "public_health": "hygiene and epidemiology centre (no patients)",
    "departmental": "hospital of a ministry or the armed forces, not open to the public",
    "other": "named, but the name says nothing of the type (or not a health facility)",
    "unknown": "no name in the source data",
}

#: Types offered to the hospital services unless a scenario says otherwise.
SUITABLE_TYPES: tuple[str, ...] = ("general", "polyclinic")

#: The type of every hospital of a dataset whose ``hospitals.csv`` has no ``type``.
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class TypeRule:
    """One rule: hospitals whose folded name matches ``pattern`` are of ``type``.

    Parameters
    ----------
    type
        The hospital type the rule gives.
    pattern
        A pattern matched against the folded name (:func:`fold_name`).
    """

    type: str
    pattern: re.Pattern[str]


def plain_letters(name: str) -> str:
    """Write accented Latin letters plainly: schwa as ``e``, dotless ``ı`` as ``i``, no accents.

    ``Qarabağ`` becomes ``Qarabag``, ``Şəki`` ``Seki``; case is kept.
    """
    text = name.replace("ı", "i").replace("ə", "e").replace("Ə", "E")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_name(name: str) -> str:
    """Fold a name for matching: case, accents, schwa as ``e``, dotless ``ı`` as ``i``.

    Parameters
    ----------
    name
        Any name.

    Returns
    -------
    str
        The folded name.
    """
    return plain_letters(name.casefold())


def read_type_rules(path: Path) -> list[TypeRule]:
    """Read a table of type rules (CSV with columns ``type`` and ``pattern``).

    Parameters
    ----------
    path
        The rules file; other columns (language, example, note) are documentation.

    Returns
    -------
    list[TypeRule]
        In file order (the first matching rule wins).

    Raises
    ------
    InputDataError
        The file is missing a column, names a type outside :data:`HOSPITAL_TYPES`
        or has a pattern that is not a valid regular expression.
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = {"type", "pattern"} - set(table.columns)
    if missing:
        raise InputDataError(
            f"{path} lacks {noun(len(missing), 'column')} {sorted(missing)}; "
            "expected type,pattern[,...]"
        )
    rules = []
    for row, (kind, pattern) in enumerate(zip(table["type"], table["pattern"], strict=True)):
        line = f"{path}, row {row + 2}"
        if kind not in HOSPITAL_TYPES or kind in ("unknown", "other"):
            raise InputDataError(
                f"{line}: type {kind!r} is not a rule type; expected one of "
                f"{[t for t in HOSPITAL_TYPES if t not in ('unknown', 'other')]}"
            )
        if not pattern.strip():
            raise InputDataError(f"{line}: the pattern is empty")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise InputDataError(f"{line}: pattern {pattern!r} is not valid: {exc}") from None
        rules.append(TypeRule(kind, compiled))
    return rules


def classify_hospitals(names: Sequence[str | None], rules: Sequence[TypeRule]) -> pd.Series:
    """Give each hospital its type, from its name.

    Parameters
    ----------
    names
        Hospital names; ``None``, empty or a placeholder in parentheses
        (``"(unnamed clinic)"``) means no name.
    rules
        Type rules, the first match winning (see :func:`read_type_rules`).

    Returns
    -------
    pandas.Series
        One type per name (``unknown`` without a name, ``other`` when no rule matches).
    """
    types = []
    for name in names:
        text = "" if name is None or pd.isna(name) else str(name).strip()
        if not text or (text.startswith("(") and text.endswith(")")):
            types.append("unknown")
            continue
        folded = fold_name(text)
        types.append(next((r.type for r in rules if r.pattern.search(folded)), "other"))
    return pd.Series(types, dtype=str)
