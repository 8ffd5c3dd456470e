"""Compile every .po of the project's locale folders and of each app's own
locale/ folder (an app keeps its own strings, Django reads both) into its .mo
with polib.

Django's compilemessages needs GNU gettext installed; this needs nothing but
the Python dependencies, so the two set-up commands work on a bare machine.
"""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files."

    def handle(self, *args, **options):
        compiled = 0
        app_dirs = [Path(config.path) / "locale" for config in apps.get_app_configs()]
        project_dirs = [Path(d) for d in settings.LOCALE_PATHS]
        base = Path(settings.BASE_DIR).resolve()
        # Our apps only: installed packages ship their own compiled catalogues.
        own_dirs = [
            d
            for d in app_dirs
            if d.is_dir()
            and d.resolve().is_relative_to(base)
            and "site-packages" not in d.resolve().parts
        ]
        for locale_dir in [*project_dirs, *own_dirs]:
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
