"""The admin for a Persian administrator: Jalali dates in and out on every admin, a Jalali year filter,
typed text normalised on save (apps.core.admin_persian)."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.core.forms import JalaliDateField, JalaliSplitDateTimeField
from apps.core.holidays import holidays_seed
from apps.core.jalali import format_datetime
from apps.core.models import ChangeRecord, Holiday
from apps.orgs import roles
from tests.factories import AuditRoundFactory, registered_request, staff_user

pytestmark = pytest.mark.django_db

TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


@pytest.fixture
def administrator(client):
    user = staff_user(roles.ADMINISTRATOR).user
    user.is_superuser = True
    user.save()
    client.force_login(user)
    return user


def _text(html: str) -> str:
    """What a person reads on the page: the content without tags."""
    return re.sub(r"<[^>]+>", " ", html.split('id="content"', 1)[1])


def _admins():
    """Every registered ModelAdmin and every inline of it, as instances."""
    request = RequestFactory().get("/")
    request.user = type("Superuser", (), {"is_active": True, "is_superuser": True, "has_perm": lambda *a: True})()
    for model_admin in admin.site._registry.values():
        yield model_admin
        yield from (inline(model_admin.model, admin.site) for inline in model_admin.get_inlines(request, None))


def test_every_date_field_of_every_admin_is_typed_in_jalali():
    request = RequestFactory().get("/")
    checked = 0
    for model_admin in _admins():
        for field in model_admin.model._meta.concrete_fields:
            if not isinstance(field, models.DateField) or not field.editable:
                continue
            form_field = model_admin.formfield_for_dbfield(field, request)
            expected = JalaliSplitDateTimeField if isinstance(field, models.DateTimeField) else JalaliDateField
            assert isinstance(form_field, expected), f"{type(model_admin).__name__}.{field.name}"
            checked += 1
    assert checked > 10


def test_no_admin_uses_the_gregorian_date_hierarchy():
    # Django's drill-down counts Gregorian years and months; dates are filtered by Jalali year instead.
    assert [type(a).__name__ for a in _admins() if getattr(a, "date_hierarchy", None)] == []


def test_holiday_form_shows_the_date_in_jalali_and_saves_a_jalali_date_as_gregorian(client, administrator):
    holidays_seed()
    holiday = Holiday.objects.get(date=dt.date(2027, 3, 1), province=None)  # 1405/12/10, a lunar holiday
    url = reverse("admin:core_holiday_change", args=[holiday.pk])

    page = client.get(url).content.decode()
    assert 'name="date" value="۱۴۰۵/۱۲/۱۰" class="vjDateField"' in page  # django-jalali's date picker
    assert "2027-03-01" not in page

    # The moon is sighted a day later: the administrator types the new date in Persian digits.
    response = client.post(url, {"date": "۱۴۰۵/۱۲/۱۱", "title": holiday.title, "kind": holiday.kind, "province": ""})
    assert response.status_code == 302
    holiday.refresh_from_db()
    assert holiday.date == dt.date(2027, 3, 2)


def test_holiday_form_refuses_a_gregorian_date_typed_as_jalali(client, administrator):
    response = client.post(reverse("admin:core_holiday_add"), {"date": "2027-03-02", "title": "x", "kind": "solar"})
    assert response.status_code == 200
    assert not Holiday.objects.filter(title="x").exists()


def test_holiday_list_shows_jalali_dates_and_filters_by_jalali_year(client, administrator):
    holidays_seed()
    url = reverse("admin:core_holiday_changelist")
    page = client.get(url).content.decode()
    assert "۱۴۰۵/۰۱/۰۱" in page
    assert "2026" not in _text(page)
    assert "مارس" not in page
    years = re.findall(r'<a href="(\?[^"]*date__gte=[^"]*)">(۱۴۰[۰-۹])</a>', page)
    assert [year for _, year in years] == ["۱۴۰۶", "۱۴۰۵"]

    year_1405 = client.get(url + {year: query for query, year in years}["۱۴۰۵"].replace("&amp;", "&"))
    shown = list(year_1405.context["cl"].result_list)
    assert len(shown) == Holiday.objects.filter(date__range=("2026-03-21", "2027-03-20")).count() == 25


def test_this_month_of_the_date_filter_is_the_jalali_month(client, administrator, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 12, 3))  # 1405/09/12
    page = client.get(reverse("admin:core_holiday_changelist")).content.decode()
    assert "date__gte=2026-11-22&amp;date__lt=2026-12-22" in page  # 1405/09/01 – 1405/10/01


def test_a_date_time_typed_in_jalali_is_stored_in_tehran_time(client, administrator):
    audit_round = AuditRoundFactory()
    url = reverse("admin:audits_auditround_change", args=[audit_round.pk])
    assert "vjDateField" in client.get(url).content.decode()
    response = client.post(url, {"year": audit_round.year, "number": audit_round.number,
                                 "opened_at_0": "۱۴۰۵/۰۹/۰۱", "opened_at_1": "۰۹:۳۰",
                                 "declaration_days": "10", "evaluation_days": "10"})
    assert response.status_code == 302
    audit_round.refresh_from_db()
    assert audit_round.opened_at == dt.datetime(2026, 11, 22, 9, 30, tzinfo=TEHRAN)


def test_read_only_dates_and_inline_dates_are_shown_in_jalali(client, administrator):
    request = registered_request()
    request.received_at = dt.datetime(2026, 11, 22, 9, 30, tzinfo=TEHRAN)
    request.save()
    page = client.get(reverse("admin:desk_servicerequest_change", args=[request.pk])).content.decode()
    assert "۱۴۰۵/۰۹/۰۱\u00a0۰۹:۳۰" in page  # received_at, a read-only field
    stage = request.stages.order_by("order").first()
    assert format_datetime(stage.handed_over_at).replace(" ", "\u00a0") in page  # a read-only inline column
    assert "2026" not in _text(page)
    assert "نوامبر" not in page


def test_a_view_only_page_shows_its_dates_in_jalali(client, administrator):
    record = ChangeRecord.objects.filter(content_type__model="user").first()
    ChangeRecord.objects.filter(pk=record.pk).update(at=dt.datetime(2026, 11, 22, 9, 30, tzinfo=TEHRAN))
    page = client.get(reverse("admin:core_changerecord_change", args=[record.pk])).content.decode()
    assert "۱۴۰۵/۰۹/۰۱\u00a0۰۹:۳۰" in page
    listing = client.get(reverse("admin:core_changerecord_changelist")).content.decode()
    assert "۱۴۰۵/۰۹/۰۱\u00a0۰۹:۳۰" in listing


def test_admin_forms_normalise_typed_text_on_save(client, administrator):
    response = client.post(reverse("admin:core_holiday_add"),
                           {"date": "1405/12/28", "title": "  تعطيلي كرونا\u200f ", "kind": "special"})
    assert response.status_code == 302
    assert Holiday.objects.get(date=dt.date(2027, 3, 19)).title == "تعطیلی کرونا"


def test_admin_pages_load_the_portal_font_and_layout(client, administrator):
    # static/css/admin.css: Vazirmatn, and wide inline tables scroll in their box (the 1366 px check
    # itself is in tests/e2e/test_admin_persian.py).
    assert "css/admin.css" in client.get(reverse("admin:index")).content.decode()
