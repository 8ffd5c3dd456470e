"""Seal recordings stored in plain (before sealing existed), then delete the plain files."""

from django.core.management.base import BaseCommand

from recordings import services
from recordings.models import Recording


class Command(BaseCommand):
    help = "Seal every recording still stored as a plain file, then delete the plain file."

    def handle(self, *args, **options):
        pending = Recording.objects.exclude(legacy_name="").filter(shredded_at__isnull=True)
        total = pending.count()
        sealed = failed = 0
        for index, recording in enumerate(pending.order_by("pk").iterator(), start=1):
            try:
                sealed += services.recording_seal_legacy(recording=recording)
            except (OSError, services.DomainError) as exc:
                failed += 1
                # The recording's id, never its file name (names may carry personal data).
                self.stderr.write(f"  {recording.public_id}: not sealed ({type(exc).__name__}).")
            if index % 50 == 0:
                self.stdout.write(f"  {index}/{total}…")
        self.stdout.write(f"{sealed} recordings sealed, {failed} failed, of {total} in plain.")
