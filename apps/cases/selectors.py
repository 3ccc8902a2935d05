"""Reads of cases: every list a user sees is scoped by the one org-unit scoping function."""

from django.db.models import QuerySet

from apps.cases.models import DEFAULT_DUE_WORKING_DAYS, Case, CaseType, CaseTypeSetting
from apps.core.scoping import scope_queryset
from apps.orgs import roles


def case_list(*, user) -> QuerySet[Case]:
    """The cases registered at or handled by the user's units and below (all for national roles)."""
    qs = Case.objects.select_related("unit", "body", "registered_by", "handling_unit")
    national = roles.CASE_NATIONAL_ROLES
    return scope_queryset(qs, user, national_roles=national) | scope_queryset(
        qs, user, unit_field="handling_unit", national_roles=national
    )


def case_inbox(*, user) -> QuerySet[Case]:
    """The open cases the user's units handle now (national roles: every open case)."""
    qs = Case.objects.select_related("unit", "body", "handling_unit").exclude(
        state__in=(Case.State.ANSWERED, Case.State.CLOSED)
    )
    return scope_queryset(qs, user, unit_field="handling_unit", national_roles=roles.CASE_NATIONAL_ROLES).order_by(
        "due_at", "pk"
    )


def case_type_due_working_days(case_type: str) -> int:
    """Working days allowed to answer a type: the administrator's setting, else the default in code."""
    setting = CaseTypeSetting.objects.filter(type=case_type).values_list("due_working_days", flat=True).first()
    return setting if setting is not None else DEFAULT_DUE_WORKING_DAYS[case_type]


def staff_thanks(*, staff, period: tuple | None = None) -> QuerySet[Case]:
    """Thanks cases naming one employee, newest first; `period` is (first day, last day) in Tehran."""
    qs = Case.objects.filter(type=CaseType.THANKS, employee=staff).order_by("-created_at")
    if period is not None:
        qs = qs.filter(created_at__date__gte=period[0], created_at__date__lte=period[1])
    return qs.only("tracking_code", "subject", "created_at")


def cases_in_order(ids: list[int]) -> list[Case]:
    """The rows of one page of a case list, in the page's order, with what the rows show. A list page
    picks its ids first and loads only those: on a unit with tens of thousands of open cases PostgreSQL
    otherwise joins every one of them to its units before sorting (bench/reports_national.py)."""
    rows = Case.objects.select_related("unit", "body", "handling_unit", "registered_by").in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]
