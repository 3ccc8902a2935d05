"""Reads of the periodic reports, scoped to the reader (SPEC §1, §7).

Who reads what:
- national roles: every report;
- a provincial auditor: the reports of their province, of its counties, and of the bodies whose
  units are all in the province (a provincial directorate — not its ministry, whose report covers
  other provinces too);
- a desk supervisor (the body's representative): the reports of their own body and of the bodies
  whose units all lie under their unit;
- other roles read no reports.
What is not in the queryset answers 404.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.core.jalali import Period
from apps.core.scoping import scope_queryset
from apps.orgs import roles
from apps.orgs.models import Body, County, OrgUnit, Province
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import KIND_SCOPES

READER_ROLES = (roles.BODY_SUPERVISOR, roles.PROVINCIAL_AUDITOR, roles.NATIONAL_AUDITOR, roles.ADMINISTRATOR)


def can_read_reports(user) -> bool:
    return roles.has_role(user, *READER_ROLES)


def _staff(user):
    staff = getattr(user, "staff", None)
    return staff if staff is not None and staff.active else None


def bodies_within(units: QuerySet[OrgUnit]) -> QuerySet[Body]:
    """Bodies that have units in `units` and none outside them."""
    outside = OrgUnit.objects.filter(body=OuterRef("pk")).exclude(pk__in=units.values("pk"))
    return Body.objects.filter(pk__in=units.values("body_id")).exclude(Exists(outside))


def readable_bodies(user) -> QuerySet[Body]:
    """The bodies whose own reports (and annex 3 rows) the user may read."""
    if not can_read_reports(user):
        return Body.objects.none()
    if roles.is_national(user):
        return Body.objects.all()
    staff = _staff(user)
    if staff is None:
        return Body.objects.none()
    within = bodies_within(scope_queryset(OrgUnit.objects.all(), user, unit_field=None))
    if roles.has_role(user, roles.PROVINCIAL_AUDITOR):
        return within
    return Body.objects.filter(Q(pk=staff.unit.body_id) | Q(pk__in=within.values("pk")))


def reader_province_id(user) -> int | None:
    """The one province a provincial auditor reads (None for everyone else)."""
    staff = _staff(user)
    if staff is None or roles.is_national(user) or not roles.has_role(user, roles.PROVINCIAL_AUDITOR):
        return None
    return staff.unit.province_id


def report_list(*, user) -> QuerySet[Report]:
    """The reports the user may read, newest period first, with their scope's names joined."""
    qs = Report.objects.select_related("body", "county", "province").order_by(
        "-period", "kind", "scope_key", "pk"
    )
    if not can_read_reports(user):
        return qs.none()
    if roles.is_national(user):
        return qs
    bodies = readable_bodies(user)
    province_id = reader_province_id(user)
    if province_id is not None:
        return qs.filter(Q(province_id=province_id) | Q(county__province_id=province_id) | Q(body__in=bodies))
    return qs.filter(body__in=bodies)


def reports_in_progress(*, user) -> QuerySet[Report]:
    """The compilations the user asked for that are queued or running (the newest five): the list
    page shows their progress."""
    return (
        report_list(user=user)
        .filter(requested_by=user, status__in=(Report.Status.PENDING, Report.Status.RUNNING))
        .order_by("-created_at")[:5]
    )


def requestable_scopes(user) -> list[tuple[Scope, str]]:
    """The scopes the user may ask a report for, each with its name, broadest first."""
    if not can_read_reports(user):
        return []
    scopes: list[tuple[Scope, str]] = []
    with_units = OrgUnit.objects.values("pk")
    if roles.is_national(user):
        scopes.append((Scope(Scope.NATIONAL), "سراسر کشور"))
        provinces = Province.objects.filter(units__in=with_units).distinct()
        counties = County.objects.filter(units__in=with_units).distinct()
    else:
        province_id = reader_province_id(user)
        provinces = Province.objects.filter(pk=province_id) if province_id else Province.objects.none()
        counties = (
            County.objects.filter(province_id=province_id, units__in=with_units).distinct()
            if province_id
            else County.objects.none()
        )
    scopes += [(Scope(Scope.PROVINCE, p.pk), p.name_fa) for p in provinces.order_by("code")]
    scopes += [
        (Scope(Scope.COUNTY, c.pk), f"{c.name_fa} ({c.province.name_fa})")
        for c in counties.select_related("province").order_by("province__code", "name_fa")
    ]
    scopes += [
        (Scope(Scope.BODY, b.pk), b.name_fa)
        for b in readable_bodies(user).filter(units__isnull=False).distinct().order_by("name_fa", "pk")
    ]
    return scopes


def requestable_kinds(scopes: list[tuple[Scope, str]]) -> list[str]:
    levels = {scope.level for scope, _name in scopes}
    return [kind for kind, allowed in KIND_SCOPES.items() if allowed & levels]


def table1_provinces(user) -> QuerySet[Province]:
    """Provinces whose annex 3 table 1 the user may open."""
    if not can_read_reports(user):
        return Province.objects.none()
    if roles.is_national(user):
        return Province.objects.filter(units__isnull=False).distinct().order_by("code")
    province_id = reader_province_id(user)
    if province_id is not None:
        return Province.objects.filter(pk=province_id)
    staff = _staff(user)
    if staff is None or staff.unit.province_id is None:
        return Province.objects.none()
    return Province.objects.filter(pk=staff.unit.province_id)


def table1_bodies(user) -> QuerySet[Body] | None:
    """The rows of table 1 a reader sees: every body for auditors (None), their own for a supervisor."""
    if roles.is_national(user) or reader_province_id(user) is not None:
        return None
    return readable_bodies(user)


def annex3_working_period(user, *, today: dt.date | None = None) -> Period:
    """The bimonth an annex 3 table opens on: the round being worked — the latest round with a form
    in the reader's scope not verified yet — or else the current bimonth (one query of the forms). Auditors open
    the tables while they verify a round, not two months after it."""
    from apps.audits.models import AuditForm

    open_forms = scope_queryset(
        AuditForm.objects.exclude(state=AuditForm.State.VERIFIED), user, unit_field="unit"
    )
    latest = (
        open_forms.order_by("-round__year", "-round__number")
        .values_list("round__year", "round__number")
        .first()
    )
    if latest:
        return Period(latest[0], "B", latest[1])
    return Period.containing(today or timezone.localdate(), "B")
