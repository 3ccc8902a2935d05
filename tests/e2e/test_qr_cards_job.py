"""A unit's QR cards made in the background, in Chromium (issue 14 item 2).

GIVEN a directorate of 200 employees, each with a code
WHEN the supervisor asks for the unit's cards from the QR list
THEN the browser lands on the job's progress page, which reloads itself while the sheet is made in a
thread of the server (no broker: the job runs there, as in the one-command setup) and then offers the
PDF; the download is the 20-sheet PDF of the 200 cards.
Screenshots: test-artifacts/qr-cards-job-*.png.
"""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.core.models import FileJob
from apps.feedback import services
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP
from tests.factories import BodyFactory, OrgUnitFactory, StaffFactory, staff_user
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 60_000


def test_supervisor_starts_a_200_card_sheet_follows_its_progress_and_downloads_the_pdf(
    page, live_server, login, shot, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران")
    unit = OrgUnitFactory(name="اداره کل راه و شهرسازی مازندران", body=body)
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="مریم", last_name="صالحی")
    StaffFactory.create_batch(199, unit=unit, post="کارشناس پذیرش")
    assert len(services.staff_qr_issue_unit(unit=unit, by=supervisor)) == 200  # pictures drawn here
    # The job runs in a thread of the live server while the page polls, as without a broker.
    settings.JOBS_BACKGROUND_THREADS = True

    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(DESKTOP)
    login(page, supervisor.user)
    page.goto(f"{live_server.url}{reverse('feedback:qr_list')}?unit={unit.pk}")
    page.get_by_role("button", name=_fa("Print the unit's cards (PDF)")).click()

    page.wait_for_url("**/jobs/*/")
    job = FileJob.objects.get()
    assert (job.kind, job.requested_by_id, job.params) == (
        FileJob.Kind.QR_CARDS,
        supervisor.user_id,
        {"unit": unit.pk},
    )
    expect(page.locator("h1")).to_have_text(_fa("Staff QR cards"))
    expect(page.locator("progress.file-job-progress")).to_be_visible()
    # The sheet takes seconds: the first view is of a job still being made, and the page said it
    # would come back by itself.
    assert page.locator(".file-job").get_attribute("data-state") in ("pending", "running")
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    shot(page, "qr-cards-job-progress-1280")

    link = page.locator("a.file-job-download")
    expect(link).to_be_visible()  # after the page reloaded itself once the job was done
    expect(page.locator(".file-job")).to_have_attribute("data-state", "done")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    shot(page, "qr-cards-job-done-1280")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"qr-cards-unit-{unit.pk}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 20
