"""Browser journey: a Persian administrator at a 1366x768 office screen corrects the holiday calendar in
Jalali through the admin's date picker, finds staff typed with an Arabic keyboard, and reads their roles
by their Persian names; no admin page is wider than the screen."""

import datetime as dt
import re

import pytest
from django.contrib import admin

from apps.core.models import Holiday
from apps.orgs import roles
from apps.orgs.models import Province
from tests.factories import registered_request, staff_user

WAIT = 20_000
SCREEN = {"width": 1366, "height": 768}


@pytest.fixture
def administrator(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    user = staff_user(roles.ADMINISTRATOR, first_name="مهدی", last_name="صالحی").user
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def fits_the_screen():
    """Asserts that the page is no wider than a 1366-pixel screen."""

    def _check(page) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SCREEN["width"], f"{page.url} is {width}px wide"

    return _check


def test_an_administrator_corrects_holidays_in_jalali_and_finds_staff_and_roles_in_persian(
    page, live_server, login, shot, administrator, fits_the_screen
):
    karimi = staff_user(roles.DESK_CLERK, first_name="یاسمن", last_name="کریمی", personnel_code="4512")
    niknam = staff_user(roles.BODY_SUPERVISOR, first_name="علی", last_name="نیک\u200cنام")
    page.set_viewport_size(SCREEN)
    login(page, administrator, next_path="/admin/")
    fits_the_screen(page)

    # GIVEN the holiday calendar, in Jalali dates with a filter by Jalali year.
    page.goto(f"{live_server.url}/admin/core/holiday/")
    page.click("#changelist-filter a:text-is('۱۴۰۵')")
    page.wait_for_url(re.compile(r"date__gte=2026-03-21"), timeout=WAIT)
    assert page.locator("#result_list tbody tr").count() == 25
    assert page.locator("#result_list").get_by_text("۱۴۰۵/۱۲/۱۰").count() == 1
    fits_the_screen(page)
    shot(page, "admin-holidays-1405")

    # WHEN the moon is sighted a day late and Imam Ali's martyrdom moves from 1405/12/10 to 1405/12/11:
    # the administrator opens it and picks the new day in the Jalali date picker.
    page.click("#result_list a:text-is('۱۴۰۵/۱۲/۱۰')")
    date_box = page.locator("#id_date")
    assert date_box.input_value() == "۱۴۰۵/۱۲/۱۰"
    page.click(".field-date .ui-datepicker-trigger")
    picker = page.locator("#ui-datepicker-div")
    picker.wait_for(state="visible", timeout=WAIT)
    month = picker.locator("select.ui-datepicker-month option:checked").inner_text()
    year = picker.locator("select.ui-datepicker-year option:checked").inner_text()
    assert (month, year) == ("اسفند", "1405")  # the picker opens on the date in the box
    fits_the_screen(page)
    shot(page, "admin-holiday-datepicker")
    picker.locator("td a", has_text=re.compile(r"^11$")).click()
    assert date_box.input_value() == "۱۴۰۵/۱۲/۱۱"
    page.click("input[name=_save]")

    # THEN it is stored as the Gregorian day and shown in Jalali.
    page.wait_for_selector(".messagelist .success", timeout=WAIT)
    moved = Holiday.objects.get(title__startswith="شهادت حضرت علی", date__year=2027, date__month=3)
    assert moved.date == dt.date(2027, 3, 2)
    assert page.locator("#result_list").get_by_text("۱۴۰۵/۱۲/۱۱").count() == 1

    # A one-off closure in one province, its date typed in Persian digits.
    page.goto(f"{live_server.url}/admin/core/holiday/add/")
    page.fill("#id_date", "۱۴۰۵/۱۲/۲۸")
    page.fill("#id_title", "تعطيلي به علت آلودگي هوا")  # typed on an Arabic keyboard
    page.select_option("#id_kind", "special")
    tehran = Province.objects.get(code="IR-23")
    page.select_option("#id_province", str(tehran.pk))
    fits_the_screen(page)
    shot(page, "admin-holiday-add")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success", timeout=WAIT)
    closure = Holiday.objects.get(province=tehran, kind="special")
    assert (closure.date, closure.title) == (dt.date(2027, 3, 19), "تعطیلی به علت آلودگی هوا")
    assert page.locator("#result_list").get_by_text("۱۴۰۵/۱۲/۲۸").count() >= 1

    # Users searched with Arabic ي and ك: the Persian name is found, with its role in Persian.
    page.goto(f"{live_server.url}/admin/auth/user/")
    assert page.locator("#result_list thead").get_by_text("نقش‌ها").count() == 1
    page.fill("#searchbar", "كريمي")
    page.press("#searchbar", "Enter")
    page.wait_for_url(re.compile(r"\?q="), timeout=WAIT)
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "یاسمن کریمی" in rows.first.inner_text()
    assert "کارشناس میز خدمت" in rows.first.inner_text()
    fits_the_screen(page)
    shot(page, "admin-users-search-arabic")

    # The role filter by Persian names.
    page.goto(f"{live_server.url}/admin/auth/user/")
    page.click("#changelist-filter a:text-is('مسئول میز خدمت (نماینده دستگاه)')")
    page.wait_for_url(re.compile(r"role=body_supervisor"), timeout=WAIT)
    assert page.locator("#result_list tbody tr").count() == 1
    assert niknam.user.username in page.locator("#result_list tbody").inner_text()

    # Staff searched without the ZWNJ and with Arabic letters, and by a personnel code in Persian digits.
    page.goto(f"{live_server.url}/admin/orgs/staff/?q=نيكنام")
    assert "نیک\u200cنام" in page.locator("#result_list tbody").inner_text()
    page.goto(f"{live_server.url}/admin/orgs/staff/?q=۴۵۱۲")
    assert page.locator("#result_list tbody tr").count() == 1
    fits_the_screen(page)

    # The user's form offers the roles by their Persian names.
    page.goto(f"{live_server.url}/admin/auth/user/{karimi.user.pk}/change/")
    assert page.locator("#id_groups_to option").all_inner_texts() == ["کارشناس میز خدمت"]
    assert "مدیر سامانه" in page.locator("#id_groups_from").inner_text()
    fits_the_screen(page)
    shot(page, "admin-user-roles")


def test_no_admin_page_is_wider_than_an_office_screen(page, live_server, login, shot, administrator, fits_the_screen):
    """Every list of the admin, the first object of each and each add page, at 1366x768."""
    registered_request()  # a request with stages, and a sub-service with table 1 stages inline
    staff_user(roles.DESK_CLERK)
    page.set_viewport_size(SCREEN)
    login(page, administrator, next_path="/admin/")
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"{live_server.url}/admin/{opts.app_label}/{opts.model_name}/"
        page.goto(base)
        fits_the_screen(page)
        first = page.locator("#result_list tbody tr a").first
        if first.count():
            first.click()
            page.wait_for_load_state()
            fits_the_screen(page)
            if opts.model_name == "subservice":
                shot(page, "admin-subservice-change")
        if model_admin.has_add_permission(type("R", (), {"user": administrator})()):
            page.goto(base + "add/")
            fits_the_screen(page)
