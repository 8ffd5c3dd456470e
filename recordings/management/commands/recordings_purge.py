"""Shred the recordings whose retention has ended (what the daily task does), by hand."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recordings import retention


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--now: not an ISO date and time: {text!r}") from None
    if timezone.is_naive(moment):
        raise CommandError("--now needs a time zone (…Z or …+02:00).")
    return moment


class Command(BaseCommand):
    help = (
        "Shred recordings past their retention policy (not those under a legal hold or an "
        "open dispute). --dry-run lists them without shredding."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, don't shred.")
        parser.add_argument("--now", type=_instant, help="Purge as of this instant (ISO 8601).")

    def handle(self, *args, dry_run=False, now=None, **options):
        now = now or timezone.now()
        result = retention.recordings_purge(now=now, dry_run=dry_run)
        verb = "would shred" if dry_run else "shredded"
        for recording in result.purged:
            # Ids only: which call, never who was on it.
            self.stdout.write(
                f"  {verb} {recording.public_id} (call {recording.session.call.number})"
            )
        self.stdout.write(
            f"As of {now.isoformat()}: {len(result.purged)} {verb}; kept "
            f"{result.kept_hold} under a legal hold and {result.kept_dispute} under an open "
            "dispute."
        )
