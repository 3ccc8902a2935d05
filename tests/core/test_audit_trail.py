"""Privileged changes on record: users, roles, staff units, org units, holidays, questionnaire
versions and two-step devices, with who, when, before and after, shown to the administrator."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from apps.core.models import ChangeRecord, Holiday
from apps.feedback.models import Questionnaire
from apps.orgs import roles
from tests.factories import OrgUnitFactory, questionnaire_active, staff_user

pytestmark = pytest.mark.django_db


def _records(obj, action=None):
    qs = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    return list(qs.filter(action=action) if action else qs)


@pytest.fixture
def admin_client(client):
    admin = staff_user(roles.ADMINISTRATOR)
    admin.user.is_superuser = True  # the portal's administrators are superusers (apps.orgs.roles)
    admin.user.save()
    client.force_login(admin.user)
    client.admin = admin.user
    return client


def test_a_user_created_in_the_admin_is_recorded_with_its_creator(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "newclerk", "password1": "S3cure-pass-1405", "password2": "S3cure-pass-1405",
         "usable_password": "true", "staff-TOTAL_FORMS": "0", "staff-INITIAL_FORMS": "0",
         "staff-MIN_NUM_FORMS": "0", "staff-MAX_NUM_FORMS": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="newclerk")
    (created,) = _records(user, "created")
    assert created.actor == admin_client.admin
    assert created.after["username"] == "newclerk"
    assert "password" not in created.after  # never the hash


def test_role_changes_keep_the_roles_before_and_after(admin_client):
    member = staff_user(roles.DESK_CLERK)
    member.user.groups.add(Group.objects.get_or_create(name=roles.BODY_SUPERVISOR)[0])
    change = _records(member.user, "roles_changed")[0]  # newest first
    assert change.before == {"roles": [roles.DESK_CLERK]}
    assert change.after == {"roles": [roles.BODY_SUPERVISOR, roles.DESK_CLERK]}

    member.user.groups.remove(Group.objects.get(name=roles.DESK_CLERK))
    latest = _records(member.user, "roles_changed")[0]  # newest first
    assert latest.after == {"roles": [roles.BODY_SUPERVISOR]}


def test_moving_an_employee_to_another_unit_is_recorded_with_the_admin_as_actor(admin_client):
    member = staff_user(roles.DESK_CLERK)
    other = OrgUnitFactory(body=member.unit.body)
    page = admin_client.get(f"/admin/orgs/staff/{member.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("photo",)}
    data.update(unit=other.pk, user=member.user.pk, first_name=member.first_name, last_name=member.last_name,
                personnel_code=member.personnel_code, post=member.post)
    response = admin_client.post(f"/admin/orgs/staff/{member.pk}/change/", data)
    assert response.status_code == 302, page.content.decode()[:500]

    (change,) = _records(member, "changed")
    assert change.actor == admin_client.admin
    assert change.before["unit_id"] == member.unit.pk
    assert change.after["unit_id"] == other.pk


def test_holidays_added_and_removed_are_recorded():
    holiday = Holiday.objects.create(date=dt.date(2031, 7, 7), title="نوروز")
    pk = holiday.pk
    holiday.title = "عید نوروز"
    holiday.save()
    holiday.delete()
    actions = list(
        ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Holiday), object_id=str(pk))
        .order_by("id").values_list("action", flat=True)
    )
    assert actions == ["created", "changed", "deleted"]
    changed = ChangeRecord.objects.get(object_id=str(pk), action="changed")
    assert (changed.before, changed.after) == ({"title": "نوروز"}, {"title": "عید نوروز"})
    assert changed.actor is None  # outside a request: "system"


def test_a_new_questionnaire_version_is_recorded():
    active = questionnaire_active()
    from apps.feedback.services import questionnaire_revise

    copy = questionnaire_revise(questionnaire=active, actor=None)
    assert _records(copy, "created")
    assert isinstance(copy, Questionnaire)


def test_logins_write_nothing_and_a_password_change_is_noted_without_the_hash(client):
    member = staff_user(roles.DESK_CLERK)
    before = ChangeRecord.objects.count()
    assert client.login(username=member.user.username, password="pass-1234-word")
    assert ChangeRecord.objects.count() == before  # last_login is not a privileged change

    already = len(_records(member.user, "password_changed"))
    member.user.set_password("another-pass-1405")
    member.user.save()
    assert len(_records(member.user, "password_changed")) == already + 1
    note = _records(member.user, "password_changed")[0]
    assert note.before is None
    assert note.after is None


def test_the_administrator_reads_the_log_and_a_supervisor_cannot(admin_client, client):
    member = staff_user(roles.DESK_CLERK)
    member.user.groups.add(Group.objects.get_or_create(name=roles.BODY_SUPERVISOR)[0])
    record = _records(member.user, "roles_changed")[0]

    listing = admin_client.get("/admin/core/changerecord/?action=roles_changed")
    assert listing.status_code == 200
    assert f"/admin/core/changerecord/{record.pk}/change/" in listing.content.decode()
    detail = admin_client.get(f"/admin/core/changerecord/{record.pk}/change/").content.decode()
    assert roles.BODY_SUPERVISOR in detail

    supervisor = staff_user(roles.BODY_SUPERVISOR)
    admin_client.logout()
    admin_client.force_login(supervisor.user)
    assert admin_client.get("/admin/core/changerecord/").status_code == 403


def test_the_log_list_costs_the_same_for_10_or_60_records(admin_client, django_assert_max_num_queries):
    for n in range(60):
        Holiday.objects.create(date=dt.date(2030, 1, 1) + dt.timedelta(days=n), title=f"h{n}")
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("admin:core_changerecord_changelist")).status_code == 200
