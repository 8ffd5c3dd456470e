"""The HTML alternative of every email: the same words as the text, laid out to act on.

One layout for every message (templates/notifications/email.html): the
message's text as its body, and above it what a reader looks for first, the
call number, the time in their zone with "in 3 hours", and buttons for what
they can do (answer the request, open the call, add it to their calendar).
Mail clients strip <style> blocks and block remote images, so styles are
inline and there are no images at all; no script, nothing loaded from outside.
On a phone the buttons wrap (inline blocks, not a table row) and the card's
table is laid out fixed, so a long link breaks instead of widening the page.
"""

from __future__ import annotations

from django.template import Context, Engine
from django.utils.translation import gettext as _

from calendars.invites import call_ics_url
from calls.models import SessionStatus

_HTML_ENGINE = Engine(
    app_dirs=True,
    autoescape=True,
    libraries={"i18n": "django.templatetags.i18n"},
    builtins=["common.templatetags.dates"],
)

# While a session stands, its reader may add it to their calendar.
STANDING = (SessionStatus.PLANNED, SessionStatus.OVERDUE)


def email_actions(context: dict) -> list[dict]:
    """The buttons, most urgent first: a personal link to answer or raise the
    alarm, then the call's page, then "add to calendar"."""
    actions = []
    if context.get("link"):
        actions.append({"url": context["link"], "label": _("Answer the request")})
    if context.get("alarm_url"):
        actions.append({"url": context["alarm_url"], "label": _("We were not called")})
    if context.get("page_url"):
        actions.append({"url": context["page_url"], "label": _("Open the call")})
    session, call = context.get("session"), context.get("call")
    if session is not None and call is not None and session.status in STANDING:
        actions.append({"url": call_ics_url(call), "label": _("Add to calendar")})
    for number, action in enumerate(actions):
        action["primary"] = number == 0
    return actions


def html_render(*, subject: str, body: str, context: dict) -> str:
    """The HTML of a message whose text is `body` (call in the recipient's
    language and zone, as render_message does)."""
    layout = {
        # Every name the layout reads is present (None if the message has none):
        # a failed lookup is logged at DEBUG with the whole context, names included.
        "call": context.get("call"),
        "session": context.get("session"),
        "now": context.get("now"),
        "tz_name": context.get("tz_name"),
        "subject": subject,
        "body": body,
        "actions": email_actions(context),
    }
    return _HTML_ENGINE.get_template("notifications/email.html").render(Context(layout))
