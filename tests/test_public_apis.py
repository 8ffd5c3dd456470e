"""The product uses Django's and DRF's public APIs only (issue 19, BRIEF).

A private name (`_something`) of django.* or rest_framework.* can change in
any release without notice; so can the query compiler's internals. This test
reads every product module (tests and migrations aside) and fails on:
- importing a `_`-prefixed name from django.* / rest_framework.*;
- an attribute `_something` reached from a name imported from them;
- the named internals wherever they appear (`_state`, `sql_with_params`,
  `query.order_by`, `cached_col`, the converters, `_readable_fields`, ...);
- patching another module's attribute (a monkeypatch such as gunicorn's
  Response.default_headers).
Dunder names (`__name__`) and the documented `_meta` API are allowed.
"""

from __future__ import annotations

import ast
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


def test_product_code_uses_no_framework_internals():
    wrong = {}
    for path in product_files():
        uses = private_uses(path.read_text(encoding="utf-8"), str(path))
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
