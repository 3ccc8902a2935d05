"""Files made in the background (apps.core.filejobs): the job row and its task, the progress page and
the download, who may see them, the purge; the QR card sheet of a unit and the large Excel exports
that go through them."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from apps.catalog.excel import import_catalog
from apps.catalog.models import SubService
from apps.catalog.services import service_snapshot
from apps.core import filejobs
from apps.core.models import ChangeRecord, FileJob
from apps.feedback import services as feedback_services
from apps.orgs import roles
from tests.factories import (
    DepartmentFactory,
    FeeFactory,
    RequiredDocumentFactory,
    StaffFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)
from tests.filejobs import download, job_of
from tests.i18n import fa
from tests.pdf_utils import pdf_text, reads

pytestmark = pytest.mark.django_db


def test_a_units_200_cards_are_made_by_a_job_and_downloaded_by_the_clerk_alone(
    client, clerk, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """
    GIVEN a unit of 200 active employees with codes (the clerk and 199 others)
    WHEN the clerk asks for the unit's cards
    THEN the answer is the job's progress page; the job made a PDF of 20 A4 sheets (ten cards each)
      with every employee's name, served as a PDF download to the clerk and to nobody else
    """
    StaffFactory.create_batch(199, unit=clerk.unit, post="کارشناس پذیرش")
    feedback_services.staff_qr_issue_unit(unit=clerk.unit, by=clerk)
    client.force_login(clerk.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("feedback:qr_cards_pdf"), {"unit": clerk.unit.pk})
    job = job_of(response)
    job.refresh_from_db()
    assert (job.kind, job.state, job.requested_by_id) == (
        FileJob.Kind.QR_CARDS,
        FileJob.State.DONE,
        clerk.user.pk,
    )
    assert (job.done, job.total, job.percent) == (400, 400, 100)  # 200 cards drawn, then the pass
    assert job.params == {"unit": clerk.unit.pk}
    assert job.expires_at > timezone.now() + dt.timedelta(hours=23)

    with django_assert_max_num_queries(6):
        page = client.get(response["Location"])
    html = page.content.decode()
    assert 'http-equiv="refresh"' not in html  # finished: no more reloading
    assert reverse("core:file_job_file", args=[job.pk]) in html
    assert fa("Download the file") in html

    served, pdf = download(client, job)
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"] == f'attachment; filename="qr-cards-unit-{clerk.unit.pk}.pdf"'
    assert served["X-Content-Type-Options"] == "nosniff"
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 20
    text = pdf_text(pdf)
    assert reads(text, clerk.full_name)
    assert reads(text, "کارشناس پذیرش")

    # Someone else — even a clerk of the same unit — finds neither the page nor the file.
    other = staff_user(roles.DESK_CLERK, unit=clerk.unit)
    client.force_login(other.user)
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("core:file_job_file", args=[job.pk])).status_code == 404


def test_the_progress_page_reloads_itself_until_the_job_is_done(client, clerk):
    job = FileJob.objects.create(
        kind=FileJob.Kind.QR_CARDS,
        requested_by=clerk.user,
        state=FileJob.State.RUNNING,
        done=150,
        total=400,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    client.force_login(clerk.user)
    html = client.get(reverse("core:file_job", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'value="37"' in html  # 150 of 400
    assert fa("Being made") in html
    assert "<script>" not in html  # the CSP allows none inline
    # Not ready: no file to hand out.
    assert client.get(reverse("core:file_job_file", args=[job.pk])).status_code == 404


def test_a_job_with_nothing_to_make_fails_with_its_reason_and_runs_once(
    clerk, django_capture_on_commit_callbacks
):
    # Nobody with a code: the job says so (a page that checks first never starts one; the codes may
    # have been revoked since).
    with django_capture_on_commit_callbacks(execute=True):
        job = filejobs.file_job_start(
            kind=FileJob.Kind.QR_CARDS, user=clerk.user, params={"unit": clerk.unit.pk}
        )
    job.refresh_from_db()
    assert job.state == FileJob.State.FAILED
    assert job.message == fa("None of these employees has a code yet: issue their codes, then print.")
    assert not job.file
    # A second delivery of the task changes nothing.
    assert filejobs.file_job_run(job_id=job.pk) == FileJob.State.FAILED
    assert FileJob.objects.get(pk=job.pk).finished_at == job.finished_at


def test_a_job_reads_only_what_its_owner_may_read(clerk, django_capture_on_commit_callbacks):
    stranger = StaffFactory(first_name="غریبه", last_name="دیگر")  # another province
    feedback_services.staff_qr_issue(staff=stranger, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        job = filejobs.file_job_start(
            kind=FileJob.Kind.QR_CARDS, user=clerk.user, params={"staff": [stranger.pk]}
        )
    job.refresh_from_db()
    assert job.state == FileJob.State.FAILED
    assert not job.file


def test_a_job_left_queued_is_queued_again_and_one_left_half_made_fails_with_a_reason(
    client, clerk, django_capture_on_commit_callbacks
):
    """GIVEN a job queued 11 minutes ago whose message was lost and one "being made" for an hour
    WHEN beat's sweep runs THEN the first is made, the second fails and its page says to ask again;
    a job queued a minute ago is left alone."""
    StaffFactory.create_batch(2, unit=clerk.unit)
    feedback_services.staff_qr_issue_unit(unit=clerk.unit, by=clerk)
    now = timezone.now()

    def job(state, minutes_ago):
        made = FileJob.objects.create(
            kind=FileJob.Kind.QR_CARDS, requested_by=clerk.user, params={"unit": clerk.unit.pk}, state=state,
            expires_at=now + dt.timedelta(hours=23),
        )
        FileJob.objects.filter(pk=made.pk).update(created_at=now - dt.timedelta(minutes=minutes_ago))
        return made

    lost, dead, fresh = job("pending", 11), job("running", 61), job("pending", 1)
    from apps.core.tasks import file_jobs_sweep

    with django_capture_on_commit_callbacks(execute=True):
        assert tuple(file_jobs_sweep.apply().get()) == (1, 1)
    states = {j.pk: j.state for j in FileJob.objects.all()}
    assert states == {lost.pk: "done", dead.pk: "failed", fresh.pk: "pending"}
    client.force_login(clerk.user)
    page = client.get(reverse("core:file_job", args=[dead.pk])).content.decode()
    assert fa("The file could not be made: its work stopped halfway. Ask for it again.") in page
    assert 'http-equiv="refresh"' not in page


def test_expired_jobs_are_deleted_with_their_files(clerk):
    now = timezone.now()
    old = FileJob.objects.create(
        kind=FileJob.Kind.QR_CARDS, requested_by=clerk.user, state=FileJob.State.DONE, expires_at=now
    )
    old.file.save("old.pdf", ContentFile(b"%PDF-1.4 old"))
    kept = FileJob.objects.create(
        kind=FileJob.Kind.QR_CARDS,
        requested_by=clerk.user,
        state=FileJob.State.DONE,
        expires_at=now + dt.timedelta(hours=1),
    )
    kept.file.save("kept.pdf", ContentFile(b"%PDF-1.4 kept"))
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)

    from apps.core.tasks import file_jobs_purge

    assert file_jobs_purge.apply().get() == 1
    assert not storage.exists(name)
    assert list(FileJob.objects.all()) == [kept]
    assert storage.exists(kept.file.name)
    kept.file.delete()


@pytest.fixture
def catalog(supervisor):
    """Three services of the supervisor's body with two stages, documents and fees each: 21 rows."""
    body = supervisor.unit.body
    finance = DepartmentFactory(parent=supervisor.unit, name="امور مالی")
    services = [
        SubServiceFactory(body=body, responsible_contact="۰۱۱-۳۳۳۶۳۰۰۰ داخلی ۲۱۵"),
        SubServiceFactory(
            body=body, title="=تمدید پروانه", average_duration=Decimal("2.5"), average_duration_unit="hour"
        ),
        SubServiceFactory(body=body, active=False, channel="outside", non_electronic_reason="internal"),
    ]
    for service in services:
        WorkflowStageFactory(service=service, order=1, responsible_unit=supervisor.unit)
        WorkflowStageFactory(
            service=service, order=2, responsible_unit=finance, duration=Decimal("1.5"), duration_unit="hour"
        )
        RequiredDocumentFactory(service=service, order=1, form="original", upload_required=True)
        RequiredDocumentFactory(service=service, order=2, form="both", title="فرم شماره ۲")
        FeeFactory(service=service, amount_rials=1250000)
        FeeFactory(service=service, title="هزینه پست")
    return body


def test_a_catalog_over_the_threshold_is_exported_by_a_job_with_every_row(
    client, supervisor, catalog, settings, django_capture_on_commit_callbacks
):
    """
    GIVEN a catalog of 21 rows and a threshold of 20 rows for a download made within the request
    WHEN the supervisor downloads the catalog
    THEN a page offers to make it; making it goes through a job whose workbook has every row, right to
      left with bold headers, and imports back into the same catalog without changing anything
    """
    settings.FILE_JOBS_XLSX_ROWS = 20
    client.force_login(supervisor.user)
    url = reverse("catalog:excel_export", args=[catalog.pk])
    offer = client.get(url)
    assert offer.status_code == 200
    assert fa("Make the workbook") in offer.content.decode()
    assert not FileJob.objects.exists()  # a GET starts nothing

    with django_capture_on_commit_callbacks(execute=True):
        job = job_of(client.post(url))
    job.refresh_from_db()
    assert (job.kind, job.state, job.done, job.total) == (
        FileJob.Kind.CATALOG_EXPORT,
        FileJob.State.DONE,
        21,
        21,
    )
    served, content = download(client, job)
    assert served["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename="catalog-{catalog.pk}-' in served["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(content))
    rows = {name: workbook[name].max_row - 1 for name in workbook.sheetnames}
    assert rows == {"services": 3, "stages": 6, "documents": 6, "fees": 6}
    services = workbook["services"]
    assert services.sheet_view.rightToLeft
    assert services["A1"].font.b
    assert "=تمدید پروانه" in [cell.value for cell in services[3]]  # text, not a formula

    before = {s.code: service_snapshot(s) for s in SubService.objects.filter(body=catalog)}
    report = import_catalog(body=catalog, file=io.BytesIO(content), by=supervisor.user)
    assert (report.errors, report.unchanged, report.updated, report.created) == ([], 3, 0, 0)
    assert {s.code: service_snapshot(s) for s in SubService.objects.filter(body=catalog)} == before
    assert not ChangeRecord.objects.filter(content_type__model="subservice").exists()


def test_a_catalog_under_the_threshold_still_downloads_at_once(client, supervisor, catalog):
    client.force_login(supervisor.user)
    response = client.get(reverse("catalog:excel_export", args=[catalog.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert not FileJob.objects.exists()
