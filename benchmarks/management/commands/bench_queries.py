"""How many queries the hot paths take: `manage.py bench_queries` (after bench_data).

Prints the queries of one request to the client dashboard and to the call
list API (signed in as the bench client, sessions and all, as a browser
would), and of one booking through the booking service. Everything runs in a
transaction rolled back at the end. Savepoints are counted apart: a service's
transaction is a real BEGIN/COMMIT in production but a savepoint here.
"""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, TestCase
from django.test.utils import override_settings

from accounts.models import Role, User
from agents.models import Member
from benchmarks.measuring import QueryCounter, Rollback
from billing.services import client_top_up
from calls import services

from .bench_data import USERNAME


class Command(BaseCommand):
    help = "Count the queries of the client dashboard, the call list API and one booking."

    def handle(self, *args, **options):
        client = User.objects.filter(username=USERNAME).first()
        if client is None:
            raise CommandError("Run `manage.py bench_data` first.")
        calls = client.calls.count()
        try:
            with transaction.atomic(), override_settings(DEBUG=False):
                self._pages(client, calls)
                self._booking(client)
                raise Rollback
        except Rollback:
            pass

    def _pages(self, client, calls):
        browser = Client(SERVER_NAME="127.0.0.1")
        browser.force_login(client)
        for label, url in [("client dashboard", "/client/"), ("call list API", "/api/v1/calls/")]:
            browser.get(url)  # warm: first-request work (translations, URLs) is not counted
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                response = browser.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            self.stdout.write(f"{label:>18}: {counter}  ({calls} calls)")

    def _booking(self, client):
        operator = User.objects.filter(role=Role.OPERATOR).first() or User.objects.create(
            username="bench-operator", role=Role.OPERATOR
        )
        client_top_up(client=client, amount=Decimal("1000.00"), reason="bench", actor=operator)
        member = Member.objects.filter(agency__name="Bench agency", is_active=True).first()
        counter = QueryCounter()
        # What runs after commit (messages, queueing) is part of a booking too;
        # the broker is left out (the rows are rolled back).
        with (
            mock.patch("notifications.tasks.deliver.delay"),
            connection.execute_wrapper(counter),
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            services.call_request_create(
                client=client,
                member=member,
                kind="phone_interpreted",
                planned_minutes=30,
                client_windows=[
                    {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "18:00"}
                ],
                created_by=client,
            )
        self.stdout.write(f"{'booking':>18}: {counter}")
