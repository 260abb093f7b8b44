"""Names in the Azerbaijani Latin alphabet (private to the Azerbaijan builder).

The raw OSM layers carry each place's default name where the Latin field is
empty, so Karabakh places come in Armenian script and a few hospitals in
Russian. Every name the planner shows is put into the Azerbaijani Latin
alphabet, in this order:

1. the committed table ``_reference/official_names.csv`` (official names of
   Karabakh cities, towns and villages with their source; hospital names put
   into Azerbaijani);
2. a bilingual name ("Laçın / Բերձոր") keeps its Latin part;
3. anything else is transliterated letter by letter from Armenian or Russian
   (Cyrillic) and marked ``transliterated``.

``name_source`` says which rule gave each name.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from importlib import resources

import pandas as pd

from planner._errors import InputDataError

__all__ = ["AZ_LETTERS", "azerbaijani_names", "is_azerbaijani_latin", "transliterate"]

#: The 32 letters of the Azerbaijani Latin alphabet, both cases.
AZ_LETTERS = frozenset("ABCÇDEƏFGĞHXIİJKQLMNOÖPRSŞTUÜVYZabcçdeəfgğhxıijkqlmnoöprsştuüvyz")

_ARMENIAN = {
    "ա": "a", "բ": "b", "գ": "q", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "ı",
    "թ": "t", "ժ": "j", "ի": "i", "լ": "l", "խ": "x", "ծ": "ts", "կ": "k", "հ": "h",
    "ձ": "dz", "ղ": "ğ", "ճ": "ç", "մ": "m", "յ": "y", "ն": "n", "շ": "ş", "ո": "o",
    "չ": "ç", "պ": "p", "ջ": "c", "ռ": "r", "ս": "s", "վ": "v", "տ": "t", "ր": "r",
    "ց": "ts", "ւ": "v", "փ": "p", "ք": "k", "և": "yev", "օ": "o", "ֆ": "f",
}  # fmt: skip
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "q", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts",
    "ч": "ç", "ш": "ş", "щ": "şç", "ъ": "", "ы": "ı", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip
# Latin look-alikes folded into the alphabet's own letters
_LATIN_FIXES = str.maketrans({"ǝ": "ə", "Ǝ": "Ə", "w": "v", "W": "V"})
_ARMENIAN_RE = re.compile("[\u0530-\u058f]")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")


def is_azerbaijani_latin(name: str) -> bool:
    """Tell whether every letter of ``name`` belongs to the Azerbaijani Latin alphabet."""
    return all(ch in AZ_LETTERS for ch in name if ch.isalpha())


def _word_case(source: str, latin: str) -> str:
    return latin[:1].upper() + latin[1:] if source[:1].isupper() else latin


def _armenian_word(word: str) -> str:
    low = word.lower().replace("ու", "u")
    out = []
    for i, ch in enumerate(low):
        if i == 0 and ch == "ե":
            out.append("ye")
        elif i == 0 and ch == "ո":
            out.append("vo")
        else:
            out.append(_ARMENIAN.get(ch, ch))
    return _word_case(word, "".join(out))


def _same(word: str) -> str:
    return word


def _cyrillic_word(word: str) -> str:
    return _word_case(word, "".join(_CYRILLIC.get(ch, ch) for ch in word.lower()))


def transliterate(name: str) -> tuple[str, str]:
    """Write a name in Azerbaijani Latin letters, word by word.

    Parameters
    ----------
    name
        A name in Armenian, Cyrillic or Latin script.

    Returns
    -------
    tuple[str, str]
        The transliterated name and the script it came from (``"Armenian"``,
        ``"Russian"`` or ``""`` when nothing was changed).

    Raises
    ------
    InputDataError
        If the name holds letters of another script.
    """
    fixed = name.translate(_LATIN_FIXES)
    if _ARMENIAN_RE.search(fixed):
        script, word_rule = "Armenian", _armenian_word
    elif _CYRILLIC_RE.search(fixed):
        script, word_rule = "Russian", _cyrillic_word
    else:
        script, word_rule = ("Latin" if fixed != name else ""), _same
    name = fixed
    out = re.sub(r"\w+", lambda m: word_rule(m.group(0)), name)
    out = unicodedata.normalize("NFC", out)
    if not is_azerbaijani_latin(out):
        raise InputDataError(
            f"name {name!r} has letters outside the Azerbaijani Latin alphabet that cannot be "
            "transliterated; add it to planner/datasets/azerbaijan/_reference/official_names.csv"
        )
    return out, script


def _official_table() -> dict[tuple[str, str], tuple[str, str]]:
    text = (
        resources.files("planner.datasets.azerbaijan")
        .joinpath("_reference", "official_names.csv")
        .read_text("utf-8")
    )
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    table: dict[tuple[str, str], tuple[str, str]] = {}
    for pos, row in enumerate(rows, start=2):
        key = (row["kind"], row["name_osm"])
        if key in table or not is_azerbaijani_latin(row["name_az"]):
            raise InputDataError(
                f"_reference/official_names.csv, data row {pos - 1}: {row['name_osm']!r} repeats "
                "or its name_az is not in the Azerbaijani Latin alphabet"
            )
        table[key] = (row["name_az"], row["how"])
    return table


def azerbaijani_names(names: pd.Series, *, kind: str) -> pd.DataFrame:
    """Put every name of a layer into the Azerbaijani Latin alphabet.

    Parameters
    ----------
    names
        Names as in the raw OSM layer.
    kind
        ``"settlement"`` or ``"hospital"`` (the rows of the official table that apply).

    Returns
    -------
    pandas.DataFrame
        ``name`` and ``name_source`` (``OSM``, ``official (table)``,
        ``translated (table)``, ``OSM (Latin part)``, ``transliterated from
        Armenian`` or ``from Russian``), indexed like ``names``.
    """
    table = _official_table()
    out_names: list[str] = []
    sources: list[str] = []
    for raw in names.astype(str):
        if (kind, raw) in table:
            name, how = table[(kind, raw)]
            out_names.append(name)
            sources.append(f"{how} (table)")
            continue
        if " / " in raw:
            latin = [p.strip() for p in raw.split(" / ") if is_azerbaijani_latin(p.strip())]
            if latin:
                out_names.append(latin[0])
                sources.append("OSM (Latin part)")
                continue
        name, script = transliterate(raw)
        out_names.append(name)
        sources.append(f"transliterated from {script}" if script else "OSM")
    return pd.DataFrame({"name": out_names, "name_source": sources}, index=names.index)
