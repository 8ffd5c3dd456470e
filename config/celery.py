"""The Celery application.

The broker comes from CELERY_BROKER_URL: Redis in production, and by default an
embedded filesystem broker so a single machine runs worker and beat with no
extra service.

Deliveries and sweeps travel in separate queues that every worker consumes,
so a backlog of messages never delays the sweep that notices a missed call.
"""

import os

from celery import Celery
from kombu import Queue
from kombu.transport import TRANSPORT_ALIASES

# "filesystem://" means the embedded broker with atomic writes (config/broker.py).
TRANSPORT_ALIASES["filesystem"] = "config.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("interpreted_calls")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (
    Queue("celery", routing_key="celery"),
    Queue("sweeps", routing_key="sweeps"),
)
app.conf.task_routes = {
    "notifications.sweep_due": {"queue": "sweeps"},
    "notifications.requeue_stuck": {"queue": "sweeps"},
    "idempotency.purge": {"queue": "sweeps"},
    "webhooks.sweep": {"queue": "sweeps"},
    "rooms.sweep_empty": {"queue": "sweeps"},
    "rooms.clock": {"queue": "sweeps"},
}
app.autodiscover_tasks()
