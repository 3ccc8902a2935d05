"""GIVEN the demo, whose previous bimonth has the Mazandaran directorate's form verified (returned
once, a channel corrected) WHEN the demo national auditor opens annex 3 table 2 of that bimonth (left
to itself the page opens on the round being worked, whose forms are not verified yet) THEN the
directorate's row, under its ministry, shows the verified counts and the ratios computed from them,
not zeros. Screenshot: test-artifacts/annex3-table2-demo-1280.png."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.audits.models import AuditForm
from apps.core.jalali import Period
from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "e2e-demo-pass-1405"


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo")


def test_national_auditor_sees_the_demo_directorates_verified_form_in_table2(
    page, live_server, login, demo, shot, no_horizontal_overflow
):
    current = Period.containing(timezone.localdate(), "B")
    previous = Period.containing(current.start - timezone.timedelta(days=1), "B")
    form = AuditForm.objects.get(round__year=previous.year, round__number=previous.number, state="verified")
    a, b = form.total_a, form.total_b
    page.set_viewport_size(DESKTOP)
    login(page, "national", password=PASSWORD)
    # The page opens on the round being worked (the current one); the verified form is of the one before.
    page.goto(f"{live_server.url}{reverse('reports:annex3_table2')}?period={previous}")
    row = page.locator(".rp-annex-table2 tbody tr", has_text="اداره کل راه و شهرسازی استان مازندران")
    cells = row.locator("td").all_inner_texts()
    digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    assert cells[2] == "وزارت راه و شهرسازی"
    assert (cells[3], cells[4]) == (str(a).translate(digits), str(b).translate(digits))
    assert a == 12
    assert page.locator(".rp-annex-table2 tfoot").inner_text().count(str(a).translate(digits)) >= 1
    no_horizontal_overflow(page)
    shot(page, "annex3-table2-demo-1280")
