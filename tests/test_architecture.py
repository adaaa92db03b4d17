"""The layout's rules, checked on every module: no streamlit outside `tokdash/ui/` and the pages,
no import cycle inside tokdash, modules and pages short enough to read."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tokdash"
MAX_MODULE_LINES = 400
MAX_PAGE_LINES = 200


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` (a module of ours) imports: see `imports_of`."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    return imports_of(path.read_text(), package)


def imports_of(source: str, package: str) -> set[str]:
    """Every module ``source`` (a module of ``package``) imports, at any depth (functions
    included), as dotted names. ``from a.b import c`` counts as ``a.b.c`` when that is a module
    of ours, else as ``a.b``; relative imports are resolved against ``package``.
    """
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return found


def internal_graph() -> dict[str, set[str]]:
    return {
        name: {m for m in imported_modules(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_import_reader_sees_function_level_and_relative_imports():
    source = (
        "def f():\n    import streamlit as st\n    from tokdash.cli import main\n"
        "from .engines import flatten\nfrom ..corpus import Document\n"
    )
    found = imports_of(source, "tokdash.tokenizers")
    assert {
        "streamlit",
        "tokdash.cli.main",
        "tokdash.tokenizers.engines",
        "tokdash.corpus",
    } <= found


def test_no_import_cycles_inside_tokdash():
    assert cycles(internal_graph()) == []


def test_streamlit_only_in_ui():
    offenders = [
        name
        for name, path in MODULES.items()
        if not name.startswith("tokdash.ui")
        and any(m.split(".")[0] == "streamlit" for m in imported_modules(path))
    ]
    assert offenders == []


@pytest.mark.parametrize("heavy", ["streamlit", "torch"])
def test_library_modules_import_light(heavy):
    """Importing any library module (ui aside) loads neither streamlit nor torch: both are imported
    inside the functions that need them."""
    names = [n for n in MODULES if not n.startswith("tokdash.ui") and n != "tokdash.__main__"]
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}:\n"
        "    importlib.import_module(n)\n"
        f"print({heavy!r} in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_modules_and_pages_are_short():
    long_modules = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    long_pages = {
        p.name: n
        for p in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
        if (n := len(p.read_text().splitlines())) > MAX_PAGE_LINES
    }
    assert long_modules == {}
    assert long_pages == {}


def test_pyproject_pins_equal_requirements():
    """The installable package asks for exactly what requirements.txt pins."""
    import tomllib

    pins = {
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(project["dependencies"]) == pins
    assert project["scripts"]["tokdash"] == "tokdash.cli.main:main"
    ray_pins = {
        line.strip()
        for line in (ROOT / "requirements-ray.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert set(project["optional-dependencies"]["ray"]) == ray_pins
