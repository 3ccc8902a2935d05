"""Signal receivers of the core app."""

from django.apps import apps
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.core import pagecache, worktime
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


# Which writes make which kept public pages stale (apps.core.pagecache): a request's tracking page
# with the request, its stages and response; a rating page with its card; everything public with
# the catalog and the organisation (names, units, staff — rare changes).
def _request_code(row) -> str:
    try:
        return row.request.tracking_code
    except ObjectDoesNotExist:  # the request was deleted with it
        return ""


def _case_code(row) -> str:
    try:
        return row.case.tracking_code
    except ObjectDoesNotExist:  # the case was deleted with it
        return ""


PAGE_VERSIONS = {
    "desk.ServiceRequest": lambda row: f"request:{row.tracking_code}",
    "desk.RequestStage": lambda row: f"request:{_request_code(row)}",
    "desk.Response": lambda row: f"request:{_request_code(row)}",
    "feedback.SurveyResponse": lambda row: f"request:{_request_code(row)}",
    "cases.Case": lambda row: f"case:{row.tracking_code}",
    "cases.CaseEvent": lambda row: f"case:{_case_code(row)}",
    "cases.CaseResponse": lambda row: f"case:{_case_code(row)}",
    "feedback.StaffQRCode": lambda row: f"qr:{row.token}",
    "feedback.Questionnaire": lambda row: "questionnaire",
    "feedback.Axis": lambda row: "questionnaire",
    "feedback.Question": lambda row: "questionnaire",
}
PUBLIC_APPS = ("catalog", "orgs")


def public_pages_changed(*, sender, instance, **kwargs) -> None:
    name = PAGE_VERSIONS[sender._meta.label](instance) if sender._meta.label in PAGE_VERSIONS else "public"
    pagecache.bump(name)


def page_versions_connect() -> None:
    senders = [apps.get_model(label) for label in PAGE_VERSIONS]
    senders += [model for label in PUBLIC_APPS for model in apps.get_app_config(label).get_models()]
    for model in senders:
        for signal in (post_save, post_delete):
            signal.connect(public_pages_changed, sender=model, dispatch_uid=f"core_pages_{model._meta.label}")
