"""Talk time: measured by the server's clock, corrected only downwards and with a reason.

SPEC step 7 bills the recorded conversation. The session's start and end are
the server's clock at the interpreter's (or operator's) actions, so the
measured talk time is end − start. A correction (the conference line's own
figure, e.g. the member was connected two minutes late) may replace it, but
never by more than the session lasted, never below zero, and only with a
reason; the session then keeps both figures and the correction is audited
(`TalkTimeCorrection`). Every door (admin, interpreter's page, API) reads the
number within `MAX_TALK_SECONDS` first, so no typed figure reaches the
database or the bill unchecked.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from common.errors import DomainError

# The largest talk time a door accepts as input (a day): beyond any session,
# far below the database's integer range.
MAX_TALK_SECONDS = 24 * 3600
MAX_REASON = 500


def measured_seconds(started_at: datetime, ended_at: datetime) -> int:
    """Whole seconds from start to end (never negative, even if a clock stepped back)."""
    return max(0, int((ended_at - started_at).total_seconds()))


def as_text(seconds: int) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def checked_talk_seconds(*, measured: int, corrected, reason: str) -> int:
    """The talk time to bill: `measured`, or a valid `corrected` figure.

    Raises DomainError on the field concerned ("talk_seconds", "talk_reason").
    """
    if corrected is None or corrected == "":
        return measured
    try:
        corrected = int(corrected)
    except (TypeError, ValueError):
        raise DomainError(
            "bad_talk_time", _("Enter the talk time as a whole number."), field="talk_seconds"
        ) from None
    if corrected < 0:
        raise DomainError("bad_talk_time", _("Talk time can't be negative."), field="talk_seconds")
    if corrected > measured:
        raise DomainError(
            "talk_time_over_elapsed",
            _(
                "Talk time can't be more than the session lasted (%(measured)s, "
                "from its start to its end)."
            )
            % {"measured": as_text(measured)},
            field="talk_seconds",
        )
    if corrected != measured and not (reason or "").strip():
        raise DomainError(
            "talk_reason_required",
            _("Say why the talk time differs from the measured %(measured)s.")
            % {"measured": as_text(measured)},
            field="talk_reason",
        )
    if len((reason or "").strip()) > MAX_REASON:
        raise DomainError(
            "talk_reason_too_long",
            _("The reason is too long (at most %(max)d characters).") % {"max": MAX_REASON},
            field="talk_reason",
        )
    return corrected
