"""Prove the ledger sound: every cached balance is the sum of its entries, and more.

    python manage.py ledger_check

Prints "ledger OK" and exits 0, or one line per problem and exits 1.
See `billing.selectors.ledger_problems` for what is checked.
"""

from django.core.management.base import BaseCommand, CommandError

from ...selectors import ledger_problems


class Command(BaseCommand):
    help = "Check the credit ledger: balances, transfers, holds and call splits."

    def handle(self, *args, **options):
        problems = ledger_problems()
        for problem in problems:
            self.stderr.write(f"{problem.what}: {problem.detail}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the ledger", returncode=1)
        self.stdout.write("ledger OK")
