"""An agency's monthly commission statement as CSV.

    python manage.py agent_statement --agent 3 --month 2026-10 [--output file.csv]

`--agent` is the agency's id. Bad input is one line on stderr and exit status 2.
"""

import re

from billing.management.commands._base import OneLineErrorCommand
from billing.statements import agent_statement, write_statement_csv
from calls.selectors import member_names_for_calls
from common.errors import DomainError

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Command(OneLineErrorCommand):
    help = "Write an agency's commission statement for one month (UTC) as CSV."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--agent", required=True, help="the agency's id")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, agent, month, output=None, **options):
        if not str(agent).isdigit():
            raise self.usage_error(f"--agent must be an agency id (got {agent!r})")
        match = MONTH.match(str(month))
        if not match:
            raise self.usage_error(f"--month must be YYYY-MM (got {month!r})")
        try:
            statement = agent_statement(
                agency_id=int(agent),
                year=int(match[1]),
                month=int(match[2]),
                member_names=member_names_for_calls,
            )
        except DomainError as exc:
            raise self.usage_error(exc.message) from exc
        if output:
            with open(output, "w", newline="", encoding="utf-8") as file:
                write_statement_csv(statement, file)
        else:
            write_statement_csv(statement, self.stdout)
