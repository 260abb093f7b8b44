"""Numpydoc docstrings on the public API, checked the way numpydoc's validation does.

Every public function, method and class of a public module (its ``__all__``) has a
docstring whose ``Parameters`` section names the signature's parameters, in order, and
whose ``Returns`` (or ``Yields``) section describes what it returns. Types are not
repeated in the docstrings (the signatures hold them), so an entry is a name alone.
Click commands are left out: their docstrings are the ``--help`` text and their options
document themselves.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType

import click

import planner

#: Section titles numpydoc knows, in the order it expects them.
_SECTIONS = (
    "Parameters",
    "Attributes",
    "Returns",
    "Yields",
    "Receives",
    "Other Parameters",
    "Raises",
    "Warns",
    "Warnings",
    "See Also",
    "Notes",
    "References",
    "Examples",
    "Methods",
)


def _public_modules() -> Iterator[ModuleType]:
    """Yield every module of the package whose dotted path has no ``_``-prefixed part."""
    yield planner
    for info in pkgutil.walk_packages(planner.__path__, "planner."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        with warnings.catch_warnings():  # the deprecated shims say so on import
            warnings.simplefilter("ignore", DeprecationWarning)
            module = importlib.import_module(info.name)
        yield module


def _sections(doc: str) -> dict[str, list[str]]:
    """Split a cleaned docstring into its numpydoc sections (title -> lines)."""
    lines = doc.splitlines()
    out: dict[str, list[str]] = {"": []}
    current = ""
    i = 0
    while i < len(lines):
        title = lines[i].strip()
        under = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if title in _SECTIONS and under and set(under) == {"-"} and len(under) == len(title):
            current = title
            out[current] = []
            i += 2
            continue
        out[current].append(lines[i])
        i += 1
    return out


def _entries(lines: list[str]) -> list[tuple[list[str], bool]]:
    """The entries of a section: (names, has a description) for each unindented line."""
    entries: list[tuple[list[str], bool]] = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            head = line.split(" : ")[0].strip()
            entries.append(([n.strip() for n in head.split(",")], False))
        elif entries:
            entries[-1] = (entries[-1][0], True)
    return entries


def _returns_something(func: Callable[..., object]) -> bool:
    """Whether a function is annotated to return a value (not ``None`` or ``NoReturn``)."""
    back = inspect.signature(func).return_annotation
    if back is inspect.Signature.empty:
        return True  # unannotated: mypy --strict would refuse it anyway
    # with postponed annotations the return type is a string, which need not resolve here
    text = back if isinstance(back, str) else getattr(back, "__name__", repr(back))
    return text not in ("None", "NoneType", "NoReturn", "Never") and back is not None


def _parameter_names(func: Callable[..., object], *, skip_first: bool) -> list[str]:
    params = list(inspect.signature(func).parameters.values())
    if skip_first and params:
        params = params[1:]
    names = []
    for p in params:
        if p.name.startswith("_"):
            continue
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        names.append(prefix + p.name)
    return names


def _check_params(where: str, names: list[str], sections: dict[str, list[str]]) -> list[str]:
    documented = [n for entry, _ in _entries(sections.get("Parameters", [])) for n in entry] + [
        n for entry, _ in _entries(sections.get("Other Parameters", [])) for n in entry
    ]
    problems = []
    if names and "Parameters" not in sections:
        problems.append(f"{where}: no Parameters section for {names}")
    elif documented != names:
        missing = [n for n in names if n not in documented]
        unknown = [n for n in documented if n not in names]
        if missing:
            problems.append(f"{where}: parameters not documented: {missing}")
        if unknown:
            problems.append(f"{where}: unknown parameters documented: {unknown}")
        if not missing and not unknown:
            problems.append(f"{where}: parameters documented in another order: {documented}")
    for entry, described in _entries(sections.get("Parameters", [])):
        if not described:
            problems.append(f"{where}: parameter {entry} has no description")
    return problems


def _check_function(
    where: str, func: Callable[..., object], *, method: bool, property_: bool = False
) -> list[str]:
    doc = inspect.getdoc(func)
    if not doc:
        return [f"{where}: no docstring"]
    problems = []
    summary = doc.splitlines()[0].strip()
    if not summary.endswith("."):
        problems.append(f"{where}: the summary line does not end with a period")
    if property_:
        return problems  # a property's docstring describes the attribute
    sections = _sections(doc)
    problems += _check_params(where, _parameter_names(func, skip_first=method), sections)
    if _returns_something(func):
        found = sections.get("Returns", sections.get("Yields"))
        if found is None:
            problems.append(f"{where}: no Returns section")
        elif not all(described for _, described in _entries(found)) or not _entries(found):
            problems.append(f"{where}: a return value has no description")
    elif "Returns" in sections:
        problems.append(f"{where}: a Returns section, but it returns None")
    return problems


def _check_class(where: str, cls: type) -> list[str]:
    doc = inspect.getdoc(cls)
    if not doc or cls.__doc__ is None:
        return [f"{where}: no docstring"]
    problems: list[str] = []
    if issubclass(cls, BaseException) or _is_enum(cls) or getattr(cls, "_is_protocol", False):
        return problems
    sections = _sections(doc)
    init = cls.__init__ if "__init__" in vars(cls) or _has_generated_init(cls) else None
    if init is not None and _fields_of_its_base(cls):
        init = None  # its constructor is its base's, documented there
    if init is not None:
        names = _parameter_names(init, skip_first=True)
        if "Parameters" in sections or "Attributes" not in sections:
            problems += _check_params(where, names, sections)
        else:  # a record documented by its attributes
            attributes = [n for e, _ in _entries(sections["Attributes"]) for n in e]
            missing = [n for n in names if n not in attributes]
            if missing:
                problems.append(f"{where}: fields not documented: {missing}")
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        here = f"{where}.{name}"
        if isinstance(member, property):
            assert member.fget is not None
            problems += _check_function(here, member.fget, method=True, property_=True)
        elif isinstance(member, staticmethod):
            problems += _check_function(here, member.__func__, method=False)
        elif isinstance(member, classmethod):
            problems += _check_function(here, member.__func__, method=True)
        elif inspect.isfunction(member):
            problems += _check_function(here, member, method=True)
    return problems


def _is_enum(cls: type) -> bool:
    import enum

    return issubclass(cls, enum.Enum)


def _fields_of_its_base(cls: type) -> bool:
    """A dataclass that adds no field to its dataclass base (same constructor)."""
    fields = getattr(cls, "__dataclass_fields__", None)
    base = next((b for b in cls.__mro__[1:] if hasattr(b, "__dataclass_fields__")), None)
    return (
        fields is not None
        and base is not None
        and fields.keys() == vars(base)["__dataclass_fields__"].keys()
    )


def _has_generated_init(cls: type) -> bool:
    """A dataclass or named tuple: its constructor's parameters are its fields."""
    return hasattr(cls, "__dataclass_fields__") or hasattr(cls, "_fields")


def _public_objects() -> Iterator[tuple[str, object]]:
    for module in _public_modules():
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        for name in names:
            obj = getattr(module, name)
            if getattr(obj, "__module__", None) != module.__name__:
                continue  # re-exported: checked where it is defined
            yield f"{module.__name__}.{name}", obj


def _problems() -> list[str]:
    problems: list[str] = []
    for where, obj in _public_objects():
        if isinstance(obj, click.Command):
            continue
        if inspect.isclass(obj):
            problems += _check_class(where, obj)
        elif inspect.isfunction(obj):
            problems += _check_function(where, obj, method=False)
    return problems


def test_every_public_module_declares_its_api() -> None:
    undeclared = [
        m.__name__
        for m in _public_modules()
        if not hasattr(m, "__all__") and m.__name__ not in ("planner.__main__",)
    ]
    assert undeclared == []


def test_public_docstrings_follow_numpydoc() -> None:
    problems = _problems()
    assert problems == [], "\n".join(problems)


def test_the_checker_finds_what_it_should() -> None:
    """The checker itself, on functions written to break each rule."""

    def good(a: int, b: int = 1) -> int:
        """Add two numbers.

        Parameters
        ----------
        a, b
            The numbers.

        Returns
        -------
        int
            Their sum.
        """
        return a + b

    def undocumented(a: int, b: int) -> int:
        """Add two numbers.

        Parameters
        ----------
        b
            The second.
        """
        return a + b

    def silent(a: int) -> int:
        """Return the number."""
        return a

    assert _check_function("good", good, method=False) == []
    said = _check_function("undocumented", undocumented, method=False)
    assert said == [
        "undocumented: parameters not documented: ['a']",
        "undocumented: no Returns section",
    ]
    said = _check_function("silent", silent, method=False)
    assert said == ["silent: no Parameters section for ['a']", "silent: no Returns section"]

    def swapped(a: int, b: int) -> None:
        """Use two numbers.

        Parameters
        ----------
        b
            The second.
        a
        c
            Not a parameter.

        Returns
        -------
        None
            Nothing.
        """

    assert _check_function("swapped", swapped, method=False) == [
        "swapped: unknown parameters documented: ['c']",
        "swapped: parameter ['a'] has no description",
        "swapped: a Returns section, but it returns None",
    ]


def test_the_checker_reads_records_by_their_fields() -> None:
    from dataclasses import dataclass

    @dataclass
    class Record:
        """A record.

        Attributes
        ----------
        a
            Documented.
        """

        a: int
        b: int

    @dataclass
    class Same(Record):
        """The same record, documented where its fields are."""

    assert _check_class("Record", Record) == ["Record: fields not documented: ['b']"]
    assert _check_class("Same", Same) == []


def test_sections_are_split() -> None:
    sections = _sections("Summary.\n\nParameters\n----------\nx\n    An x.\n")
    assert sections["Parameters"] == ["x", "    An x."]
    assert re.match("Summary", sections[""][0])
