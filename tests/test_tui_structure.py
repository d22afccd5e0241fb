"""How the TUI's modules depend on each other: no import cycles, and communication only upward.

Screens and widgets talk to whoever holds them with messages or `dismiss` results, so none needs the
module of the thing that holds it. The graph is read from the sources (every import statement,
including those under TYPE_CHECKING and inside functions), so a cycle hidden by a lazy import
counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import vecaudit.tui

TUI_DIR = Path(vecaudit.tui.__file__).parent
PACKAGE = "vecaudit.tui"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(TUI_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def tui_imports(path: Path, modules: set[str]) -> set[str]:
    """The vecaudit.tui modules that `path` imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from . import x` may name a submodule.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(TUI_DIR.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): tui_imports(p, modules) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_checker_sees_imports_and_cycles() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.screens.connect" in graph[f"{PACKAGE}.app"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycle_in_the_tui() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or ())


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("widgets", ("screens", "app")),  # a widget never reaches for the screen or app holding it
        ("screens", ("app",)),
    ],
)
def test_modules_do_not_import_what_holds_them(layer: str, forbidden: tuple[str, ...]) -> None:
    graph = import_graph()
    bad = {
        module: sorted(m for m in deps if any(m.startswith(f"{PACKAGE}.{f}") for f in forbidden))
        for module, deps in graph.items()
        if module.startswith(f"{PACKAGE}.{layer}.")
    }
    assert not {m: d for m, d in bad.items() if d}


def test_only_the_main_screen_and_the_app_know_the_main_screen() -> None:
    """The policy pane used to hold the main screen and call it; now it posts a message instead."""
    graph = import_graph()
    users = {m for m, deps in graph.items() if f"{PACKAGE}.screens.main" in deps}
    assert users == {f"{PACKAGE}.app"}
