from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planner._errors import InputDataError, MissingInputError, OptionError
from planner.data import (
    Dataset,
    default_data_dir,
    load_dataset,
    read_boundaries,
    read_points,
    read_population_table,
)

AREA_CRS = "+proj=laea +lat_0=40.2 +lon_0=47.6 +datum=WGS84 +units=m +no_defs"


# --- the embedded dataset ----------------------------------------------------


def test_78_districts_with_ids_and_regions(dataset: Dataset) -> None:
    d = dataset.districts
    assert len(d) == 78
    assert d["district_id"].is_unique
    assert d["district_id"].str.match(r"^AZ-[A-Z]{2,3}$").all()
    assert d["region"].nunique() == 14
    assert set(d["kind"]) == {"city", "district"}
    assert d.crs.to_epsg() == 4326
    # the two Lankaran District polygons are one district
    assert (d["name"] == "Lankaran District").sum() == 1
    assert d.loc[d["name"] == "Baku City", "district_id"].item() == "AZ-BA"


def test_area_close_to_official(dataset: Dataset) -> None:
    area = dataset.districts.to_crs(AREA_CRS).union_all().area / 1e6
    assert area == pytest.approx(86_600, rel=0.02)


def test_population_totals(dataset: Dataset) -> None:
    d = dataset.districts.set_index("district_id")
    assert int(d["population"].sum()) == 10_180_770
    assert d.loc["AZ-BA", "population"] == 2_344_888
    assert int(d.loc[d["region"] == "Nakhchivan", "population"].sum()) == 468_566
    assert d.loc["AZ-NV", "population"] == 97_205
    assert d.loc[["AZ-SAD", "AZ-SAH", "AZ-SAR"], "population"].sum() == 161_400
    assert (d["population"] > 0).all()
    assert d["population_source"].str.len().gt(0).all()


def test_settlements_sum_to_district_population(dataset: Dataset) -> None:
    s = dataset.settlements
    by_district = s.groupby("district_id")["population"].sum()
    d = dataset.districts.set_index("district_id")["population"]
    pd.testing.assert_series_equal(by_district.sort_index(), d.sort_index(), check_names=False)
    assert s["settlement_id"].is_unique
    assert set(s["place"]) <= {"city", "town", "village", "hamlet", "district centre"}


def test_the_limitations_quote_the_settlement_figures_the_data_holds(dataset: Dataset) -> None:
    """The report's limitation on settlement populations names real figures of the data: a
    town that OSM's residential land misses (Ağstafa) and one it makes too large (Tovuz)."""
    pop = dataset.settlements.set_index("name")["population"]
    said = " ".join(dataset.report_list("limitations"))
    assert pop["Ağstafa"] == 771 and "(Ağstafa, a district centre, 771)" in said
    assert round(pop["Tovuz"], -3) == 49_000 and "Tovuz is given 49,000 people" in said
    assert "Ağstafaya 771 nəfər" in " ".join(dataset.report_list("limitations", lang="az"))


def test_every_settlement_is_in_or_near_its_district(dataset: Dataset) -> None:
    s = dataset.settlements.to_crs(AREA_CRS)
    d = dataset.districts.to_crs(AREA_CRS).set_index("district_id")
    dist = s.geometry.distance(
        gpd.GeoSeries(d.geometry.loc[s["district_id"]].to_numpy(), crs=AREA_CRS), align=False
    )
    # the dataset states how far its generalised polygons may miss (Naftalan's own place: 4.6 km)
    assert dataset.metadata["max_outside_m"] == 5_000
    assert (dist.to_numpy() <= 5_000).all()
    assert (dist.to_numpy() > 3_000).sum() == 1
    inside = (dist.to_numpy() == 0).mean()
    assert inside > 0.95


def test_shelters_are_the_two_cities(dataset: Dataset) -> None:
    sh = dataset.shelters
    assert sorted(sh["district_id"]) == ["AZ-BA", "AZ-GA"]
    assert int(sh["capacity_places"].sum()) == 175
    assert not sh["inclusive"].any()
    assert sh["location_approximate"].all()


def test_candidates_cover_every_district(dataset: Dataset) -> None:
    c = dataset.candidates
    assert set(c["district_id"]) == set(dataset.districts["district_id"])
    s = dataset.settlements
    urban = set(s.loc[s["place"].isin(["city", "town"]), "settlement_id"])
    assert urban <= set(c["settlement_id"])
    assert c["candidate_id"].is_unique


def test_hospitals_are_osm_hospitals_and_clinics(dataset: Dataset) -> None:
    h = dataset.hospitals
    # 631 hospitals + 332 clinics in the raw file, two across the national border
    assert len(h) == 961
    assert set(h["subclass"]) == {"hospital", "clinic"}
    assert h["hospital_id"].is_unique
    assert h["district_id"].isin(dataset.districts["district_id"]).all()
    region = h["district_id"].map(dataset.districts.set_index("district_id")["region"])
    # every economic region has at least one hospital to host a rape crisis centre
    assert set(region) == set(dataset.districts["region"])
    assert (h.geometry.x.between(44.7, 50.7) & h.geometry.y.between(38.3, 42.0)).all()


def test_dataset_without_hospitals_loads(tmp_path: Path) -> None:
    import shutil

    for f in default_data_dir().iterdir():
        if f.name != "hospitals.csv":
            shutil.copy(f, tmp_path / f.name)
    ds = load_dataset(tmp_path)
    assert ds.hospitals.empty
    assert list(ds.hospitals.columns[:4]) == ["hospital_id", "name", "subclass", "district_id"]


def test_graph_is_osmnx_style(dataset: Dataset) -> None:
    g = dataset.graph
    assert g.graph["crs"] == "EPSG:4326"
    assert 9_000 < len(g) < 13_000
    u, _, data = next(iter(g.edges(data=True)))
    assert {"length", "travel_time", "speed_kph", "highway"} <= set(data)
    assert {"x", "y"} <= set(g.nodes[u])


def test_data_folder_is_small_and_attributed() -> None:
    root = Path(__file__).resolve().parents[1] / "data"
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size < 25 * 1024 * 1024
    readme = (root / "README.md").read_text("utf-8")
    for needle in (
        "ODbL",
        "CC BY-SA 3.0",
        "OpenStreetMap contributors",
        "geoBoundaries",
        "shelter-planner data build",
    ):
        assert needle in readme
    meta = json.loads((default_data_dir() / "metadata.json").read_text("utf-8"))
    assert meta["population_total"] == 10_180_770


def test_with_population_replaces_figures(dataset: Dataset, tmp_path: Path) -> None:
    table = dataset.districts[["district_id"]].copy()
    table["population"] = 1000
    path = tmp_path / "pop.csv"
    table.to_csv(path, index=False)
    new = dataset.with_population(read_population_table(path))
    assert int(new.districts["population"].sum()) == 78_000
    assert (new.settlements.groupby("district_id")["population"].sum() == 1000).all()
    assert new.districts["population_source"].str.contains("pop.csv").all()
    with pytest.raises(InputDataError, match="lacks 1 district"):
        dataset.with_population(read_population_table(path).iloc[1:])


# --- readers for user files ---------------------------------------------------


def test_read_population_table_errors(tmp_path: Path) -> None:
    p = tmp_path / "pop.csv"
    p.write_text("district_id,population\nAZ-BA,100\nAZ-GA,lots\n", "utf-8")
    with pytest.raises(InputDataError, match=r"row 3: population is 'lots'"):
        read_population_table(p)
    p.write_text("district_id,people\nAZ-BA,100\n", "utf-8")
    with pytest.raises(
        InputDataError,
        match=r"lacks column \['population'\]; it has \['district_id', 'people'\]",
    ):
        read_population_table(p)
    p.write_text("district_id,population\nAZ-BA,100\nAZ-BA,5\n", "utf-8")
    with pytest.raises(InputDataError, match="row 3: district_id 'AZ-BA' repeats"):
        read_population_table(p)
    p.write_text("district_id,population\nAZ-BA,-4\n", "utf-8")
    with pytest.raises(InputDataError, match="whole number from 0"):
        read_population_table(p)
    with pytest.raises(MissingInputError, match=r"nope\.csv"):
        read_population_table(tmp_path / "nope.csv")


def test_read_points_csv(tmp_path: Path) -> None:
    p = tmp_path / "pts.csv"
    p.write_text("name,lon,lat,beds\nA,47.1,40.2,10\nB,47.2,40.3,12\n", "utf-8")
    gdf = read_points(p, numeric=["beds"])
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.x.tolist() == [47.1, 47.2]
    p.write_text("name,lon,lat,beds\nA,47.1,40.2,10\nB,,40.3,12\n", "utf-8")
    with pytest.raises(InputDataError, match="row 3: lon is empty; expected a number"):
        read_points(p)
    p.write_text("name,x,y\nA,47.1,40.2\n", "utf-8")
    with pytest.raises(InputDataError, match=r"lacks columns \['lon', 'lat'\]"):
        read_points(p)
    p.write_text("name,lon,lat\nA,4710000,40.2\n", "utf-8")
    with pytest.raises(InputDataError, match=r"row 2.*not a WGS 84"):
        read_points(p)


def test_read_points_geojson(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=gpd.points_from_xy([47.0], [40.0]), crs="EPSG:4326"
    )
    p = tmp_path / "pts.geojson"
    gdf.to_file(p, driver="GeoJSON")
    assert read_points(p, required=["name"])["name"].tolist() == ["A"]
    with pytest.raises(InputDataError, match=r"\['beds'\]"):
        read_points(p, required=["beds"])


def test_vector_files_without_a_crs_or_of_the_wrong_kind_are_refused(tmp_path: Path) -> None:
    from shapely.geometry import Point, box

    square = gpd.GeoDataFrame({"name": ["A"], "beds": ["x"]}, geometry=[box(47, 40, 48, 41)])
    square.to_file(tmp_path / "nocrs.gpkg")
    no_crs = r"nocrs\.gpkg has no coordinate reference system"
    with pytest.raises(InputDataError, match=no_crs):
        read_boundaries(tmp_path / "nocrs.gpkg", name_column="name")
    with pytest.raises(InputDataError, match=no_crs):
        read_points(tmp_path / "nocrs.gpkg", required=["name"])
    points = square.set_geometry([Point(47.5, 40.5)], crs="EPSG:4326")
    points.to_file(tmp_path / "points.gpkg")
    with pytest.raises(
        InputDataError, match=r"points\.gpkg: expected polygons, found \['Point'\]"
    ):
        read_boundaries(tmp_path / "points.gpkg", name_column="name")
    # a number column of a vector file names the feature, numbered from 0 as the others are
    with pytest.raises(
        InputDataError, match=r"points\.gpkg, feature 0: beds is 'x'; expected a number$"
    ):
        read_points(tmp_path / "points.gpkg", numeric=["beds"])


def test_read_points_takes_an_area_at_a_point_inside(tmp_path: Path) -> None:
    """OSM hospitals and towns are often areas: each is read at a point inside it (a
    C-shaped building's centroid would lie outside); a line or a missing geometry is refused."""
    from shapely.geometry import LineString, Point, Polygon

    c_shape = Polygon([(47.0, 40.0), (47.03, 40.0), (47.03, 40.01), (47.01, 40.01),
                       (47.01, 40.02), (47.03, 40.02), (47.03, 40.03), (47.0, 40.03)])  # fmt: skip
    assert not c_shape.contains(c_shape.centroid)
    gdf = gpd.GeoDataFrame(
        {"name": ["Clinic", "Hospital"]}, geometry=[Point(47.5, 40.5), c_shape], crs="EPSG:4326"
    )
    p = tmp_path / "hospitals.geojson"
    gdf.to_crs(3857).to_file(p, driver="GeoJSON")
    with pytest.warns(UserWarning, match=r"hospitals\.geojson: 1 area taken at a point inside it"):
        read = read_points(p, required=["name"])
    assert set(read.geom_type) == {"Point"} and read.crs.to_epsg() == 4326
    assert read.geometry.iloc[0].x == pytest.approx(47.5)
    assert c_shape.contains(read.geometry.iloc[1])
    bad = gpd.GeoDataFrame(
        {"name": ["A", "Road"]},
        geometry=[Point(47.0, 40.0), LineString([(47.0, 40.0), (47.1, 40.0)])],
        crs="EPSG:4326",
    )
    bad.to_file(tmp_path / "bad.geojson", driver="GeoJSON")
    with pytest.raises(InputDataError, match=r"bad\.geojson, feature 1: a LineString; expected"):
        read_points(tmp_path / "bad.geojson")
    bad.assign(geometry=[Point(47.0, 40.0), None]).to_file(tmp_path / "none.gpkg")
    with pytest.raises(InputDataError, match=r"none\.gpkg, feature 1: no geometry; expected"):
        read_points(tmp_path / "none.gpkg")


def test_read_boundaries(tmp_path: Path, grid_polygons: gpd.GeoDataFrame) -> None:
    p = tmp_path / "b.gpkg"
    doubled = pd.concat([grid_polygons, grid_polygons.iloc[[0]]], ignore_index=True)
    gpd.GeoDataFrame(doubled, crs="EPSG:4326").to_crs(3857).to_file(p, driver="GPKG")
    out = read_boundaries(p, name_column="name", id_column="district_id")
    assert sorted(out["district_id"]) == ["E", "W"]  # duplicates dissolved
    assert out.crs.to_epsg() == 4326
    with pytest.raises(
        InputDataError,
        match=r"lacks column \['shapeName'\]; it has \['district_id', 'name'\]",
    ):
        read_boundaries(p, name_column="shapeName")


def test_read_boundaries_refuses_blank_and_clashing_ids(
    tmp_path: Path, grid_polygons: gpd.GeoDataFrame
) -> None:
    """Polygons sharing an id are one district's parts, but only under one name: two names
    mean the id column is not a district code (a region code, say)."""
    p = tmp_path / "b.gpkg"
    clash = grid_polygons.assign(district_id="R1")
    gpd.GeoDataFrame(clash, crs="EPSG:4326").to_file(p, driver="GPKG")
    with pytest.raises(
        InputDataError,
        match=r"district_id 'R1' is shared by polygons named \['East', 'West'\]; expected one "
        r"name per id",
    ):
        read_boundaries(p, name_column="name", id_column="district_id")
    blank = grid_polygons.assign(name=["West", "  "])
    gpd.GeoDataFrame(blank, crs="EPSG:4326").to_file(p, driver="GPKG")
    with pytest.raises(InputDataError, match=r"b\.gpkg, feature 1: name is empty"):
        read_boundaries(p, name_column="name", id_column="district_id")
    shapeless = grid_polygons.assign(geometry=[grid_polygons.geometry.iloc[0], None])
    gpd.GeoDataFrame(shapeless, crs="EPSG:4326").to_file(p, driver="GPKG")
    with pytest.raises(InputDataError, match=r"b\.gpkg, feature 1: district 'East' has no "
                       r"geometry; expected a polygon"):  # fmt: skip
        read_boundaries(p, name_column="name", id_column="district_id")


def test_read_points_keeps_ids_as_text(tmp_path: Path) -> None:
    p = tmp_path / "pts.csv"
    p.write_text("site_id,district_id,lon,lat\n007,12,47.1,40.2\n008,,47.2,40.3\n", "utf-8")
    gdf = read_points(p, text=["site_id", "district_id"])
    assert gdf["site_id"].tolist() == ["007", "008"]
    assert gdf["district_id"].iloc[0] == "12" and pd.isna(gdf["district_id"].iloc[1])
    assert read_points(p)["site_id"].tolist() == [7, 8]  # as pandas reads it otherwise


def test_load_dataset_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match="does not exist"):
        load_dataset(tmp_path / "nowhere")
    with pytest.raises(
        MissingInputError,
        match=r"is not a dataset folder: it has no districts\.geojson; build one from raw files "
        r"with `shelter-planner data build`",
    ):
        load_dataset(tmp_path)  # e.g. the raw files' folder given as --data


def test_load_dataset_rejects_unknown_district(tmp_path: Path) -> None:
    import shutil

    src = default_data_dir()
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    sh = pd.read_csv(tmp_path / "shelters.csv")
    sh.loc[0, "district_id"] = "AZ-XXX"
    sh.to_csv(tmp_path / "shelters.csv", index=False)
    with pytest.raises(InputDataError, match=r"shelters\.csv, row 2: district_id 'AZ-XXX'"):
        load_dataset(tmp_path)


def test_network_is_compiled_once(dataset: Dataset) -> None:
    assert dataset.network is dataset.network
    assert dataset.network.snappable.mean() > 0.9
    assert np.isfinite(dataset.network.lon).all()


def test_resident_basis_moves_displaced_people(dataset: Dataset) -> None:
    moved = dataset.with_resident_basis(0.25)
    before = dataset.districts.set_index("district_id")["population"]
    after = moved.districts.set_index("district_id")["population"]
    assert int(after.sum()) == int(before.sum())  # nobody lost
    registered = dataset.districts.set_index("district_id")["population_basis"] == "registered"
    assert after[registered].to_numpy() == pytest.approx(0.25 * before[registered].to_numpy(),
                                                         abs=1)  # fmt: skip
    gain = (after - before)[["AZ-BA", "AZ-SM", "AZ-ABS"]]
    assert int(gain.sum()) == int((before - after)[registered].sum())
    assert (gain > 0).all()
    # settlements follow their districts
    s = moved.settlements.groupby("district_id")["population"].sum()
    assert s.reindex(after.index).tolist() == after.tolist()
    with pytest.raises(OptionError, match=r"resident_share is 1\.5"):
        dataset.with_resident_basis(1.5)


def test_resident_basis_needs_registered_districts(tmp_path: Path) -> None:
    from tests.tiny import write_tiny_dataset

    tiny = load_dataset(write_tiny_dataset(tmp_path / "tiny"))
    with pytest.raises(OptionError, match="marks no district's population as registered"):
        tiny.with_resident_basis(0.5)


def test_travel_modes_come_from_the_metadata(dataset: Dataset) -> None:
    modes = dataset.travel_modes
    assert set(modes) >= {"car", "bus"}
    calibrated = dataset.metadata["travel_modes"]
    assert modes["car"].time_factor == calibrated["car"]["time_factor"]
    assert modes["bus"].wait_min == calibrated["bus"]["wait_min"]
    with pytest.raises(
        OptionError, match=r"travel mode is 'plane'; this dataset has \['bus', 'car'\]"
    ):
        dataset.travel_mode("plane")


def test_metadata_is_optional_and_checked_when_given(tmp_path: Path) -> None:
    """A folder of one's own needs no metadata.json (the folder names the dataset, the
    defaults apply); a bad one is named."""
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "mine")
    meta = folder / "metadata.json"
    kept = meta.read_text("utf-8")
    meta.unlink()
    plain = load_dataset(folder)
    assert plain.name == "mine" and plain.report_list("limitations") == []
    assert sorted(plain.travel_modes) == ["bus", "car"]
    far = json.dumps({**json.loads(kept), "max_outside_m": 80_000})
    for text, said in [
        ("[1, 2]", r"metadata\.json holds a list; expected an object"),
        ("{", r"metadata\.json is not valid JSON"),
        (far, r"max_outside_m is 80000; expected metres, more"),
    ]:
        meta.write_text(text, "utf-8")
        with pytest.raises(InputDataError, match=said):
            load_dataset(folder)


def test_bad_travel_modes_in_metadata_are_named(tmp_path: Path) -> None:
    from tests.tiny import write_tiny_dataset

    folder = write_tiny_dataset(tmp_path / "tiny")
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    meta["travel_modes"] = {"bus": {"time_factor": 9}}
    (folder / "metadata.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(InputDataError, match=r"travel_modes\.bus: .*time_factor is 9"):
        _ = load_dataset(folder).travel_modes
