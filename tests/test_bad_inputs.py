"""A corpus of bad and hostile inputs: each ends in a clear error (exit status 2), never a
traceback or a silently wrong figure.

Every case starts from the tiny dataset (tests/tiny.py), breaks one thing, and
checks that the planner refuses it with a message naming the file and what is
wrong (or, for the few inputs that can be repaired with certainty, that it
repairs them with a warning and gives the right answer).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner._errors import PlannerError
from planner.cli import cli
from planner.data import candidate_sites, load_dataset
from planner.network import read_speed_table
from planner.readers import read_population_table
from planner.scenario import load_scenario
from tests.tiny import write_tiny_dataset

Edit = Callable[[Path], None]


def cell(file: str, row: int, column: str, value: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        table = _read(path)
        table.loc[row, column] = value
        _write(path, table)

    return edit


def dup(file: str, row: int) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        table = _read(path)
        _write(path, pd.concat([table, table.iloc[[row]]], ignore_index=True))

    return edit


def drop(file: str, column: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        _write(path, _read(path).drop(columns=column))

    return edit


def raw(file: str, data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)

    return edit


def header_only(file: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        _write(path, _read(path).iloc[0:0])

    return edit


def remove(file: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / file).unlink()

    return edit


def district(prop: str, value: object, feature: int = 0) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / "districts.geojson"
        data = json.loads(path.read_text("utf-8"))
        if prop == "geometry":
            data["features"][feature]["geometry"] = value
        else:
            data["features"][feature]["properties"][prop] = value
        path.write_text(json.dumps(data), "utf-8")

    return edit


def _plain(path: Path) -> None:
    path.write_bytes(b"osmid,x,y\n0,47,40\n")


def _cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-20])  # a copy that stopped before the end


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(path: Path, table: pd.DataFrame) -> None:
    text = table.to_csv(index=False)
    path.write_bytes(gzip.compress(text.encode()) if path.suffix == ".gz" else text.encode())


S, SH, C, H = "settlements.csv", "shelters.csv", "candidates.csv", "hospitals.csv"
N, E = "roads_nodes.csv.gz", "roads_edges.csv.gz"
LATIN1 = "settlement_id,name\nS0,Ağdam\n".encode().replace("ğ".encode(), b"\xf0")
SQUARE = [[[46.995, 39.995], [47.01, 39.995], [47.01, 40.025], [46.995, 40.025], [46.995, 39.995]]]

DATASET_CASES: list[tuple[str, Edit, str]] = [
    # settlements
    ("settlement population negative", cell(S, 0, "population", "-5"), r"population is '-5'"),
    ("settlement population text", cell(S, 0, "population", "many"), r"population is 'many'"),
    ("settlement population empty", cell(S, 0, "population", ""), r"population is empty"),
    ("settlement population fraction", cell(S, 0, "population", "1.5"), r"whole number"),
    ("settlement population overflow", cell(S, 0, "population", "1e30"), r"population"),
    ("settlement population nan", cell(S, 0, "population", "nan"), r"population"),
    ("settlement population +1", cell(S, 0, "population", "20001"), r"hold 120,001 people"),
    ("settlement weight negative", cell(S, 0, "weight", "-1"), r"weight is '-1(\.0)?'"),
    ("settlement weight infinite", cell(S, 0, "weight", "inf"), r"weight is 'inf'"),
    ("settlement lon empty", cell(S, 0, "lon", ""), r"lon is empty"),
    ("settlement lat out of range", cell(S, 0, "lat", "999"), r"not a WGS 84"),
    ("settlement lon text", cell(S, 1, "lon", "east"), r"row 3: lon is 'east'"),
    ("settlement moved abroad", cell(S, 0, "lat", "38.08"), r"km outside its district"),
    ("settlement lon/lat swapped", cell(S, 0, "lon", "40.0"), r"swapped"),
    ("settlement duplicated", dup(S, 0), r"settlement_id 'S0' repeats row 2"),
    ("settlement id empty", cell(S, 3, "settlement_id", ""), r"settlement_id is empty"),
    ("settlement district unknown", cell(S, 0, "district_id", "ZZ"), r"'ZZ' is not in"),
    ("settlement column missing", drop(S, "population"), r"lacks column \['population'\]"),
    ("settlements empty file", raw(S, b""), r"is empty"),
    ("settlements header only", header_only(S), r"no data rows"),
    ("settlements not UTF-8", raw(S, LATIN1), r"not UTF-8"),
    ("settlements binary", raw(S, b"\x00\x01\x02garbage"), r"binary|not UTF-8"),
    ("settlements missing file", remove(S), r"does not exist"),
    ("settlements bad quoting", raw(S, b'settlement_id,name\n"S0,x\n'), r"CSV|lacks"),
    # shelters
    ("shelter capacity negative", cell(SH, 0, "capacity_places", "-162"), r"capacity_places"),
    ("shelter capacity zero", cell(SH, 0, "capacity_places", "0"), r"capacity_places is '0'"),
    ("shelter capacity text", cell(SH, 0, "capacity_places", "ten"), r"capacity_places"),
    (
        "shelter capacity decimal comma",
        cell(SH, 0, "capacity_places", "12,5"),
        r"capacity_places is '12,5'.* \(write numbers as 1234\.5",
    ),
    ("shelter capacity absurd", cell(SH, 0, "capacity_places", "1e9"), r"capacity_places"),
    ("shelter duplicated", dup(SH, 0), r"shelter_id 'SH-W' repeats"),
    ("shelter inclusive unclear", cell(SH, 0, "inclusive", "maybe"), r"true or false"),
    ("shelter approximate empty", cell(SH, 0, "location_approximate", ""), r"true or false"),
    ("shelter lon nan", cell(SH, 0, "lon", "nan"), r"lon is"),
    ("shelter abroad", cell(SH, 0, "lat", "10"), r"outside its district"),
    ("shelter district unknown", cell(SH, 0, "district_id", "X"), r"'X' is not in"),
    ("shelter column missing", drop(SH, "capacity_places"), r"lacks column"),
    ("shelters empty file", raw(SH, b""), r"is empty"),
    ("shelters not UTF-8", raw(SH, LATIN1), r"not UTF-8"),
    ("shelters missing file", remove(SH), r"does not exist"),
    # candidates and hospitals
    ("candidate duplicated", dup(C, 1), r"candidate_id 'C4' repeats"),
    ("candidate lat text", cell(C, 0, "lat", "north"), r"lat is 'north'"),
    ("candidate abroad", cell(C, 0, "lon", "45.0"), r"outside its district"),
    ("candidate district unknown", cell(C, 0, "district_id", "Q"), r"'Q' is not in"),
    ("candidate name column missing", drop(C, "name"), r"lacks column"),
    ("candidates empty file", raw(C, b""), r"is empty"),
    ("candidate id empty", cell(C, 0, "candidate_id", ""), r"candidate_id is empty"),
    ("candidate id a shelter's", cell(C, 0, "candidate_id", "SH-W"), r"an existing shelter's id"),
    (
        "candidate settlement unknown",
        cell(C, 1, "settlement_id", "S99"),
        r"candidates\.csv, row 3: settlement_id is 'S99', which settlements\.csv does not hold",
    ),
    ("hospital duplicated", dup(H, 0), r"hospital_id 'H4' repeats"),
    ("hospital abroad", cell(H, 1, "lat", "41.5"), r"outside its district"),
    ("hospital lon empty", cell(H, 0, "lon", ""), r"lon is empty"),
    ("hospital subclass column missing", drop(H, "subclass"), r"lacks column"),
    ("hospitals not UTF-8", raw(H, LATIN1), r"not UTF-8"),
    # districts
    ("districts not JSON", raw("districts.geojson", b"{not json"), r"not a readable GeoJSON"),
    (
        "districts empty collection",
        raw("districts.geojson", b'{"type": "FeatureCollection", "features": []}'),
        r"no districts|lacks",
    ),
    ("district id duplicated", district("district_id", "E", 0), r"district_id 'E' repeats"),
    ("district population negative", district("population", -1), r"population is '-1'"),
    ("district population text", district("population", "lots"), r"population is 'lots'"),
    ("district population fraction", district("population", 1.5), r"whole number"),
    ("district population overflow", district("population", 1e30), r"population"),
    ("district region missing", district("region", None), r"region is empty"),
    ("district geometry null", district("geometry", None), r"geometry is empty"),
    (
        "district geometry point",
        district("geometry", {"type": "Point", "coordinates": [47, 40]}),
        r"is a Point",
    ),
    (
        "district in metres",
        district(
            "geometry",
            {
                "type": "Polygon",
                "coordinates": [[[5e6, 4e6], [5.1e6, 4e6], [5.1e6, 4.1e6], [5e6, 4e6]]],
            },
        ),
        r"not longitude/latitude",
    ),
    ("districts binary", raw("districts.geojson", b"\x00\xff\x00"), r"not a readable GeoJSON"),
    ("districts missing file", remove("districts.geojson"), r"not a dataset folder: it has no"),
    ("district population disagrees", district("population", 1), r"hold 120,000 people"),
    # roads
    ("node duplicated", dup(N, 0), r"osmid '0' repeats"),
    ("node x nan", cell(N, 0, "x", "nan"), r"x is (empty|'nan')"),
    ("node y out of range", cell(N, 0, "y", "200"), r"y is '200'"),
    ("nodes not gzip", lambda f: _plain(f / N), r"not a gzip"),
    (
        "nodes cut short",
        lambda f: _cut_short(f / N),
        r"is cut short \(the gzip stream ends early\)",
    ),
    ("nodes empty", raw(N, b""), r"is empty"),
    ("nodes missing file", remove(N), r"does not exist"),
    ("edge zero length", cell(E, 0, "length", "0"), r"length is '0'"),
    ("edge negative length", cell(E, 0, "length", "-5"), r"length is '-5'"),
    ("edge zero speed", cell(E, 0, "speed_kph", "0"), r"speed_kph is '0'"),
    ("edge zero time", cell(E, 0, "travel_time", "0"), r"travel_time is '0'"),
    ("edge time inconsistent", cell(E, 0, "travel_time", "6"), r"does not match length"),
    ("edge to missing node", cell(E, 0, "v", "999"), r"v 999 is not a node"),
    ("edge node text", cell(E, 0, "u", "abc"), r"u is 'abc'"),
    ("edge column missing", drop(E, "travel_time"), r"lacks column"),
    ("edges header only", header_only(E), r"no data rows"),
    ("edges not UTF-8", raw(E, b"u,v\n\xff\xfe,1\n"), r"not UTF-8"),
    # metadata
    ("metadata not JSON", raw("metadata.json", b"{name: tiny"), r"not valid JSON"),
    ("metadata a list", raw("metadata.json", b"[1, 2]"), r"holds a list"),
    ("metadata binary", raw("metadata.json", b"\xff\xfe\x00"), r"not valid JSON"),
    (
        "metadata unknown term",
        raw("metadata.json", b'{"report": {"translations": {"az": {"terms": {"area": "x"}}}}}'),
        r"metadata\.json: report\.translations\.az\.terms has 'area'; expected words of",
    ),
    (
        "metadata empty term",
        raw("metadata.json", b'{"report": {"translations": {"az": {"terms": {"region": ""}}}}}'),
        r"report\.translations\.az\.terms gives 'region' as ''",
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [pytest.param(e, m, id=name) for name, e, m in DATASET_CASES],
)
def test_bad_dataset_is_refused_by_name(tmp_path: Path, edit: Edit, expected: str) -> None:
    folder = write_tiny_dataset(tmp_path / "ds")
    edit(folder)
    with pytest.raises(PlannerError, match=expected) as caught:
        load_dataset(folder)
    assert str(folder) in str(caught.value) or "row" in str(caught.value)


def test_data_check_exits_2_and_names_the_row(tmp_path: Path) -> None:
    folder = write_tiny_dataset(tmp_path / "ds")
    command = [sys.executable, "-m", "planner", "data", "check", str(folder)]
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    # the table's title wraps with the folder's path: compare words, not lines
    words = " ".join((ok.stdout + ok.stderr).split())
    assert ok.returncode == 0 and "every check passed" in words, words
    # shelters are counted by records, beds and districts, not as if a record were one shelter
    for counted in ("existing shelter records │ 1", "existing shelter beds │ 10",
                    "districts with a shelter │ 1", "people │ 180,000",
                    "hospitals offered by default (no types: all) │ 2"):  # fmt: skip
        assert counted in words, words
    dup(S, 0)(folder)
    bad = subprocess.run(command, capture_output=True, text=True, check=False)
    assert bad.returncode == 2, bad.stdout + bad.stderr
    said = bad.stdout + bad.stderr
    assert "repeats row 2" in said.replace("\n", " ") and "Traceback" not in said


def test_repairs_are_certain_and_said(tmp_path: Path) -> None:
    # a self-intersecting (bow-tie) polygon is repaired with a warning
    folder = write_tiny_dataset(tmp_path / "bow")
    bow = [[[46.99, 39.99], [47.015, 40.03], [47.015, 39.99], [46.99, 40.03], [46.99, 39.99]]]
    district("geometry", {"type": "Polygon", "coordinates": bow})(folder)
    with pytest.warns(UserWarning, match="invalid"):
        ds = load_dataset(folder)
    assert ds.districts.geometry.is_valid.all()
    # a districts file in web-mercator metres is reprojected with a note, not mislabelled
    folder = write_tiny_dataset(tmp_path / "merc")
    import geopandas as gpd

    d = gpd.read_file(folder / "districts.geojson").to_crs("EPSG:3857")
    (folder / "districts.geojson").unlink()
    d.to_file(folder / "districts.geojson", driver="GeoJSON")
    with pytest.warns(UserWarning, match="reprojected to EPSG:4326"):
        ds = load_dataset(folder)
    assert ds.districts.crs.to_epsg() == 4326
    assert ds.districts.total_bounds[0] == pytest.approx(46.99, abs=1e-6)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


POPULATION_CASES = [
    ("empty", b"", r"is empty"),
    ("header only", b"district_id,population\n", r"no data rows"),
    ("all zero", b"district_id,population\nW,0\nE,0\n", r"every population is 0"),
    ("negative", b"district_id,population\nW,-3\nE,5\n", r"row 2: population"),
    ("overflow", b"district_id,population\nW,1e30\nE,5\n", r"row 2: population"),
    ("int64 overflow", b"district_id,population\nW,99999999999999999999\nE,5\n", r"row 2"),
    ("duplicate", b"district_id,population\nW,3\nW,5\n", r"repeats"),
    ("not UTF-8", b"district_id,population\n\xf0,3\n", r"not UTF-8"),
    ("column missing", b"district_id,people\nW,3\n", r"lacks column"),
    (
        "columns in capitals",
        b"District_ID, Population\nW,3\n",
        r"lacks columns \['district_id', 'population'\]; it has \['District_ID', ' Population'\] "
        r"\('District_ID' differs from 'district_id', ' Population' differs from 'population' "
        r"only in case or spacing; names must match exactly\)",
    ),
    (
        "semicolons",
        b"district_id;population\nW;3\n",
        r"its one column is 'district_id;population', so its fields are separated by "
        r"semicolons; expected commas",
    ),
    ("tabs", b"district_id\tpopulation\nW\t3\n", r"separated by tabs"),
    (
        "thousands separator",
        b'district_id,population\nW,"1,234"\nE,5\n',
        r"row 2: population is '1,234'; expected a number \(write numbers as 1234\.5: no "
        r"thousands separators",
    ),
    ("fraction", b"district_id,population\nW,3.5\nE,5\n", r"whole number"),
    ("text", b"district_id,population\nW,many\nE,5\n", r"population is 'many'"),
]


@pytest.mark.parametrize(
    ("data", "expected"), [pytest.param(d, m, id=n) for n, d, m in POPULATION_CASES]
)
def test_bad_population_table(tmp_path: Path, data: bytes, expected: str) -> None:
    with pytest.raises(PlannerError, match=expected):
        read_population_table(_file(tmp_path, "pop.csv", data))


def test_population_table_must_match_the_districts(tmp_path: Path) -> None:
    ds = load_dataset(write_tiny_dataset(tmp_path / "ds"))
    unknown = _file(tmp_path, "u.csv", b"district_id,population\nW,3\nE,5\nZ,1\n")
    with pytest.raises(PlannerError, match=r"district_id 'Z' is not among the dataset's 2"):
        ds.with_population(read_population_table(unknown))
    # named by file and row when the caller says where the table came from
    with pytest.raises(PlannerError, match=r"u\.csv: population table: district_id 'Z' \(row 4\)"):
        ds.with_population(read_population_table(unknown), source=str(unknown))
    missing = _file(tmp_path, "m.csv", b"district_id,population\nW,3\n")
    with pytest.raises(PlannerError, match=r"m\.csv: population table lacks 1 district"):
        ds.with_population(read_population_table(missing), source=str(missing))


SPEED_CASES = [
    ("misspelt class", b"highway,speed_kph\nprimry,60\n", r"'primry' is not an OSM road class"),
    ("zero", b"highway,speed_kph\nprimary,0\n", r"not a positive number"),
    ("text", b"highway,speed_kph\nprimary,fast\n", r"not a positive number"),
    ("column missing", b"highway,kph\nprimary,60\n", r"lacks column"),
    ("empty", b"", r"is empty"),
    ("not UTF-8", b"highway,speed_kph\n\xff,60\n", r"not UTF-8"),
]


@pytest.mark.parametrize(
    ("data", "expected"), [pytest.param(d, m, id=n) for n, d, m in SPEED_CASES]
)
def test_bad_speed_table(tmp_path: Path, data: bytes, expected: str) -> None:
    with pytest.raises(PlannerError, match=expected):
        read_speed_table(_file(tmp_path, "speeds.csv", data))


SCENARIO_CASES = [
    ("binary", b"\x00\x01\x02\xff", r"not UTF-8|not valid TOML"),
    ("not UTF-8", b'name = "\xf0"\n', r"not UTF-8"),
    ("invalid TOML", b"name = = 1\n", r"not valid TOML"),
    ("unknown table", b"[colours]\nred = 1\n", r"top level: unknown key \[.colours.\]"),
    ("negative threshold", b"[access]\nthresholds_min = [-5]\n", r"thresholds_min\[0\]"),
    ("zero time limit", b"[solver]\ntime_limit_s = 0\n", r"time_limit_s"),
    ("share above one", b"[targets]\nserved_share = 2\n", r"served_share"),
    ("sizes without costs", b"[supply]\nsizes = [10, 20]\nsize_costs = [1]\n", r"size_costs"),
    ("bad objective", b'[objective]\ntype = "cheapest"\n', r"objective\.type"),
    ("budget not whole", b"[budget]\nmax_new_sites = 2.5\n", r"max_new_sites"),
]


@pytest.mark.parametrize(
    ("data", "expected"), [pytest.param(d, m, id=n) for n, d, m in SCENARIO_CASES]
)
def test_bad_scenario_file(tmp_path: Path, data: bytes, expected: str) -> None:
    with pytest.raises(PlannerError, match=expected):
        load_scenario(_file(tmp_path, "s.toml", data))


def test_candidate_files(tmp_path: Path) -> None:
    folder = write_tiny_dataset(tmp_path / "ds")
    ds = load_dataset(folder)
    # the dataset's own candidates.csv, district_id column and all, is a valid file
    own = candidate_sites(ds, file=folder / C)
    assert own["candidate_id"].tolist() == ds.candidates["candidate_id"].tolist()
    # a point just outside every polygon (within 3 km) takes the nearest district
    near = _file(tmp_path, "near.csv", b"name,lon,lat\nEdge,47.035,40.01\n")
    assert candidate_sites(ds, file=near)["district_id"].tolist() == ["E"]
    # ids are text: 007 stays 007
    zeros = _file(tmp_path, "zeros.csv", b"candidate_id,name,lon,lat\n007,Seven,47.0,40.0\n")
    assert candidate_sites(ds, file=zeros)["candidate_id"].tolist() == ["007"]
    cases = [
        (b"name,lon,lat\nTabriz,46.29,38.08\n", r"outside every district"),
        (b"name,lon,lat,district_id\nX,46.96,40.0,E\n", r"km outside its district 'E'"),
        (b"name,lon,lat,district_id\nX,47.0,40.0,ZZ\n", r"'ZZ' is not in"),
        (b"lon,lat\n47.0,40.0\n", r"lacks column"),
        (b"", r"is empty"),
        (b"name,lon,lat,candidate_id\nA,47.0,40.0,K\nB,47.01,40.0,K\n", r"'K' repeats"),
        (b"name,lon,lat\nA,47.0,40.0\n,47.01,40.0\n", r"c\d\.csv, row 3: name is empty"),
        (
            b"name,lon,lat,candidate_id\nA,47.0,40.0,SH-W\n",
            r"row 2: candidate_id 'SH-W' is an existing shelter's id; expected an id of its own",
        ),
    ]
    for i, (data, expected) in enumerate(cases):
        with pytest.raises(PlannerError, match=expected):
            candidate_sites(ds, file=_file(tmp_path, f"c{i}.csv", data))


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, PlannerError), repr(result.exception)
        return 2, str(result.exception)
    return result.exit_code, result.output


def test_output_folders(tmp_path: Path) -> None:
    folder = write_tiny_dataset(tmp_path / "ds")
    common = ["--data", str(folder), "--tiles", "none"]
    a_file = _file(tmp_path, "file.txt", b"x")
    code, text = _run(["assess", "--out", str(a_file), *common])
    assert code == 2 and "is a file" in text
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    code, text = _run(["assess", "--out", str(foreign), *common])
    assert code == 2 and "did not write" in text
    assert (foreign / "notes.txt").read_text() == "keep me"
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        code, text = _run(["assess", "--out", str(locked / "out"), *common])
        assert code == 2 and "cannot create" in text
