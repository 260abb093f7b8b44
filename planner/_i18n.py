"""Private plumbing: the words of the report, the maps and the terminal in each language.

Every sentence, heading and label people read comes from a catalog,
``planner/_locales/<lang>.toml`` (English ``en``, the default, and Azerbaijani
``az``), looked up by a dotted key (``report.heading.summary``). A template is
Python ``str.format`` text with named fields (``{sites}``); the caller fills
them with values already formatted for the language (:meth:`Translator.number`,
:meth:`Translator.percent`), so a catalog holds words, never number formats.

A word that depends on a count is written with the count's field and its two
forms, singular first: ``{sites} new {sites:shelter|shelters}`` reads "1 new
shelter", "0 new shelters", "3 new shelters" (the singular when the count, as
shown, is exactly 1: English's rule). Azerbaijani keeps a noun singular after
a number, so its catalog needs no such choice. No other format spec may appear
in a catalog.

There is no fallback: a key missing from a catalog raises
:class:`MissingTextError`, and ``tests/test_i18n.py`` checks that every
catalog has every key (with the same fields) and that every key the code
uses exists. The terms of the Council of Europe standard are fixed in
``planner/_locales/glossary.csv`` (English, Azerbaijani, definition), which
the Azerbaijani catalog follows.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal, cast

from markupsafe import Markup

from planner._escape import markup_fields

__all__ = [
    "LANGUAGES",
    "TERMS",
    "Fixed",
    "Language",
    "MissingTextError",
    "Note",
    "Place",
    "Share",
    "Translator",
    "catalog",
    "catalog_problems",
    "check_language",
    "fields",
    "noun",
    "spec_problems",
    "terms_problem",
]

#: Languages with a complete catalog.
LANGUAGES: tuple[str, ...] = ("en", "az")
#: Words of the catalogs a dataset may say its own way, per language
#: (``report.translations.<lang>.terms`` of its metadata): the catalogs say "region",
#: a dataset whose regions are provinces may say so.
TERMS: tuple[str, ...] = ("region",)
#: A language code of :data:`LANGUAGES`.
Language = Literal["en", "az"]


class MissingTextError(KeyError):
    """A catalog has no text for a key (translations must be complete)."""


def check_language(lang: object) -> Language:
    """Return ``lang`` if a catalog exists for it, else raise ``ValueError`` naming it.

    Parameters
    ----------
    lang
        A language code such as ``"az"``.

    Returns
    -------
    Language
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang is {lang!r}; expected one of {', '.join(map(repr, LANGUAGES))}")
    return cast(Language, lang)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


@cache
def catalog(lang: str) -> dict[str, Any]:
    """Return the flat catalog of a language (``{"report.heading.summary": "Summary", ...}``)."""
    text = resources.files("planner").joinpath("_locales", f"{check_language(lang)}.toml")
    return _flatten(tomllib.loads(text.read_text(encoding="utf-8")))


def catalog_problems(
    lang: str,
    *,
    reference: Mapping[str, Any] | None = None,
    other: Mapping[str, Any] | None = None,
) -> list[str]:
    """List what a catalog lacks against the English one: keys, fields, extra keys.

    Parameters
    ----------
    lang
        The language checked (its catalog unless ``other`` is given).
    reference, other
        Flat catalogs to compare instead of English and ``lang``'s (for tests).

    Returns
    -------
    list[str]
        One sentence per problem; empty for a complete catalog.
    """
    ref = catalog("en") if reference is None else reference
    own = catalog(lang) if other is None else other
    problems = [f"{key!r} is missing from the {lang!r} catalog" for key in ref if key not in own]
    problems += [
        f"{key!r} of the {lang!r} catalog is not in English" for key in own if key not in ref
    ]
    for key, text in ref.items():
        if isinstance(text, str) and isinstance(own.get(key), str):
            if fields(text) != fields(own[key]):
                problems.append(
                    f"{key!r} has fields {sorted(fields(own[key]))} in {lang!r}, "
                    f"{sorted(fields(text))} in English"
                )
        elif key in own and type(own[key]) is not type(text):
            problems.append(f"{key!r} is a {type(own[key]).__name__} in {lang!r}")
    for key, text in own.items():
        if isinstance(text, str):
            for bad in spec_problems(text):
                problems.append(
                    f"{key!r} of the {lang!r} catalog has the field {bad}; the only format a "
                    "catalog may give is a word chosen by a count, such as {sites:site|sites}"
                )
    return problems


def fields(template: str) -> set[str]:
    """Return the named fields of a catalog template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def spec_problems(template: str) -> list[str]:
    """Describe the format specs of a catalog template that are not a word chosen by a count.

    Parameters
    ----------
    template
        A catalog text.

    Returns
    -------
    list[str]
        One phrase per bad field (``{sites:d}``, ``{sites:a|b|c}``); empty if none.
    """
    bad = []
    for _, name, spec, _ in string.Formatter().parse(template):
        if name and spec:
            forms = spec.split("|")
            if len(forms) != 2 or not all(form.strip() for form in forms):
                bad.append(f"{{{name}:{spec}}}")
    return bad


def noun(count: int, one: str, other: str | None = None) -> str:
    """Return the English noun for ``count`` things: ``one`` if it is 1, else ``other``.

    For the English-only messages outside the catalogs (errors and build notes).

    Parameters
    ----------
    count
        How many.
    one
        The singular (``"district"``).
    other
        The plural; default ``one`` with an ``s``.

    Returns
    -------
    str
    """
    return one if count == 1 else (other if other is not None else one + "s")


def counted(count: int, one: str, other: str | None = None) -> str:
    """Return ``count`` and its English noun: ``"1 value"``, ``"3 values"`` (see :func:`noun`).

    Parameters
    ----------
    count
        How many.
    one, other
        The singular and the plural, as for :func:`noun`.

    Returns
    -------
    str
    """
    return f"{count} {noun(count, one, other)}"


class _CountFormatter(string.Formatter):
    """``str.format``'s rules, plus a word chosen by a count: ``{sites:shelter|shelters}``."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        if "|" in format_spec:
            one, other = format_spec.split("|", 1)
            return one if str(value).strip() == "1" else other
        return super().format_field(value, format_spec)


_COUNTED = _CountFormatter()


class Fixed(float):
    """A number that a message shows with a fixed number of decimals (``157.6``, ``157,6``).

    Parameters
    ----------
    value
        The number.
    digits
        Decimals shown.
    """

    digits: int

    def __new__(cls, value: float, digits: int = 1) -> Fixed:
        fixed = super().__new__(cls, value)
        fixed.digits = digits
        return fixed

    def __reduce__(self) -> tuple[Any, ...]:
        return (Fixed, (float(self), self.digits))


class Share(float):
    """A share (0.502) that a message shows as a percentage in each language's format.

    Parameters
    ----------
    value
        The share, 0 to 1.
    digits
        Decimals of the percentage.
    """

    digits: int

    def __new__(cls, value: float, digits: int = 1) -> Share:
        share = super().__new__(cls, value)
        share.digits = digits
        return share

    def __reduce__(self) -> tuple[Any, ...]:
        return (Share, (float(self), self.digits))


class Place(str):
    """A district or region a message names: the data's name, told again in each language.

    It is a ``str`` (the name as the data gives it; a district with its code,
    ``North District (D-1)``); a :class:`Translator` given the dataset's names in
    its language (:meth:`Translator.with_places`) shows those instead.

    Parameters
    ----------
    kind
        ``"district"`` or ``"region"``.
    ident
        The district's id, or the region as the data names it.
    name
        The data's name (a district's, shown with its id).
    """

    kind: str
    ident: str
    name: str | None

    def __new__(cls, kind: str, ident: str, name: str | None = None) -> Place:
        text = _place_label(kind, ident, name) if name else ident
        place = super().__new__(cls, text)
        place.kind, place.ident, place.name = kind, ident, name
        return place

    def __reduce__(self) -> tuple[Any, ...]:
        return (Place, (self.kind, self.ident, self.name))


def _place_label(kind: str, ident: str, name: str) -> str:
    """Show a place's name as messages do: a district with its id (``North District (D-1)``)."""
    return f"{name} ({ident})" if kind == "district" else name


class Note(str):
    """A message of the planner: English text that also keeps its catalog key and values.

    It is a ``str`` (the English text), so it goes wherever messages go (solver
    results, summaries, JSON); a report or terminal in another language tells
    it again from the key with :meth:`Translator.message`.

    Parameters
    ----------
    key
        Catalog key (``message.<...>``).
    **values
        Its fields: names, counts, minutes (formatted per language when told).
    """

    key: str
    values: dict[str, object]

    def __new__(cls, key: str, /, **values: object) -> Note:
        note = super().__new__(cls, Translator("en")(key, **values))
        note.key = key
        note.values = dict(values)
        return note

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled as its key and values (the default would pass the text as the key)
        return (_note, (self.key, self.values))


def _note(key: str, values: dict[str, object]) -> Note:
    return Note(key, **values)


_GROUP = re.compile(r"\B(?=(\d{3})+(?!\d))")


def terms_problem(terms: object) -> str | None:
    """Say what is wrong with a dataset's ``terms`` (see :data:`TERMS`), or ``None``.

    Parameters
    ----------
    terms
        The value of ``report.translations.<lang>.terms`` of a dataset's metadata.

    Returns
    -------
    str or None
        The fault, in words that follow the key's name; ``None`` when it is an
        object of words of :data:`TERMS` to non-empty text.
    """
    if not isinstance(terms, Mapping):
        return f"is {terms!r}; expected {{word: the dataset's word}}, words of {list(TERMS)}"
    for word, said in terms.items():
        if word not in TERMS:
            return f"has {word!r}; expected words of {list(TERMS)}"
        if not isinstance(said, str) or not _PLAIN_WORDS.fullmatch(said):
            # it goes into the catalog's texts, which reach HTML as trusted templates: words only
            return (
                f"gives {word!r} as {said!r}; expected the dataset's word (letters, spaces, "
                "hyphens and apostrophes)"
            )
    return None


#: What a dataset's term may be: words, never markup or a field.
_PLAIN_WORDS = re.compile(r"[^\W\d_]+(?:[ '\u2019-][^\W\d_]+)*")


@lru_cache(maxsize=16)
def _term_pattern(word: str) -> re.Pattern[str]:
    """Match ``word`` (or ``Word``) where a word begins, its inflection left to follow.

    Not in a field (``{regions}``), an option (``one_per_region``, ``a.region``), a
    longer word with a digit or ``_`` (``regional_capacity``) or the adjective
    (``regional``: no inflection of the noun begins with ``al``).
    """
    first, rest = re.escape(word[0]), re.escape(word[1:])
    return re.compile(rf"(?<![\w.{{])(?:{first}|{first.upper()}){rest}(?!al)(?=[^\W\d_]*(?![\w]))")


class Translator:
    """The texts and number formats of one language.

    Parameters
    ----------
    lang
        A language of :data:`LANGUAGES`.
    """

    def __init__(self, lang: str = "en") -> None:
        self.lang: Language = check_language(lang)
        self._texts = catalog(self.lang)
        self._places: dict[str, Mapping[str, str]] = {}
        self._terms: dict[str, str] = {}

    def with_places(
        self, *, districts: Mapping[str, str], regions: Mapping[str, str]
    ) -> Translator:
        """Return this language, naming districts and regions as the dataset does in it.

        Parameters
        ----------
        districts
            A district's name in this language, by its id.
        regions
            A region's name in this language, by the data's name.

        Returns
        -------
        Translator
            A translator that shows each :class:`Place` of a message in this
            language (the data's name where it has none).
        """
        told = Translator(self.lang)
        told._places = {"district": dict(districts), "region": dict(regions)}
        told._terms = dict(self._terms)
        return told

    def with_terms(self, terms: Mapping[str, str]) -> Translator:
        """Return this language, saying each of :data:`TERMS` as a dataset does.

        Parameters
        ----------
        terms
            A word of :data:`TERMS` to the dataset's word for it in this language
            (``{"region": "province"}``); the catalog's inflections follow the
            word (``regions`` becomes ``provinces``), and a field or
            an option name (``{regions}``, ``targets.one_per_region``) is left as
            it is.

        Returns
        -------
        Translator
            A translator whose texts use the dataset's words.

        Raises
        ------
        ValueError
            When a word is not one of :data:`TERMS` or its replacement is empty.
        """
        problem = terms_problem(terms)
        if problem:
            raise ValueError(f"terms {problem}")
        told = Translator(self.lang)
        told._places = dict(self._places)
        told._terms = {**self._terms, **terms}
        return told

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    def text(self, key: str) -> Any:
        """Return the raw catalog entry of ``key`` (a string, or a list such as month names)."""
        try:
            entry = self._texts[key]
        except KeyError:
            raise MissingTextError(
                f"no text for {key!r} in the {self.lang!r} catalog (planner/_locales/"
                f"{self.lang}.toml); every catalog must have every key"
            ) from None
        return self._said(entry) if isinstance(entry, str) and self._terms else entry

    def _said(self, text: str) -> str:
        """``text`` with each of the dataset's terms in its words (inflections kept)."""
        for word, said in self._terms.items():
            capital = self.sentence(said)
            text = _term_pattern(word).sub(
                lambda m: capital if m.group(0)[0].isupper() else said,  # noqa: B023 - used at once
                text,
            )
        return text

    def __call__(self, key: str, /, **values: object) -> str:
        """Return the text of ``key`` with its fields filled by ``values`` (plain text).

        Strings are inserted as they are; integers get the language's digit
        grouping, other numbers its decimal sign, lists are joined with commas.
        A field written ``{count:one|other}`` shows the word for its count.
        """
        template = str(self.text(key))
        try:
            return _COUNTED.vformat(template, (), {k: self._value(v) for k, v in values.items()})
        except KeyError as exc:
            raise MissingTextError(
                f"the {self.lang!r} text of {key!r} has a field {exc.args[0]!r} the caller "
                f"does not give (given: {sorted(values)})"
            ) from None

    def word(self, key: str, name: str) -> str:
        """Return the text of ``key``, or ``name`` where the catalog has none.

        For names a dataset may add to: a travel mode is ``car`` or ``bus`` in
        the catalogs (``report.mode.car``), but a dataset may define its own
        (``walk``), which is then shown as the dataset names it.

        Parameters
        ----------
        key
            The catalog key (``"report.mode.walk"``).
        name
            What to show without it (``"walk"``).

        Returns
        -------
        str
            The catalog's text, else ``name``.
        """
        return self(key) if key in self._texts else name

    def _value(self, value: object) -> object:
        if isinstance(value, Note):
            return self.message(value)
        if isinstance(value, Place):
            name = self._places.get(value.kind, {}).get(value.ident)
            return str(value) if name is None else _place_label(value.kind, value.ident, name)
        if isinstance(value, Share):
            return self.percent(float(value), value.digits)
        if isinstance(value, Fixed):
            return self.number(float(value), value.digits)
        if isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return self.number(value)
        if isinstance(value, float):
            return self.plain(value)
        if isinstance(value, list | tuple):
            return ", ".join(str(self._value(v)) for v in value)
        return value

    def message(self, text: str) -> str:
        """Return a planner message in this language (a :class:`Note`; other text as it is)."""
        if isinstance(text, Note):
            return self(text.key, **text.values)
        return str(text)

    def sentence(self, text: str) -> str:
        """Begin ``text`` with a capital letter, as this language writes it (``i`` -> ``İ`` in az).

        Planner messages are written to follow a bullet or a colon; a report
        that shows them as sentences passes them through here.
        """
        if not text:
            return text
        first = text[0]
        if self.lang == "az" and first == "i":
            return "İ" + text[1:]
        return first.upper() + text[1:]

    def html(self, key: str, /, **values: object) -> Markup:
        """Return the text of ``key`` as trusted HTML, each value escaped as it is inserted."""
        return markup_fields(str(self.text(key)), formatter=_COUNTED, **values)

    def number(self, value: float | None, digits: int = 0) -> str:
        """Format a number with the language's group and decimal separators (``-`` if none)."""
        if value is None or value != value:
            return "-"
        whole, _, frac = f"{abs(value):.{digits}f}".partition(".")
        whole = _GROUP.sub(self._texts["format.group"], whole)
        sign = "-" if round(value, digits) < 0 else ""
        return sign + whole + (self._texts["format.decimal"] + frac if frac else "")

    def plain(self, value: float | None, digits: int = 0) -> str:
        """Format a number without grouping (a year, a size such as 40), decimal per language."""
        if value is None or value != value:
            return "-"
        text = f"{value:.{digits}f}" if digits else f"{value:.10g}"
        return text.replace(".", self._texts["format.decimal"])

    def percent(self, share: float | None, digits: int = 1) -> str:
        """Format a share (0.502) as a percentage (``50.2%``, ``50,2%``)."""
        if share is None or share != share:
            return "-"
        return str(self._texts["format.percent"]).format(value=self.number(share * 100, digits))

    def yes_no(self, value: object) -> str:
        """Return the language's yes or no."""
        return self("word.yes") if value else self("word.no")

    def date(self, day: date) -> str:
        """Write a date in full (``28 November 2026``, ``28 noyabr 2026``)."""
        months = self.text("format.months")
        return f"{day.day} {months[day.month - 1]} {day.year}"

    def join(self, items: list[str]) -> str:
        """Join words as a list in prose (``a, b and c``)."""
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + self("word.and") + items[-1]
