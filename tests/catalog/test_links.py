"""Where a supervisor finds the catalog's Excel workbook and the printed documents (issue #10 item 14):
each is linked from the page a supervisor opens for it, only for the roles that may use it, and
described in the in-app help."""

import pytest
from django.urls import reverse
from django.utils import translation

from apps.feedback import services as feedback_services
from apps.orgs import roles
from tests.factories import BodyFactory, CounterFactory, OrgUnitFactory, StaffFactory, staff_user

pytestmark = pytest.mark.django_db


def _html(client, name: str, *args, **params) -> str:
    with translation.override("fa"):
        response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_catalog_page_links_the_bodys_excel_export_and_import_for_its_supervisor_only(
    client, supervisor, clerk
):
    body = supervisor.unit.body
    export, upload = (
        reverse("catalog:excel_export", args=[body.pk]),
        reverse("catalog:excel_import", args=[body.pk]),
    )
    client.force_login(supervisor.user)
    html = _html(client, "catalog:service_list")
    assert f'href="{export}"' in html
    assert f'href="{upload}"' in html
    client.force_login(clerk.user)  # reads the catalog, may not import into it
    html = _html(client, "catalog:service_list")
    assert export not in html
    assert upload not in html


def test_an_administrator_chooses_the_body_whose_excel_page_opens(client):
    admin = staff_user(roles.ADMINISTRATOR)
    other = OrgUnitFactory(body=BodyFactory(name_fa="اداره کل ثبت اسناد"))
    client.force_login(admin.user)
    html = _html(client, "catalog:service_list")
    assert f'action="{reverse("catalog:excel_open")}"' in html
    assert f'<option value="{other.body_id}">اداره کل ثبت اسناد</option>' in html
    response = client.get(reverse("catalog:excel_open"), {"body": other.body_id})
    assert response["Location"] == reverse("catalog:excel_import", args=[other.body_id])


def test_the_excel_chooser_does_not_open_a_body_outside_the_users_area(client, supervisor):
    elsewhere = OrgUnitFactory()
    client.force_login(supervisor.user)
    assert client.get(reverse("catalog:excel_open"), {"body": elsewhere.body_id}).status_code == 404
    assert client.get(reverse("catalog:excel_open"), {"body": "x"}).status_code == 404


def test_an_employees_page_and_the_staff_list_link_the_name_plate_and_both_signs(client, supervisor):
    member = StaffFactory(unit=supervisor.unit)
    feedback_services.staff_qr_issue(staff=member, by=supervisor)
    plate = reverse("catalog:print_name_plate", args=[member.pk])
    sign = reverse("feedback:qr_sign_pdf", args=[member.pk])
    client.force_login(supervisor.user)
    html = _html(client, "orgs:staff_detail", member.pk)
    assert f'href="{plate}"' in html
    assert f'href="{sign}"' in html
    assert f'href="{sign}?size=a4"' in html
    assert f'href="{plate}"' in _html(client, "orgs:staff_list")
    qr_page = _html(client, "feedback:qr_list")
    assert f'href="{plate}"' in qr_page
    assert f'href="{sign}?size=a4"' in qr_page
    assert f'href="{sign}?size=a4"' in _html(client, "feedback:staff_ratings", member.pk)


def test_an_officer_sees_the_name_plate_but_not_the_qr_signs(client, officer):
    member = StaffFactory(unit=officer.unit)
    feedback_services.staff_qr_issue(staff=member, by=None)
    client.force_login(officer.user)
    html = _html(client, "orgs:staff_detail", member.pk)
    assert reverse("catalog:print_name_plate", args=[member.pk]) in html
    assert reverse("feedback:qr_sign_pdf", args=[member.pk]) not in html


def test_the_counters_page_of_the_home_tile_links_each_counters_sign(client, clerk):
    counter = CounterFactory(unit=clerk.unit)
    client.force_login(clerk.user)
    html = _html(client, "orgs:counter_list")
    assert f'href="{reverse("catalog:print_counter_sign", args=[counter.pk])}"' in html


def test_the_help_page_describes_the_excel_workbook_printables_revoking_and_suggestions(client, supervisor):
    client.force_login(supervisor.user)
    html = _html(client, "core:help")
    assert 'id="catalog"' in html
    for phrase in (
        "دریافت فهرست خدمات (اکسل)",
        "ورود از فایل اکسل",
        "ابطال کارت",
        "پیشنهادهایی که مردم",
        "تابلوی مشخصات کارمند",
        "تابلوی کنار در (A4)",
    ):
        assert phrase in html, phrase
