"""Compile every locale/*/LC_MESSAGES/*.po into its .mo with polib.

Django's compilemessages needs GNU gettext installed; this needs nothing but
the Python dependencies, so the two set-up commands work on a bare machine.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                try:
                    catalog = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{po_path}: {exc}") from exc
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
                self.stdout.write(
                    f"compiled {po_path} ({catalog.percent_translated()}% translated)"
                )
        self.stdout.write(f"{compiled} catalogue(s) compiled.")
