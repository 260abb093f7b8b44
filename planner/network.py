"""Road network stage: the graph, its edge speeds, and the travel-time engine.

The graph is an osmnx-style :class:`networkx.MultiDiGraph` (nodes with ``x``/``y``
in EPSG:4326, edges with ``length`` in metres, ``speed_kph`` and ``travel_time``
in seconds). Shortest paths are never computed pair by pair in Python: the graph
is compiled once into a sparse CSR matrix (:class:`CompiledNetwork`) and every
query is a many-source Dijkstra run by :mod:`scipy.sparse.csgraph`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast
from xml.etree import ElementTree

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from shapely.geometry import MultiPolygon, Polygon

from planner._errors import (
    InputDataError,
    MissingDependencyError,
    MissingInputError,
    NetworkError,
)
from planner._i18n import Fixed, Note, noun
from planner._io import write_csv_atomic

__all__ = [
    "DEFAULT_MODES",
    "DEFAULT_SPEEDS_KPH",
    "FALLBACK_SPEED_KPH",
    "CompiledNetwork",
    "NearestResult",
    "OffNetworkLeg",
    "TravelMode",
    "Weight",
    "add_road_lines",
    "apply_speeds",
    "apply_winding",
    "clip_osm_xml",
    "graph_from_osm_pbf",
    "graph_from_osm_xml",
    "graph_from_polygon",
    "load_graph",
    "nearest_facility",
    "read_speed_table",
    "save_graph",
    "snap_points",
    "travel_matrix",
    "winding_multipliers",
]

log = logging.getLogger(__name__)

Weight = Literal["travel_time", "length", "route_length"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EARTH_RADIUS_M = 6_371_008.8

#: Default free-flow speed (km/h) by OSM ``highway`` class. These are planning
#: speeds for a car or minibus, below typical legal limits (90-110 km/h on
#: motorways and trunk roads, 90 km/h outside settlements) to
#: allow for settlements, mountain sections and road condition. Override them
#: with :func:`apply_speeds` or ``shelter-planner data build --speeds FILE``.
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 65.0,
    "primary_link": 45.0,
    "secondary": 55.0,
    "secondary_link": 40.0,
    "tertiary": 45.0,
    "tertiary_link": 35.0,
    "unclassified": 35.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 35.0,
}

#: Speed (km/h) for a road class missing from the speed table.
FALLBACK_SPEED_KPH = 35.0

#: An added road line's end this close (metres) to a road node is joined at that node itself.
SAME_NODE_M = 1.0

# Dijkstra treats a stored zero as an edge, but a strictly positive floor keeps
# zero-length artefacts of the OSM conversion from collapsing distinct nodes.
_MIN_EDGE_WEIGHT = 1e-6
# Many-source Dijkstra returns a dense (sources x nodes) array; run it in blocks
# of this many sources to bound memory on large graphs.
_SOURCE_BLOCK = 512


# ----------------------------------------------------------------------------
# Building and storing graphs
# ----------------------------------------------------------------------------


#: OSM ``highway`` classes a speed table may set (the drivable ones).
KNOWN_HIGHWAYS = frozenset(
    {*DEFAULT_SPEEDS_KPH, "busway", "track", "road", "motorway_junction", "rest_area"}
)


def read_speed_table(path: str | Path) -> dict[str, float]:
    """Read a road-class speed table from a CSV file.

    Parameters
    ----------
    path
        CSV with columns ``highway`` (an OSM highway class) and ``speed_kph``
        (a positive number).

    Returns
    -------
    dict[str, float]
        Speed in km/h by road class.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"speed table {path} does not exist")
    from planner.readers import read_csv_text

    table = read_csv_text(path, "speed table", dtype=str)
    missing = {"highway", "speed_kph"} - set(table.columns)
    if missing:
        raise InputDataError(
            f"speed table {path} lacks {noun(len(missing), 'column')} {sorted(missing)}; "
            f"it has {list(table.columns)}, expected 'highway' and 'speed_kph'"
        )
    speeds: dict[str, float] = {}
    for row, (hwy, raw) in enumerate(zip(table["highway"], table["speed_kph"], strict=True), 2):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise InputDataError(
                f"speed table {path}, row {row} ({hwy!r}): speed_kph {raw!r} "
                "is not a positive number"
            )
        name = str(hwy).strip()
        if name not in KNOWN_HIGHWAYS:
            raise InputDataError(
                f"speed table {path}, row {row}: highway {hwy!r} is not an OSM road class "
                f"the planner knows; expected one of {sorted(KNOWN_HIGHWAYS)}"
            )
        speeds[name] = value
    return speeds


def _edge_speed(highway: object, speeds: Mapping[str, float], fallback: float) -> float:
    # osmnx keeps a list of classes on edges merged by simplification: average
    # their speeds, as osmnx.routing.add_edge_speeds does.
    classes = highway if isinstance(highway, list) else [highway]
    values = [speeds.get(str(c), fallback) for c in classes]
    return float(sum(values) / len(values))


def apply_speeds(
    graph: nx.MultiDiGraph,
    *,
    speeds: Mapping[str, float] | None = None,
    fallback: float = FALLBACK_SPEED_KPH,
) -> nx.MultiDiGraph:
    """Set ``speed_kph`` and ``travel_time`` on every edge, in place.

    Parameters
    ----------
    graph
        Graph whose edges carry ``length`` (m) and ``highway``.
    speeds
        Speed in km/h by OSM highway class; entries update
        :data:`DEFAULT_SPEEDS_KPH`, so a partial table is enough.
    fallback
        Speed for classes found in neither table.

    Returns
    -------
    networkx.MultiDiGraph
        The same graph, for chaining.
    """
    table = dict(DEFAULT_SPEEDS_KPH)
    if speeds:
        for hwy, value in speeds.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise InputDataError(f"speed for road class {hwy!r} is {value!r}; expected > 0")
            table[hwy] = float(value)
    if not (math.isfinite(fallback) and fallback > 0):
        raise InputDataError(f"fallback speed is {fallback!r}; expected a positive number")
    for u, v, k, data in graph.edges(keys=True, data=True):
        if "length" not in data:
            raise NetworkError(f"edge ({u}, {v}, {k}) has no 'length' attribute")
        speed = _edge_speed(data.get("highway"), table, fallback)
        data["speed_kph"] = speed
        data["travel_time"] = float(data["length"]) / (speed / 3.6)
    graph.graph["speeds_kph"] = table
    return graph


#: Length (m) of the stretch of road over which winding is measured.
WINDING_WINDOW_M = 1000.0
#: Largest sinuosity counted.
WINDING_CAP = 3.0
#: Winding never slows a road below this speed (km/h); a slower road class stays as it is.
WINDING_FLOOR_KPH = 20.0
# windows start every this many metres along an edge
_WINDING_STEP_M = 100.0
# an edge shorter than this is counted straight: its chord is mostly noise
_WINDING_MIN_M = 200.0


def _window_sinuosity(lon: FloatArray, lat: FloatArray, window_m: float, cap: float) -> FloatArray:
    """Sinuosity of every ``window_m`` stretch along one polyline (capped)."""
    lat0 = np.radians(float(lat.mean()))
    x = np.radians(lon) * np.cos(lat0) * EARTH_RADIUS_M
    y = np.radians(lat) * EARTH_RADIUS_M
    along = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    total = float(along[-1])
    if total < _WINDING_MIN_M:
        return np.ones(1)
    if total <= window_m:
        chord = float(np.hypot(x[-1] - x[0], y[-1] - y[0]))
        return np.array([min(total / max(chord, 1e-9), cap)])
    start = np.arange(0.0, total - window_m + 1e-9, _WINDING_STEP_M)
    dx = np.interp(start + window_m, along, x) - np.interp(start, along, x)
    dy = np.interp(start + window_m, along, y) - np.interp(start, along, y)
    return np.asarray(np.minimum(window_m / np.maximum(np.hypot(dx, dy), 1e-9), cap), float)


def winding_multipliers(
    graph: nx.MultiDiGraph,
    exponents: Sequence[float],
    *,
    window_m: float = WINDING_WINDOW_M,
    cap: float = WINDING_CAP,
    floor_kph: float = WINDING_FLOOR_KPH,
) -> tuple[list[tuple[Any, Any, int]], FloatArray]:
    """Travel-time multipliers for winding roads, one column per exponent.

    Every ``window_m`` stretch of an edge (starting every 100 m along its
    ``geometry``) has a sinuosity *s*: its length over the straight line
    between its ends, at most ``cap``. A stretch is driven at the edge's
    ``speed_kph`` divided by *s* ** exponent, but never below ``floor_kph``
    (nor above ``speed_kph``), so the edge's time multiplier is the mean over
    its stretches of min(*s* ** exponent, max(1, ``speed_kph`` /
    ``floor_kph``)). An edge shorter than the window takes its own length over
    its chord; one shorter than 200 m, or without a geometry (a straight
    segment), counts as straight.

    Parameters
    ----------
    graph
        Graph in EPSG:4326 with node ``x``/``y`` and, on curved edges, a
        shapely ``geometry`` (as osmnx's simplification leaves them).
    exponents
        How strongly winding slows traffic; 0 leaves times unchanged.
    window_m
        Length of the stretches, in metres.
    cap
        Largest sinuosity counted.
    floor_kph
        Slowest speed winding brings a road to, in km/h.

    Returns
    -------
    tuple
        The edges ``(u, v, key)`` in graph order and an array of shape
        ``(edges, len(exponents))`` of multipliers (each at least 1).
    """
    for name, value, low in (
        ("window_m", window_m, 0.0),
        ("cap", cap, 1.0),
        ("floor_kph", floor_kph, 0.0),
    ):
        if not (math.isfinite(value) and value > low):
            raise InputDataError(f"{name} is {value!r}; expected a number above {low:g}")
    powers = np.asarray(exponents, dtype=float)
    if powers.ndim != 1 or not np.isfinite(powers).all() or (powers < 0).any():
        raise InputDataError(f"exponents are {list(exponents)!r}; expected numbers >= 0")
    keys: list[tuple[Any, Any, int]] = []
    out = np.ones((graph.number_of_edges(), len(powers)))
    for pos, (u, v, k, data) in enumerate(graph.edges(keys=True, data=True)):
        keys.append((u, v, k))
        geom = data.get("geometry")
        if geom is None:
            continue
        xy = np.asarray(geom.coords, dtype=float)
        s = _window_sinuosity(xy[:, 0], xy[:, 1], window_m, cap)
        if s.max() > 1.0:
            most = max(1.0, float(data.get("speed_kph", floor_kph)) / floor_kph)
            out[pos] = np.minimum(s[:, None] ** powers[None, :], most).mean(axis=0)
    return keys, out


def apply_winding(
    graph: nx.MultiDiGraph,
    *,
    exponent: float,
    window_m: float = WINDING_WINDOW_M,
    cap: float = WINDING_CAP,
    floor_kph: float = WINDING_FLOOR_KPH,
) -> nx.MultiDiGraph:
    """Slow every edge where the road winds, in place.

    Multiplies ``travel_time`` by the edge's multiplier from
    :func:`winding_multipliers` and lowers ``speed_kph`` to match; records the
    rule in ``graph.graph["winding"]``. Apply it once, after
    :func:`apply_speeds`.

    Parameters
    ----------
    graph
        Graph with ``length``, ``speed_kph`` and ``travel_time`` on edges.
    exponent
        How strongly winding slows traffic (0: not at all; 1: a stretch twice
        as long as its straight line is driven at half the class speed).
    window_m
        Length of the stretches over which winding is measured, in metres.
    cap
        Largest sinuosity counted.
    floor_kph
        Slowest speed winding brings a road to, in km/h.

    Returns
    -------
    networkx.MultiDiGraph
        The same graph, for chaining.
    """
    if "winding" in graph.graph:
        raise NetworkError(
            f"winding is already applied to this graph ({graph.graph['winding']}); "
            "apply it once, after apply_speeds"
        )
    keys, multipliers = winding_multipliers(
        graph, [exponent], window_m=window_m, cap=cap, floor_kph=floor_kph
    )
    slowed = 0
    for (u, v, k), factor in zip(keys, multipliers[:, 0].tolist(), strict=True):
        if factor > 1.0:
            data = graph.edges[u, v, k]
            data["travel_time"] = float(data["travel_time"]) * factor
            data["speed_kph"] = float(data["speed_kph"]) / factor
            slowed += 1
    graph.graph["winding"] = {
        "exponent": float(exponent),
        "window_m": float(window_m),
        "cap": float(cap),
        "floor_kph": float(floor_kph),
        "edges_slowed": slowed,
    }
    return graph


def _prune_small_components(graph: nx.MultiDiGraph, min_nodes: int) -> nx.MultiDiGraph:
    keep: set[int] = set()
    for comp in nx.weakly_connected_components(graph):
        if len(comp) >= min_nodes:
            keep.update(comp)
    dropped = len(graph) - len(keep)
    if dropped:
        log.info("dropped %d nodes in road fragments of fewer than %d nodes", dropped, min_nodes)
    return cast(nx.MultiDiGraph, graph.subgraph(keep).copy())


def graph_from_osm_xml(
    path: str | Path,
    *,
    speeds: Mapping[str, float] | None = None,
    min_component_nodes: int = 20,
) -> nx.MultiDiGraph:
    """Read an OSM XML road file (``.osm`` or ``.osm.bz2``) into a routable graph.

    All road-connected parts are kept (an exclave is its own component),
    except fragments smaller than ``min_component_nodes``, which are
    conversion artefacts that would trap snapped points.

    Parameters
    ----------
    path
        OSM XML file, read with :func:`osmnx.graph_from_xml`.
    speeds
        Road-class speed overrides, see :func:`apply_speeds`.
    min_component_nodes
        Smallest weakly connected component kept.

    Returns
    -------
    networkx.MultiDiGraph
        Simplified graph with ``length``, ``speed_kph`` and ``travel_time``.
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError  # osmnx: no element in the file

    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"OSM XML road file {path} does not exist")
    try:
        graph = ox.graph_from_xml(path, retain_all=True)
    except InsufficientResponseError:
        raise InputDataError(
            f"{path} holds no OSM ways; expected an OSM XML extract of the area's roads"
        ) from None
    except (ElementTree.ParseError, OSError, EOFError) as exc:  # not XML, a bad .bz2
        raise InputDataError(
            f"{path} is not readable OSM XML ({exc}); expected an .osm or .osm.bz2 extract"
        ) from None
    found = len(graph)
    graph = _prune_small_components(graph, min_component_nodes)
    if not len(graph):
        raise InputDataError(
            f"{path}: its {found:,} road {noun(found, 'node')} form no connected network of "
            f"{min_component_nodes} nodes or more; expected the area's roads (is the extract "
            "cut too small, or of footpaths only?)"
        )
    graph.graph["crs"] = "EPSG:4326"
    return apply_speeds(graph, speeds=speeds)


def graph_from_osm_pbf(
    path: str | Path,
    *,
    speeds: Mapping[str, float] | None = None,
    min_component_nodes: int = 20,
) -> nx.MultiDiGraph:
    """Read an OSM PBF extract (``.osm.pbf``, e.g. from Geofabrik) into a routable graph.

    The extract's roads (ways with a ``highway`` tag) and their nodes are
    written to a temporary OSM XML file with pyosmium, then read as
    :func:`graph_from_osm_xml` reads it; everything else in the extract
    (buildings, land use, relations) is skipped. Needs the optional
    ``osmium`` package (``pip install "shelter-planner[pbf]"``).

    Parameters
    ----------
    path
        OSM PBF file.
    speeds, min_component_nodes
        As for :func:`graph_from_osm_xml`.

    Returns
    -------
    networkx.MultiDiGraph
        Simplified graph with ``length``, ``speed_kph`` and ``travel_time``.
    """
    import tempfile

    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"OSM PBF road file {path} does not exist")
    with tempfile.TemporaryDirectory(prefix="shelter-planner-pbf-") as tmp:
        xml = Path(tmp) / "roads.osm"
        _pbf_roads_to_xml(path, xml)
        return graph_from_osm_xml(xml, speeds=speeds, min_component_nodes=min_component_nodes)


def _pbf_roads_to_xml(source: Path, target: Path) -> None:
    """Write the roads of a PBF extract (highway ways and their nodes) as OSM XML."""
    try:
        import osmium
    except ImportError:  # an optional dependency
        raise MissingDependencyError(
            f"reading {source} (an OSM PBF extract) needs the optional package osmium: "
            'pip install "shelter-planner[pbf]" (or pip install osmium), or convert it to OSM '
            "XML first (osmium cat FILE.osm.pbf -o FILE.osm.bz2)"
        ) from None
    try:
        needed: set[int] = set()
        for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
            if isinstance(way, osmium.osm.Way) and "highway" in way.tags:
                needed.update(n.ref for n in way.nodes)
        with osmium.SimpleWriter(str(target)) as writer:
            for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY):
                if isinstance(obj, osmium.osm.Node) and obj.id in needed:
                    writer.add_node(obj)
                elif isinstance(obj, osmium.osm.Way) and "highway" in obj.tags:
                    writer.add_way(obj)
    except RuntimeError as exc:  # pyosmium's error for an unreadable file
        raise InputDataError(f"{source} is not a readable OSM PBF file: {exc}") from None
    if not needed:
        raise InputDataError(f"{source} has no roads (no way with a highway tag)")


def clip_osm_xml(
    source: str | Path, target: str | Path, *, bbox: tuple[float, float, float, float]
) -> Path:
    """Cut an OSM XML road extract to a bounding box.

    Keeps the nodes inside ``bbox`` and the ways whose nodes are all inside
    (a way crossing the edge is left out whole, so no road ends in mid-air).
    Reads and writes ``.osm`` or ``.osm.bz2`` (by the file names); the
    target is written atomically.

    Parameters
    ----------
    source
        OSM XML file.
    target
        File to write.
    bbox
        ``(west, south, east, north)`` in degrees.

    Returns
    -------
    Path
        The file written.
    """
    import bz2
    import os
    import xml.etree.ElementTree as ET

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise MissingInputError(f"OSM XML file {source} does not exist")
    west, south, east, north = bbox
    if not (west < east and south < north):
        raise InputDataError(f"bbox is {bbox!r}; expected (west, south, east, north)")

    def _open(path: Path, mode: str, *, compressed: bool) -> Any:
        return bz2.open(path, mode) if compressed else open(path, mode)

    keep: dict[str, ET.Element] = {}
    ways: list[ET.Element] = []
    with _open(source, "rb", compressed=source.suffix == ".bz2") as fh:
        for _, elem in ET.iterparse(fh, events=("end",)):
            if elem.tag == "node":
                lon, lat = float(elem.get("lon", "nan")), float(elem.get("lat", "nan"))
                if west <= lon <= east and south <= lat <= north:
                    keep[elem.get("id", "")] = elem
                else:
                    elem.clear()
            elif elem.tag == "way":
                refs = [nd.get("ref") for nd in elem.findall("nd")]
                if refs and all(r in keep for r in refs):
                    ways.append(elem)
                else:
                    elem.clear()
    used = {nd.get("ref") for w in ways for nd in w.findall("nd")}
    root = ET.Element("osm", version="0.6", generator="shelter-planner clip_osm_xml")
    root.extend(node for node_id, node in keep.items() if node_id in used)
    root.extend(ways)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with _open(partial, "wb", compressed=target.suffix == ".bz2") as out:
            ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _great_circle_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1))), dtype=float)


def add_road_lines(
    graph: nx.MultiDiGraph,
    lines: gpd.GeoDataFrame,
    *,
    speeds: Mapping[str, float] | None = None,
    connect_within_m: float = 500.0,
    source: str = "road lines",
) -> int:
    """Add road lines (roads built after the OSM extract, say) to a graph, in place.

    Each line becomes a chain of edges through its vertices, both ways unless
    its ``oneway`` is true, with ``length`` along the line and the class speed
    of its ``highway``. Each end of a line is joined to the nearest node of
    the graph (or of a line added before it) within ``connect_within_m`` by a
    straight connector of the same class (an end on a node, within
    :data:`SAME_NODE_M`, is that node); crossings with existing roads in
    between are not joined (split the line there to join them).

    Parameters
    ----------
    graph
        Road graph in EPSG:4326 with ``length`` and ``travel_time`` on edges.
    lines
        LineString or MultiLineString geometries with a ``highway`` column
        (OSM road class, e.g. ``trunk``) and optionally ``oneway``.
    speeds
        Road-class speeds, as for :func:`apply_speeds`.
    connect_within_m
        How far a line end may be from the graph to be joined to it.
    source
        Name of the file the lines came from, for error messages.

    Returns
    -------
    int
        Number of line ends left unjoined (farther than ``connect_within_m``).

    Raises
    ------
    InputDataError
        If a row has no ``highway`` class or is not a line.
    """
    if "highway" not in lines.columns:
        raise InputDataError(
            f"{source} lacks column 'highway' (an OSM road class such as 'trunk'); "
            f"it has {[c for c in lines.columns if c != 'geometry']}"
        )
    lines = lines.to_crs("EPSG:4326") if lines.crs is not None else lines
    table = {**DEFAULT_SPEEDS_KPH, **(speeds or {})}
    unjoined = 0
    for pos, row in enumerate(lines.itertuples(index=False)):
        geom = row.geometry
        highway = str(getattr(row, "highway", "") or "").strip()
        if not highway or geom is None or geom.geom_type not in ("LineString", "MultiLineString"):
            raise InputDataError(
                f"{source}, feature {pos}: expected a LineString with a 'highway' class, "
                f"got {getattr(geom, 'geom_type', None)} with highway {highway!r}"
            )
        oneway = str(getattr(row, "oneway", "") or "").strip().lower() in ("true", "1", "yes")
        attrs = {
            "highway": highway,
            "oneway": oneway,
            "speed_kph": _edge_speed(highway, table, FALLBACK_SPEED_KPH),
        }
        for part in getattr(geom, "geoms", [geom]):
            xy = np.asarray(part.coords, dtype=float)[:, :2]
            if len(xy) >= 2:
                unjoined += _add_chain(graph, xy, attrs, connect_within_m)
    return unjoined


def _add_chain(
    graph: nx.MultiDiGraph, xy: FloatArray, attrs: Mapping[str, Any], within_m: float
) -> int:
    """Add one line's vertices and edges, joining its ends; return the ends left unjoined.

    An end on a road node (within :data:`SAME_NODE_M`) is that node, with no
    connector; repeated vertices are dropped, so no edge has zero length.
    """
    keep = np.r_[True, _great_circle_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]) > 0]
    xy = xy[keep]
    if len(xy) < 2:
        return 0
    ends = [_nearest_node(graph, float(x), float(y), within_m) for x, y in (xy[0], xy[-1])]
    start = max((int(n) for n in graph.nodes), default=0) + 1
    ids = list(range(start, start + len(xy)))
    graph.add_nodes_from(
        (i, {"x": float(x), "y": float(y)}) for i, (x, y) in zip(ids, xy, strict=True)
    )
    seg = _great_circle_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
    chain = list(zip(ids[:-1], ids[1:], seg.tolist(), strict=True))
    for end, (node, pos) in enumerate(((ends[0], 0), (ends[1], -1))):
        if node is None:
            continue
        if node[1] < SAME_NODE_M:  # the line starts or ends on this road node
            graph.remove_node(ids[pos])
            chain = [
                (node[0] if u == ids[pos] else u, node[0] if v == ids[pos] else v, m)
                for u, v, m in chain
            ]
        elif end == 0:
            chain.append((node[0], ids[0], node[1]))
        else:
            chain.append((ids[-1], node[0], node[1]))
    speed = float(attrs["speed_kph"])
    for u, v, metres in chain:
        data = {**attrs, "length": float(metres), "travel_time": float(metres) / (speed / 3.6)}
        graph.add_edge(u, v, **data)
        if not attrs["oneway"]:
            graph.add_edge(v, u, **data)
    return sum(e is None for e in ends)


def _nearest_node(
    graph: nx.MultiDiGraph, x: float, y: float, within_m: float
) -> tuple[int, float] | None:
    """Nearest graph node to a point and the metres to it, or None beyond ``within_m``."""
    if len(graph) == 0:
        return None
    nodes = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
    lon = np.fromiter((graph.nodes[n]["x"] for n in nodes), float, count=len(nodes))
    lat = np.fromiter((graph.nodes[n]["y"] for n in nodes), float, count=len(nodes))
    d = _great_circle_m(np.full(len(nodes), x), np.full(len(nodes), y), lon, lat)
    i = int(np.argmin(d))
    return (int(nodes[i]), float(d[i])) if d[i] <= within_m else None


def graph_from_polygon(
    polygon: Polygon | MultiPolygon,
    *,
    network_type: str = "drive",
    speeds: Mapping[str, float] | None = None,
) -> nx.MultiDiGraph:  # pragma: no cover - needs internet
    """Download the road network inside a polygon from OpenStreetMap.

    Uses :func:`osmnx.graph_from_polygon`; osmnx's HTTP cache
    (``osmnx.settings.use_cache``, on by default) is the caller's setting and
    is left as it is, so with it on a second call works offline.

    Parameters
    ----------
    polygon
        A shapely (Multi)Polygon in EPSG:4326.
    network_type
        osmnx network type.
    speeds
        Road-class speed overrides, see :func:`apply_speeds`.

    Returns
    -------
    networkx.MultiDiGraph
        Graph with ``length``, ``speed_kph`` and ``travel_time``.
    """
    import osmnx as ox

    graph = ox.graph_from_polygon(polygon, network_type=network_type, retain_all=True)
    graph.graph["crs"] = "EPSG:4326"
    return apply_speeds(graph, speeds=speeds)


_NODES_FILE = "roads_nodes.csv.gz"
_EDGES_FILE = "roads_edges.csv.gz"
_EDGE_COLUMNS = ["u", "v", "key", "highway", "oneway", "length", "speed_kph", "travel_time"]


def _highway_text(value: object) -> str:
    if isinstance(value, list):
        return ";".join(sorted(str(v) for v in value))
    return "" if value is None else str(value)


def save_graph(graph: nx.MultiDiGraph, directory: str | Path) -> tuple[Path, Path]:
    """Store a road graph as two gzip CSV tables that load in well under a second.

    Parameters
    ----------
    graph
        Graph with ``x``/``y`` on nodes and ``length``, ``speed_kph``,
        ``travel_time`` on edges.
    directory
        Output folder; ``roads_nodes.csv.gz`` and ``roads_edges.csv.gz`` are
        written there atomically, sorted so the same graph gives the same bytes.

    Returns
    -------
    tuple[Path, Path]
        The node and edge files.
    """
    directory = Path(directory)
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
    xs = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), dtype=float, count=len(graph))
    ys = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), dtype=float, count=len(graph))
    nodes = pd.DataFrame({"osmid": node_ids, "x": xs.round(7), "y": ys.round(7)})
    nodes = nodes.sort_values("osmid", kind="stable")
    rows = [
        (
            u,
            v,
            k,
            _highway_text(d.get("highway")),
            bool(d.get("oneway", False)),
            round(float(d["length"]), 3),
            round(float(d.get("speed_kph", math.nan)), 3),
            round(float(d["travel_time"]), 3),
        )
        for u, v, k, d in graph.edges(keys=True, data=True)
    ]
    edges = pd.DataFrame(rows, columns=_EDGE_COLUMNS).sort_values(["u", "v", "key"])
    nodes_path, edges_path = directory / _NODES_FILE, directory / _EDGES_FILE
    write_csv_atomic(nodes_path, nodes)
    write_csv_atomic(edges_path, edges)
    return nodes_path, edges_path


def _checked_tables(nodes_path: Path, edges_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the stored graph's tables, refusing anything a route could be wrong with."""
    from planner._dataset_checks import check_columns, number_column, unique_ids
    from planner.readers import read_csv_text

    nodes = read_csv_text(nodes_path, "road graph file", dtype=str)
    check_columns(nodes, ["osmid", "x", "y"], nodes_path)
    edges = read_csv_text(edges_path, "road graph file", dtype=str)
    check_columns(edges, _EDGE_COLUMNS, edges_path)
    unique_ids(nodes, "osmid", nodes_path)
    for col in ("osmid",):
        nodes[col] = number_column(nodes, col, nodes_path, minimum=-(2.0**62), whole=True)
    nodes["x"] = number_column(nodes, "x", nodes_path, minimum=-180, maximum=180)
    nodes["y"] = number_column(nodes, "y", nodes_path, minimum=-90, maximum=90)
    for col in ("u", "v", "key"):
        edges[col] = number_column(edges, col, edges_path, minimum=-(2.0**62), whole=True)
    # a road of zero length or speed would make travel free; refuse it
    for col in ("length", "travel_time"):
        edges[col] = number_column(edges, col, edges_path, strict=True)
    # a graph saved without speeds (travel_time is what routes use) gets them derived
    unset = edges["speed_kph"].isna()
    edges.loc[unset, "speed_kph"] = (
        edges.loc[unset, "length"] / edges.loc[unset, "travel_time"] * 3.6
    ).astype(str)
    edges["speed_kph"] = number_column(edges, "speed_kph", edges_path, strict=True)
    known = set(nodes["osmid"].astype(np.int64))
    for end in ("u", "v"):
        missing = ~edges[end].astype(np.int64).isin(known)
        if missing.any():
            pos = int(np.flatnonzero(missing.to_numpy())[0])
            raise InputDataError(
                f"{edges_path}, row {pos + 2}: {end} {int(edges[end].iloc[pos])} is not a node "
                f"of {nodes_path.name}"
            )
    expected = edges["length"] / (edges["speed_kph"] / 3.6)
    off = (edges["travel_time"] - expected).abs() > 0.05 * expected + 1.0
    if off.any():
        pos = int(np.flatnonzero(off.to_numpy())[0])
        raise InputDataError(
            f"{edges_path}, row {pos + 2}: travel_time {edges['travel_time'].iloc[pos]:g} s "
            f"does not match length {edges['length'].iloc[pos]:g} m at speed_kph "
            f"{edges['speed_kph'].iloc[pos]:g} (expected about {expected.iloc[pos]:.1f} s)"
        )
    edges["highway"] = edges["highway"].fillna("")
    edges["oneway"] = edges["oneway"].astype(str).str.strip().str.lower().isin(["true", "1"])
    nodes["osmid"] = nodes["osmid"].astype(np.int64)
    for col in ("u", "v", "key"):
        edges[col] = edges[col].astype(np.int64)
    return nodes, edges


def load_graph(directory: str | Path) -> nx.MultiDiGraph:
    """Load a road graph stored by :func:`save_graph`.

    Parameters
    ----------
    directory
        Folder holding ``roads_nodes.csv.gz`` and ``roads_edges.csv.gz``.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx-style graph in EPSG:4326.
    """
    directory = Path(directory)
    nodes_path, edges_path = directory / _NODES_FILE, directory / _EDGES_FILE
    nodes, edges = _checked_tables(nodes_path, edges_path)
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    graph.add_nodes_from(
        (int(n), {"x": float(x), "y": float(y)})
        for n, x, y in zip(nodes["osmid"], nodes["x"], nodes["y"], strict=True)
    )
    graph.add_edges_from(
        (
            int(u),
            int(v),
            int(k),
            {
                "highway": hwy.split(";") if ";" in hwy else hwy,
                "oneway": bool(one),
                "length": float(length),
                "speed_kph": float(speed),
                "travel_time": float(tt),
            },
        )
        for u, v, k, hwy, one, length, speed, tt in edges[_EDGE_COLUMNS].itertuples(
            index=False, name=None
        )
    )
    return graph


# ----------------------------------------------------------------------------
# The travel-time engine
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OffNetworkLeg:
    """How a point off the road network reaches its nearest graph node.

    The leg's length is the great-circle distance to the snapped node times
    ``detour_factor`` (local roads are not straight); its time is that length at
    ``speed_kph`` (local and unpaved roads are slow).

    Parameters
    ----------
    speed_kph
        Travel speed on the leg.
    detour_factor
        Ratio of the road distance to the straight-line distance.
    """

    speed_kph: float = 30.0
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_kph) and self.speed_kph > 0):
            raise ValueError(f"speed_kph is {self.speed_kph!r}; expected a positive number")
        if not (math.isfinite(self.detour_factor) and self.detour_factor >= 1):
            raise ValueError(f"detour_factor is {self.detour_factor!r}; expected a number >= 1")

    def cost(self, straight_m: FloatArray, weight: Weight) -> FloatArray:
        """Return the leg's cost in the unit of ``weight`` (seconds or metres).

        Parameters
        ----------
        straight_m
            Great-circle metres to the snapped node.
        weight
            ``travel_time`` (seconds) or a length weight (metres).

        Returns
        -------
        numpy.ndarray
            The leg's cost of each point.
        """
        metres = straight_m * self.detour_factor
        if weight in ("length", "route_length"):
            return metres
        return metres / (self.speed_kph / 3.6)


@dataclass(frozen=True)
class TravelMode:
    """How one way of travelling turns road time into door-to-door time.

    A trip takes ``time_factor`` times the road network's travel time (the
    class speeds of the edges) plus ``wait_min`` once: a car is the road time
    itself (or a calibrated multiple of it), a bus or minibus is slower and
    adds waiting and stops. Both are affine, so the fastest route by road time
    is the fastest for every mode, and one routing serves all modes.

    Parameters
    ----------
    name
        The mode's name (``"car"``, ``"bus"``).
    time_factor
        Multiplier on the road travel time (0.5 to 5).
    wait_min
        Minutes added to every trip (0 to 240).
    """

    name: str = "car"
    time_factor: float = 1.0
    wait_min: float = 0.0

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a travel mode needs a name")
        if not (math.isfinite(self.time_factor) and 0.5 <= self.time_factor <= 5):
            raise ValueError(
                f"travel mode {self.name!r}: time_factor is {self.time_factor!r}; "
                "expected a number from 0.5 to 5"
            )
        if not (math.isfinite(self.wait_min) and 0 <= self.wait_min <= 240):
            raise ValueError(
                f"travel mode {self.name!r}: wait_min is {self.wait_min!r}; "
                "expected minutes from 0 to 240"
            )

    def seconds(self, road_seconds: npt.ArrayLike) -> FloatArray:
        """Return door-to-door seconds of trips whose road time is ``road_seconds``.

        Parameters
        ----------
        road_seconds
            Road travel times in seconds.

        Returns
        -------
        numpy.ndarray
            Door-to-door seconds.
        """
        road = np.asarray(road_seconds, dtype=float)
        return np.asarray(road * self.time_factor + self.wait_min * 60.0, dtype=float)

    def road_seconds(self, seconds: npt.ArrayLike) -> FloatArray:
        """Return the road time of trips that take ``seconds`` door to door (the inverse).

        Parameters
        ----------
        seconds
            Door-to-door travel times in seconds.

        Returns
        -------
        numpy.ndarray
            Road seconds.
        """
        trip = np.asarray(seconds, dtype=float)
        return np.asarray((trip - self.wait_min * 60.0) / self.time_factor, dtype=float)


#: Travel modes when a dataset states none (its ``metadata.json`` may, under
#: ``travel_modes``): a car at the road time; a bus or minibus 1.3 times
#: slower plus 20 minutes of waiting and stops (generic planning values).
DEFAULT_MODES: dict[str, TravelMode] = {
    "car": TravelMode("car"),
    "bus": TravelMode("bus", time_factor=1.3, wait_min=20.0),
}


def _mode(mode: TravelMode | str) -> TravelMode:
    if isinstance(mode, TravelMode):
        return mode
    try:
        return DEFAULT_MODES[mode]
    except KeyError:
        raise ValueError(f"mode is {mode!r}; expected one of {sorted(DEFAULT_MODES)}") from None


# Route length along the fastest route: a combined weight, road time in tenths of a
# second times _ROUTE_SCALE plus whole metres, all integers (exact in float64 up to 2**53),
# so Dijkstra minimises time first and the remainder is the route's length.
_ROUTE_SCALE = 10_000_000.0


@dataclass(frozen=True)
class _Endpoints:
    index: IntArray  # position of each endpoint's node in CompiledNetwork.node_ids
    straight_m: FloatArray  # great-circle metres from the point to its node


def _unit_vectors(lon: FloatArray, lat: FloatArray) -> FloatArray:
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _csr(n: int, rows: IntArray, cols: IntArray, weights: FloatArray) -> sp.csr_matrix:
    # Keep the smallest weight of parallel edges (a CSR built from COO would sum them).
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    w = np.maximum(weights[first], _MIN_EDGE_WEIGHT)
    return sp.csr_matrix((w, (rows[first], cols[first])), shape=(n, n))


@dataclass(frozen=True)
class CompiledNetwork:
    """A road graph compiled for fast shortest-path queries.

    Build it once with :meth:`from_graph` and pass it instead of the graph to
    :func:`travel_matrix` and :func:`nearest_facility` when making many queries.

    Attributes
    ----------
    node_ids
        Graph node id at each matrix position.
    lon, lat
        Node coordinates (EPSG:4326).
    matrices
        CSR adjacency matrix (row = from, column = to) per edge weight.
    snappable
        Nodes that points may be snapped to: those in a strongly connected
        component of at least ``min_snap_component`` nodes, so that a point is
        never attached to a one-way dead end it cannot leave.
    """

    node_ids: IntArray
    lon: FloatArray
    lat: FloatArray
    matrices: Mapping[str, sp.csr_matrix]
    snappable: npt.NDArray[np.bool_]
    _tree: cKDTree = field(repr=False)
    _tree_index: IntArray = field(repr=False)
    _position: Mapping[int, int] = field(repr=False)

    @classmethod
    def from_graph(
        cls,
        graph: nx.MultiDiGraph,
        *,
        weights: Sequence[str] = ("travel_time", "length"),
        min_snap_component: int = 50,
    ) -> CompiledNetwork:
        """Compile a graph.

        Parameters
        ----------
        graph
            osmnx-style graph in EPSG:4326.
        weights
            Edge attributes to build matrices for.
        min_snap_component
            Smallest strongly connected component whose nodes accept snapped
            points (smaller ones are used for routing but not for snapping).
            The largest component always accepts points.

        Returns
        -------
        CompiledNetwork
            The compiled network.
        """
        if len(graph) == 0:
            raise NetworkError("the road graph has no nodes")
        node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
        position = {int(n): i for i, n in enumerate(node_ids)}
        lon = np.fromiter((graph.nodes[n]["x"] for n in graph.nodes), float, count=len(graph))
        lat = np.fromiter((graph.nodes[n]["y"] for n in graph.nodes), float, count=len(graph))
        edges = list(graph.edges(data=True))
        m = len(edges)
        rows = np.fromiter((position[u] for u, _, _ in edges), np.int64, count=m)
        cols = np.fromiter((position[v] for _, v, _ in edges), np.int64, count=m)
        matrices: dict[str, sp.csr_matrix] = {}
        raw: dict[str, FloatArray] = {}
        for w in weights:
            try:
                vals = np.fromiter((d[w] for _, _, d in edges), float, count=m)
            except KeyError:
                raise NetworkError(
                    f"weight {w!r} is missing on some edges of the graph; "
                    "run planner.network.apply_speeds(graph) to add travel_time"
                ) from None
            if np.any(~np.isfinite(vals)) or np.any(vals < 0):
                raise NetworkError(f"edge weight {w!r} has negative or non-finite values")
            matrices[w] = _csr(len(node_ids), rows, cols, vals)
            raw[w] = vals
        if "travel_time" in raw and "length" in raw:
            combined = np.round(raw["travel_time"] * 10) * _ROUTE_SCALE + np.round(raw["length"])
            matrices["route_length"] = _csr(len(node_ids), rows, cols, combined)
        any_matrix = next(iter(matrices.values()))
        n_comp, labels = sp.csgraph.connected_components(
            any_matrix, directed=True, connection="strong"
        )
        sizes = np.bincount(labels, minlength=n_comp)
        ok = sizes >= min(min_snap_component, int(sizes.max()))
        snappable = ok[labels]
        tree_index = np.flatnonzero(snappable).astype(np.int64)
        tree = cKDTree(_unit_vectors(lon[tree_index], lat[tree_index]))
        return cls(node_ids, lon, lat, matrices, snappable, tree, tree_index, position)

    def matrix(self, weight: str) -> sp.csr_matrix:
        """Return the adjacency matrix for ``weight``.

        Parameters
        ----------
        weight
            An edge attribute compiled (``travel_time`` or ``length``).

        Returns
        -------
        scipy.sparse.csr_matrix
            Nodes by nodes; the least weight of parallel edges.
        """
        try:
            return self.matrices[weight]
        except KeyError:
            raise ValueError(
                f"weight {weight!r} is not compiled; available: {sorted(self.matrices)}"
            ) from None

    def snap(self, lon: FloatArray, lat: FloatArray) -> tuple[IntArray, FloatArray]:
        """Return the nearest snappable node position and the great-circle metres to it.

        Parameters
        ----------
        lon, lat
            Coordinates in degrees (EPSG:4326).

        Returns
        -------
        positions, metres
            Each point's node position and its distance to it.
        """
        chord, idx = self._tree.query(_unit_vectors(lon, lat))
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2, 0, 1))
        return self._tree_index[idx], metres.astype(float)

    def positions(self, node_ids: Sequence[int] | npt.ArrayLike) -> IntArray:
        """Map graph node ids to matrix positions, naming any unknown id.

        Parameters
        ----------
        node_ids
            Graph node ids.

        Returns
        -------
        numpy.ndarray
            Their matrix positions.
        """
        ids = list(np.atleast_1d(np.asarray(node_ids, dtype=object)))
        out = np.empty(len(ids), dtype=np.int64)
        for i, n in enumerate(ids):
            try:
                out[i] = self._position[int(n)]
            except (KeyError, TypeError, ValueError):
                raise NetworkError(f"node id {n} (item {i}) is not in the road graph") from None
        return out


NetworkLike: TypeAlias = nx.MultiDiGraph | CompiledNetwork
Endpoints: TypeAlias = gpd.GeoDataFrame | gpd.GeoSeries | Sequence[int] | npt.NDArray[np.int64]


def _compile(network: NetworkLike) -> CompiledNetwork:
    if isinstance(network, CompiledNetwork):
        return network
    if isinstance(network, nx.MultiDiGraph | nx.DiGraph):
        return CompiledNetwork.from_graph(network)
    raise TypeError(
        f"network must be a networkx.MultiDiGraph or CompiledNetwork, not {type(network).__name__}"
    )


def _points_lonlat(
    points: gpd.GeoDataFrame | gpd.GeoSeries, what: str
) -> tuple[FloatArray, FloatArray]:
    geoms = points.geometry
    if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
        geoms = geoms.to_crs("EPSG:4326")
    if len(geoms) and (geoms.is_empty.any() or geoms.isna().any()):
        bad = int(np.flatnonzero((geoms.is_empty | geoms.isna()).to_numpy())[0])
        raise InputDataError(f"{what}: row {bad} has an empty or missing geometry")
    if len(geoms) and not (geoms.geom_type == "Point").all():
        kinds = sorted(set(geoms.geom_type))
        raise InputDataError(f"{what}: expected Point geometries, got {kinds}")
    return geoms.x.to_numpy(float), geoms.y.to_numpy(float)


def snap_points(
    network: NetworkLike,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    warn_beyond_m: float = 10_000.0,
) -> pd.DataFrame:
    """Snap points to their nearest snappable road node.

    Parameters
    ----------
    network
        Graph or compiled network.
    points
        Point geometries (any CRS; reprojected to EPSG:4326).
    warn_beyond_m
        Emit a warning with the count of points farther than this from any node.

    Returns
    -------
    pandas.DataFrame
        ``node`` (graph node id) and ``snap_m`` (great-circle metres), indexed
        like ``points``.
    """
    net = _compile(network)
    lon, lat = _points_lonlat(points, "points")
    pos, metres = net.snap(lon, lat)
    far = int(np.count_nonzero(metres > warn_beyond_m))
    if far:
        warnings.warn(_far_points(far, metres, "points", warn_beyond_m), stacklevel=2)
    return pd.DataFrame({"node": net.node_ids[pos], "snap_m": metres}, index=points.index)


def _far_points(far: int, metres: FloatArray, what: str, warn_beyond_m: float) -> Note:
    """Say how many points lie far from the road network (a message told in any language)."""
    return Note(
        "warning.far_points",
        far=far,
        total=len(metres),
        what=Note(f"warning.what.{what}"),
        limit=Fixed(warn_beyond_m / 1000, 0 if warn_beyond_m % 1000 == 0 else 1),
        farthest=Fixed(float(metres.max()) / 1000, 1),
    )


def _endpoints(
    net: CompiledNetwork, ends: Endpoints, what: str, warn_beyond_m: float
) -> _Endpoints:
    if isinstance(ends, gpd.GeoDataFrame | gpd.GeoSeries):
        lon, lat = _points_lonlat(ends, what)
        pos, metres = net.snap(lon, lat)
        far = int(np.count_nonzero(metres > warn_beyond_m))
        if far:
            warnings.warn(_far_points(far, metres, what, warn_beyond_m), stacklevel=3)
        return _Endpoints(pos, metres)
    pos = net.positions(ends)
    return _Endpoints(pos, np.zeros(len(pos)))


def _many_source(matrix: sp.csr_matrix, sources: IntArray, targets: IntArray) -> FloatArray:
    out = np.empty((len(sources), len(targets)))
    for start in range(0, len(sources), _SOURCE_BLOCK):
        block = sources[start : start + _SOURCE_BLOCK]
        dist = dijkstra(matrix, directed=True, indices=block)
        out[start : start + len(block)] = dist[:, targets]
    return out


def travel_matrix(
    network: NetworkLike,
    origins: Endpoints,
    destinations: Endpoints,
    *,
    weight: Weight = "travel_time",
    leg: OffNetworkLeg | None = None,
    warn_beyond_m: float = 10_000.0,
    mode: TravelMode | str = "car",
) -> FloatArray:
    """Shortest travel cost from every origin to every destination.

    Parameters
    ----------
    network
        Road graph (osmnx-style) or a :class:`CompiledNetwork` built from it.
    origins, destinations
        Point GeoDataFrames/GeoSeries, snapped to the nearest snappable node
        with an :class:`OffNetworkLeg` added, or sequences of graph node ids
        (no leg).
    weight
        ``"travel_time"`` (seconds door to door for ``mode``), ``"length"``
        (metres of the shortest route) or ``"route_length"`` (metres of the
        fastest route: the distance travelled on the trip ``"travel_time"``
        times; the route minimises road time in tenths of a second).
    leg
        Off-network leg model; default ``OffNetworkLeg()``.
    warn_beyond_m
        Warn (with the count) when points lie farther than this from the network.
    mode
        A :class:`TravelMode` or the name of one of :data:`DEFAULT_MODES`;
        it changes travel times only (``"car"``, the default, is the road
        time itself).

    Returns
    -------
    numpy.ndarray
        Array of shape ``(len(origins), len(destinations))``. Pairs with no
        directed road path are ``inf``.

    Notes
    -----
    Dijkstra runs once per distinct snapped node of the smaller side: from the
    origins on the graph, or from the destinations on the reversed graph.
    """
    if weight not in ("travel_time", "length", "route_length"):
        raise ValueError(
            f"weight is {weight!r}; expected 'travel_time', 'length' or 'route_length'"
        )
    travel = _mode(mode)
    net = _compile(network)
    leg = leg or OffNetworkLeg()
    o = _endpoints(net, origins, "origins", warn_beyond_m)
    d = _endpoints(net, destinations, "destinations", warn_beyond_m)
    if len(o.index) == 0 or len(d.index) == 0:
        return np.zeros((len(o.index), len(d.index)))
    uo, inv_o = np.unique(o.index, return_inverse=True)
    ud, inv_d = np.unique(d.index, return_inverse=True)
    matrix = net.matrix(weight)
    if len(uo) <= len(ud):
        core = _many_source(matrix, uo, ud)
    else:
        core = _many_source(matrix.T.tocsr(), ud, uo).T
    if weight == "route_length":
        finite = np.isfinite(core)
        core = np.where(finite, np.mod(np.where(finite, core, 0.0), _ROUTE_SCALE), np.inf)
    result = core[np.ix_(inv_o, inv_d)]
    result += leg.cost(o.straight_m, weight)[:, None]
    result += leg.cost(d.straight_m, weight)[None, :]
    return travel.seconds(result) if weight == "travel_time" else result


@dataclass(frozen=True)
class NearestResult:
    """Each origin's nearest destination.

    Attributes
    ----------
    index
        Position of the nearest destination in the destinations passed, or -1
        where no destination is reachable.
    cost
        Cost to it (seconds or metres); ``inf`` where unreachable.
    """

    index: IntArray
    cost: FloatArray

    @property
    def reachable(self) -> npt.NDArray[np.bool_]:
        """Whether each origin reaches any destination."""
        return self.index >= 0


def nearest_facility(
    network: NetworkLike,
    origins: Endpoints,
    facilities: Endpoints,
    *,
    weight: Weight = "travel_time",
    leg: OffNetworkLeg | None = None,
    warn_beyond_m: float = 10_000.0,
    mode: TravelMode | str = "car",
) -> NearestResult:
    """Find every origin's nearest facility in one multi-source Dijkstra pass.

    Each facility becomes a virtual source linked to its snapped node by its
    off-network leg; one Dijkstra from all virtual sources on the reversed
    graph labels every node with its nearest facility.

    Parameters
    ----------
    network
        Road graph or compiled network.
    origins, facilities
        Points or node ids, as in :func:`travel_matrix`.
    weight
        ``"travel_time"`` (seconds door to door for ``mode``) or ``"length"``
        (metres).
    leg
        Off-network leg model; default ``OffNetworkLeg()``.
    warn_beyond_m
        Warn when points lie farther than this from the network.
    mode
        Travel mode of the times, as in :func:`travel_matrix`.

    Returns
    -------
    NearestResult
        Nearest facility position and cost per origin.
    """
    if weight not in ("travel_time", "length"):
        raise ValueError(f"weight is {weight!r}; expected 'travel_time' or 'length'")
    travel = _mode(mode)
    net = _compile(network)
    leg = leg or OffNetworkLeg()
    o = _endpoints(net, origins, "origins", warn_beyond_m)
    f = _endpoints(net, facilities, "facilities", warn_beyond_m)
    n, k = len(net.node_ids), len(f.index)
    if k == 0:
        return NearestResult(np.full(len(o.index), -1, np.int64), np.full(len(o.index), np.inf))
    reverse = net.matrix(weight).T.tocoo()
    virtual = np.arange(n, n + k, dtype=np.int64)
    f_cost = np.maximum(leg.cost(f.straight_m, weight), _MIN_EDGE_WEIGHT)
    rows = np.concatenate([reverse.row.astype(np.int64), virtual])
    cols = np.concatenate([reverse.col.astype(np.int64), f.index])
    vals = np.concatenate([reverse.data, f_cost])
    augmented = _csr(n + k, rows, cols, vals)
    dist, _, sources = dijkstra(
        augmented, directed=True, indices=virtual, min_only=True, return_predecessors=True
    )
    node_cost = dist[o.index]
    src = sources[o.index]
    reachable = np.isfinite(node_cost) & (src >= n)
    index = np.where(reachable, src - n, -1).astype(np.int64)
    # take back the floor put on zero-cost virtual edges
    floor = (f_cost - leg.cost(f.straight_m, weight))[np.maximum(index, 0)]
    cost = np.where(reachable, node_cost - floor + leg.cost(o.straight_m, weight), np.inf)
    return NearestResult(index, travel.seconds(cost) if weight == "travel_time" else cost)
