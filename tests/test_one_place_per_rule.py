"""Rules written once (issue 19, item 3): a copy elsewhere drifts from the rule.

- A call's row is locked by `calls.workflow.lock_call` (and the workflow's own
  batch locks), so every write takes the same lock the same way: the call's
  row only (`of=("self",)`), never the member's row it joins.
- "The live session" is `Session.objects.live()` (or `session.is_live` for a
  row in hand), not a filter on the dead statuses written again.
"""

from __future__ import annotations

import ast

from .test_public_apis import ROOT, product_files

LOCKS_CALLS = {"calls/workflow.py"}
DEFINES_LIVE = {"calls/models.py"}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def copies_of_the_rules(source: str) -> list[str]:
    """Each place in `source` that locks a call or picks live sessions by itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "select_for_update" and _root_name(node.func.value) == "Call":
            found.append(f"{node.lineno}: locks a call (use calls.workflow.lock_call)")
        for keyword in node.keywords:
            value = keyword.value
            if (
                keyword.arg == "status__in"
                and isinstance(value, ast.Name)
                and value.id == "DEAD_SESSION_STATUSES"
            ):
                found.append(f"{node.lineno}: live sessions (use Session.objects.live())")
    return found


def test_each_rule_has_one_place():
    wrong = {}
    for path in product_files():
        name = path.relative_to(ROOT).as_posix()
        found = copies_of_the_rules(path.read_text(encoding="utf-8"))
        if name in LOCKS_CALLS:
            found = [f for f in found if "locks a call" not in f]
        if name in DEFINES_LIVE:
            found = [f for f in found if "live sessions" not in f]
        if found:
            wrong[name] = found
    assert not wrong, wrong


def test_the_check_sees_a_copy():
    source = (
        "locked = Call.objects.select_for_update().select_related('member').get(pk=pk)\n"
        "same = Call.objects.filter(pk=pk).select_for_update(of=('self',)).first()\n"
        "session = call.sessions.exclude(status__in=DEAD_SESSION_STATUSES).first()\n"
        "fine = Session.objects.select_for_update().get(pk=pk)\n"
        "also_fine = call.sessions.live().first()\n"
    )
    lines = [int(found.split(":")[0]) for found in copies_of_the_rules(source)]
    assert sorted(lines) == [1, 2, 3]
