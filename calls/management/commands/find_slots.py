"""Print the slot finder's proposals as one JSON object.

    python manage.py find_slots --scenario FILE.json        # no database needed
    python manage.py find_slots --call C-10427 [--now 2027-03-26T09:00:00Z] [--dump]

`--call` reads the stored call (its number or public id) and searches as the
admin's "Find a time" does; `--dump` prints the call as a scenario file
instead, to reproduce a "why is there no slot?" report without the database.
Bad input (unknown zone, `to` before `from`, unknown kind or day, malformed
JSON, no such call) is one line on stderr and exit status 2.
"""

import json

from billing.management.commands._base import OneLineErrorCommand
from scheduling.finder import find_slots
from scheduling.rules import product_rules
from scheduling.scenario import ScenarioError, parse_instant, parse_scenario, result_as_data


class Command(OneLineErrorCommand):
    help = "Find the earliest times that suit the client, the member and an interpreter."
    requires_system_checks = []

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--scenario", help="a scenario JSON file (see the README)")
        source.add_argument("--call", help="a stored call: its number (C-10427) or public id")
        parser.add_argument("--now", help="search as if it were this UTC time (with --call)")
        parser.add_argument(
            "--dump", action="store_true", help="print the call as a scenario file (with --call)"
        )

    def handle(self, *args, scenario=None, call=None, now=None, dump=False, **options):
        data = self._read(scenario) if scenario is not None else self._stored(call, now)
        if dump:
            self.stdout.write(json.dumps(data, indent=1))
            return
        try:
            kwargs = parse_scenario(data, product_rules())
        except ScenarioError as exc:
            raise self.usage_error(str(exc)) from exc
        self.stdout.write(json.dumps(result_as_data(find_slots(**kwargs))))

    def _read(self, path: str):
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except OSError as exc:
            raise self.usage_error(f"can't read {path}: {exc.strerror}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self.usage_error(f"{path} is not valid JSON: {exc}") from exc

    def _stored(self, ident: str, now_text: str | None):
        # Imported here: --scenario must run without a database.
        from django.utils import timezone

        from calls.services.slots import call_for_ident, call_scenario

        try:
            now = parse_instant(now_text, "--now") if now_text else timezone.now()
        except ScenarioError as exc:
            raise self.usage_error(str(exc)) from exc
        stored = call_for_ident(ident)
        if stored is None:
            raise self.usage_error(f"no call {ident!r}")
        return call_scenario(stored, now=now)
