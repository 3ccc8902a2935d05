"""Object-level scoping: one rule, applied in selectors, portal pages and the admin."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from apps.api.models import ApiKey
from apps.audits.models import AuditForm
from apps.cases.models import Case, CaseResponse, MeetingSchedule
from apps.cases.services import case_respond
from apps.core.scoping import scope_queryset
from apps.desk.models import QueueTicket, RequestDay, RequestStage, ServiceRequest
from apps.feedback.models import Answer, AnswerDay, StaffRating, StaffRatingDay, SurveyDay, SurveyResponse
from apps.orgs import roles
from apps.orgs.models import Counter, OrgUnit, Staff
from tests.factories import (
    AnswerFactory,
    AuditFormFactory,
    CounterFactory,
    DepartmentFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    StaffRatingFactory,
    SurveyResponseFactory,
    api_key,
    registered_case,
    registered_request,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _ticket(unit):
    return QueueTicket.objects.create(unit=unit, day=timezone.localdate(), number=QueueTicket.objects.count() + 1)


def _rollup(model, unit, write):
    write()
    return model.objects.get(unit=unit)


# Every model bound to an org unit, with a factory that makes one in a given unit. A new
# unit-bound model must be added here, or test_every_unit_bound_model_is_covered fails.
UNIT_BOUND_FACTORIES = {
    OrgUnit: lambda unit: DepartmentFactory(parent=unit),
    Counter: lambda unit: CounterFactory(unit=unit),
    Staff: lambda unit: StaffFactory(unit=unit),
    ServiceRequest: lambda unit: registered_request(unit=unit),
    RequestStage: lambda unit: registered_request(unit=unit).stages.first(),
    QueueTicket: _ticket,
    StaffRating: lambda unit: StaffRatingFactory(code__staff__unit=unit),
    SurveyResponse: lambda unit: SurveyResponseFactory(request=registered_request(unit=unit)),
    Answer: lambda unit: AnswerFactory(response__request=registered_request(unit=unit)),
    AuditForm: lambda unit: AuditFormFactory(unit=unit),
    Case: lambda unit: registered_case(unit=unit),
    CaseResponse: lambda unit: case_respond(case=registered_case(unit=unit), by=None, outcome="resolved", text="پاسخ"),
    ApiKey: lambda unit: api_key(unit=unit)[0],
    # Daily rollups (apps.feedback.rollups), written with the ratings and questionnaires they count.
    StaffRatingDay: lambda unit: _rollup(StaffRatingDay, unit, lambda: StaffRatingFactory(code__staff__unit=unit)),
    AnswerDay: lambda unit: _rollup(
        AnswerDay, unit, lambda: AnswerFactory(response__request=registered_request(unit=unit))
    ),
    SurveyDay: lambda unit: _rollup(
        SurveyDay, unit, lambda: SurveyResponseFactory(request=registered_request(unit=unit))
    ),
    RequestDay: lambda unit: _rollup(RequestDay, unit, lambda: registered_request(unit=unit)),
    MeetingSchedule: lambda unit: MeetingSchedule.objects.create(
        official=StaffFactory(unit=unit), unit=unit, weekday=0, start=dt.time(9), end=dt.time(11), place="دفتر",
    ),
}


def _unit_bound_models():
    found = {OrgUnit}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.many_to_one and field.related_model is OrgUnit and field.name == "unit" and not field.auto_created:
                found.add(model)
    return found


def test_every_unit_bound_model_is_covered():
    missing = {m.__name__ for m in _unit_bound_models() - set(UNIT_BOUND_FACTORIES)}
    assert not missing, f"add the new unit-bound model to this test: {missing}"


@pytest.fixture
def two_provinces():
    home = OrgUnitFactory(province=ProvinceFactory(code="IR-02"))
    other = OrgUnitFactory(province=ProvinceFactory(code="IR-23"))
    return home, other


@pytest.mark.parametrize("model", list(UNIT_BOUND_FACTORIES), ids=lambda m: m.__name__)
def test_scoped_queryset_hides_other_province_rows(two_provinces, model):
    home, other = two_provinces
    clerk = staff_user(roles.DESK_CLERK, unit=home)
    mine = UNIT_BOUND_FACTORIES[model](home)
    theirs = UNIT_BOUND_FACTORIES[model](other)
    unit_field = None if model is OrgUnit else "unit"
    visible = set(scope_queryset(model.objects.all(), clerk.user, unit_field=unit_field).values_list("pk", flat=True))
    assert mine.pk in visible
    assert theirs.pk not in visible


ADMIN_MODELS = [m for m in UNIT_BOUND_FACTORIES if m in admin.site._registry]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_clerk_of_one_province_gets_404_in_admin_for_other_province(client, two_provinces, model):
    home, other = two_provinces
    clerk = staff_user(roles.DESK_CLERK, unit=home)
    clerk.user.is_staff = True
    clerk.user.save()
    # The permission to look the model up, whether or not the role holds it: what is tested is
    # which rows the admin shows, not who may open it.
    clerk.user.user_permissions.add(
        Permission.objects.get(
            content_type=ContentType.objects.get_for_model(model), codename=f"view_{model._meta.model_name}"
        )
    )
    mine = UNIT_BOUND_FACTORIES[model](home)
    theirs = UNIT_BOUND_FACTORIES[model](other)
    client.force_login(clerk.user)
    opts = model._meta
    url = lambda obj: reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])  # noqa: E731
    assert client.get(url(theirs)).status_code == 404
    assert client.get(url(mine)).status_code == 200
    listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert listing.status_code == 200
    shown = {obj.pk for obj in listing.context["cl"].result_list}
    assert mine.pk in shown
    assert theirs.pk not in shown


def test_clerk_of_one_province_gets_404_for_other_province_staff_in_portal(client, two_provinces):
    home, other = two_provinces
    clerk = staff_user(roles.DESK_CLERK, unit=home)
    theirs = StaffFactory(unit=other)
    mine = StaffFactory(unit=home)
    client.force_login(clerk.user)
    assert client.get(reverse("orgs:staff_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("orgs:staff_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("orgs:unit_detail", args=[other.pk])).status_code == 404
    page = client.get(reverse("orgs:staff_list"))
    assert mine in page.context["staff"]
    assert theirs not in page.context["staff"]
    counters = client.get(reverse("orgs:counter_list")).context["counters"]
    assert not any(c.unit_id == other.pk for c in counters)


def test_staff_see_their_unit_and_below_but_not_siblings_or_parent():
    province_unit = OrgUnitFactory()
    dept_a = DepartmentFactory(parent=province_unit)
    dept_b = DepartmentFactory(parent=province_unit)
    sub_of_a = DepartmentFactory(parent=dept_a)
    officer = staff_user(roles.UNIT_OFFICER, unit=dept_a)
    visible = set(scope_queryset(OrgUnit.objects.all(), officer.user, unit_field=None))
    assert visible == {dept_a, sub_of_a}
    assert dept_b not in visible
    assert province_unit not in visible


def test_provincial_auditor_sees_whole_province_of_every_body_only():
    province = ProvinceFactory(code="IR-02")
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, unit=OrgUnitFactory(province=province))
    other_body_same_province = OrgUnitFactory(province=province)
    other_province = OrgUnitFactory(province=ProvinceFactory(code="IR-23"))
    hq = OrgUnitFactory(level=OrgUnit.Level.HQ, province=None)
    visible = set(scope_queryset(OrgUnit.objects.all(), auditor.user, unit_field=None))
    assert other_body_same_province in visible
    assert other_province not in visible
    assert hq not in visible


@pytest.mark.parametrize("role", [roles.NATIONAL_AUDITOR, roles.ADMINISTRATOR])
def test_national_roles_see_everything(role):
    units = [OrgUnitFactory(), OrgUnitFactory(level=OrgUnit.Level.HQ, province=None)]
    national = staff_user(role, unit=units[1])
    if role == roles.ADMINISTRATOR:
        national.user.is_superuser = True
        national.user.save()
    assert set(units) <= set(scope_queryset(OrgUnit.objects.all(), national.user, unit_field=None))


def test_anonymous_and_deactivated_staff_see_nothing(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    OrgUnitFactory()
    assert not scope_queryset(OrgUnit.objects.all(), AnonymousUser(), unit_field=None).exists()
    clerk = staff_user(roles.DESK_CLERK)
    clerk.active = False
    clerk.save()
    assert not scope_queryset(OrgUnit.objects.all(), clerk.user, unit_field=None).exists()


def test_moving_a_unit_moves_its_subtree_paths():
    old_parent, new_parent = OrgUnitFactory(), OrgUnitFactory()
    moved = DepartmentFactory(parent=old_parent)
    child = DepartmentFactory(parent=moved)
    moved.parent = new_parent
    moved.save()
    child.refresh_from_db()
    assert child.path == f"{new_parent.path}{moved.pk}/{child.pk}/"
