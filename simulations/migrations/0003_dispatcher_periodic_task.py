"""The dispatcher's beat entry: run ``simulations.dispatch`` every CRMSIM_DISPATCH_INTERVAL_SECONDS on the
``dispatch`` queue (django-celery-beat's DatabaseScheduler reads it). Idempotent; beat re-aligns it with the
setting when it starts (simulations.tasks.install_dispatcher_schedule)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

NAME = "crmsim: dispatch due slots"


def _every(seconds):
    if seconds >= 1 and float(seconds).is_integer():
        return int(seconds), "seconds"
    return max(1, round(seconds * 1_000_000)), "microseconds"


def create_dispatcher_task(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    seconds = settings.CRMSIM_DISPATCH_INTERVAL_SECONDS
    every, period = _every(seconds)
    schedule, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "simulations.dispatch",
            "interval": schedule,
            "queue": "dispatch",
            "expire_seconds": max(5, int(seconds * 3)),
            "enabled": True,
        },
    )
    # Historical models send no signals: tell a running beat that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_dispatcher_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("simulations", "0002_simulation_lagsample_slot_and_more"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_dispatcher_task, remove_dispatcher_task)]
