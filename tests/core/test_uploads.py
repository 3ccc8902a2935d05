"""Uploads that cannot become pages: detected type stored, polyglots refused, images re-encoded without
EXIF, files served only as PDF/JPEG/PNG with a disposition, nosniff and a sandbox policy."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from apps.core.uploads import SCANS, PrivateFileField, UploadField, upload_clean
from apps.desk.models import RequestDocument, ServiceRequest, StageFile
from apps.orgs.models import Staff
from tests.factories import (
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    registered_request,
)
from tests.files import JPEG, PDF, PNG, POLYGLOT_PDF, POLYGLOT_PNG, image_bytes, pdf_with_javascript, upload


def test_a_pdf_is_stored_as_pdf_under_a_random_name():
    clean = upload_clean(upload(PDF, name="../../سند.html", content_type="text/html"), allowed=SCANS)
    assert clean.content_type == "application/pdf"
    assert clean.name.endswith(".pdf")
    assert "/" not in clean.name
    assert "html" not in clean.name


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (POLYGLOT_PDF, "polyglot"),
        (pdf_with_javascript(), "active"),
        (b"%PDF-1.4\n%%EOF", "damaged"),
        (b"<html><body>hi</body></html>", "type"),
        (b"GIF89a" + b"\x00" * 40, "type"),
        (b"", "empty"),
    ],
)
def test_hostile_or_broken_files_are_refused(data, code):
    with pytest.raises(ValidationError) as caught:
        upload_clean(upload(data, content_type="text/html"), allowed=SCANS)
    assert caught.value.code == code


def test_an_image_with_markup_after_it_is_re_encoded_without_the_markup():
    clean = upload_clean(upload(POLYGLOT_PNG, name="x.png", content_type="text/html"), allowed=SCANS)
    stored = clean.read()
    assert clean.content_type == "image/png"
    assert b"<script" not in stored
    assert b"<html" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_a_photo_loses_its_exif_and_gps_position():
    data = image_bytes("JPEG", exif_gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)  # the phone's GPS block is there
    clean = upload_clean(upload(data, name="p.jpg", content_type="image/jpeg"), allowed=SCANS)
    image = Image.open(io.BytesIO(clean.read()))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"PhoneMaker" not in clean.read()


def test_file_fields_of_models_take_uploads_through_the_checks_in_every_form():
    for model, name in ((RequestDocument, "file"), (StageFile, "file"), (Staff, "photo")):
        field = model._meta.get_field(name)
        assert isinstance(field, PrivateFileField), (model, name)
        assert isinstance(field.formfield(), UploadField)
    assert 'accept=".jpg,.pdf,.png"' in str(UploadField(kind="scans").widget.render("f", None))


@pytest.fixture
def service(clerk):
    service = SubServiceFactory(body=clerk.unit.body)
    for n in (1, 2):
        WorkflowStageFactory(service=service, order=n, responsible_unit=clerk.unit)
    return service


@pytest.mark.django_db
def test_intake_refuses_the_polyglot_sent_as_html(client, clerk, service):
    doc = RequiredDocumentFactory(service=service, upload_required=True)
    client.force_login(clerk.user)
    data = {
        "national_code": "0499370899", "full_name": "سارا محمدی", "mobile": "09121234567",
        f"doc_{doc.pk}_received": "on",
        f"doc_{doc.pk}_file": upload(POLYGLOT_PDF, name="scan.pdf", content_type="text/html"),
    }
    page = client.post(reverse("desk:intake", args=[service.pk]), data)
    assert page.status_code == 200
    (error, *_others) = page.context["form"].errors.as_data()[f"doc_{doc.pk}_file"]
    assert error.code == "polyglot"
    assert "کد صفحه وب" in error.messages[0]  # said in Persian
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_a_scan_is_stored_with_its_detected_type_and_served_as_a_download(client, clerk, service):
    doc = RequiredDocumentFactory(service=service, upload_required=True)
    client.force_login(clerk.user)
    client.post(reverse("desk:intake", args=[service.pk]), {
        "national_code": "0499370899", "full_name": "سارا محمدی", "mobile": "09121234567",
        f"doc_{doc.pk}_received": "on",
        f"doc_{doc.pk}_file": upload(PDF, name="scan.html", content_type="text/html"),
    })
    scan = RequestDocument.objects.get(file__gt="")
    assert scan.content_type == "application/pdf"

    response = client.get(reverse("desk:document_file", args=[scan.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_polyglot_stored_before_the_checks_is_never_served_as_html(client, clerk):
    """GIVEN a request document saved before uploads were checked: a PDF/HTML polyglot recorded as
    text/html WHEN the clerk opens it THEN it is a PDF download in a sandbox, never a page."""
    sr = registered_request(unit=clerk.unit, clerk=clerk)
    doc = RequestDocument.objects.create(request=sr, title="سند", received=True, content_type="text/html")
    doc.file.save("old.html", ContentFile(POLYGLOT_PDF))
    client.force_login(clerk.user)

    response = client.get(reverse("desk:document_file", args=[doc.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert "text/html" not in response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"].startswith("sandbox")

    doc.file.save("page.html", ContentFile(b"<html><script>alert(1)</script></html>"))
    assert client.get(reverse("desk:document_file", args=[doc.pk])).status_code == 404


@pytest.mark.django_db
def test_stage_files_pass_the_same_checks(client, clerk):
    sr = registered_request(unit=clerk.unit, clerk=clerk)
    stage = sr.stages.get(order=1)
    client.force_login(clerk.user)
    url = reverse("desk:stage_action", args=[stage.pk])
    client.post(url, {"action": "complete", "version": sr.version, "note": "x",
                      "file": upload(POLYGLOT_PDF, content_type="text/html")})
    assert not StageFile.objects.exists()
    stage.refresh_from_db()
    assert stage.state == stage.State.ACTIVE  # nothing happened

    client.post(url, {"action": "complete", "version": sr.version, "note": "x",
                      "file": upload(JPEG, name="photo.jpg", content_type="text/html")})
    item = StageFile.objects.get()
    assert item.content_type == "image/jpeg"
    response = client.get(reverse("desk:stage_file", args=[item.pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")  # an image opens in the tab
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_png_and_jpeg_survive_the_round_trip():
    for data, fmt in ((PNG, "PNG"), (JPEG, "JPEG")):
        clean = upload_clean(upload(data, name="x", content_type="application/octet-stream"), allowed=SCANS)
        assert Image.open(io.BytesIO(clean.read())).format == fmt
