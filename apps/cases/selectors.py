"""Reads of cases: every list a user sees is scoped by the one org-unit scoping function."""

from django.db.models import QuerySet

from apps.cases.models import DEFAULT_DUE_WORKING_DAYS, Case, CaseTypeSetting
from apps.core.scoping import scope_queryset


def case_list(*, user) -> QuerySet[Case]:
    """The cases registered at the user's units and below (all of them for national roles)."""
    qs = Case.objects.select_related("unit", "body", "registered_by")
    return scope_queryset(qs, user)


def case_type_due_working_days(case_type: str) -> int:
    """Working days allowed to answer a type: the administrator's setting, else the default in code."""
    setting = CaseTypeSetting.objects.filter(type=case_type).values_list("due_working_days", flat=True).first()
    return setting if setting is not None else DEFAULT_DUE_WORKING_DAYS[case_type]
