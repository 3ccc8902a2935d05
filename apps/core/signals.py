"""Signal receivers of the core app."""

from django.contrib.auth.signals import user_logged_in
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


@receiver(user_logged_in, dispatch_uid="core_twofactor_device_known")
def twofactor_device_known(*, request, user, **kwargs) -> None:
    """Record in the new session whether its user has a two-step device, while logging in costs
    queries anyway: the pages after it then ask nothing (apps.core.twofactor.two_factor_needed)."""
    if request is not None and hasattr(request, "session"):
        from django_otp import user_has_device

        from apps.core.twofactor import NO_DEVICE

        request.session[NO_DEVICE] = not user_has_device(user, confirmed=True)
