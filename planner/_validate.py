"""Validation helpers shared by the option types (one idiom, one error type).

Each helper names the option as a scenario file writes it (``where``), says
what was expected and raises :class:`~planner._errors.OptionError`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sized

import numpy as np
import numpy.typing as npt

from planner._errors import OptionError
from planner._i18n import counted, noun

__all__ = [
    "boolean",
    "float_list",
    "non_negative",
    "number",
    "same_length",
    "share",
    "unknown_keys",
]


def number(where: str, value: object, *, minimum: float = 0.0, strict: bool = False) -> float:
    """Return ``value`` as a float, checking it is a finite number at least ``minimum``.

    Parameters
    ----------
    where
        The option's name in messages, e.g. ``"targets.max_travel_min"``.
    value
        The value to check.
    minimum
        Smallest allowed value.
    strict
        Whether ``minimum`` itself is excluded.

    Returns
    -------
    float
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OptionError(f"{where} is {value!r}; expected a number")
    if value < minimum or (strict and value == minimum):
        relation = ">" if strict else ">="
        raise OptionError(f"{where} is {value!r}; expected a number {relation} {minimum:g}")
    return float(value)


def share(where: str, value: object) -> float:
    """Return ``value`` as a share in [0, 1].

    Parameters
    ----------
    where
        The option's name in messages.
    value
        The value to check.

    Returns
    -------
    float
    """
    checked = number(where, value)
    if checked > 1:
        raise OptionError(f"{where} is {checked!r}; expected a share in [0, 1]")
    return checked


def boolean(where: str, value: object) -> bool:
    """Return ``value`` if it is a boolean.

    Parameters
    ----------
    where
        The option's name in messages.
    value
        The value to check.

    Returns
    -------
    bool
    """
    if not isinstance(value, bool):
        raise OptionError(f"{where} is {value!r}; expected true or false")
    return value


def float_list(where: str, value: object) -> tuple[float, ...]:
    """Return a list of numbers as a tuple of floats.

    Parameters
    ----------
    where
        The option's name in messages.
    value
        The value to check.

    Returns
    -------
    tuple[float, ...]
    """
    if not isinstance(value, list | tuple):
        raise OptionError(f"{where} is {value!r}; expected a list of numbers")
    return tuple(number(f"{where}[{i}]", v) for i, v in enumerate(value))


def unknown_keys(given: Iterable[str], known: Iterable[str]) -> str | None:
    """Word the keys of ``given`` that are not ``known``, with the nearest known key of each.

    Parameters
    ----------
    given
        Keys a file holds.
    known
        Keys it may hold.

    Returns
    -------
    str or None
        E.g. ``"unknown key ['max_travel_mins'] (did you mean 'max_travel_min'?);
        known: [...]"``, or ``None`` when every key is known.
    """
    allowed = sorted(set(known))
    unknown = sorted(set(given) - set(allowed))
    if not unknown:
        return None
    near = {k: difflib.get_close_matches(k, allowed, n=1, cutoff=0.75) for k in unknown}
    guesses = [
        repr(m[0]) if len(unknown) == 1 else f"{m[0]!r} for {k!r}" for k, m in near.items() if m
    ]
    hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
    return f"unknown {noun(len(unknown), 'key')} {unknown}{hint}; known: {allowed}"


def same_length(name: str, values: Sized | None, expected: int, unit: str) -> None:
    """Refuse ``values`` (when given) unless they hold one value per ``unit``.

    Parameters
    ----------
    name
        The argument, for the message (``"demand"``).
    values
        The values, or ``None`` (nothing to check).
    expected
        How many there must be.
    unit
        What each stands for, singular (``"matrix row"``).

    Raises
    ------
    OptionError
        ``"demand has 2 values for 3 matrix rows"``.
    """
    if values is not None and len(values) != expected:
        raise OptionError(
            f"{name} has {counted(len(values), 'value')} for {counted(expected, unit)}"
        )


def non_negative(
    name: str, values: npt.ArrayLike, *, expected: str, allow_inf: bool = False
) -> None:
    """Refuse an array unless every entry is a number >= 0 (or ``inf``, when allowed).

    Parameters
    ----------
    name
        The argument, for the message (``"minutes"``).
    values
        The array (of any shape).
    expected
        What each entry is, for the message (``"family places >= 0"``).
    allow_inf
        Whether ``inf`` may stand (no road path).

    Raises
    ------
    OptionError
        Naming the first entry at fault: ``"minutes[0, 3] is nan; expected ..."``.
    """
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise OptionError(
            f"{name} holds values that are not numbers; expected {expected}"
        ) from exc
    ok = (a >= 0) & (np.isfinite(a) | (allow_inf & np.isposinf(a)))
    if not ok.all():
        at = np.unravel_index(int(np.flatnonzero(~ok.ravel())[0]), a.shape)
        where = ", ".join(str(int(k)) for k in at)
        raise OptionError(f"{name}[{where}] is {float(a[at])!r}; expected {expected}")
