"""The Celery application, configured from Django settings (the ``CELERY_`` namespace).

In embedded mode (no broker configured) nothing is ever sent: the in-process runner calls the same
services directly. See docs/operations.md for queues and tuning.
"""

from __future__ import annotations

import os

from celery import Celery

from crmsim import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
broker.install()  # before any connection is made: see crmsim/broker.py

app = Celery("crmsim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
