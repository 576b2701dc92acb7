"""The Celery application, configured from Django settings (the ``CELERY_`` namespace).

In embedded mode (no broker configured) nothing is ever sent: the in-process runner calls the same
services directly. See docs/operations.md for queues and tuning.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")

app = Celery("crmsim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
