"""Celery application: settings come from Django's `CELERY_*` names, tasks from every app."""

import atexit
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("service_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.beat_init.connect
def _one_beat(sender, **kwargs) -> None:
    """Schedule only while holding the deployment's beat lock (apps.core.beatlock). Django is set up
    by now (Celery's Django fixup, as beat loads the task modules)."""
    from apps.core.beatlock import beat_lock_hold

    atexit.register(beat_lock_hold(sender).release)
