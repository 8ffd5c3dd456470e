"""What the workflow announces. Sent only after the transaction commits, so
nobody hears of a change that was rolled back. `calls` never imports the
listeners (notifications); they subscribe to these."""

from django.dispatch import Signal

# kwargs: call_id, from_state, to_state, actor_id, reason
call_state_changed = Signal()
# kwargs: session_id, call_id, change ("scheduled" | "rescheduled" | "overdue")
session_changed = Signal()
# kwargs: alarm_id, call_id, session_id (the agent's "we were not called", once per session)
not_called_alarm_raised = Signal()
# kwargs: call_id (the new booking), earlier_id (the missed call it replaces)
call_booked_again = Signal()
