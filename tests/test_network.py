from __future__ import annotations

import itertools
import math
import random
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, box

from planner._errors import InputDataError, MissingInputError, NetworkError
from planner.data import Dataset
from planner.network import (
    DEFAULT_MODES,
    DEFAULT_SPEEDS_KPH,
    EARTH_RADIUS_M,
    CompiledNetwork,
    OffNetworkLeg,
    TravelMode,
    Weight,
    add_road_lines,
    apply_speeds,
    apply_winding,
    clip_osm_xml,
    load_graph,
    nearest_facility,
    read_speed_table,
    save_graph,
    snap_points,
    travel_matrix,
    winding_multipliers,
)
from tests.conftest import GRID_STEP, grid_graph, points


def test_grid_travel_times_by_hand(grid: nx.MultiDiGraph) -> None:
    m = travel_matrix(grid, [0, 4, 5], [8, 4, 0])
    # 0 -> 8 is four edges of 60 s; 4 -> 4 is zero; 5 -> 4 has no direct edge
    # (4 -> 5 is one-way), so it goes round in three edges
    expected = np.array([[240, 120, 0], [120, 0, 120], [60, 180, 180]], dtype=float)
    np.testing.assert_allclose(m, expected)
    metres = travel_matrix(grid, [0], [8], weight="length")
    assert metres[0, 0] == pytest.approx(4000)


def test_one_way_edge_is_respected(grid: nx.MultiDiGraph) -> None:
    # remove the two-way links around 5 except the one-way 4 -> 5 and 5 -> 2 -> ...
    grid.remove_edge(2, 5)
    grid.remove_edge(5, 2)
    grid.remove_edge(8, 5)
    grid.remove_edge(5, 8)
    m = travel_matrix(grid, [4, 5], [5, 4])
    assert m[0, 0] == pytest.approx(60)  # 4 -> 5 allowed
    assert math.isinf(m[1, 1])  # 5 -> 4 has no path at all now


def test_unreachable_is_inf_not_zero(grid: nx.MultiDiGraph) -> None:
    m = travel_matrix(grid, [0, 9], [9, 0])
    assert math.isinf(m[0, 0])
    assert math.isinf(m[1, 1])
    assert m[1, 0] == 0  # a node to itself


def test_off_network_leg_is_added() -> None:
    g = grid_graph()
    # a point 0.01 degree of latitude south of node 0 (about 1,112 m)
    origin = points([(47.0, 40.0 - GRID_STEP)])
    leg = OffNetworkLeg(speed_kph=36.0, detour_factor=1.5)
    straight = EARTH_RADIUS_M * math.radians(GRID_STEP)
    seconds = travel_matrix(g, origin, [2], leg=leg)
    assert seconds[0, 0] == pytest.approx(120 + straight * 1.5 / 10.0, rel=1e-6)
    metres = travel_matrix(g, origin, [2], weight="length", leg=leg)
    assert metres[0, 0] == pytest.approx(2000 + straight * 1.5, rel=1e-6)


def test_island_node_is_not_snapped_to() -> None:
    g = grid_graph()
    # node 9 is alone: a point right on it snaps to the grid instead
    net = CompiledNetwork.from_graph(g, min_snap_component=2)
    with pytest.warns(UserWarning, match="1 of 1 points"):
        snapped = snap_points(net, points([(47.5, 40.5)]))
    assert snapped["node"].iloc[0] == 8


def test_far_points_warn_with_count() -> None:
    g = grid_graph()
    far = points([(48.0, 41.0), (48.1, 41.0), (47.0, 40.0)])
    with pytest.warns(UserWarning, match="2 of 3 origins lie more than 10 km"):
        travel_matrix(g, far, [0])


def test_points_in_a_projected_crs_are_reprojected(grid: nx.MultiDiGraph) -> None:
    # a user's layer in Web Mercator (metres) routes exactly as in longitude and latitude
    lonlat = points([(47.0, 40.0), (47.0 + 2 * GRID_STEP, 40.0 + GRID_STEP)])
    metres = lonlat.to_crs("EPSG:3857")
    assert metres.geometry.x.iloc[1] > 1e6  # really projected
    same = travel_matrix(grid, lonlat, lonlat)
    # the round trip through metres moves a point by a few nanometres
    assert travel_matrix(grid, metres, lonlat) == pytest.approx(same, abs=1e-6)
    snapped = snap_points(grid, metres)
    assert snapped["node"].tolist() == snap_points(grid, lonlat)["node"].tolist()


def test_empty_and_non_point_geometries_are_named(grid: nx.MultiDiGraph) -> None:
    empty = gpd.GeoDataFrame(geometry=[Point(47.0, 40.0), Point()], crs="EPSG:4326")
    with pytest.raises(InputDataError, match="row 1 has an empty or missing geometry"):
        travel_matrix(grid, empty, points([(47.0, 40.0)]))
    square = gpd.GeoDataFrame(geometry=[box(47.0, 40.0, 47.01, 40.01)], crs="EPSG:4326")
    with pytest.raises(InputDataError, match=r"expected Point geometries, got \['Polygon'\]"):
        travel_matrix(grid, points([(47.0, 40.0)]), square)


def test_unknown_node_id_is_named(grid: nx.MultiDiGraph) -> None:
    with pytest.raises(NetworkError, match="node id 42"):
        travel_matrix(grid, [0, 42], [1])


def test_bad_weight_is_named(grid: nx.MultiDiGraph) -> None:
    with pytest.raises(ValueError, match="'speed'"):
        travel_matrix(grid, [0], [1], weight="speed")  # type: ignore[arg-type]


def test_bad_network_inputs_are_named(grid: nx.MultiDiGraph, tmp_path: Path) -> None:
    from planner.network import graph_from_osm_xml

    with pytest.raises(MissingInputError, match=r"speed table .*nope\.csv does not exist"):
        read_speed_table(tmp_path / "nope.csv")
    with pytest.raises(InputDataError, match=r"fallback speed is 0; expected a positive number"):
        apply_speeds(grid.copy(), fallback=0)
    with pytest.raises(InputDataError, match=r"road class 'primary' is -5; expected > 0"):
        apply_speeds(grid.copy(), speeds={"primary": -5})
    lengthless = grid.copy()
    u, v, k = next(iter(lengthless.edges(keys=True)))
    del lengthless.edges[u, v, k]["length"]
    with pytest.raises(NetworkError, match=rf"edge \({u}, {v}, {k}\) has no 'length' attribute"):
        apply_speeds(lengthless)
    with pytest.raises(MissingInputError, match=r"OSM XML road file .*none\.osm does not exist"):
        graph_from_osm_xml(tmp_path / "none.osm")
    with pytest.raises(NetworkError, match=r"^the road graph has no nodes$"):
        CompiledNetwork.from_graph(nx.MultiDiGraph())
    negative = grid.copy()
    negative.edges[u, v, k]["travel_time"] = -1.0
    with pytest.raises(NetworkError, match=r"edge weight 'travel_time' has negative or non-fin"):
        CompiledNetwork.from_graph(negative)
    with pytest.raises(ValueError, match=r"speed_kph is 0; expected a positive number"):
        OffNetworkLeg(speed_kph=0)
    with pytest.raises(ValueError, match=r"detour_factor is 0\.9; expected a number >= 1"):
        OffNetworkLeg(detour_factor=0.9)
    with pytest.raises(ValueError, match=r"^a travel mode needs a name$"):
        TravelMode("")
    with pytest.raises(ValueError, match=r"'bus': time_factor is 9; expected a number from 0\.5"):
        TravelMode("bus", time_factor=9)
    with pytest.raises(ValueError, match=r"'bus': wait_min is -1; expected minutes from 0 to 240"):
        TravelMode("bus", wait_min=-1)


def test_parallel_edges_keep_the_smallest_weight(grid: nx.MultiDiGraph) -> None:
    grid.add_edge(0, 1, length=10.0, travel_time=5.0)
    assert travel_matrix(grid, [0], [1])[0, 0] == pytest.approx(5)


def _random_graph(seed: int, n: int = 300) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(n):
        g.add_node(i, x=47 + rng.random(), y=40 + rng.random())
    for _ in range(n * 3):
        u, v = rng.randrange(n), rng.randrange(n)
        g.add_edge(u, v, length=rng.uniform(10, 5000), travel_time=rng.uniform(1, 300))
    return g


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_networkx_dijkstra(seed: int) -> None:
    g = _random_graph(seed)
    rng = random.Random(seed)
    origins = rng.sample(range(len(g)), 40)
    destinations = rng.sample(range(len(g)), 15)
    weights: tuple[Weight, ...] = ("travel_time", "length")
    for weight in weights:
        ours = travel_matrix(g, origins, destinations, weight=weight)
        # both directions of the engine: fewer destinations, then fewer origins
        ours_t = travel_matrix(g, destinations, origins, weight=weight)
        for i, o in enumerate(origins):
            ref = nx.single_source_dijkstra_path_length(g, o, weight=weight)
            for j, d in enumerate(destinations):
                assert ours[i, j] == pytest.approx(ref.get(d, math.inf), rel=1e-9)
        for j, d in enumerate(destinations):
            ref = nx.single_source_dijkstra_path_length(g, d, weight=weight)
            for i, o in enumerate(origins):
                assert ours_t[j, i] == pytest.approx(ref.get(o, math.inf), rel=1e-9)


@pytest.mark.parametrize("seed", [4, 5])
def test_nearest_facility_equals_matrix_argmin(seed: int) -> None:
    g = _random_graph(seed)
    rng = np.random.default_rng(seed)
    pts = points([(47 + a, 40 + b) for a, b in rng.random((60, 2))])
    facilities = points([(47 + a, 40 + b) for a, b in rng.random((7, 2))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = travel_matrix(g, pts, facilities)
        near = nearest_facility(g, pts, facilities)
    best = np.where(np.isfinite(m.min(axis=1)), m.argmin(axis=1), -1)
    assert near.cost == pytest.approx(np.min(m, axis=1))
    # ties aside, the chosen facility is the argmin
    chosen = m[np.arange(len(pts)), np.maximum(near.index, 0)]
    assert chosen[near.index >= 0] == pytest.approx(m.min(axis=1)[near.index >= 0])
    assert ((near.index < 0) == (best < 0)).all()


def test_nearest_facility_unreachable(grid: nx.MultiDiGraph) -> None:
    near = nearest_facility(grid, [0, 9], [9])
    assert near.index.tolist() == [-1, 0]
    assert math.isinf(near.cost[0])
    assert near.reachable.tolist() == [False, True]


def test_save_and_load_round_trip(tmp_path: Path, grid: nx.MultiDiGraph) -> None:
    save_graph(grid, tmp_path)
    back = load_graph(tmp_path)
    assert set(back.nodes) == set(grid.nodes)
    assert back.number_of_edges() == grid.number_of_edges()
    assert (
        travel_matrix(back, [0, 5], [8, 0]).tolist()
        == travel_matrix(grid, [0, 5], [8, 0]).tolist()
    )
    first = (tmp_path / "roads_edges.csv.gz").read_bytes()
    save_graph(grid, tmp_path)
    assert (tmp_path / "roads_edges.csv.gz").read_bytes() == first  # deterministic bytes


def test_load_graph_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match=r"roads_nodes\.csv\.gz"):
        load_graph(tmp_path)


def test_apply_speeds_sets_travel_time(grid: nx.MultiDiGraph) -> None:
    apply_speeds(grid, speeds={"primary": 36.0})
    assert grid.edges[0, 1, 0]["travel_time"] == pytest.approx(100.0)  # 1 km at 10 m/s
    grid.edges[0, 1, 0]["highway"] = ["primary", "trunk"]  # merged by simplification
    apply_speeds(grid)
    mean = (DEFAULT_SPEEDS_KPH["primary"] + DEFAULT_SPEEDS_KPH["trunk"]) / 2
    assert grid.edges[0, 1, 0]["speed_kph"] == pytest.approx(mean)
    with pytest.raises(InputDataError, match="'primary'"):
        apply_speeds(grid, speeds={"primary": -5})


def test_read_speed_table(tmp_path: Path) -> None:
    good = tmp_path / "speeds.csv"
    good.write_text("highway,speed_kph\ntrunk,70\n", "utf-8")
    assert read_speed_table(good) == {"trunk": 70.0}
    bad = tmp_path / "bad.csv"
    bad.write_text("highway,speed_kph\ntrunk,70\nprimary,fast\n", "utf-8")
    with pytest.raises(InputDataError, match=r"row 3 \('primary'\).*'fast'"):
        read_speed_table(bad)
    cols = tmp_path / "cols.csv"
    cols.write_text("class,kph\ntrunk,70\n", "utf-8")
    with pytest.raises(InputDataError, match=r"has \['class', 'kph'\]"):
        read_speed_table(cols)


def test_missing_weight_attribute_is_explained() -> None:
    g = nx.MultiDiGraph()
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=0.1, y=0.0)
    g.add_edge(1, 2, length=5.0)
    with pytest.raises(NetworkError, match="apply_speeds"):
        CompiledNetwork.from_graph(g)


# --- real data -------------------------------------------------------------


def _city(dataset: Dataset, district_id: str) -> list[int]:
    s = dataset.settlements
    row = s.loc[(s["district_id"] == district_id) & (s["place"] == "city")].iloc[[0]]
    return [int(snap_points(dataset.network, row)["node"].iloc[0])]


def test_baku_to_ganja_road_distance(dataset: Dataset) -> None:
    km = (
        travel_matrix(
            dataset.network, _city(dataset, "AZ-BA"), _city(dataset, "AZ-GA"), weight="length"
        )[0, 0]
        / 1000
    )
    assert 320 <= km <= 390
    hours = (
        travel_matrix(dataset.network, _city(dataset, "AZ-BA"), _city(dataset, "AZ-GA"))[0, 0]
        / 3600
    )
    assert 3.5 <= hours <= 6.5


def test_nakhchivan_unreachable_from_baku(dataset: Dataset) -> None:
    s = dataset.settlements
    nakh_ids = dataset.districts.loc[dataset.districts["region"] == "Nakhchivan", "district_id"]
    assert len(nakh_ids) == 8
    nakh = s.loc[s["district_id"].isin(nakh_ids)]
    baku = s.loc[s["district_id"] == "AZ-BA"]
    m = travel_matrix(dataset.network, baku, nakh)
    assert np.isinf(m).all()
    # but the exclave has roads of its own: Nakhchivan city reaches its settlements
    inner = travel_matrix(dataset.network, _city(dataset, "AZ-NV"), nakh)
    assert np.isfinite(inner).mean() > 0.95


def test_add_road_lines_joins_a_new_road() -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    g = grid_graph()
    # a new trunk road from node 2 (47.02, 40.00) east to a new village 0.02 degrees away,
    # its start 50 m off node 2, and a line far from everything
    start = (47.02 + 0.0005, 40.0)
    lines = gpd.GeoDataFrame(
        {"highway": ["trunk", "track"], "oneway": [False, "yes"]},
        geometry=[
            LineString([start, (47.03, 40.0), (47.04, 40.0)]),
            LineString([(48.0, 41.0), (48.01, 41.0)]),
        ],
        crs="EPSG:4326",
    )
    unjoined = add_road_lines(g, lines)
    assert unjoined == 3  # the new road's far end and both ends of the far line
    end = max(n for n in g.nodes if g.nodes[n]["x"] == pytest.approx(47.04))
    t = travel_matrix(g, [0], [end])[0, 0]
    # 2 km of grid (120 s) + ~43 m connector + ~1.66 km of trunk at 80 km/h
    trunk_m = 0.02 * 111_195 * math.cos(math.radians(40.0)) - 43
    assert t == pytest.approx(120 + (43 + trunk_m) / (80 / 3.6), rel=0.02)
    # two-way unless oneway, and a one-way line only forwards
    assert travel_matrix(g, [end], [0])[0, 0] == pytest.approx(t, rel=1e-9)
    far = [n for n in g.nodes if g.nodes[n]["x"] >= 48.0]
    assert g.has_edge(far[0], far[1]) and not g.has_edge(far[1], far[0])
    with pytest.raises(InputDataError, match="lacks column 'highway'"):
        add_road_lines(g, lines.drop(columns="highway"))
    # features are counted from 0, as in every other message about a vector file
    blank = lines.assign(highway=["trunk", " "])
    with pytest.raises(InputDataError, match=r"roads, feature 1: expected a LineString with a "
                       r"'highway' class, got LineString with highway ''"):  # fmt: skip
        add_road_lines(g, blank, source="roads")


def test_a_road_line_drawn_from_a_junction_starts_at_it() -> None:
    """A line whose ends lie on road nodes (a new road drawn between two junctions, a
    vertex repeated) adds no zero-length edge, which a dataset would refuse."""
    import geopandas as gpd
    from shapely.geometry import LineString

    g = grid_graph()
    before = set(g.nodes)
    a, b = g.nodes[0], g.nodes[8]
    middle = (47.015, 40.005)
    line = LineString([(a["x"], a["y"]), middle, middle, (b["x"], b["y"])])
    lines = gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[line], crs="EPSG:4326")
    assert add_road_lines(g, lines) == 0
    (new,) = set(g.nodes) - before  # only the middle vertex is new
    assert min(d["length"] for _, _, d in g.edges(data=True)) > 0
    assert g.has_edge(0, new) and g.has_edge(new, 8) and g.has_edge(8, new)
    # 0 -> 8 along the new road: two legs of about 1.3 km each at 65 km/h
    legs = g.edges[0, new, 0]["length"] + g.edges[new, 8, 0]["length"]
    assert travel_matrix(g, [0], [8])[0, 0] == pytest.approx(legs / (65 / 3.6))


def test_travel_modes_are_affine_in_road_time() -> None:
    bus = TravelMode("bus", time_factor=1.5, wait_min=10)
    assert bus.seconds([60.0, np.inf]).tolist() == [60 * 1.5 + 600, np.inf]
    assert bus.road_seconds(bus.seconds([123.0])).tolist() == pytest.approx([123.0])
    g = grid_graph()
    car = travel_matrix(g, [0], [8])[0, 0]
    assert car == pytest.approx(240.0)  # four 60 s edges
    assert travel_matrix(g, [0], [8], mode=bus)[0, 0] == pytest.approx(240 * 1.5 + 600)
    default_bus = DEFAULT_MODES["bus"]
    assert travel_matrix(g, [0], [8], mode="bus")[0, 0] == pytest.approx(
        240 * default_bus.time_factor + 60 * default_bus.wait_min
    )
    # lengths do not depend on the mode; the nearest facility is the same in every mode
    near = nearest_facility(g, [0, 8], [2, 6], mode=bus)
    assert near.cost.tolist() == pytest.approx((np.array([120.0, 120.0]) * 1.5 + 600).tolist())
    with pytest.raises(ValueError, match=r"time_factor is 0\.1"):
        TravelMode("walk", time_factor=0.1)
    with pytest.raises(ValueError, match="mode is 'plane'"):
        travel_matrix(g, [0], [8], mode="plane")


def test_route_length_is_the_length_of_the_fastest_route() -> None:
    # A -> B direct: 10 km of residential road (25 km/h, 1,440 s); A -> C -> B: 12 km of
    # motorway (100 km/h, 432 s). The shortest route is 10 km, the fastest 12 km.
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for n, x in ((1, 47.0), (2, 47.1), (3, 47.05)):
        g.add_node(n, x=x, y=40.0)
    for u, v, length, hwy in ((1, 2, 10_000, "residential"), (1, 3, 6_000, "motorway"),
                              (3, 2, 6_000, "motorway")):  # fmt: skip
        g.add_edge(u, v, length=float(length), highway=hwy)
    apply_speeds(g)
    assert travel_matrix(g, [1], [2], weight="length")[0, 0] == pytest.approx(10_000)
    assert travel_matrix(g, [1], [2], weight="route_length")[0, 0] == pytest.approx(12_000)
    assert travel_matrix(g, [1], [2])[0, 0] == pytest.approx(432.0)
    assert np.isinf(travel_matrix(g, [2], [1], weight="route_length")[0, 0])


# --- roads slowed where they wind -------------------------------------------------------------

_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180


def _line_graph(points_m: list[tuple[float, float]]) -> nx.MultiDiGraph:
    """One edge along a polyline given in metres east/north of (47 E, 40 N)."""
    from shapely.geometry import LineString

    lon = [47.0 + x / (_M_PER_DEG * math.cos(math.radians(40.0))) for x, _ in points_m]
    lat = [40.0 + y / _M_PER_DEG for _, y in points_m]
    g = nx.MultiDiGraph(crs="EPSG:4326")
    g.add_node(1, x=lon[0], y=lat[0])
    g.add_node(2, x=lon[-1], y=lat[-1])
    along = sum(math.dist(a, b) for a, b in itertools.pairwise(points_m))
    g.add_edge(1, 2, length=along, highway="primary",
               geometry=LineString(list(zip(lon, lat, strict=True))))  # fmt: skip
    return apply_speeds(g)


def test_winding_of_a_bend_by_hand() -> None:
    # two legs of 300 m at a right angle: 600 m of road over a 424.3 m chord, s = sqrt(2)
    g = _line_graph([(0, 0), (300, 0), (300, 300)])
    _, mult = winding_multipliers(g, [0, 1, 2])
    assert mult[0].tolist() == pytest.approx([1.0, math.sqrt(2), 2.0], rel=2e-3)


def test_winding_straight_short_and_hairpin() -> None:
    straight = _line_graph([(0, 0), (2500, 0), (5000, 0)])
    assert winding_multipliers(straight, [2])[1][0, 0] == pytest.approx(1.0)
    short = _line_graph([(0, 0), (90, 0), (90, 90)])  # under 200 m: counted straight
    assert winding_multipliers(short, [2])[1][0, 0] == 1.0
    hairpin = _line_graph([(0, 0), (400, 0), (400, 10), (0, 10)])  # 810 m over 10 m: capped at 3
    assert winding_multipliers(hairpin, [1])[1][0, 0] == pytest.approx(3.0)


def test_winding_never_slows_below_the_floor() -> None:
    # the same hairpin on a 25 km/h road: winding may slow it to 20 km/h, no further
    hairpin = _line_graph([(0, 0), (400, 0), (400, 10), (0, 10)])
    hairpin.edges[1, 2, 0]["speed_kph"] = 25.0
    assert winding_multipliers(hairpin, [1])[1][0, 0] == pytest.approx(25 / 20)
    assert winding_multipliers(hairpin, [1], floor_kph=5)[1][0, 0] == pytest.approx(3.0)


def test_winding_of_a_long_zigzag() -> None:
    # a zigzag at 60 degrees to its axis: every kilometre of road advances about 500 m
    pts = [(i * 50.0, (i % 2) * 50.0 * math.sqrt(3)) for i in range(101)]
    g = _line_graph(pts)
    assert winding_multipliers(g, [1])[1][0, 0] == pytest.approx(2.0, rel=0.03)


def test_apply_winding_slows_time_and_speed_once() -> None:
    g = _line_graph([(0, 0), (300, 0), (300, 300)])
    data = g.edges[1, 2, 0]
    before, speed = data["travel_time"], data["speed_kph"]
    apply_winding(g, exponent=2)
    assert data["travel_time"] == pytest.approx(2 * before, rel=2e-3)
    assert data["speed_kph"] == pytest.approx(speed / 2, rel=2e-3)
    assert g.graph["winding"]["edges_slowed"] == 1
    with pytest.raises(NetworkError, match="already applied"):
        apply_winding(g, exponent=1)
    with pytest.raises(InputDataError, match=r"exponents are \[-1\.0\]"):
        winding_multipliers(g, [-1.0])
    with pytest.raises(InputDataError, match="window_m is 0"):
        winding_multipliers(g, [1], window_m=0)


def test_winding_graph_survives_save_and_load(tmp_path: Path) -> None:
    g = apply_winding(_line_graph([(0, 0), (300, 0), (300, 300)]), exponent=1)
    save_graph(g, tmp_path)
    loaded = load_graph(tmp_path)
    assert loaded.edges[1, 2, 0]["travel_time"] == pytest.approx(
        g.edges[1, 2, 0]["travel_time"], abs=1e-3
    )


def test_clip_osm_xml_keeps_whole_ways_inside(tmp_path: Path) -> None:
    src = tmp_path / "roads.osm"
    src.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">'
        '<node id="1" lon="47.00" lat="40.00"/><node id="2" lon="47.01" lat="40.00"/>'
        '<node id="3" lon="48.50" lat="40.00"/><node id="4" lon="47.02" lat="40.01"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>'
        '<way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>'
        "</osm>",
        "utf-8",
    )
    out = clip_osm_xml(src, tmp_path / "clip.osm.bz2", bbox=(46.9, 39.9, 47.5, 40.5))
    import bz2

    with bz2.open(out, "rt", encoding="utf-8") as fh:
        text = fh.read()
    # way 11 leaves the box: dropped whole; node 4 is on no kept way: dropped
    assert 'id="10"' in text and 'id="11"' not in text
    assert 'id="1"' in text and 'id="2"' in text and 'id="3"' not in text and 'id="4"' not in text
    with pytest.raises(InputDataError, match="bbox is"):
        clip_osm_xml(src, tmp_path / "x.osm", bbox=(48, 40, 47, 41))


# A small OSM extract: a road of three segments, a side road and a building (not a road).
TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="40.0000" lon="49.0000"/>
  <node id="2" version="1" lat="40.0000" lon="49.0100"/>
  <node id="3" version="1" lat="40.0000" lon="49.0200"/>
  <node id="4" version="1" lat="40.0000" lon="49.0300"/>
  <node id="5" version="1" lat="40.0100" lon="49.0100"/>
  <node id="6" version="1" lat="40.0200" lon="49.0200"/>
  <node id="7" version="1" lat="40.0200" lon="49.0210"/>
  <node id="8" version="1" lat="40.0210" lon="49.0210"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="primary"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="5"/><tag k="highway" v="residential"/></way>
  <way id="12" version="1"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="6"/>
    <tag k="building" v="yes"/></way>
</osm>
"""


def _tiny_pbf(tmp_path: Path) -> tuple[Path, Path]:
    osmium = pytest.importorskip("osmium")
    xml = tmp_path / "tiny.osm"
    xml.write_text(TINY_OSM, "utf-8")
    pbf = tmp_path / "tiny.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    return xml, pbf


def test_pbf_extract_reads_as_its_xml(tmp_path: Path) -> None:
    from planner.network import graph_from_osm_pbf, graph_from_osm_xml

    xml, pbf = _tiny_pbf(tmp_path)
    from_xml = graph_from_osm_xml(xml, min_component_nodes=1)
    from_pbf = graph_from_osm_pbf(pbf, min_component_nodes=1)
    assert sorted(from_pbf.nodes) == sorted(from_xml.nodes) == [1, 2, 4, 5]  # no building
    assert from_pbf.number_of_edges() == from_xml.number_of_edges() == 6  # both ways, 2-way
    length = sum(d["length"] for *_, d in from_pbf.edges(data=True))
    assert length == pytest.approx(sum(d["length"] for *_, d in from_xml.edges(data=True)))
    assert {d["highway"] for *_, d in from_pbf.edges(data=True)} == {"primary", "residential"}


def test_pbf_errors_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from planner._errors import MissingDependencyError
    from planner.network import graph_from_osm_pbf

    _, pbf = _tiny_pbf(tmp_path)
    with pytest.raises(MissingInputError, match=r"nowhere\.osm\.pbf does not exist"):
        graph_from_osm_pbf(tmp_path / "nowhere.osm.pbf")
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a pbf at all")
    with pytest.raises(InputDataError, match=r"bad\.osm\.pbf is not a readable OSM PBF file"):
        graph_from_osm_pbf(bad)
    monkeypatch.setitem(sys.modules, "osmium", None)  # as if it were not installed
    with pytest.raises(MissingDependencyError, match=r'pip install "shelter-planner\[pbf\]"'):
        graph_from_osm_pbf(pbf)


def test_a_road_file_that_is_no_road_network_is_named(tmp_path: Path) -> None:
    """Not XML, a cut .bz2, no ways, or footpath fragments only: each says what is wrong."""
    import bz2

    from planner.network import graph_from_osm_xml

    def xml(name: str, body: str) -> Path:
        path = tmp_path / name
        path.write_text(f'<?xml version="1.0"?>\n<osm version="0.6">{body}</osm>\n')
        return path

    (tmp_path / "notes.osm").write_text("roads to follow\n")
    with pytest.raises(InputDataError, match=r"notes\.osm is not readable OSM XML \(syntax "
                       r"error: line 1, column 0\); expected an \.osm or \.osm\.bz2"):  # fmt: skip
        graph_from_osm_xml(tmp_path / "notes.osm")
    whole = bz2.compress(xml("a.osm", "").read_bytes())
    (tmp_path / "cut.osm.bz2").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputDataError, match=r"cut\.osm\.bz2 is not readable OSM XML"):
        graph_from_osm_xml(tmp_path / "cut.osm.bz2")
    with pytest.raises(InputDataError, match=r"empty\.osm holds no OSM ways"):
        graph_from_osm_xml(xml("empty.osm", ""))
    nodes = "".join(f'<node id="{k}" lat="40.0" lon="{47 + k / 100}"/>' for k in (1, 2, 3))
    way = '<way id="9"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>'
    with pytest.raises(InputDataError, match=r"path\.osm: its 2 road nodes form no connected "
                       r"network of 20 nodes or more; expected the area's roads"):  # fmt: skip
        graph_from_osm_xml(xml("path.osm", nodes + way))
    assert len(graph_from_osm_xml(xml("path.osm", nodes + way), min_component_nodes=2)) == 2
