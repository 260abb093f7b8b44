"""The shape of the package: one-way imports, small definitions, no country in generic code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PLANNER = Path(__file__).resolve().parents[1] / "planner"
# the one place that knows a country (its builder, reference tables and report texts)
DATASETS = PLANNER / "datasets"
MAX_CLASS_LINES = 400


def _modules() -> dict[str, tuple[Path, ast.Module]]:
    out = {}
    for path in sorted(PLANNER.rglob("*.py")):
        name = ".".join(path.relative_to(PLANNER.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = (path, ast.parse(path.read_text("utf-8")))
    return out


def _imports(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("planner"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("planner")}
    return found


def test_no_import_cycle() -> None:
    # every import counts, including those only for type checking
    mods = _modules()
    graph = {name: _imports(tree) & set(mods) for name, (_, tree) in mods.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_locate_imports_nothing_above_the_network_stage() -> None:
    # _i18n: the words of its messages (planner._i18n.Note), like _errors' exceptions;
    # _progress: what a long solve is doing now (planner._progress.stage)
    allowed = re.compile(r"^planner\.(_errors|_i18n|_progress|_validate|locate(\..*)?)$")
    for name, (_, tree) in _modules().items():
        if name.startswith("planner.locate"):
            assert {m for m in _imports(tree) if not allowed.match(m)} == set(), name


def test_no_class_over_400_lines() -> None:
    for path, tree in _modules().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                assert lines <= MAX_CLASS_LINES, f"{path.name}: {node.name} has {lines} lines"


def test_generic_modules_name_no_country() -> None:
    # the Azerbaijani *language* is a language the outputs speak (--lang az), for any dataset
    pattern = re.compile(r"Azerbaijan(?!i)|Baku|Ganja|Nakhchivan", re.IGNORECASE)
    for path in PLANNER.rglob("*"):
        if path.is_file() and DATASETS not in path.parents and path.suffix in (".py", ".j2"):
            hits = [n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                    if pattern.search(line)]  # fmt: skip
            assert hits == [], f"{path.relative_to(PLANNER)} lines {hits}"


def test_no_global_state_changes() -> None:
    for path in PLANNER.rglob("*.py"):
        text = path.read_text("utf-8")
        assert "matplotlib.use(" not in text, path.name
        assert "settings.use_cache =" not in text, path.name
