"""Rewrap every recording's data key with the newest key of RECORDING_KEYS.

The audio files are not read or rewritten: only the small wrapped keys in the
database change. Afterwards the older keys can be removed from the ring.
"""

from django.core.management.base import BaseCommand, CommandError

from recordings import keyring, sealing, services


class Command(BaseCommand):
    help = "Rewrap every data key with the newest key of RECORDING_KEYS (the audio is untouched)."

    def handle(self, *args, **options):
        try:
            newest = keyring.newest()
            done = services.recordings_rekey(
                progress=lambda n: self.stdout.write(f"  rewrapped {n} so far…")
            )
        except (keyring.KeyRingError, sealing.SealError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(f"{done} data keys rewrapped with key {newest.id!r}.")
            + ("" if done else " Every recording already uses it.")
        )
        left = services.keys_in_use()
        self.stdout.write(f"Keys still in use: {', '.join(left) or 'none'}.")
