"""--user USERNAME / --member CODE, shared by person_export and person_erase."""

from django.core.management.base import CommandError

from common.errors import DomainError
from privacy.subjects import Subject, subject_member, subject_user


def add_subject_arguments(parser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--user", help="The username of a person who signs in.")
    group.add_argument("--member", help="A member's reference (or AGENCY_ID:REFERENCE).")


def subject_from(options) -> Subject:
    try:
        if options.get("user"):
            return subject_user(options["user"])
        return subject_member(options["member"])
    except DomainError as exc:
        raise CommandError(exc.message) from None
