"""Counts in the office read right in Russian: 1 звонок, 2 звонка, 5 звонков."""

import pytest
from django.contrib import admin
from django.test import override_settings
from django.utils import translation

from office.counts import count_of
from tests.factories import AgencyFactory, OperatorFactory

NUMBERS = [1, 2, 5, 11, 21, 22, 25]

# The Russian forms of each counted noun: one, few, many.
RUSSIAN = {
    "calls.call": ("звонок", "звонка", "звонков"),
    "calls.session": ("сеанс", "сеанса", "сеансов"),
    "notifications.notification": ("сообщение", "сообщения", "сообщений"),
    "accounts.user": ("человек", "человека", "человек"),
    "agents.agency": ("агентство", "агентства", "агентств"),
    "agents.member": ("участница", "участницы", "участниц"),
    "duty.dispute": ("спор", "спора", "споров"),
    "billing.entry": ("проводка", "проводки", "проводок"),
    "notifications.operatortask": ("задача", "задачи", "задач"),
}
RECORDS = ("запись", "записи", "записей")


def russian_form(n: int) -> int:
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


@pytest.mark.parametrize("n", NUMBERS)
def test_every_registered_model_is_counted_by_the_russian_plural_rule(n):
    with translation.override("ru"):
        for model in admin.site._registry:
            label = model._meta.label_lower
            forms = RUSSIAN.get(label)
            words = count_of(label, n)
            assert words.startswith(f"{n} "), words
            if forms is not None:
                assert words == f"{n} {forms[russian_form(n)]}"
            elif label != "recordings.recording":
                assert words == f"{n} {RECORDS[russian_form(n)]}"


def test_english_counts_are_singular_only_for_one():
    with translation.override("en"):
        assert count_of("calls.call", 1) == "1 call"
        assert count_of("calls.call", 21) == "21 calls"
        assert count_of("auth.group", 2) == "2 records"


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 22])
def test_the_agencies_list_in_russian_counts_its_rows_right(client, n):
    AgencyFactory.create_batch(n)
    operator = OperatorFactory(language="ru")
    client.force_login(operator)
    with override_settings(LANGUAGE_CODE="ru"):
        page = client.get("/admin/agents/agency/").content.decode()
    assert f"{n} {RUSSIAN['agents.agency'][russian_form(n)]}" in page
