"""Print the slot finder's proposals as one JSON object.

    python manage.py find_slots --scenario FILE.json   # no database needed

Bad input (unknown zone, `to` before `from`, unknown kind or day, malformed
JSON, no such call) is one line on stderr and exit status 2.
"""

import json

from billing.management.commands._base import OneLineErrorCommand

from ...finder import find_slots
from ...rules import product_rules
from ...scenario import ScenarioError, parse_scenario, result_as_data


class Command(OneLineErrorCommand):
    help = "Find the earliest times that suit the client, the member and an interpreter."
    requires_system_checks = []

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--scenario", help="a scenario JSON file (see the README)")

    def handle(self, *args, scenario=None, **options):
        data = self._read(scenario)
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
