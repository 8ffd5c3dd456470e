"""What the workflow announces, inside the transaction of the change itself.

The transactional outbox: listeners (notifications) only write rows (messages,
operator tasks) in that same transaction, and delivery is queued after commit.
So a message exists exactly when its cause committed: a rolled-back change
leaves none, and a process that dies right after commit loses none. A listener
that fails, fails the change. `calls` never imports the listeners.
"""

from django.dispatch import Signal

# kwargs: call_id, actor_id, at: a call was booked (it starts "requested", no transition)
call_requested = Signal()
# kwargs: call_id, from_state, to_state, actor_id, reason, at (the change's `now`)
call_state_changed = Signal()
# kwargs: session_id, call_id, from_status, to_status, actor_id, at
session_changed = Signal()
# The same for a batch moved at once by a sweep (workflow.transition_many and
# session_transition_many), so that listeners write their rows set-based:
# kwargs: changes [(call_id, from_state)], to_state, actor_id, reason, at
calls_state_changed = Signal()
# kwargs: changes [(session_id, call_id, from_status)], to_status, actor_id, at
sessions_state_changed = Signal()
# kwargs: alarm_id, call_id, session_id (the agent's "we were not called", once per session)
not_called_alarm_raised = Signal()
# kwargs: call_id (the new booking), earlier_id (the missed call it replaces)
call_booked_again = Signal()
# A client or an agency asked the office to move a scheduled call (inside the
# late-change window, or no proposed time suits): the office gets a task.
# kwargs: call_id, session_id, request_id (unique per request), summary_msgid and
# summary_params (the operator task's text: notifications/task_texts.py), at
call_move_requested = Signal()
# A slot search that found no interpreter (the finder's reason
# "no_interpreter_for_languages" or "interpreters_busy"); the reports count
# the languages in demand. Sent outside any state change: a listener must not
# fail the search. kwargs: call_id, languages (codes; empty when any
# interpreter would do), reason, at
slot_search_unmet = Signal()
# A settled call contested, and the contest decided (the duty desk sends them;
# disputes live there, so it hands over the dispute itself: status, raised_by,
# raised_at, decided_at, client_refund, agency_correction).
# kwargs: call_id, dispute, at
dispute_opened = Signal()
dispute_decided = Signal()
