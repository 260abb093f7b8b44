"""The interactive map, opened in a real headless browser with its assets served locally."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from planner.assessment import assess
from planner.data import Dataset
from planner.maps import access_map, write_access_map

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason=(
        "no chromium on PATH: install Debian's 'chromium' (.ci/run does) "
        "to test the map in a browser"
    ),
)

# Records any JavaScript error in the page title, which --dump-dom prints.
CATCH_ERRORS = (
    "<script>window.addEventListener('error', function (e) {"
    " document.title = 'JS' + 'ERROR ' + e.message; });</script>"
)


@pytest.fixture(scope="module")
def map_dir(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("map")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_access_map(assess(dataset), dataset, out / "map.html", tiles="none", assets="local")
    html = (out / "map.html").read_text("utf-8")
    (out / "probe.html").write_text(html.replace("<head>", "<head>" + CATCH_ERRORS, 1), "utf-8")
    return out


@pytest.fixture(scope="module")
def server(map_dir: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(map_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _warm(colour: tuple[int, int, int]) -> bool:
    return colour[0] > 200 and colour[2] < 120


def _chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1200,900",
            "--virtual-time-budget=8000",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_map_is_offline_ready(map_dir: Path) -> None:
    html = (map_dir / "map.html").read_text("utf-8")
    assert 'src="assets/leaflet/leaflet.js"' in html
    assert "cdn.jsdelivr" not in html and "tile.openstreetmap" not in html
    for layer in (
        "Travel time to the nearest shelter",
        "Shortfall of shelter beds",
        "E2SFCA",
        "Settlements beyond 120 min",
        "Existing shelter capacity",
    ):
        assert layer in html
    assert "Nakhchivan exclave" in html
    assert "OpenStreetMap contributors" in html


def test_cdn_and_tiles_options(dataset: Dataset) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = assess(dataset)
    html = access_map(a, dataset, tiles="openstreetmap", assets="cdn").get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.4" in html and "tile.openstreetmap.org" in html
    with pytest.raises(ValueError, match="'satellite'"):
        access_map(a, dataset, tiles="satellite")  # type: ignore[arg-type]


@needs_chromium
def test_map_draws_in_a_browser(server: str, map_dir: Path, tmp_path: Path) -> None:
    dom = _chromium(f"{server}/probe.html", tmp_path / "p1", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert "JSERROR" not in page, page[page.find("JSERROR") : page.find("JSERROR") + 300]
    assert "Uncaught" not in dom.stderr
    assert "leaflet-container" in page
    # the district layer drew its polygons as interactive SVG paths
    assert page.count("leaflet-interactive") >= 78
    assert "leaflet-control-layers" in page

    shot = tmp_path / "shot.png"
    proc = _chromium(f"{server}/map.html", tmp_path / "p2", f"--screenshot={shot}")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        colours = rgb.getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 100, "the screenshot is blank"
        # the choropleth's warm colours are on screen
        warm = sum(
            int(n) for n, rgb_value in colours if _warm(cast(tuple[int, int, int], rgb_value))
        )
        assert warm > 0.02 * rgb.width * rgb.height
