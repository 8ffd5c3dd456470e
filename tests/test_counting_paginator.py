"""The API's paginator reads a page and the list's size in one query (common/drf.py)."""

import pytest
from django.core.paginator import EmptyPage

from accounts.models import User
from common.drf import CountingPaginator

from .factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return [ClientFactory() for _ in range(7)]


def test_a_page_and_the_count_in_one_query(people, django_assert_num_queries):
    paginator = CountingPaginator(User.objects.order_by("pk"), 3)
    with django_assert_num_queries(1):
        page = paginator.page(2)
        assert paginator.count == 7 and paginator.num_pages == 3
    assert [user.pk for user in page] == [person.pk for person in people[3:6]]
    assert page.has_next() and page.has_previous()


def test_past_the_end_is_counted_first_and_refused(people):
    paginator = CountingPaginator(User.objects.order_by("pk"), 3)
    with pytest.raises(EmptyPage):
        paginator.page(4)
    with pytest.raises(EmptyPage):
        paginator.page(10**30)  # no offset a database takes: checked against the count


def test_a_distinct_query_is_counted_as_django_does(people, django_assert_num_queries):
    queryset = User.objects.filter(pk__in=[p.pk for p in people]).distinct().order_by("pk")
    paginator = CountingPaginator(queryset, 5)
    with django_assert_num_queries(2):
        assert len(paginator.page(1)) == 5
        assert paginator.count == 7


def test_values_rows_fall_back_to_a_count(people):
    paginator = CountingPaginator(User.objects.order_by("pk").values("pk"), 5)
    assert [row["pk"] for row in paginator.page(2)] == [p.pk for p in people[5:]]
    assert paginator.count == 7
