"""The Celery application.

The broker comes from CELERY_BROKER_URL: Redis in production, and by default an
embedded filesystem broker so a single machine runs worker and beat with no
extra service.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("interpreted_calls")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
