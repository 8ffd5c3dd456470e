"""Erase a person: pseudonym for what identifies them, recordings shredded, sign-in off."""

from django.core.management.base import BaseCommand, CommandError

from common.errors import DomainError
from privacy.erase import person_erase

from ._subject import add_subject_arguments, subject_from


class Command(BaseCommand):
    help = (
        "Erase a person (--user or --member): names, emails, numbers, handles, free texts and "
        "windows replaced by a pseudonym, their calls' recordings shredded, sign-in disabled. "
        "Money records stay. Refused while a call of theirs is unfinished or a dispute open."
    )

    def add_arguments(self, parser):
        add_subject_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="Don't ask for confirmation.")

    def handle(self, *args, yes=False, **options):
        subject = subject_from(options)
        if not yes and options.get("interactive", True):
            answer = input(f"Erase {subject.kind} {subject.pk}? This can't be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Not erased.")
        try:
            result = person_erase(subject=subject, actor=None)
        except DomainError as exc:
            raise CommandError(f"Not erased: {exc.message}") from None
        counts = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Erased; now known as {result.pseudonym}. {counts}."))
