"""Everything held about one person, as a ZIP (data.json, README.txt, the schema)."""

from django.core.management.base import BaseCommand

from privacy.export import person_export

from ._subject import add_subject_arguments, subject_from


class Command(BaseCommand):
    help = "Export everything held about a person (--user or --member) to a ZIP file."

    def add_arguments(self, parser):
        add_subject_arguments(parser)
        parser.add_argument("--output", required=True, help="The ZIP file to write.")

    def handle(self, *args, output, **options):
        subject = subject_from(options)
        data = person_export(subject=subject, out=output, actor=None)
        self.stdout.write(
            f"Written {output}: {len(data['calls'])} calls, {len(data['messages'])} messages, "
            f"{len(data['ledger'])} ledger lines, {len(data['disputes'])} disputes."
        )
