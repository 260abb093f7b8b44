"""Data stage: dataset folders loaded into one typed :class:`Dataset`.

A dataset is a folder of plain files (GeoJSON and CSV, see ``data/README.md``)
loaded into one typed :class:`Dataset`. :func:`load_default` gives the embedded
dataset (see ``data/README.md``); :func:`load_dataset` any folder of the same layout;
:func:`candidate_sites` the candidate sites a scenario allows. The readers of a
user's own inputs are in :mod:`planner.readers` (and re-exported here).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from planner._dataset_checks import (
    DISTRICT_COLUMNS,
    MAX_OUTSIDE_M,
    MAX_SHELTER_PLACES,
    SHELTER_COLUMNS,
    SITE_SIZE_COLUMNS,
    boolean_column,
    check_columns,
    distinct_from_shelters,
    district_polygons,
    known_ids,
    name_columns,
    named_rows,
    nearest_districts,
    number_column,
    own_site_sizes,
    populations_agree,
    unique_ids,
    within_districts,
)
from planner._errors import InputDataError, MissingInputError, OptionError
from planner._i18n import Translator, noun, terms_problem
from planner.demand import distribute, largest_remainder
from planner.hospital_types import HOSPITAL_TYPES, UNCLASSIFIED
from planner.network import DEFAULT_MODES, CompiledNetwork, TravelMode, load_graph
from planner.readers import (
    MAX_POPULATION,
    _require_file,
    read_boundaries,
    read_points,
    read_population_table,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "DISTRICT_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "SHELTER_COLUMNS",
    "Dataset",
    "PlaceNames",
    "candidate_sites",
    "default_data_dir",
    "load_dataset",
    "load_default",
    "read_boundaries",
    "read_points",
    "read_population_table",
]

FrameT = TypeVar("FrameT", bound=pd.DataFrame)

SETTLEMENT_COLUMNS = ["settlement_id", "name", "place", "district_id", "weight", "population"]
CANDIDATE_COLUMNS = ["candidate_id", "settlement_id", "name", "district_id", "reason"]
HOSPITAL_COLUMNS = ["hospital_id", "name", "subclass", "district_id"]
#: Columns of ``Dataset.hospitals``: the file's, and ``hospital_type`` (optional in the file).
_HOSPITAL_FRAME = [*HOSPITAL_COLUMNS, "hospital_type"]

_ENV_DATA = "SHELTER_PLANNER_DATA"


def default_data_dir() -> Path:
    """Return the folder of the embedded dataset.

    Looked for, in order: the ``SHELTER_PLANNER_DATA`` environment variable,
    the copy shipped inside the installed package, and ``data/<name>`` in a
    source checkout (the name is :data:`planner.datasets.EMBEDDED`).

    Returns
    -------
    Path
        The dataset folder.
    """
    from planner.datasets import EMBEDDED

    env = os.environ.get(_ENV_DATA)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / EMBEDDED, here.parent / "data" / EMBEDDED):
        if (candidate / "districts.geojson").is_file():
            return candidate
    raise MissingInputError(
        "the embedded dataset was not found (looked in the installed package and in "
        f"data/{EMBEDDED} of a source checkout); reinstall the package or set "
        f"{_ENV_DATA} to a dataset folder"
    )


@dataclass(frozen=True)
class PlaceNames:
    """The names of a dataset's districts and regions in one language.

    Attributes
    ----------
    districts
        ``district_id`` to the district's name in the language.
    regions
        A region as the data names it to its name in the language.
    shelters
        ``shelter_id`` to the existing shelter's name in the language.
    terms
        The dataset's words for words of the catalogs (:data:`planner._i18n.TERMS`),
        such as ``{"region": "province"}``.
    """

    districts: Mapping[str, str]
    regions: Mapping[str, str]
    shelters: Mapping[str, str] = field(default_factory=dict)
    terms: Mapping[str, str] = field(default_factory=dict)

    def region(self, region: object) -> str:
        """Return a region's name in the language (the data's name if there is none).

        Parameters
        ----------
        region
            A region as the data names it.

        Returns
        -------
        str
            Its name in the language.
        """
        return self.regions.get(str(region), str(region))

    def told(self, tr: Translator) -> Translator:
        """Return ``tr`` naming the districts and regions its messages name with these names.

        Parameters
        ----------
        tr
            The output's language.

        Returns
        -------
        Translator
            The same language, each district and region of a message
            (:class:`planner._i18n.Place`) in its name here, and the dataset's
            words for the catalog's (``terms``).
        """
        return tr.with_places(districts=self.districts, regions=self.regions).with_terms(
            self.terms
        )

    def frame(self, frame: FrameT, *, district_names: bool) -> FrameT:
        """Return a copy with ``region`` (and, for district rows, ``name``) in the language.

        Rows of sites (``site_id``, ``name``) that are existing shelters get their
        name in the language too.

        Parameters
        ----------
        frame
            Rows with a ``region`` column and, with ``district_names``, the
            districts' ``district_id`` and ``name``.
        district_names
            Whether the rows are districts (their ``name`` is renamed too).

        Returns
        -------
        DataFrame or GeoDataFrame
            A renamed copy of ``frame``.
        """
        out = frame.copy()
        if "region" in out.columns:
            out["region"] = [self.region(r) for r in out["region"]]
        if self.shelters and {"site_id", "name"} <= set(out.columns):
            out["name"] = [
                self.shelters.get(str(i), n)
                for i, n in zip(out["site_id"], out["name"], strict=True)
            ]
        if district_names and {"district_id", "name"} <= set(out.columns):
            out["name"] = [
                self.districts.get(str(i), n)
                for i, n in zip(out["district_id"], out["name"], strict=True)
            ]
        return out


@dataclass(frozen=True)
class Dataset:
    """Everything the planner needs about one region.

    Attributes
    ----------
    name
        Short name of the dataset (its ``metadata.json`` ``name``, else the folder's).
    districts
        Polygons with ``district_id``, ``name``, ``region``, ``population``...
        (EPSG:4326).
    settlements
        Points where people live, each with ``district_id`` and ``population``;
        district populations are spread over them.
    shelters
        Existing shelters with ``capacity_places``: their beds (people
        sheltered at once; a plan counts them as family places of the
        scenario's ``family_place_size``). Their coordinates may be
        confidential: never publish them.
    candidates
        Candidate sites for new shelters.
    hospitals
        Hospitals and clinics (``hospital_id``, ``name``, ``subclass``,
        ``district_id``, ``hospital_type``: see :mod:`planner.hospital_types`;
        ``unclassified`` when the file has no type): the candidate sites of
        rape crisis centres and 24/7 forensic examination. Empty when the
        dataset has no ``hospitals.csv``.
    graph
        osmnx-style road graph with ``travel_time`` and ``length`` on edges.
    metadata
        Build information (sources, methods, counts). After
        :meth:`with_population`, ``population_table`` names the table whose
        figures replaced the dataset's ("" when unnamed).
    source
        Folder the dataset was read from, if any.
    shelters_generalised
        Whether ``shelters`` sit at their district's public point
        (:meth:`public`) rather than at their own coordinates.
    """

    name: str
    districts: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    shelters: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    graph: nx.MultiDiGraph
    hospitals: gpd.GeoDataFrame = field(default_factory=lambda: _empty_points(_HOSPITAL_FRAME))
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: Path | None = None
    shelters_generalised: bool = False

    @cached_property
    def network(self) -> CompiledNetwork:
        """The road graph compiled for shortest-path queries (built once)."""
        return CompiledNetwork.from_graph(self.graph)

    def district_names(self) -> dict[str, str]:
        """Return every name a district goes by (``name``, ``name_az``) mapped to its id.

        Returns
        -------
        dict[str, str]
            Each name (either language) to its district id.
        """
        out: dict[str, str] = {}
        for col in ("name", "name_az"):
            if col in self.districts:
                for name, did in zip(
                    self.districts[col], self.districts["district_id"], strict=True
                ):
                    if isinstance(name, str) and name:
                        out.setdefault(name, str(did))
        return out

    def district_points(self) -> gpd.GeoSeries:
        """Return each district's public point: its most populous settlement.

        Where an existing shelter is shown and measured from. It says no more
        than that a district has a shelter (the main town of a district is
        public), while travel to it stays close to what people in the district
        travel to reach services. A district without settlements gets its
        polygon's representative point.

        Returns
        -------
        geopandas.GeoSeries
            Indexed by ``district_id``.
        """
        s = self.settlements.sort_values(
            ["district_id", "population", "settlement_id"], ascending=[True, False, True]
        ).drop_duplicates("district_id")
        main = pd.Series(s.geometry.to_numpy(), index=s["district_id"].to_numpy())
        fallback = self.districts.set_index("district_id").geometry.representative_point()
        points = [main.get(d, fallback.loc[d]) for d in fallback.index]
        return gpd.GeoSeries(points, index=fallback.index, crs="EPSG:4326")

    def public(self) -> Dataset:
        """Return the dataset as every public output sees it: shelters at their district.

        Each existing shelter is moved to its district's public point
        (:meth:`district_points`), so that travel times and distances computed
        to it, and every figure derived from them, say where its district is
        and nothing more. The road network is shared, not recompiled.
        Idempotent.

        Returns
        -------
        Dataset
            A copy with every existing shelter at its district's public point.
        """
        if self.shelters_generalised:
            return self
        points = self.district_points()
        shelters = self.shelters.copy()
        shelters["geometry"] = points.loc[shelters["district_id"]].to_numpy()
        shelters = gpd.GeoDataFrame(shelters, geometry="geometry", crs="EPSG:4326")
        return self._sharing_network(replace(self, shelters=shelters, shelters_generalised=True))

    def _sharing_network(self, other: Dataset) -> Dataset:
        """Give ``other`` (same graph) this dataset's compiled network, if compiled."""
        if "network" in self.__dict__:  # a cached_property: stored in the instance dict
            other.__dict__["network"] = self.__dict__["network"]
        return other

    def _report_value(self, key: str, lang: str | None) -> object:
        """Return ``report.<key>``, in ``lang`` where ``report.translations.<lang>`` has it."""
        translations = self.report_texts.get("translations")
        if lang is not None and isinstance(translations, Mapping):
            own = translations.get(lang)
            if isinstance(own, Mapping) and key in own:
                return own[key]
        return self.report_texts.get(key)

    def report_text(self, key: str, *, lang: str | None = None) -> str | None:
        """Return a sentence the dataset's metadata gives reports (``report.<key>``), if any.

        Parameters
        ----------
        key
            E.g. ``"disconnected_note"``.
        lang
            A language code: the text of ``report.translations.<lang>`` when the
            metadata has one, else the dataset's own text.

        Returns
        -------
        str or None
            The sentence, or ``None`` when the metadata has none.
        """
        value = self._report_value(key, lang)
        return value if isinstance(value, str) else None

    def report_list(self, key: str, *, lang: str | None = None) -> list[str]:
        """Return a list the dataset's metadata gives reports (``sources``, ``limitations``).

        Parameters
        ----------
        key
            E.g. ``"limitations"``.
        lang
            As for :meth:`report_text`.

        Returns
        -------
        list[str]
            The items (empty when the metadata has none).
        """
        value = self._report_value(key, lang)
        return [str(v) for v in value] if isinstance(value, list) else []

    def place_names(self, lang: str | None) -> PlaceNames:
        """Return the names of the districts and regions in a language, for outputs.

        District names come from the ``name_<lang>`` column of the districts
        (``name_az``), region names from ``report.translations.<lang>.regions``
        of the metadata; a name without a translation stays as the data has it.

        Parameters
        ----------
        lang
            A language code, or None for the data's own names.

        Returns
        -------
        PlaceNames
            District and region names in ``lang``.
        """
        if lang is None:
            return PlaceNames({}, {})
        column = f"name_{lang}"
        districts = _names_in(self.districts, "district_id", column)
        translations = self.report_texts.get("translations")
        own = translations.get(lang) if isinstance(translations, Mapping) else None
        regions = own.get("regions") if isinstance(own, Mapping) else None
        if not isinstance(regions, Mapping):
            regions = {}
        shelters = _names_in(self.shelters, "shelter_id", column)
        terms = own.get("terms") if isinstance(own, Mapping) else None
        return PlaceNames(
            districts,
            {str(k): str(v) for k, v in regions.items()},
            shelters,
            dict(terms) if isinstance(terms, Mapping) else {},
        )

    @property
    def travel_modes(self) -> dict[str, TravelMode]:
        """The dataset's travel modes: ``travel_modes`` of its metadata over :data:`DEFAULT_MODES`.

        ``metadata.json`` may state, per mode name, ``time_factor`` and
        ``wait_min`` (see :class:`planner.network.TravelMode`), calibrated for
        the dataset's roads.
        """
        modes = dict(DEFAULT_MODES)
        block = self.metadata.get("travel_modes", {})
        if not isinstance(block, Mapping):
            raise InputDataError(
                f"metadata.json: travel_modes is {block!r}; expected an object of modes"
            )
        for name, spec in block.items():
            if not isinstance(spec, Mapping):
                raise InputDataError(f"metadata.json: travel_modes.{name} is not an object")
            try:
                modes[str(name)] = TravelMode(
                    str(name),
                    time_factor=float(spec.get("time_factor", 1.0)),
                    wait_min=float(spec.get("wait_min", 0.0)),
                )
            except (TypeError, ValueError) as exc:
                raise InputDataError(f"metadata.json: travel_modes.{name}: {exc}") from None
        return modes

    def travel_mode(self, name: str) -> TravelMode:
        """Return the travel mode called ``name`` (see :attr:`travel_modes`).

        Parameters
        ----------
        name
            A mode's name, e.g. ``"car"`` or ``"bus"``.

        Returns
        -------
        TravelMode
            The mode.

        Raises
        ------
        OptionError
            If the dataset has no mode of that name.
        """
        modes = self.travel_modes
        if name not in modes:
            raise OptionError(f"travel mode is {name!r}; this dataset has {sorted(modes)}")
        return modes[name]

    @property
    def report_texts(self) -> Mapping[str, object]:
        """The ``report`` block of ``metadata.json`` (empty when the dataset has none)."""
        block = self.metadata.get("report", {})
        return block if isinstance(block, Mapping) else {}

    def with_population(self, table: pd.DataFrame, *, source: str | None = None) -> Dataset:
        """Return a copy with district populations replaced.

        Parameters
        ----------
        table
            Columns ``district_id``, ``population`` and optionally
            ``population_source``, one row per district of the dataset (see
            :func:`read_population_table`).
        source
            The file the table was read from, named in errors with its rows
            (the table's index counts the file's data rows from 0).

        Returns
        -------
        Dataset
            Districts carry the new figures; each district's settlements share
            its new total in proportion to their weights. Its metadata's
            ``population_table`` names ``source``, so reports no longer quote
            the dataset's own words about its figures.
        """
        where = f"{source}: " if source else ""
        known = set(self.districts["district_id"])
        ids = table["district_id"]
        unknown = ~ids.isin(known)
        if unknown.any():
            rows = [
                f"{ids[i]!r} (row {int(i) + 2})" if source else repr(ids[i])
                for i in table.index[unknown.to_numpy()][:5]
            ]
            more = f" and {int(unknown.sum()) - 5} more" if unknown.sum() > 5 else ""
            raise InputDataError(
                f"{where}population table: district_id {', '.join(rows)}{more} "
                f"{'is' if unknown.sum() == 1 else 'are'} not among the dataset's "
                f"{len(known)} {noun(len(known), 'district')} (ids such as {sorted(known)[:3]})"
            )
        missing = sorted(known - set(ids))
        if missing:
            raise InputDataError(
                f"{where}population table lacks {len(missing)} "
                f"{noun(len(missing), 'district')} of the dataset: {missing}"
            )
        by_id = table.set_index("district_id")
        districts = self.districts.copy()
        districts["population"] = districts["district_id"].map(by_id["population"]).astype("int64")
        districts["population_source"] = districts["district_id"].map(
            by_id["population_source"]
            if "population_source" in by_id
            else pd.Series("user table", index=by_id.index)
        )
        settlements = self.settlements.copy()
        totals = dict(zip(districts["district_id"], districts["population"], strict=True))
        settlements["population"] = distribute(
            totals, settlements["district_id"], settlements["weight"].to_numpy(float)
        )
        # the dataset's own words about its figures (report.population_note) no longer apply
        metadata = {**self.metadata, "population_table": source or ""}
        return self._sharing_network(
            replace(self, districts=districts, settlements=settlements, metadata=metadata)
        )

    def with_resident_basis(self, resident_share: float) -> Dataset:
        """Return a copy where registered populations count where people live.

        Districts whose figures are registered populations (``population_basis``
        is ``registered`` in ``districts.geojson``: people displaced from them
        are still counted there) keep ``resident_share`` of their people; the
        rest are counted in the districts the dataset's metadata names under
        ``population.displaced_live_in``, in proportion to those districts'
        populations (or in every other district when it names none). The
        national total does not change.

        Parameters
        ----------
        resident_share
            Share of a registered population that lives in its district, 0..1.

        Returns
        -------
        Dataset
            A copy with the populations moved.

        Raises
        ------
        OptionError
            If the dataset marks no district as registered.
        """
        if not 0.0 <= resident_share <= 1.0:
            raise OptionError(f"resident_share is {resident_share!r}; expected a share 0..1")
        d = self.districts
        basis = d["population_basis"] if "population_basis" in d else pd.Series("", index=d.index)
        registered = basis.astype(str).eq("registered").to_numpy()
        if not registered.any():
            raise OptionError(
                "demand.population_basis is 'resident' but the dataset marks no district's "
                "population as registered (districts.geojson, column population_basis)"
            )
        pop = d["population"].to_numpy(np.int64)
        kept = np.floor(pop * resident_share + 0.5).astype(np.int64)
        moved = int((pop - kept)[registered].sum())
        block = self.metadata.get("population", {})
        named = set(block.get("displaced_live_in", [])) if isinstance(block, Mapping) else set()
        hosts = d["district_id"].isin(named).to_numpy() & ~registered
        if not hosts.any():
            hosts = ~registered
        new = np.where(registered, kept, pop)
        new[hosts] += largest_remainder(moved, pop[hosts].astype(float))
        table = pd.DataFrame(
            {
                "district_id": d["district_id"].to_numpy(),
                "population": new,
                "population_source": np.where(
                    registered,
                    f"{resident_share:.0%} of the registered population (resident basis)",
                    np.where(
                        hosts,
                        d["population_source"].astype(str)
                        + "; plus people displaced from registered districts (resident basis)",
                        d["population_source"].astype(str),
                    ),
                ),
            }
        )
        moved_here = self.with_population(table)  # the same figures, counted elsewhere
        return self._sharing_network(replace(moved_here, metadata=self.metadata))


# ----------------------------------------------------------------------------
# Dataset folders
# ----------------------------------------------------------------------------


def _empty_points(columns: Sequence[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries(), crs="EPSG:4326"
    )


def _names_in(frame: pd.DataFrame, id_column: str, column: str) -> dict[str, str]:
    """Each row's name in ``column`` (``name_az``) by its id, where it has one."""
    if column not in frame.columns:
        return {}
    return {
        str(i): name
        for i, name in zip(frame[id_column], frame[column], strict=True)
        if isinstance(name, str) and name.strip()
    }


def _read_layer(
    path: Path,
    columns: Sequence[str],
    id_column: str,
    districts: gpd.GeoDataFrame,
    *,
    may_be_empty: bool = True,
    max_outside_m: float = MAX_OUTSIDE_M,
) -> gpd.GeoDataFrame:
    """Read one point layer of a dataset folder and check it against the districts."""
    gdf = read_points(
        path, required=columns, text=[id_column, "district_id"], allow_no_rows=may_be_empty
    )
    unique_ids(gdf, id_column, path)
    within_districts(gdf, districts, path, id_column, max_outside_m=max_outside_m)
    # names in other languages (name_az) come along; nothing else the layer does not need
    return gdf[[*columns, *name_columns(list(gdf.columns)), "geometry"]]


def _read_hospitals(
    path: Path, districts: gpd.GeoDataFrame, *, max_outside_m: float
) -> gpd.GeoDataFrame:
    """Read ``hospitals.csv``; its optional ``hospital_type`` is one of :data:`HOSPITAL_TYPES`."""
    gdf = read_points(
        path, required=HOSPITAL_COLUMNS, text=["hospital_id", "district_id"], allow_no_rows=True
    )
    unique_ids(gdf, "hospital_id", path)
    within_districts(gdf, districts, path, "hospital_id", max_outside_m=max_outside_m)
    if "hospital_type" not in gdf.columns:
        gdf["hospital_type"] = UNCLASSIFIED
    gdf["hospital_type"] = gdf["hospital_type"].fillna("").astype(str).str.strip()
    bad = ~gdf["hospital_type"].isin([*HOSPITAL_TYPES, UNCLASSIFIED])
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(
            f"{path}, row {pos + 2} ({gdf['hospital_id'].iloc[pos]}): hospital_type is "
            f"{gdf['hospital_type'].iloc[pos]!r}; expected one of {sorted(HOSPITAL_TYPES)} "
            "(see planner.hospital_types), or no hospital_type column at all"
        )
    return gdf[[*_HOSPITAL_FRAME, "geometry"]]


def _read_districts(path: Path) -> gpd.GeoDataFrame:
    _require_file(path, "district file")
    try:
        districts = gpd.read_file(path)
    except Exception as exc:
        raise InputDataError(f"{path} is not a readable GeoJSON file: {exc}") from None
    if districts.empty:
        raise InputDataError(f"{path} has no districts; expected polygons")
    check_columns(districts, DISTRICT_COLUMNS, path)
    for col in ("district_id", "name", "region"):
        empty = districts[col].isna() | (districts[col].astype(str).str.strip() == "")
        if empty.any():
            pos = int(np.flatnonzero(empty.to_numpy())[0])
            raise InputDataError(f"{path}, feature {pos}: {col} is empty")
    districts["district_id"] = districts["district_id"].astype(str)
    districts = district_polygons(districts, path)
    districts["population"] = number_column(
        districts, "population", path, whole=True, maximum=MAX_POPULATION, row_offset=0
    ).astype("int64")
    return districts


def _read_metadata(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        metadata = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(metadata, dict):
        raise InputDataError(f"{path} holds a {type(metadata).__name__}; expected an object")
    return metadata


def _max_outside_m(metadata: dict[str, Any], path: Path) -> float:
    """How far outside its district polygon a point of this dataset may lie.

    A dataset with generalised polygons may state it (``max_outside_m`` in
    ``metadata.json``, at most 50 km); the default is :data:`MAX_OUTSIDE_M`.
    """
    value = metadata.get("max_outside_m", MAX_OUTSIDE_M)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 50_000:
        raise InputDataError(
            f"{path}: max_outside_m is {value!r}; expected metres, more than 0 and at most 50000"
        )
    return float(value)


def _check_terms(metadata: dict[str, Any], path: Path) -> None:
    """Check the dataset's words for the catalogs' (``report.translations.<lang>.terms``)."""
    report = metadata.get("report")
    translations = report.get("translations") if isinstance(report, Mapping) else None
    if not isinstance(translations, Mapping):
        return
    for lang, texts in translations.items():
        if isinstance(texts, Mapping) and "terms" in texts:
            problem = terms_problem(texts["terms"])
            if problem:
                raise InputDataError(f"{path}: report.translations.{lang}.terms {problem}")


def load_dataset(directory: str | Path) -> Dataset:
    """Load and check a dataset folder written by ``shelter-planner data build``.

    Every file is checked on load (see :mod:`planner._dataset_checks`): each
    problem is an :class:`~planner._errors.InputDataError` naming the file,
    row, column and value; certain repairs (reprojection, an invalid polygon)
    are made with a warning.

    Parameters
    ----------
    directory
        Folder with ``districts.geojson``, ``settlements.csv``,
        ``shelters.csv``, ``candidates.csv``, ``roads_nodes.csv.gz``,
        ``roads_edges.csv.gz`` and ``metadata.json``; optionally
        ``hospitals.csv`` (needed to plan rape crisis centres and forensic
        examination).

    Returns
    -------
    Dataset
        The checked dataset.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise MissingInputError(f"dataset folder {directory} does not exist")
    if not (directory / "districts.geojson").is_file():
        raise MissingInputError(
            f"{directory} is not a dataset folder: it has no districts.geojson; build one from "
            "raw files with `shelter-planner data build` (see data/README.md)"
        )
    districts = _read_districts(directory / "districts.geojson")
    metadata = _read_metadata(directory / "metadata.json")
    tolerance = _max_outside_m(metadata, directory / "metadata.json")
    _check_terms(metadata, directory / "metadata.json")
    path = directory / "settlements.csv"
    settlements = _read_layer(
        path,
        SETTLEMENT_COLUMNS,
        "settlement_id",
        districts,
        may_be_empty=False,
        max_outside_m=tolerance,
    )
    settlements["weight"] = number_column(settlements, "weight", path)
    settlements["population"] = number_column(
        settlements, "population", path, whole=True, maximum=MAX_POPULATION
    ).astype("int64")
    populations_agree(districts, settlements, path)
    path = directory / "shelters.csv"
    shelters = _read_layer(path, SHELTER_COLUMNS, "shelter_id", districts, max_outside_m=tolerance)
    shelters["capacity_places"] = number_column(
        shelters, "capacity_places", path, strict=True, maximum=MAX_SHELTER_PLACES
    )
    for col in ("inclusive", "location_approximate"):
        shelters[col] = boolean_column(shelters, col, path)
    path = directory / "candidates.csv"
    candidates = read_points(
        path,
        required=CANDIDATE_COLUMNS,
        text=["candidate_id", "settlement_id", "district_id"],
    )
    unique_ids(candidates, "candidate_id", path)
    distinct_from_shelters(candidates, shelters, path)
    known_ids(
        candidates, "settlement_id", settlements["settlement_id"], path, of="settlements.csv"
    )
    within_districts(candidates, districts, path, "candidate_id", max_outside_m=tolerance)
    own = own_site_sizes(candidates, path)
    candidates = candidates[[*CANDIDATE_COLUMNS, "geometry"]]
    if np.isfinite(own[0]).any():
        candidates = candidates.assign(capacity_places=own[0], cost=own[1])
    hospitals_path = directory / "hospitals.csv"
    hospitals = (
        _read_hospitals(hospitals_path, districts, max_outside_m=tolerance)
        if hospitals_path.is_file()
        else _empty_points(_HOSPITAL_FRAME)
    )
    graph = load_graph(directory)
    return Dataset(
        name=str(metadata.get("name", directory.name)),
        districts=districts,
        settlements=settlements,
        shelters=shelters,
        candidates=candidates,
        graph=graph,
        hospitals=hospitals,
        metadata=metadata,
        source=directory,
    )


def load_default() -> Dataset:
    """Load the embedded dataset (``data/README.md`` describes it).

    Returns
    -------
    Dataset
        Its districts, settlements, existing shelters (approximate,
        generalised locations), default candidate sites, hospitals and
        major-road graph.
    """
    return load_dataset(default_data_dir())


def _place_in_districts(points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.Series:
    """Return the district of each point: the one it lies in, else the nearest within 3 km."""
    out, _ = nearest_districts(points, districts)
    if out.isna().any():
        pos = int(np.flatnonzero(out.isna().to_numpy())[0])
        name = points["name"].iloc[pos] if "name" in points else pos
        raise InputDataError(f"row {pos + 2}: candidate {name!r} lies outside every district")
    return pd.Series(out.astype(str), index=points.index)


def candidate_sites(
    dataset: Dataset, *, file: Path | None = None, exclude_districts: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """Return the candidate sites for new shelters.

    Parameters
    ----------
    dataset
        The dataset (its candidates, and districts to place a file's points).
    file
        A points file (CSV lon/lat, GeoJSON, GeoPackage) with a ``name``
        column to use instead of the dataset's candidates; each point gets the
        district it lies in. Optional ``capacity_places`` (family places) and
        ``cost`` give a site its own size and opening cost (both or neither).
    exclude_districts
        District ids where no new site may go.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_id, name, district_id, capacity_places, cost`` (the last
        two ``nan`` where the scenario's size table applies) and point geometry.
    """
    if file is None:
        cand = dataset.candidates[["candidate_id", "name", "district_id", "geometry"]].copy()
        for col in SITE_SIZE_COLUMNS:
            cand[col] = (
                dataset.candidates[col].to_numpy(float)
                if col in dataset.candidates.columns
                else np.nan
            )
    else:
        pts = read_points(file, required=["name"], text=["candidate_id", "district_id", "name"])
        named_rows(pts, Path(file), what="site")
        given = pts.pop("district_id") if "district_id" in pts else None
        if given is not None:
            # a file may carry its own district ids: they must agree with the polygons
            pts["district_id"] = given.astype(str)
            within_districts(pts, dataset.districts, Path(file), "name")
        else:
            try:
                pts["district_id"] = _place_in_districts(pts, dataset.districts)
            except InputDataError as exc:
                raise InputDataError(f"{file}, {exc}") from None
        ids = (
            pts["candidate_id"].astype(str)
            if "candidate_id" in pts
            else pd.Series([f"C{i + 1:04d}" for i in range(len(pts))])
        )
        own_cap, own_cost = own_site_sizes(pts, Path(file))
        cand = gpd.GeoDataFrame(
            {
                "candidate_id": ids.to_numpy(),
                "name": pts["name"].astype(str).to_numpy(),
                "district_id": pts["district_id"].to_numpy(),
                "capacity_places": own_cap,
                "cost": own_cost,
            },
            geometry=pts.geometry.to_numpy(),
            crs="EPSG:4326",
        )
        unique_ids(cand, "candidate_id", Path(file))
        distinct_from_shelters(cand, dataset.shelters, Path(file))
    cand = cand.loc[~cand["district_id"].isin(list(exclude_districts))]
    if cand.empty:
        raise OptionError(
            "no candidate sites remain after candidates.exclude_districts; nothing can be built"
        )
    return gpd.GeoDataFrame(cand.reset_index(drop=True), crs="EPSG:4326")
