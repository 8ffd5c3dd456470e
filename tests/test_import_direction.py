"""Imports between the project's packages go one way: no cycle between apps.

The layers (STYLE.md, README "Layout"): the domain (common, scheduling,
accounts, agents, billing, calls, notifications, ...) below, the doors on top:
the pages of each audience (client_pages, agent_pages, interpreter_pages),
office (the admin), api, reports, the benchmark tools, config. A cycle
makes every app in it one big app: none can be read, tested or changed alone.
The graph counts every import, also the ones inside functions (a lazy import
is still a dependency); migrations are left out (they name other apps by string).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_APPS = {"tests"}
# The doors: pages, admin, API, tools. They call the domain; the domain never calls them.
# (duty is a domain app with its own pages: disputes and the duty desk have models and
# services that privacy, for one, uses.)
DOORS = {
    "client_pages",
    "agent_pages",
    "interpreter_pages",
    "api",
    "office",
    "reports",
    "benchmarks",
    "config",
}
# Doors that may use other doors: config wires them all up.
WIRING = {"config"}


def project_packages() -> set[str]:
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_APPS and not path.parent.name.startswith(".")
    }


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported_modules(path: Path) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((name, node.lineno))
    return found


def import_graph() -> dict[str, dict[str, list[str]]]:
    """app -> {imported app: ["file:line", ...]} between different project packages."""
    packages = project_packages()
    graph: dict[str, dict[str, list[str]]] = {name: {} for name in packages}
    for app in packages:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for module, line in _imported_modules(path):
                target = module.split(".")[0]
                if target in packages and target != app:
                    where = f"{path.relative_to(ROOT)}:{line}"
                    graph[app].setdefault(target, []).append(where)
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    """One cycle as [a, b, ..., a], or [] if the graph has none (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def _describe(graph, cycle: list[str]) -> str:
    return "; ".join(f"{a} -> {b} ({', '.join(graph[a][b][:3])})" for a, b in zip(cycle, cycle[1:]))


def test_no_import_cycle_between_apps():
    graph = import_graph()
    cycle = find_cycle(graph)
    assert not cycle, f"import cycle between apps: {_describe(graph, cycle)}"


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": ["a/x.py:1"]}, "b": {"c": ["b/y.py:2"]}, "c": {"a": ["c/z.py:3"]}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}}) == []


def test_the_graph_sees_relative_and_lazy_imports():
    graph = import_graph()
    # calls/services/__init__.py imports billing at module level; notifications/selectors.py
    # imports agents inside a function: both are seen.
    assert "billing" in graph["calls"]
    assert "agents" in graph["notifications"]


def test_documented_directions_hold():
    """STYLE.md: billing knows nothing of calls; calls does not import notifications;
    common is below everything."""
    graph = import_graph()
    assert "calls" not in graph["billing"], graph["billing"].get("calls")
    assert "notifications" not in graph["calls"], graph["calls"].get("notifications")
    assert not graph["common"], graph["common"]


def test_the_domain_never_imports_a_door():
    graph = import_graph()
    wrong = {
        f"{app} -> {door}": graph[app][door][:3]
        for app in sorted(graph)
        if app not in DOORS
        for door in sorted(set(graph[app]) & DOORS)
    }
    assert not wrong, wrong


def test_doors_do_not_import_one_another():
    """Each audience's pages stand alone: what two doors share lives in the domain."""
    graph = import_graph()
    wrong = {
        f"{door} -> {other}": graph[door][other][:3]
        for door in sorted(DOORS - WIRING)
        for other in sorted(set(graph.get(door, {})) & DOORS)
    }
    assert not wrong, wrong


def test_every_door_is_a_package_of_the_project():
    """A renamed or removed door must be renamed here too, or the rules above check nothing."""
    assert project_packages() >= DOORS, DOORS - project_packages()
