"""What the benchmark commands share to measure: a query counter (savepoints
apart) and the exception that rolls a measured transaction back.

Savepoints are counted apart: a service's transaction is a real BEGIN/COMMIT
in production but a savepoint inside the benchmark's own transaction.
"""

from __future__ import annotations

SAVEPOINT_SQL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class Rollback(Exception):
    """Raised at the end of a measured `transaction.atomic()` to undo it."""


class QueryCounter:
    """A `connection.execute_wrapper` that counts statements, savepoints apart."""

    def __init__(self):
        self.queries = 0
        self.savepoints = 0
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(SAVEPOINT_SQL):
            self.savepoints += 1
        else:
            self.queries += 1
            self.statements.append(sql)
        return execute(sql, params, many, context)

    def __str__(self):
        return f"{self.queries:3d} queries (+{self.savepoints} savepoint statements)"
