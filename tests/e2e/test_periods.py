"""GIVEN the world of tests/reports/conftest.py WHEN an auditor picks periods in Chromium THEN the
report form and annex 3 offer them in words, a code typed the way right-to-left text shows it
("B3-1405") is understood, and an error names the period in words with its code reading left to
right. Screenshots: test-artifacts/periods-*.png."""

import re

import pytest

from apps.orgs import roles
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import staff_user
from tests.reports.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def auditor(world):
    return staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u3, first_name="حسین", last_name="موسوی")


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "apps.reports.tasks.reports_compile_period.apply_async",
        lambda kwargs, **options: sent.append(kwargs["period"]),
    )
    return sent


def test_report_form_offers_periods_in_words_and_explains_a_wrong_one(
    page, live_server, login, auditor, world, queued, shot, no_horizontal_overflow
):
    page.set_viewport_size(DESKTOP)
    login(page, auditor.user)
    page.goto(f"{live_server.url}/reports/")
    page.select_option("#id_kind", "quarterly_county")
    page.select_option("#id_scope", f"county:{world.sari.pk}")
    page.fill("#id_period_1", "B2-1405")  # a bimonth, typed as Persian text shows its code
    page.click(".rp-request button[type=submit]")
    error = page.inner_text(".rp-request .errorlist")
    assert "این گزارش سه‌ماهه است" in error
    assert "«سه‌ماهه دوم ۱۴۰۵»" in error
    assert "\u20661405-Q2\u2069" in error  # the example code, isolated left to right
    assert page.input_value("#id_period_0") == "1405-B2"  # understood, and shown in words
    no_horizontal_overflow(page)
    shot(page, "periods-report-error-1280")

    page.fill("#id_period_1", "")
    page.select_option("#id_period_0", label="سه‌ماهه دوم ۱۴۰۵")
    page.click(".rp-request button[type=submit]")
    page.wait_for_url(re.compile(r"/reports/#report-\d+$"))
    assert queued == ["1405-Q2"]


def test_annex3_on_a_phone_reads_a_reversed_code_and_shows_the_bimonth_in_words(
    page, live_server, login, auditor, shot, no_horizontal_overflow
):
    page.set_viewport_size(PHONE)
    login(page, auditor.user)
    page.goto(f"{live_server.url}/reports/annex3/table1/")
    options = page.locator("#id_period_0 option").all_inner_texts()
    assert "مرداد–شهریور ۱۴۰۵" in options
    page.fill("#id_period_1", "B3-۱۴۰۵")
    page.click("form.mg-card button[type=submit]")
    page.wait_for_url("**period_code=B3*")
    assert page.input_value("#id_period_0") == "1405-B3"
    assert "مرداد–شهریور ۱۴۰۵" in page.inner_text(".rp-lead")
    no_horizontal_overflow(page)
    shot(page, "periods-annex3-360")
