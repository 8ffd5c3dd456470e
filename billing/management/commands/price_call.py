"""Price a call from the command line: one JSON object on stdout.

    python manage.py price_call --kind video --seconds 2700
    {"kind": "video", "seconds": 2700, "billed_minutes": 45, "client_charge": "112.50", ...}
    python manage.py price_call --kind video --seconds 0 --outcome late_cancel
    {"kind": "video", "seconds": 0, "billed_minutes": 30, "client_charge": "75.00", ...}

Bad input is one line on stderr and exit status 2.
"""

import json

from common.errors import DomainError

from ...models import Kind, Outcome
from ...pricing import price_outcome
from ._base import OneLineErrorCommand


class Command(OneLineErrorCommand):
    help = "Price a call with the tariff and who-pays policy in force and print it as JSON."
    requires_system_checks = []

    def add_arguments(self, parser):
        # Plain strings: the command checks them itself, to say what is wrong in one line.
        parser.add_argument("--kind", required=True, help=" | ".join(Kind.values))
        parser.add_argument("--seconds", required=True, help="talk time in whole seconds")
        parser.add_argument(
            "--outcome",
            default=Outcome.COMPLETED,
            help=f"how the call ended (default completed): {' | '.join(Outcome.values)}",
        )

    def handle(self, *args, kind, seconds, outcome, **options):
        if kind not in Kind.values:
            raise self.usage_error(f"unknown kind {kind!r}; use one of: {', '.join(Kind.values)}")
        if outcome not in Outcome.values:
            raise self.usage_error(
                f"unknown outcome {outcome!r}; use one of: {', '.join(Outcome.values)}"
            )
        text = str(seconds).strip()
        if not text.isdigit() or not text.isascii():
            raise self.usage_error(
                f"--seconds must be a whole number of seconds, 0 or more (got {seconds!r})"
            )
        seconds = int(text)
        try:
            price = price_outcome(kind=kind, outcome=outcome, seconds=seconds)
        except DomainError as exc:
            raise self.usage_error(exc.message) from exc
        self.stdout.write(json.dumps({"kind": kind, "seconds": seconds, **price.as_dict()}))
