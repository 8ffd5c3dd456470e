"""The product uses Django's and DRF's public APIs only (issue 19, BRIEF).

A private name (`_something`) of django.* or rest_framework.* can change in
any release without notice; so can the query compiler's internals. This test
reads every product module (tests and migrations aside) and fails on:
- importing a `_`-prefixed name from django.* / rest_framework.*;
- an attribute `_something` reached from a name imported from them;
- the named internals wherever they appear (`_state`, `sql_with_params`,
  `query.order_by`, `cached_col`, the converters, `_readable_fields`, ...);
- patching another module's attribute (a monkeypatch such as gunicorn's
  Response.default_headers);
- overriding, in a subclass of a django.* / rest_framework.* class, a `_name`
  that class has (a session store's `_validate_session_key`, a ModelAdmin's
  `_changeform_view`): the subclass then depends on how the framework calls
  its internals. Our own `_helpers` in such a subclass are fine.
Dunder names (`__name__`) and the documented `_meta` API are allowed.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCT = {"tests", "build", "node_modules"}
FRAMEWORKS = ("django", "rest_framework")
PUBLIC_UNDERSCORED = {"_meta"}
# Internals named by name, whatever they are reached from.
NAMED_INTERNALS = {
    "_state",
    "sql_with_params",
    "get_compiler",
    "cached_col",
    "get_db_converters",
    "_readable_fields",
    "_writable_fields",
    "_get_page",
    "_value2member_map_",
}


def product_files() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in NOT_PRODUCT or parts[0].startswith(".") or "migrations" in parts:
            continue
        files.append(path)
    return files


def _is_framework(module: str) -> bool:
    return module.split(".")[0] in FRAMEWORKS


def _private(name: str) -> bool:
    return (
        name.startswith("_")
        and not (name.startswith("__") and name.endswith("__"))
        and name not in PUBLIC_UNDERSCORED
        and name != "_"
    )


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def private_uses(source: str, filename: str = "<source>") -> list[str]:
    """Each use of a framework internal in `source`, as "line: what"."""
    tree = ast.parse(source, filename=filename)
    framework_names: set[str] = set()
    module_names: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                module_names.add(bound)
                if _is_framework(alias.name):
                    framework_names.add(bound)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if _is_framework(node.module):
                    framework_names.add(alias.asname or alias.name)
                    if _private(alias.name):
                        found.append(f"{node.lineno}: from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in NAMED_INTERNALS:
                found.append(f"{node.lineno}: .{node.attr}")
            elif node.attr == "order_by" and isinstance(node.value, ast.Attribute):
                if node.value.attr == "query":
                    found.append(f"{node.lineno}: .query.order_by")
            elif _private(node.attr) and _root_name(node) in framework_names:
                found.append(f"{node.lineno}: {_root_name(node)}...{node.attr}")
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _root_name(target) in module_names:
                    found.append(f"{node.lineno}: patches {_root_name(target)}...{target.attr}")
    return sorted(set(found))


def _framework_paths(tree: ast.AST) -> dict[str, str]:
    """{name bound in the module: the django/rest_framework dotted path it names}."""
    paths = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_framework(alias.name):
                    bound = alias.asname or alias.name.split(".")[0]
                    paths[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names if _is_framework(node.module) else []:
                paths[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return paths


def _resolve(dotted: str):
    """The object a dotted path names (module, then attributes), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr, None)
        return found
    return None


def _base_path(base: ast.AST, paths: dict[str, str]) -> str | None:
    names = []
    while isinstance(base, ast.Attribute):
        names.insert(0, base.attr)
        base = base.value
    if not isinstance(base, ast.Name) or base.id not in paths:
        return None
    return ".".join([paths[base.id], *names])


def private_overrides(source: str, filename: str = "<source>") -> list[str]:
    """Each `_name` defined in a class body that one of its framework base
    classes already has, as "line: overrides Base._name"."""
    tree = ast.parse(source, filename=filename)
    paths = _framework_paths(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [b for b in (_base_path(base, paths) for base in node.bases) if b]
        classes = [(path, _resolve(path)) for path in bases]
        classes = [(path, cls) for path, cls in classes if isinstance(cls, type)]
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                defined = [(item.name, item.lineno)]
            elif isinstance(item, ast.Assign):
                defined = [(t.id, item.lineno) for t in item.targets if isinstance(t, ast.Name)]
            else:
                continue
            for name, line in defined:
                for path, cls in classes:
                    if _private(name) and hasattr(cls, name):
                        found.append(f"{line}: overrides {path}.{name}")
    return sorted(set(found))


def test_product_code_uses_no_framework_internals():
    wrong = {}
    for path in product_files():
        source = path.read_text(encoding="utf-8")
        uses = private_uses(source, str(path)) + private_overrides(source, str(path))
        if uses:
            wrong[str(path.relative_to(ROOT))] = uses
    assert not wrong, wrong


def test_the_check_sees_each_kind_of_internal():
    source = (
        "import gunicorn.http.wsgi\n"
        "from django.db.models.query import _chain\n"
        "from django.utils import timezone\n"
        "from rest_framework import serializers\n"
        "sql, params = qs.query.sql_with_params()\n"
        "terms = qs.query.order_by\n"
        "obj._state.adding = False\n"
        "timezone._get_timezone_name(zone)\n"
        "fields = list(serializer._readable_fields)\n"
        "col = field.cached_col\n"
        "gunicorn.http.wsgi.Response.default_headers = mine\n"
        "name = Model._meta.db_table\n"
        "label = serializers.__name__\n"
    )
    found = private_uses(source)
    lines = sorted({int(line.split(":")[0]) for line in found})
    assert lines == [2, 5, 6, 7, 8, 9, 10, 11], found


def test_the_check_sees_an_override_of_a_framework_internal():
    source = (
        "from django.contrib import admin\n"
        "from django.contrib.sessions.backends.db import SessionStore as DbStore\n"
        "from django.db import models\n"
        "import rest_framework.serializers\n"
        "class Store(DbStore):\n"
        "    def _validate_session_key(self, key):\n"
        "        return True\n"
        "class Thing(models.Model):\n"
        "    def _our_own_helper(self):\n"
        "        return 1\n"
        "class ThingAdmin(admin.ModelAdmin):\n"
        "    def _changeform_view(self, request, object_id, form_url, extra_context):\n"
        "        return None\n"
        "    def __str__(self):\n"
        "        return ''\n"
        "class Out(rest_framework.serializers.Serializer):\n"
        "    _readable_fields = ()\n"
        "class Plain:\n"
        "    def _validate_session_key(self, key):\n"
        "        return True\n"
    )
    found = private_overrides(source)
    assert sorted(int(line.split(":")[0]) for line in found) == [6, 12, 17], found
