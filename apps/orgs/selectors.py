"""Scoped reads of the organisation: every list a user sees comes through here."""

from django.db.models import Count, Q, QuerySet

from apps.core.scoping import scope_queryset
from apps.orgs.models import Counter, OrgUnit, Staff


def unit_list(*, user) -> QuerySet[OrgUnit]:
    return (
        scope_queryset(OrgUnit.objects.all(), user, unit_field=None)
        .select_related("body", "province", "county", "parent")
        .annotate(staff_count=Count("staff", filter=Q(staff__active=True), distinct=True))
        .order_by("path")
    )


def unit_get(*, user, pk: int) -> OrgUnit:
    return scope_queryset(OrgUnit.objects.select_related("body", "province", "county", "parent"), user, unit_field=None).get(pk=pk)


def staff_list(*, user, query: str = "") -> QuerySet[Staff]:
    qs = scope_queryset(Staff.objects.all(), user).select_related("unit", "unit__body", "body")
    if query:
        qs = qs.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query)
            | Q(personnel_code__icontains=query) | Q(post__icontains=query)
        )
    return qs.order_by("last_name", "first_name")


def staff_get(*, user, pk: int) -> Staff:
    return scope_queryset(Staff.objects.select_related("unit", "unit__body", "unit__province", "user"), user).get(pk=pk)


def counter_list(*, user) -> QuerySet[Counter]:
    return scope_queryset(Counter.objects.all(), user).select_related("unit", "unit__body").order_by("unit__path", "number")


def counter_get(*, user, pk: int) -> Counter:
    return scope_queryset(Counter.objects.select_related("unit", "unit__body"), user).get(pk=pk)
