"""GIVEN a desk supervisor of a provincial directorate WHEN they log in and fill the service page in
Chromium at desktop width (one typo in table 1 on the way) THEN the service is saved with four stages,
three documents and two fees, and its page shows the promised duration in Persian digits."""

import re

import pytest
from django.urls import reverse

from apps.catalog.models import SubService
from apps.orgs import roles
from apps.orgs.models import OrgUnit
from tests.e2e.conftest import DESKTOP
from tests.factories import (
    BodyFactory,
    CounterFactory,
    DepartmentFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    SubServiceFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def directorate(db):
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران")
    province = ProvinceFactory(code="IR-02")
    unit = OrgUnitFactory(
        name="اداره کل راه و شهرسازی مازندران", body=body, province=province, level=OrgUnit.Level.PROVINCE
    )
    housing = DepartmentFactory(parent=unit, name="اداره مسکن و ساختمان")
    estate = DepartmentFactory(parent=unit, name="اداره املاک و حقوقی")
    supervisor = staff_user(
        roles.BODY_SUPERVISOR, unit=unit, first_name="زهرا", last_name="رضایی", post="مسئول میز خدمت"
    )
    return {"unit": unit, "housing": housing, "estate": estate, "supervisor": supervisor}


def test_supervisor_creates_a_service_through_the_real_form(
    page, live_server, login, shot, no_horizontal_overflow, directorate
):
    unit, housing, estate = directorate["unit"], directorate["housing"], directorate["estate"]
    page.set_viewport_size(DESKTOP)
    login(page, directorate["supervisor"].user)

    page.goto(f"{live_server.url}{reverse('catalog:service_list')}")
    page.click(f"a[href='{reverse('catalog:service_create')}']")
    page.wait_for_url(f"**{reverse('catalog:service_create')}")
    assert page.get_attribute("html", "dir") == "rtl"

    page.fill("#id_code", "۱۱۰۲۰۰۳۱")
    page.fill("#id_title", "صدور پروانه ساختمان در اراضی خارج از حریم")
    page.fill("#id_description", "صدور پروانه برای ساخت‌وساز در اراضی خارج از حریم شهرها پس از بازدید میدانی.")
    page.select_option("#id_channel", "in_person")
    page.select_option("#id_non_electronic_reason", "law")
    page.fill("#id_addresses", "ساری، بلوار پاسداران، اداره کل راه و شهرسازی، طبقه همکف")
    page.check(f"input[name=units][value='{unit.pk}']")
    page.fill("#id_average_duration", "۸")
    page.fill("#id_responsible_name", "مریم احمدی")
    page.fill("#id_responsible_contact", "011-33363000")

    stages = [
        ("پذیرش و بررسی مدارک", unit, "کارشناس میز خدمت", "4", "hour"),
        ("بازدید میدانی", housing, "کارشناس فنی مسکن", "3", "working_day"),
        ("بررسی حقوقی", estate, "کارشناس حقوقی", "1.5", "working_day"),  # a typo: half a working day
        ("صدور و امضای پروانه", unit, "معاون فنی", "1", "working_day"),
    ]
    for i, (title, responsible, post, amount, amount_unit) in enumerate(stages):
        page.fill(f"#id_stages-{i}-title", title)
        page.select_option(f"#id_stages-{i}-responsible_unit", str(responsible.pk))
        page.fill(f"#id_stages-{i}-responsible_post", post)
        page.fill(f"#id_stages-{i}-duration", amount)
        page.select_option(f"#id_stages-{i}-duration_unit", amount_unit)
    for i, (title, form, upload) in enumerate(
        [("کارت ملی مالک", "copy", True), ("سند مالکیت", "copy", True), ("نقشه تفکیکی", "original", False)]
    ):
        page.fill(f"#id_documents-{i}-title", title)
        page.select_option(f"#id_documents-{i}-form", form)
        if upload:
            page.check(f"#id_documents-{i}-upload_required")
    for i, (title, amount) in enumerate([("هزینه کارشناسی", "۱٬۵۰۰٬۰۰۰"), ("هزینه صدور پروانه", "500,000")]):
        page.fill(f"#id_fees-{i}-title", title)
        page.fill(f"#id_fees-{i}-amount_rials", amount)
        page.fill(f"#id_fees-{i}-account", "IR820170000000123456789012")
        page.fill(f"#id_fees-{i}-legal_basis", "تعرفه مصوب ۱۴۰۵")
    no_horizontal_overflow(page)
    shot(page, "catalog-manage-form")

    page.click("button.primary[type=submit]")
    page.wait_for_load_state()
    error = page.locator("#id_stages-2-duration_error")
    assert error.is_visible()
    assert page.get_attribute("#id_stages-2-duration", "aria-invalid") == "true"
    assert not SubService.objects.exists()
    error.scroll_into_view_if_needed()
    shot(page, "catalog-manage-errors")

    page.fill("#id_stages-2-duration", "2")
    page.click("button.primary[type=submit]")
    page.wait_for_url(re.compile(r".*/catalog/services/\d+/$"))

    service = SubService.objects.get()
    assert (service.stages.count(), service.documents.count(), service.fees.count()) == (4, 3, 2)
    promised = page.inner_text("#promised-duration")
    # 3 + 2 + 1 working days and 4 hours, in Persian digits.
    assert "۶ " in promised
    assert "۴ " in promised
    assert not re.search(r"[0-9]", promised)
    assert page.locator(".mg-stages tbody tr").count() == 4
    assert page.locator(".messages .msg-success").is_visible()
    no_horizontal_overflow(page)
    shot(page, "catalog-manage-detail")

    # A second visit: one stage takes longer, the title is shortened; the history shows both changes.
    page.click(f"a[href='{reverse('catalog:service_edit', args=[service.pk])}']")
    assert page.input_value("#id_stages-1-duration") == "3"
    page.fill("#id_stages-1-duration", "4")
    page.fill("#id_title", "صدور پروانه ساختمان خارج از حریم")
    page.click("button.primary[type=submit]")
    page.wait_for_url(f"**{reverse('catalog:service_detail', args=[service.pk])}")
    assert "۷ " in page.inner_text("#promised-duration")

    page.click(f"a[href='{reverse('catalog:service_history', args=[service.pk])}']")
    page.wait_for_url(f"**{reverse('catalog:service_history', args=[service.pk])}")
    assert page.locator(".mg-entry").count() == 2
    assert page.locator(".mg-entry-updated .mg-row-changed").count() == 1
    shot(page, "catalog-manage-history")

    page.goto(f"{live_server.url}{reverse('catalog:service_list')}")
    assert page.locator(".mg-services tbody tr").count() == 1
    shot(page, "catalog-manage-list")


def test_supervisor_assigns_services_and_staff_to_a_counter(page, live_server, login, shot, directorate):
    unit = directorate["unit"]
    counter = CounterFactory(unit=unit, number=3, title="پذیرش و تشکیل پرونده")
    services = [
        SubServiceFactory(body=unit.body, code=f"1102003{n}", title=title)
        for n, title in enumerate(
            ["صدور پروانه ساختمان", "تمدید پروانه اشتغال", "استعلام وضعیت ثبتی"], start=1
        )
    ]
    clerk = StaffFactory(
        unit=directorate["housing"], first_name="سارا", last_name="جعفری", post="کارشناس مسکن"
    )
    page.set_viewport_size(DESKTOP)
    login(page, directorate["supervisor"].user)

    page.goto(f"{live_server.url}{reverse('catalog:counter_list')}")
    page.click(f"a[href='{reverse('catalog:counter_services', args=[counter.pk])}']")
    page.check(f"input[name=services][value='{services[0].pk}']")
    page.check(f"input[name=services][value='{services[2].pk}']")
    page.check(f"input[name=staff][value='{clerk.pk}']")
    shot(page, "catalog-manage-counter")
    page.click("button.primary[type=submit]")
    page.wait_for_url(f"**{reverse('catalog:counter_list')}")

    assert set(counter.services.all()) == {services[0], services[2]}
    assert list(counter.staff.all()) == [clerk]
    assert page.locator(".messages .msg-success").is_visible()
    shot(page, "catalog-manage-counters")
