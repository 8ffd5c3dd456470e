"""Tasks close themselves: "Book again" closes the missed call's task; a
rescheduled session's messages say where it moved from and to."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services as call_services
from notifications.models import Notification, OperatorTask, OperatorTaskKind, OperatorTaskStatus

from .factories import InterpreterFactory, OperatorFactory
from .flows import CLIENT_WINDOWS_TEXT, book, confirm, fund_client, schedule

pytestmark = pytest.mark.django_db


def test_book_again_closes_the_missed_calls_task(client, django_capture_on_commit_callbacks):
    operator = OperatorFactory()
    call = book(minutes=30)
    confirm(call)
    session = schedule(call, operator=operator)
    with django_capture_on_commit_callbacks(execute=True):
        call_services.call_mark_missed(
            call=call, actor=None, now=session.starts_at + timedelta(minutes=31)
        )
    task = OperatorTask.objects.get(call=call, kind=OperatorTaskKind.RESCHEDULE_MISSED)
    assert task.status == OperatorTaskStatus.OPEN
    fund_client(call.client, 100)
    client.force_login(operator)
    url = f"{reverse('admin:office_book')}?again={call.pk}"
    form = client.get(url).context["form"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            url,
            {
                "client": form["client"].value(),
                "member": form["member"].value(),
                "kind": form["kind"].value(),
                "planned_minutes": form["planned_minutes"].value(),
                "client_windows": CLIENT_WINDOWS_TEXT,
                "languages": "",
                "note": "again",
                "request_key": form["request_key"].value(),
            },
        )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    task.refresh_from_db()
    assert task.status == OperatorTaskStatus.DONE
    assert "booked again as call C-" in task.note


def test_a_rescheduled_sessions_messages_say_moved_from_to(django_capture_on_commit_callbacks):
    operator = OperatorFactory()
    call = book()
    confirm(call)
    interpreter = InterpreterFactory()
    first = timezone.now().replace(microsecond=0) + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        schedule(call, operator=operator, interpreter=interpreter, starts_at=first)
    assert not Notification.objects.filter(body__contains="moved from").exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_services.session_schedule(
            call=call,
            starts_at=first + timedelta(hours=3),
            interpreter=interpreter,
            actor=operator,
        )
    moved = Notification.objects.filter(kind="scheduled", body__contains="moved from")
    assert moved.exists()
    client_message = moved.get(recipient=call.client)
    assert client_message.body.count(" to ") >= 1
