"""The scale data set (`bench_scale_data`) at a small size, on PostgreSQL.

The command drops indexes and constraints for its load and builds them
again: afterwards the schema must be exactly what the migrations made, and
the rows it derived inside PostgreSQL must agree with each other (the
ledger checks clean, every call has its audit trail).
"""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection

from billing.defaults import ensure_spec_terms
from billing.selectors import ledger_problems
from calls.models import STAGE_TIMES, Call, CallTransition, Session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def _schema() -> tuple[set, set]:
    """Every index (its table, columns, uniqueness, whether it is partial, its
    method) and constraint (with its definition) of the schema. An index's
    predicate is not compared as text: rebuilt from its own definition,
    PostgreSQL writes `ARRAY['a'::varchar]::text[]` as `ARRAY[('a'::varchar)::text]`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT ic.relname, tc.relname, i.indisunique, i.indkey::text,
                      i.indexprs IS NOT NULL, i.indpred IS NOT NULL, am.amname, i.indisvalid
               FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid
               JOIN pg_class tc ON tc.oid = i.indrelid
               JOIN pg_am am ON am.oid = ic.relam
               WHERE ic.relnamespace = current_schema()::regnamespace"""
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
               FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"""
        )
        constraints = set(cursor.fetchall())
    return indexes, constraints


def test_a_small_set_is_consistent_and_the_schema_is_rebuilt_as_it_was():
    # The filler prices calls by the tariffs a fresh database is migrated with;
    # an earlier transactional test's flush took them away.
    ensure_spec_terms()
    indexes, constraints = _schema()
    out = io.StringIO()

    call_command(
        "bench_scale_data", calls=2000, now=NOW.isoformat(), stdout=out, stderr=io.StringIO()
    )

    after_indexes, after_constraints = _schema()
    assert after_indexes == indexes
    assert after_constraints == constraints
    assert Call.objects.count() == 2000
    assert Session.objects.count() >= 1800  # 90 % of the calls got one, a few two
    assert ledger_problems() == []
    # Every call past its request has its audit trail, from the request on.
    untraced = Call.objects.exclude(state="requested").exclude(
        pk__in=CallTransition.objects.filter(from_state="requested").values("call_id")
    )
    assert not untraced.exists()
    # Each call's stage times (as the workflow writes them) say what its audit says.
    stages = {
        (row.call_id, STAGE_TIMES[row.from_state, row.to_state]): row.at
        for row in CallTransition.objects.all()
        if (row.from_state, row.to_state) in STAGE_TIMES
    }
    assert len(stages) > 2000  # most calls were confirmed, many held
    for call in Call.objects.all():
        for field in STAGE_TIMES.values():
            assert getattr(call, field) == stages.get((call.pk, field)), (call.pk, field)
        assert call.picked_by_client == (False if call.scheduled_at else None)
    assert "time per step:" in out.getvalue()
