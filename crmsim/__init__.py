"""crmsim: a deterministic, time-paced CRM simulator."""

from crmsim.celery import app as celery_app

__all__ = ("celery_app",)
