"""Print a new key entry for RECORDING_KEYS (`id:base64key`): put it first to rotate."""

from django.core.management.base import BaseCommand, CommandError

from recordings import keyring


class Command(BaseCommand):
    help = "Print a new RECORDING_KEYS entry (id:key). Put it first, then run recordings_rekey."

    def add_arguments(self, parser):
        parser.add_argument(
            "key_id", help="A name for the key, e.g. 2026-12 (letters, digits, .-_)."
        )

    def handle(self, *args, key_id, **options):
        try:
            self.stdout.write(keyring.new_entry(key_id))
        except keyring.KeyRingError as exc:
            raise CommandError(str(exc)) from None
