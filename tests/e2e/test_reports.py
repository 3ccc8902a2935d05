"""GIVEN the Mazandaran quarter of tests/reports/conftest.py WHEN a national auditor asks for its
quarterly report on demand in Chromium THEN the progress page shows it queued and refreshes itself;
once a worker has compiled it the page lands on the report, with its SVG charts, the ranking and its
formula, and the PDF and Excel links. Screenshots: test-artifacts/reports-*.png."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from apps.orgs import roles
from apps.reports.figures import ranking_formula
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import report_compile
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import staff_user
from tests.reports.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def auditor(world):
    return staff_user(roles.NATIONAL_AUDITOR, unit=world.hq, first_name="فاطمه", last_name="حسینی")


@pytest.fixture
def queued(monkeypatch):
    """A broker whose worker has not picked the task up yet: the request is only recorded."""
    sent = []
    monkeypatch.setattr(
        "apps.reports.tasks.reports_compile_period.apply_async", lambda kwargs, **options: sent.append(kwargs)
    )
    return sent


def test_national_auditor_compiles_a_quarterly_report_on_demand(
    page,
    live_server,
    login,
    world,
    auditor,
    queued,
    shot,
    no_horizontal_overflow,
):
    page.set_viewport_size(DESKTOP)
    login(page, auditor.user)
    page.goto(f"{live_server.url}/reports/")
    page.select_option("#id_kind", "quarterly_province")
    page.select_option("#id_period_0", label="سه‌ماهه دوم ۱۴۰۵")
    page.select_option("#id_scope", f"province:{world.mazandaran.pk}")
    no_horizontal_overflow(page)
    shot(page, "reports-list-1280")
    page.click(".rp-request button[type=submit]")

    # Back on the list that asked, which follows the compilation.
    page.wait_for_url(re.compile(r"/reports/#report-\d+$"))
    assert queued == [
        {"kind": "quarterly_province", "period": "1405-Q2", "scope": f"province:{world.mazandaran.pk}"}
    ]
    item = page.locator(".rp-compiling-item")
    expect(item).to_have_count(1)
    assert "در صف" in item.inner_text()
    shot(page, "reports-progress-1280")

    # The worker picks the task up (here: in the test's thread) …
    report = report_compile(
        kind="quarterly_province", period="1405-Q2", scope=Scope(Scope.PROVINCE, world.mazandaran.pk)
    )
    # … and the list's next poll (every 2 s) shows it done, its link now opening the report.
    expect(item.locator("[data-status]")).to_have_class(re.compile("rp-status-done"), timeout=10_000)
    expect(item.locator("progress")).to_have_js_property("value", 100)
    expect(item.locator("a")).to_have_attribute("href", f"/reports/{report.pk}/")
    shot(page, "reports-progress-done-1280")
    with page.expect_navigation():
        item.locator("a").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    main = page.inner_text("main")
    with translation.override("fa"):
        assert f"{report.get_kind_display()} — مازندران" in main
    assert ranking_formula()["text"] in main
    for figure in ("۶۸٫۸", "۶۰٪", "۸۵٫۹"):  # overall index, on time, first unit's score
        assert figure in main
    assert page.locator("svg.rp-bar").count() == 7 + 3 + 5
    assert page.locator("svg.rp-stack").count() == 1
    assert page.get_attribute("a[href$='/pdf/']", "href") == f"/reports/{report.pk}/pdf/"
    no_horizontal_overflow(page)
    shot(page, "reports-detail-1280")

    page.set_viewport_size(PHONE)
    page.reload()
    no_horizontal_overflow(page)
    shot(page, "reports-detail-360")
    assert Report.objects.get().status == Report.Status.DONE


def test_provincial_annex3_table1_on_screen(page, live_server, login, world, shot, no_horizontal_overflow):
    from tests.factories import report_audit_form_verified

    report_audit_form_verified(
        unit=world.u1,
        year=1405,
        number=3,
        channels=["in_person", "electronic", "hybrid", "outside"],
        false_channel=1,
        space={1: "excellent", 2: "good", 3: "average", 4: "weak"},
    )
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u3, first_name="حسین", last_name="موسوی")
    page.set_viewport_size(DESKTOP)
    login(page, auditor.user)
    page.goto(f"{live_server.url}/reports/annex3/table1/?period=1405-B3")
    rows = page.locator(".rp-annex-table1 tbody tr")
    assert rows.count() == 2
    assert "اداره کل راه و شهرسازی مازندران" in rows.nth(1).inner_text()
    assert page.locator("a[href*='format=pdf']").count() == 1
    no_horizontal_overflow(page)
    shot(page, "reports-annex3-table1-1280")
