"""The notebooks run from top to bottom (so they cannot rot), and their maps work offline."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, assert_works_offline
from tests.conftest import require_raw

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize(
    "name", ["01_access_assessment.ipynb", "02_site_selection.ipynb", "03_your_own_region.ipynb"]
)
def test_notebook_executes(name: str, tmp_path: Path) -> None:
    if name.startswith("03"):
        require_raw()  # the example builds its region from the raw files
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    env_before = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        client = nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()
    finally:
        if env_before is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_before
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = str(outputs)
    assert "leaflet" in text.lower()  # the map is inline
    if name.startswith("01"):
        assert "required_to_existing_ratio" in text
        assert "image/png" in text  # the figures are inline
        assert (tmp_path / "map.png").is_file()
    elif name.startswith("02"):
        assert "coe-minimum" in text and "budget-5-sites" in text
    else:
        assert (tmp_path / "nakhchivan" / "metadata.json").is_file()
        assert "new sites" in text and "Baku" not in text and "infeasible" not in text

    # every map the notebook shows works offline in a real browser (when Chromium is there)
    pages = [
        html.unescape(m)
        for o in outputs
        for m in re.findall(r'srcdoc="([^"]*)"', str(o.get("data", {}).get("text/html", "")))
        if "leaflet" in m.lower()
    ]
    assert pages, "the notebook shows no map"
    if CHROMIUM is None:
        return
    for k, page in enumerate(pages):
        path = tmp_path / f"notebook_map_{k}.html"
        path.write_text(page, "utf-8")
        layer = "Travel time to the nearest" if name.startswith("01") else "Travel time today"
        assert_works_offline(path, tmp_path / f"profile_{k}", [layer])
