"""The stage times on the call: when it was confirmed, scheduled and held, and
whether its client picked the time (calls.workflow.transition writes them with
the audit row of the same edge; the reports read them, issue 24).

Existing calls are filled from their audit rows: each stage is one edge of the
workflow, taken at most once (models.STAGE_TIMES); the time is picked by the
client when the call's own client took the confirmed → scheduled edge.

Not one transaction: a million calls are filled a range of ids at a time, each
range committed on its own, so the table is never locked for longer than one
range (adding the nullable columns is instant). Run inside a transaction
(bench_reports applies a database's missing migrations so), it fills all in it.
"""

from django.db import migrations, models, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When

# models.STAGE_TIMES as it is at this migration.
STAGES = [
    ("awaiting_agent", "confirmed", "confirmed_at"),
    ("confirmed", "scheduled", "scheduled_at"),
    ("scheduled", "in_progress", "held_at"),
]


BATCH = 20_000  # calls a statement


def backfill(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    CallTransition = apps.get_model("calls", "CallTransition")
    using = schema_editor.connection.alias

    def edge(frm, to):
        return CallTransition.objects.filter(call=OuterRef("pk"), from_state=frm, to_state=to)

    staged = Q()
    times = {}
    for frm, to, field in STAGES:
        staged |= Q(Exists(edge(frm, to)))
        times[field] = Subquery(edge(frm, to).order_by("at", "pk").values("at")[:1])
    scheduling = edge("confirmed", "scheduled")
    picked = Case(
        When(Exists(scheduling), then=Exists(scheduling.filter(actor=OuterRef("client")))),
        default=Value(None),
        output_field=BooleanField(null=True),
    )
    last = Call.objects.using(using).order_by("-pk").values_list("pk", flat=True).first() or 0
    for lo in range(0, last + 1, BATCH):
        with transaction.atomic(using=using):
            Call.objects.using(using).filter(staged, pk__gte=lo, pk__lt=lo + BATCH).update(
                **times, picked_by_client=picked
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("calls", "0018_contact_number_member_own_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="confirmed_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="confirmed at"
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="held_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="call started at"
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="picked_by_client",
            field=models.BooleanField(
                blank=True, editable=False, null=True, verbose_name="time picked by the client"
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="scheduled_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="scheduled at"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
