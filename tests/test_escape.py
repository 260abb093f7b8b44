"""One escaping path: hostile names stay text in maps, the report and spreadsheet cells."""

from __future__ import annotations

import functools
import http.server
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from planner._escape import (
    html_text,
    markdown_cell,
    spreadsheet_cell,
    spreadsheet_frame,
    web_frame,
)
from planner.assessment import assess
from planner.data import load_dataset
from planner.outputs import write_assessment, write_plan
from planner.planning import plan
from planner.scenario import scenario_from_dict
from tests.browser import needs_chromium
from tests.test_maps import CATCH_ERRORS, _chromium
from tests.tiny import TINY_SCENARIO, write_tiny_dataset

# each payload, if it ran, would change the page title or set window.pwned
HOSTILE = {
    "district_W": "<script>document.title='pwned';window.pwned=1</script>West",
    "district_E": "<img src=x onerror=\"document.title='pwned'\">East",
    "region": "${document.title='pwned'}Region",
    "settlement": "`-alert(1)-`Village {i}",
    "shelter": "\"'><svg onload=document.title='pwned'>",
    "candidate": '=HYPERLINK("http://x")Site {i}',
    "hospital": "</script><script>window.pwned=1</script>Hospital {i}",
    "note": 'Note <b onmouseover="window.pwned=1">x</b> ${1+1}',
}
# after everything has drawn, open every tooltip so its text is in the DOM, then
# report whether any payload ran
PROBE = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  for (var k in window) { try { var m = window[k];
    if (m && m instanceof L.Map) { m.eachLayer(function (l) {
      if (l.getTooltip && l.getTooltip()) { try { l.openTooltip(); } catch (e) {} } }); }
  } catch (e) {} }
  var flag = document.createElement('div'); flag.id = 'probe';
  flag.textContent = 'PWNED=' + (window.pwned ? 'yes' : 'no') + ';TITLE=' + document.title;
  document.body.appendChild(flag);
}, 1500); });
</script>"""


def test_html_text_escapes_html_and_template_strings() -> None:
    assert str(html_text("<b>&\"'")) == "&lt;b&gt;&amp;&#34;&#39;"
    assert str(html_text("${x}`\\")) == "&#36;{x}&#96;&#92;"
    assert html_text(html_text("<b>")) == html_text("<b>")  # escaped once, not twice


def test_spreadsheet_cells_are_neutralised() -> None:
    for bad in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_cell(bad) == "'" + bad
    assert spreadsheet_cell("Ganja") == "Ganja"
    frame = pd.DataFrame({"name": ["=cmd", "ok"], "value": [-95.3, 1.0]})
    out = spreadsheet_frame(frame)
    assert out["name"].tolist() == ["'=cmd", "ok"]
    assert out["value"].tolist() == [-95.3, 1.0]  # numbers are not formulas
    assert web_frame(frame)["name"].tolist() == ["=cmd", "ok"]


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    ds = load_dataset(write_tiny_dataset(root / "ds", HOSTILE))
    scenario = scenario_from_dict({**TINY_SCENARIO, "name": "<i>plan</i>${1}"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = assess(ds, scenario)
        p = plan(ds, scenario, before=before)
    assert p.result.feasible
    write_assessment(before, ds, root / "out", tiles="none", assets="local")
    write_plan(p, ds, root / "out" / "plan", tiles="none", assets="local")
    return root / "out"


def test_hostile_names_in_csv_cannot_run_as_formulas(hostile_outputs: Path) -> None:
    sites = (hostile_outputs / "plan" / "sites.csv").read_text("utf-8")
    assert "'=HYPERLINK" in sites and ",=HYPERLINK" not in sites


def test_hostile_names_are_escaped_in_the_html(hostile_outputs: Path) -> None:
    for page in ("map.html", "plan/map.html", "plan/report.html"):
        text = (hostile_outputs / page).read_text("utf-8")
        assert "<script>window.pwned" not in text and "<script>document.title" not in text
        assert "<img src=x" not in text and "<svg onload" not in text
        assert "${document" not in text and "`-alert" not in text


@pytest.fixture(scope="module")
def served(hostile_outputs: Path) -> Iterator[str]:
    for page in ("map.html", "plan/map.html", "plan/report.html"):
        html = (hostile_outputs / page).read_text("utf-8")
        html = html.replace("<head>", "<head>" + CATCH_ERRORS, 1)
        html = html.replace("</body>", PROBE + "</body>", 1)
        (hostile_outputs / page.replace(".html", ".probe.html")).write_text(html, "utf-8")
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(hostile_outputs)
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@needs_chromium
@pytest.mark.parametrize("page", ["map", "plan/map", "plan/report"])
def test_hostile_names_do_not_run_in_a_browser(served: str, page: str, tmp_path: Path) -> None:
    dom = _chromium(f"{served}/{page}.probe.html", tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    out = dom.stdout
    assert "PWNED=no" in out, out[-3000:]
    probe = out[out.index("PWNED=") :].split("<")[0]
    assert "TITLE=pwned" not in probe  # the title is what the page set, not a payload
    assert "JSERROR" not in out
    # the names are shown as text: the DOM holds them escaped
    if page.endswith("report"):
        assert "&lt;script&gt;document.title=" in out
        assert "&lt;i&gt;plan&lt;/i&gt;" in out
    else:
        assert "leaflet-container" in out and "leaflet-control-layers" in out
        assert "&lt;script&gt;document.title=" in out or "&lt;img src=x" in out


def test_markdown_cell_stays_in_its_cell() -> None:
    assert markdown_cell("a | b") == "a \\| b"
    assert markdown_cell("two\nlines\t here") == "two lines here"
    assert markdown_cell("Ganja") == "Ganja"
