"""Scenarios: every planning parameter in one validated TOML file.

A scenario file has these tables; every key is optional and falls back to the
default shown (see ``scenarios/`` for examples)::

    name = "coe-minimum"
    description = "Council of Europe minimum standard"

    [demand]
    population = "default"        # or a CSV path (district_id,population), relative to the file
    places_per_10000 = 1.0        # family places required per 10,000 people (CoE: 1)
    family_place_size = 1.7       # beds per family place: a woman plus 0.7 children on average

    [access]
    thresholds_min = [30, 60, 120, 180]   # travel-time thresholds reported
    catchment_min = 120           # E2SFCA catchment
    decay = "step"                # E2SFCA distance decay: "step" or "gaussian"
    zone_weights = [1.0, 0.68, 0.22]      # step decay: weight of each equal zone of the catchment
    map_threshold_min = 120       # settlements beyond this are marked on the map

    [leg]
    speed_kph = 30                # off-network leg from a settlement to the road
    detour_factor = 1.3

    [candidates]
    exclude_districts = []        # district ids where no new site may go

Validation names the table, the key and the bad value.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from planner._errors import InputDataError, MissingInputError
from planner.network import OffNetworkLeg

__all__ = [
    "AccessOptions",
    "CandidateOptions",
    "DemandOptions",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_dict",
]


class ScenarioError(InputDataError):
    """A scenario file or value is not valid."""


def _number(where: str, value: object, *, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where} is {value!r}; expected a number")
    if value < minimum or (strict and value == minimum):
        relation = ">" if strict else ">="
        raise ScenarioError(f"{where} is {value!r}; expected a number {relation} {minimum:g}")
    return float(value)


@dataclass(frozen=True)
class DemandOptions:
    """How many places are needed.

    Parameters
    ----------
    population
        ``None`` for the dataset's populations, or a CSV path
        (``district_id,population``).
    places_per_10000
        Family places required per 10,000 people (Council of Europe: 1).
    family_place_size
        Beds per family place: one woman plus the average number of children.
        1.7 makes the national requirement about 1,730 beds, "about ten times"
        the 175 existing places, as the UPR submission states.
    """

    population: Path | None = None
    places_per_10000: float = 1.0
    family_place_size: float = 1.7

    def __post_init__(self) -> None:
        _number("demand.places_per_10000", self.places_per_10000, strict=True)
        _number("demand.family_place_size", self.family_place_size, minimum=1.0)


@dataclass(frozen=True)
class AccessOptions:
    """How travel and capacity-aware access are measured.

    Parameters
    ----------
    thresholds_min
        Travel-time thresholds (minutes) for the share-beyond columns.
    catchment_min
        E2SFCA catchment (minutes): shelters farther away do not count.
    decay
        ``"step"`` (zones of equal width with ``zone_weights``, Luo and Qi
        2009) or ``"gaussian"`` (Gaussian kernel reaching 0 at the catchment
        edge, Dai 2010).
    zone_weights
        Step decay weights, one per zone, non-increasing, in [0, 1].
    map_threshold_min
        Settlements beyond this travel time are marked on the map.
    """

    thresholds_min: tuple[float, ...] = (30.0, 60.0, 120.0, 180.0)
    catchment_min: float = 120.0
    decay: Literal["step", "gaussian"] = "step"
    zone_weights: tuple[float, ...] = (1.0, 0.68, 0.22)
    map_threshold_min: float = 120.0

    def __post_init__(self) -> None:
        if not self.thresholds_min:
            raise ScenarioError("access.thresholds_min is empty; expected a list of minutes")
        for i, t in enumerate(self.thresholds_min):
            _number(f"access.thresholds_min[{i}]", t, strict=True)
        _number("access.catchment_min", self.catchment_min, strict=True)
        _number("access.map_threshold_min", self.map_threshold_min, strict=True)
        if self.decay not in ("step", "gaussian"):
            raise ScenarioError(f"access.decay is {self.decay!r}; expected 'step' or 'gaussian'")
        if not self.zone_weights:
            raise ScenarioError("access.zone_weights is empty; expected a list of weights")
        for i, w in enumerate(self.zone_weights):
            _number(f"access.zone_weights[{i}]", w)
            if w > 1:
                raise ScenarioError(f"access.zone_weights[{i}] is {w!r}; expected a weight <= 1")
        if list(self.zone_weights) != sorted(self.zone_weights, reverse=True):
            raise ScenarioError(
                f"access.zone_weights {list(self.zone_weights)} must not increase with distance"
            )


@dataclass(frozen=True)
class CandidateOptions:
    """Where new sites may go.

    Parameters
    ----------
    exclude_districts
        District ids in which no new site may be proposed.
    """

    exclude_districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated planning scenario.

    Build one with :func:`load_scenario` or directly; every field has the
    default of the Council of Europe minimum standard.
    """

    name: str = "default"
    description: str = ""
    demand: DemandOptions = field(default_factory=DemandOptions)
    access: AccessOptions = field(default_factory=AccessOptions)
    leg: OffNetworkLeg = field(default_factory=OffNetworkLeg)
    candidates: CandidateOptions = field(default_factory=CandidateOptions)
    source: Path | None = None

    def check_districts(self, district_ids: Sequence[str]) -> None:
        """Raise if the scenario names a district id not in ``district_ids``."""
        known = set(district_ids)
        for i, d in enumerate(self.candidates.exclude_districts):
            if d not in known:
                raise ScenarioError(
                    f"candidates.exclude_districts[{i}] is {d!r}, not a district id of the "
                    f"dataset (e.g. {sorted(known)[:3]})"
                )


_TABLES: dict[str, set[str]] = {
    "demand": {"population", "places_per_10000", "family_place_size"},
    "access": {"thresholds_min", "catchment_min", "decay", "zone_weights", "map_threshold_min"},
    "leg": {"speed_kph", "detour_factor"},
    "candidates": {"exclude_districts"},
}
_TOP = {"name", "description", *_TABLES}


def _table(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ScenarioError(f"[{name}] must be a table, not {value!r}")
    unknown = sorted(set(value) - _TABLES[name])
    if unknown:
        raise ScenarioError(
            f"[{name}] has unknown key(s) {unknown}; known: {sorted(_TABLES[name])}"
        )
    return dict(value)


def _float_list(where: str, value: object) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where} is {value!r}; expected a list of numbers")
    return tuple(_number(f"{where}[{i}]", v) for i, v in enumerate(value))


def scenario_from_dict(data: Mapping[str, Any], *, base_dir: Path | None = None) -> Scenario:
    """Validate a parsed scenario mapping.

    Parameters
    ----------
    data
        Parsed TOML.
    base_dir
        Folder relative paths are resolved against.

    Returns
    -------
    Scenario
    """
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise ScenarioError(f"unknown top-level key(s) {unknown}; known: {sorted(_TOP)}")
    demand = _table(data, "demand")
    access = _table(data, "access")
    leg = _table(data, "leg")
    cand = _table(data, "candidates")
    pop = demand.pop("population", "default")
    if not isinstance(pop, str):
        raise ScenarioError(f"demand.population is {pop!r}; expected 'default' or a CSV path")
    pop_path = None if pop == "default" else (base_dir or Path.cwd()) / pop
    demand_opts = DemandOptions(
        population=pop_path,
        **{k: _number(f"demand.{k}", v) for k, v in demand.items()},
    )
    acc: dict[str, Any] = {}
    for key, value in access.items():
        if key in ("thresholds_min", "zone_weights"):
            acc[key] = _float_list(f"access.{key}", value)
        elif key == "decay":
            acc[key] = value
        else:
            acc[key] = _number(f"access.{key}", value)
    try:
        leg_opts = OffNetworkLeg(**{k: _number(f"leg.{k}", v) for k, v in leg.items()})
    except ValueError as exc:
        raise ScenarioError(f"[leg]: {exc}") from None
    excl = cand.get("exclude_districts", [])
    if not isinstance(excl, list) or not all(isinstance(d, str) for d in excl):
        raise ScenarioError(
            f"candidates.exclude_districts is {excl!r}; expected a list of district ids"
        )
    name = data.get("name", "default")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"name is {name!r}; expected a non-empty string")
    return Scenario(
        name=name,
        description=str(data.get("description", "")),
        demand=demand_opts,
        access=AccessOptions(**acc),
        leg=leg_opts,
        candidates=CandidateOptions(exclude_districts=tuple(excl)),
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path
        TOML file; relative paths inside it are resolved against its folder.

    Returns
    -------
    Scenario
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"scenario file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path} is not valid TOML: {exc}") from None
    try:
        scenario = scenario_from_dict(data, base_dir=path.parent)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return replace(scenario, source=path)
