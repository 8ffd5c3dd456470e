"""Apps depend on one another one way, in the layer order the README draws.

The order (README "Layout"), lowest first: the pure rules, the domain apps
one above the other, the doors, config. An app may use only apps before it;
doors never use one another; config wires everything up. A cycle, or an arrow
upwards, makes the apps on it one big app: none can be read, tested or changed
alone.

An arrow is any way one app's code reaches another's:
- an import, also inside a function (a lazy import is still a dependency),
  relative or absolute;
- a string naming another app's model or module as an argument of a call:
  a relation (`ForeignKey("agents.Agency")`, `to=`, `through=`, ManyToMany,
  OneToOne), `apps.get_model("calls.Call")` or `apps.get_model("calls", "Call")`,
  `include("api.urls")`, `mock.patch("notifications.tasks...")`.
`settings.AUTH_USER_MODEL` is Django's swappable user model, the documented way
for any app (even common's idempotency keys) to point at "the person signed
in" without naming the app that defines it: not an arrow. Migrations are left
out: they record history, and name other apps by string on purpose.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOT_APPS = {"tests"}

# The layers, lowest first. Within PURE and DOMAIN the order is total: an app
# uses only the apps listed before it (so `billing` knows nothing of `calls`,
# `calls` nothing of `notifications`: it announces, notifications listens).
PURE = ["common", "scheduling"]
DOMAIN = [
    "agents",
    "accounts",
    "billing",
    "calls",
    "recordings",
    "rooms",
    "calendars",
    "notifications",
    "webhooks",
    "duty",
    "privacy",
]
# The doors: pages, admin, API, tools. They use the domain; nothing uses them,
# and they do not use one another (what two audiences share lives in the domain).
DOORS = [
    "client_pages",
    "agent_pages",
    "interpreter_pages",
    "api",
    "office",
    "reports",
    "benchmarks",
]
# Wires the doors up (settings, urls, the admin site): may use anything.
WIRING = ["config"]
LAYERS = [*PURE, *DOMAIN, *DOORS, *WIRING]

DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def project_packages() -> set[str]:
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_APPS and not path.parent.name.startswith(".")
    }


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def references(
    source: str, module: list[str], *, is_package: bool = False
) -> list[tuple[str, int]]:
    """(name, line) of everything the module `module` (["calls", "services"])
    reaches by import or by a string naming a model or a module. A name is a
    dotted module or model label; its first part is the app it belongs to."""
    tree = ast.parse(source)
    package = module if is_package else module[:-1]
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
        elif isinstance(node, ast.Call):
            found.extend(_string_references(node))
    return found


def _string_references(call: ast.Call) -> list[tuple[str, int]]:
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    strings = [
        a.value for a in arguments if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]
    # "app.Model", "app.module.name": a model label or a dotted path.
    found = [(value, call.lineno) for value in strings if DOTTED.match(value)]
    # get_model("app", "Model"): the app label alone.
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name == "get_model" and len(call.args) >= 2 and strings and "." not in strings[0]:
        found.append((strings[0], call.lineno))
    return found


def file_references(path: Path) -> list[tuple[str, int]]:
    return references(
        path.read_text(encoding="utf-8"), _module_name(path), is_package=path.name == "__init__.py"
    )


def import_graph() -> dict[str, dict[str, list[str]]]:
    """app -> {app it uses: ["file:line", ...]} between different project packages."""
    packages = project_packages()
    graph: dict[str, dict[str, list[str]]] = {name: {} for name in packages}
    for app in packages:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name, line in file_references(path):
                target = name.split(".")[0]
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


def may_use(app: str, target: str) -> bool:
    """The layer order: what `app` may depend on."""
    if app in WIRING:
        return True
    if app in DOORS:
        return target in PURE or target in DOMAIN
    ordered = PURE if app in PURE else [*PURE, *DOMAIN]
    return target in ordered and ordered.index(target) < ordered.index(app)


def arrows_against_the_order(graph: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    """{"app -> target": [where, ...]} for every arrow the layer order forbids."""
    return {
        f"{app} -> {target}": graph[app][target][:3]
        for app in sorted(graph)
        for target in sorted(graph[app])
        if not may_use(app, target)
    }


def _describe(graph, cycle: list[str]) -> str:
    return "; ".join(f"{a} -> {b} ({', '.join(graph[a][b][:3])})" for a, b in zip(cycle, cycle[1:]))


def test_no_cycle_between_apps():
    graph = import_graph()
    cycle = find_cycle(graph)
    assert not cycle, f"cycle between apps: {_describe(graph, cycle)}"


def test_every_arrow_follows_the_layer_order():
    wrong = arrows_against_the_order(import_graph())
    assert not wrong, wrong


def test_every_app_has_one_place_in_the_order():
    """A new, renamed or removed app must be placed here (and in the README),
    or the rules above check nothing for it."""
    assert sorted(LAYERS) == sorted(project_packages())
    assert len(LAYERS) == len(set(LAYERS))


def test_app_labels_are_the_package_names():
    """A string like "agents.Agency" names an app by its label: the graph reads
    the label as the package, which holds while no app sets a label of its own."""
    from django.apps import apps

    ours = {c.name: c.label for c in apps.get_app_configs() if c.name in project_packages()}
    assert len(ours) > 10 and all(name == label for name, label in ours.items()), ours


def test_the_readme_draws_the_same_order():
    layout = README.read_text(encoding="utf-8")
    for layer in (PURE, DOMAIN, DOORS):
        assert ", ".join(layer) in layout, ", ".join(layer)


# The checker itself: each kind of arrow is seen, each kind of wrong arrow fails.


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": ["a/x.py:1"]}, "b": {"c": ["b/y.py:2"]}, "c": {"a": ["c/z.py:3"]}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}}) == []


def test_strings_naming_another_app_are_arrows():
    source = (
        "from django.apps import apps\n"
        "from django.db import models\n"
        "from . import rules\n"
        "class Thing(models.Model):\n"
        "    agency = models.ForeignKey('agents.Agency', on_delete=models.PROTECT)\n"
        "    call = models.OneToOneField(to='calls.Call', on_delete=models.CASCADE)\n"
        "    rooms = models.ManyToManyField('rooms.Room', through='rooms.RoomPass')\n"
        "    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n"
        "    verbose = models.CharField('a label. Not a model', max_length=5)\n"
        "def later():\n"
        "    from billing import services\n"
        "    Charge = apps.get_model('billing.CallCharge')\n"
        "    Dispute = apps.get_model('duty', 'Dispute')\n"
    )
    found = references(source, ["accounts", "models"])
    assert sorted(found) == [
        ("accounts", 3),
        ("agents.Agency", 5),
        ("billing", 11),
        ("billing.CallCharge", 12),
        ("calls.Call", 6),
        ("django.apps", 1),
        ("django.db", 2),
        ("duty", 13),
        ("rooms.Room", 7),
        ("rooms.RoomPass", 7),
    ], found


def test_a_string_foreign_key_back_down_is_a_cycle():
    """accounts.User -> "agents.Agency" while agents imported accounts was a
    real cycle the import-only graph did not see: seen now."""
    graph = import_graph()
    sneaky = references("Person = ForeignKey('accounts.User', on_delete=PROTECT)\n", ["agents"])
    for name, line in sneaky:
        graph["agents"].setdefault(name.split(".")[0], []).append(f"agents/models.py:{line}")
    cycle = find_cycle(graph)
    assert cycle and "agents" in cycle and "accounts" in cycle, cycle
    assert "agents -> accounts" in arrows_against_the_order(graph)


def test_arrows_against_the_order_are_found():
    graph = {app: {} for app in LAYERS}
    allowed = {
        ("calls", "billing"),  # the domain uses what is below it
        ("client_pages", "calls"),  # a door uses the domain
        ("config", "office"),  # config wires the doors up
        ("scheduling", "common"),
    }
    forbidden = {
        ("billing", "calls"),  # billing knows a call only by its key
        ("calls", "notifications"),  # calls announces, notifications listens
        ("common", "accounts"),  # common is below everything
        ("notifications", "client_pages"),  # the domain never uses a door
        ("agent_pages", "client_pages"),  # doors never use one another
        ("api", "config"),
    }
    for app, target in allowed | forbidden:
        graph[app][target] = [f"{app}/x.py:1"]
    assert set(arrows_against_the_order(graph)) == {f"{a} -> {t}" for a, t in forbidden}


def test_the_graph_sees_relative_lazy_and_string_arrows():
    graph = import_graph()
    # calls/services/__init__.py imports billing at module level; notifications/selectors.py
    # imports agents inside a function; accounts.User names "agents.Agency".
    assert "billing" in graph["calls"]
    assert "agents" in graph["notifications"]
    assert any(where.startswith("accounts/models.py") for where in graph["accounts"]["agents"])
