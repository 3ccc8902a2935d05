"""Signal receivers of the core app."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.core import worktime
from apps.core.models import Holiday
from apps.orgs.models import Province


@receiver([post_save, post_delete], sender=Holiday, dispatch_uid="core_worktime_holiday_changed")
@receiver([post_save, post_delete], sender=Province, dispatch_uid="core_worktime_province_changed")
def worktime_calendar_changed(*, using: str = "default", **kwargs) -> None:
    """Drop the cached working-time calendars when a holiday or a province's days off change."""
    worktime.invalidate()
    # Another process may rebuild between this write and the commit and cache the old rows under the
    # new version; bumping once more after the commit makes it read again.
    transaction.on_commit(worktime.invalidate, using=using)
