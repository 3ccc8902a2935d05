"""Evidence of the site visit: the evaluator attaches photos and documents to a section of a form
under the desk's upload rules; whoever may see the form downloads them; the PDF lists them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.audits import services
from apps.audits.models import AuditEvidence, AuditForm, AuditSpaceItem
from apps.core.models import ChangeRecord
from tests.audits.test_views import _post_data
from tests.factories import audit_round_opened
from tests.filejobs import file_by_job
from tests.pdf_utils import keep_pdf, pdf_text, reads

RATED = {item: {"body_rating": "good", "body_note": ""} for item in AuditSpaceItem.Item.values}


def _photo(name: str = "visit.jpg", *, gps: bool = False) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), (30, 120, 160))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {2: (36.0, 33.0, 0.0)}  # GPSInfo: a latitude
    image.save(out, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def submitted(audit_org):
    audit_round_opened()
    form = AuditForm.objects.get(unit=audit_org.unit)
    services.audit_form_body_update(form=form, by=audit_org.supervisor, space=RATED)
    services.audit_form_submit(form=form, by=audit_org.supervisor)
    return audit_org, form


def _url(name: str, form: AuditForm, *args) -> str:
    return reverse(f"audits:{name}", args=[form.pk, *args])


def _attach(client, form, *, file, section=2, caption="سالن انتظار", action="evaluate"):
    page = client.get(_url("form_detail", form))
    data = _post_data(page, action)
    data.update({"evidence-file": file, "evidence-section": str(section), "evidence-caption": caption})
    return client.post(_url("form_detail", form), data)


def test_the_evaluator_attaches_a_photo_to_a_section_with_the_evaluation(client, submitted):
    org, form = submitted
    client.force_login(org.auditor.user)

    response = _attach(client, form, file=_photo(gps=True))

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == AuditForm.State.UNDER_EVALUATION
    evidence = AuditEvidence.objects.get(form=form)
    assert (evidence.section, evidence.caption, evidence.file_type) == (2, "سالن انتظار", "jpg")
    assert evidence.uploaded_by == org.auditor
    assert evidence.file.name.endswith(".jpg")
    assert "visit" not in evidence.file.name
    with evidence.file.open("rb") as handle, Image.open(handle) as stored:
        assert 0x8825 not in stored.getexif()  # the phone's position is gone
    assert ChangeRecord.objects.filter(action="evidence_added", object_id=str(form.pk)).count() == 1
    page = client.get(_url("form_detail", form))
    assert page.context["evidence"][0].label == AuditEvidence.Section(2).label
    assert _url("evidence_file", form, evidence.pk) in page.content.decode()


def test_a_file_that_is_not_a_photo_or_document_is_refused_and_nothing_is_saved(client, submitted):
    org, form = submitted
    client.force_login(org.auditor.user)
    page_html = SimpleUploadedFile(
        "visit.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )

    response = _attach(client, form, file=page_html)

    assert response.status_code == 200
    assert response.context["formsets"]["evidence"].errors["file"]
    assert not AuditEvidence.objects.exists()
    form.refresh_from_db()
    assert form.state == AuditForm.State.SUBMITTED  # the evaluation was not started either


def test_only_the_evaluator_while_the_form_is_open_to_evaluation_may_attach(client, submitted):
    org, form = submitted
    with pytest.raises(services.AuditNotAllowed):
        services.audit_evidence_add(form=form, by=org.supervisor, file=_photo(), section=1)
    with pytest.raises(services.AuditNotAllowed):
        services.audit_evidence_add(form=form, by=org.other_auditor, file=_photo(), section=1)
    services.audit_evaluation_start(form=form, by=org.auditor)
    AuditSpaceItem.objects.filter(form=form).update(evaluator_rating="good")
    services.audit_form_verify(form=form, by=org.auditor)
    with pytest.raises(services.AuditNotAllowed):
        services.audit_evidence_add(form=form, by=org.auditor, file=_photo(), section=1)
    assert not AuditEvidence.objects.exists()


def test_the_supervisor_downloads_the_photo_and_another_province_gets_404(client, submitted):
    org, form = submitted
    evidence = services.audit_evidence_add(form=form, by=org.auditor, file=_clean(_photo()), section=4)
    url = _url("evidence_file", form, evidence.pk)

    client.force_login(org.supervisor.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]

    client.force_login(org.other_auditor.user)
    assert client.get(url).status_code == 404


def test_the_evaluator_removes_a_file_while_evaluating_and_the_supervisor_cannot(client, submitted):
    org, form = submitted
    evidence = services.audit_evidence_add(form=form, by=org.auditor, file=_clean(_photo()), section=1)
    client.force_login(org.supervisor.user)
    assert (
        client.post(
            _url("form_detail", form), {"action": "remove_evidence", "evidence": evidence.pk}
        ).status_code
        == 403
    )

    client.force_login(org.auditor.user)
    response = client.post(_url("form_detail", form), {"action": "remove_evidence", "evidence": evidence.pk})

    assert response.status_code == 302
    assert not AuditEvidence.objects.exists()
    assert ChangeRecord.objects.filter(action="evidence_removed", object_id=str(form.pk)).count() == 1


def test_the_form_pdf_lists_the_evidence_as_an_annex(client, submitted, django_capture_on_commit_callbacks):
    org, form = submitted
    services.audit_evidence_add(
        form=form, by=org.auditor, file=_clean(_photo()), section=2, caption="باجه سالمندان"
    )
    services.audit_evidence_add(
        form=form, by=org.auditor, file=_clean(_pdf()), section=0, caption="صورتجلسه بازدید"
    )
    client.force_login(org.supervisor.user)

    _response, pdf = file_by_job(client, _url("form_pdf", form), django_capture_on_commit_callbacks)
    keep_pdf(pdf, "audit-form-evidence")
    text = pdf_text(pdf)

    assert reads(text, "پیوست — مستندات و تصاویر بازدید ارزیاب")
    assert reads(text, "باجه سالمندان")
    assert reads(text, "صورتجلسه بازدید")
    assert "JPG" in text
    assert "PDF" in text


def test_the_form_pdf_has_no_evidence_annex_without_evidence(
    client, submitted, django_capture_on_commit_callbacks
):
    org, form = submitted
    client.force_login(org.supervisor.user)
    text = pdf_text(file_by_job(client, _url("form_pdf", form), django_capture_on_commit_callbacks)[1])
    assert not reads(text, "مستندات و تصاویر بازدید")


def _clean(upload):
    from apps.core.uploads import DOCUMENTS, upload_clean

    return upload_clean(upload, allowed=DOCUMENTS)


def _pdf() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, format="PDF")
    return SimpleUploadedFile("minutes.pdf", out.getvalue(), content_type="application/pdf")


def test_a_photo_attached_to_a_page_refused_for_another_field_is_kept_for_the_next_try(client, submitted):
    """GIVEN the evaluator attaches a photo but rates a §2 item with a value the form refuses
    WHEN the page comes back and they correct the rating and save, without attaching again
    THEN the kept photo is attached, once."""
    org, form = submitted
    client.force_login(org.auditor.user)
    page = client.get(_url("form_detail", form))
    data = _post_data(page, "evaluate", **{"space-0-evaluator_rating": "splendid"})
    data.update({"evidence-file": _photo(), "evidence-section": "2", "evidence-caption": "باجه"})

    refused = client.post(_url("form_detail", form), data)

    assert refused.status_code == 200
    assert not AuditEvidence.objects.exists()
    evidence_form = refused.context["formsets"]["evidence"]
    token = evidence_form.data["evidence-kept"]
    assert token
    assert "visit" in refused.content.decode()  # the kept file is named on the page
    # The page shown again posts the same fields (the helper reads them from an unbound page).
    again = _post_data(
        client.get(_url("form_detail", form)), "evaluate", **{"space-0-evaluator_rating": "good"}
    )
    again.update({"evidence-kept": token, "evidence-section": "2", "evidence-caption": "باجه"})
    assert client.post(_url("form_detail", form), again).status_code == 302
    evidence = AuditEvidence.objects.get()
    assert (evidence.section, evidence.caption, evidence.file_type) == (2, "باجه", "jpg")


def test_a_kept_file_is_worth_nothing_to_another_user(client, submitted, audit_org):
    from apps.core.uploads import upload_keep

    org, form = submitted
    token = upload_keep(_clean(_photo()), owner=f"user:{org.supervisor.user.pk}")
    client.force_login(org.auditor.user)
    page = client.get(_url("form_detail", form))
    data = _post_data(page, "evaluate")
    data.update({"evidence-kept": token, "evidence-section": "1"})

    response = client.post(_url("form_detail", form), data)

    assert response.status_code == 200
    assert response.context["formsets"]["evidence"].errors["file"]
    assert not AuditEvidence.objects.exists()


def test_the_form_page_reads_its_evidence_in_one_query(client, submitted, django_assert_num_queries):
    org, form = submitted
    client.force_login(org.auditor.user)
    services.audit_evidence_add(form=form, by=org.auditor, file=_clean(_photo()), section=1)
    url = _url("form_detail", form)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for section in (2, 3, 0):
        services.audit_evidence_add(form=form, by=org.auditor, file=_clean(_photo()), section=section)
    with django_assert_num_queries(len(one)):
        page = client.get(url)
    assert sum(len(g.items) for g in page.context["evidence"]) == 4
