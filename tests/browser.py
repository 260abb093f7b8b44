"""Open a page in headless Chromium with the network blocked, and report what went wrong.

Used by the map and notebook tests. The page is served from a local folder on
127.0.0.1; every other host name fails to resolve (``--host-resolver-rules``),
so any request that leaves the machine fails as it would offline. A probe
script, put first in a copy of the page's ``<head>``, records JavaScript
errors, ``console.error`` calls and resources that failed to load, then, after
the page has loaded, writes them with every resource requested and the labels
of the Leaflet layer control into the DOM, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason=(
        "no chromium on PATH: install Debian's 'chromium' (.ci/run does) "
        "to test the maps in a browser"
    ),
)

PROBE = """<script>(function () {
  var report = {errors: [], failed: []};
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { report.failed.push(String(t.src || t.href)); }
    else { report.errors.push(String(e.message)); }
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    report.errors.push('unhandled rejection: ' + e.reason);
  });
  var original = console.error;
  console.error = function () {
    report.errors.push(Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    setTimeout(function () {
      report.resources = performance.getEntriesByType('resource').map(function (r) {
        return [r.name, r.responseStatus === undefined ? -1 : r.responseStatus];
      });
      report.layers = Array.prototype.map.call(
        document.querySelectorAll('.leaflet-control-layers label'),
        function (l) { return l.textContent.trim(); });
      report.maps = document.querySelectorAll('.leaflet-container').length;
      report.drawn = document.querySelectorAll('.leaflet-interactive').length;
      var pre = document.createElement('pre');
      pre.id = 'probe-report';
      pre.textContent = JSON.stringify(report);
      document.body.appendChild(pre);
    }, 1500);
  });
})();</script>"""


def run_chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Open ``url`` in headless Chromium with a fresh profile; ``extra`` flags are added."""
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
            "--virtual-time-budget=10000",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@dataclass(frozen=True)
class PageReport:
    """What happened when a page was opened offline."""

    errors: list[str]
    failed: list[str]
    resources: list[tuple[str, int]]
    layers: list[str]
    maps: int
    drawn: int
    console: list[str]

    def failed_requests(self, origin: str) -> list[str]:
        """Requests that failed, left the machine, or came back with an error status."""
        bad = list(self.failed)
        for name, status in self.resources:
            if name.startswith("data:"):
                continue
            if not name.startswith(origin) or status >= 400:
                bad.append(f"{name} ({status})")
        bad += [line for line in self.console if "net::ERR" in line]
        return bad


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 and yield its origin."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def open_offline(page: Path, profile: Path) -> tuple[PageReport, str]:
    """Open ``page`` (served from its folder) offline; return its report and the origin."""
    assert CHROMIUM is not None
    text = page.read_text("utf-8")
    assert "<head>" in text, f"{page.name} has no <head>"
    probe = page.with_name(f"_probe_{page.name}")
    probe.write_text(text.replace("<head>", "<head>" + PROBE, 1), "utf-8")
    try:
        with serve(page.parent) as origin:
            proc = run_chromium(
                f"{origin}/{probe.name}",
                profile,
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--dump-dom",
            )
    finally:
        probe.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    start = proc.stdout.find('<pre id="probe-report">')
    assert start >= 0, f"the probe did not report (page never loaded?): {proc.stderr[-2000:]}"
    end = proc.stdout.find("</pre>", start)
    data: dict[str, Any] = json.loads(
        html.unescape(proc.stdout[start + len('<pre id="probe-report">') : end])
    )
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    report = PageReport(
        errors=[str(e) for e in data["errors"]],
        failed=[str(f) for f in data["failed"]],
        resources=[(str(n), int(s)) for n, s in data["resources"]],
        layers=[str(x) for x in data["layers"]],
        maps=int(data["maps"]),
        drawn=int(data["drawn"]),
        console=console,
    )
    return report, origin.replace(f"/{probe.name}", "")


_LAYER_ENTRY = re.compile(r'^\s*("(?:[^"\\]|\\.)*")\s*:\s*[A-Za-z_$][\w$]*,\s*$', re.M)


def declared_layers(page_html: str) -> list[str]:
    """Names of the layers a folium page gives its layer control (base layers and overlays)."""
    names: list[str] = []
    for block in re.findall(r"(?:base_layers|overlays)\s*:\s*\{(.*?)\}", page_html, re.S):
        names += [str(json.loads(m)) for m in _LAYER_ENTRY.findall(block)]
    return names


def assert_works_offline(page: Path, profile: Path, layers: list[str]) -> PageReport:
    """Open ``page`` offline and check it: no failed request, no error, every layer listed.

    ``layers`` are names the control must list; so must every layer the page declares.
    """
    declared = declared_layers(page.read_text("utf-8"))
    assert declared, f"{page.name} declares no layer control"
    layers = [*layers, *declared]
    report, origin = open_offline(page, profile)
    assert report.failed_requests(origin) == [], page.name
    assert report.errors == [], page.name
    assert report.maps >= 1 and report.drawn > 0, f"{page.name}: no map drawn"
    missing = [name for name in layers if not any(name in label for label in report.layers)]
    assert missing == [], f"{page.name}: layer control lacks {missing}; it has {report.layers}"
    return report
