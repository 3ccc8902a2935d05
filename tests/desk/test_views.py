"""Desk pages through the test client: intake, scoping, stage actions, response, delivery, tracking."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.desk.models import RequestStage, ServiceRequest
from apps.orgs import roles
from tests.factories import (
    OrgUnitFactory,
    ProvinceFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    registered_request,
    staff_user,
)
from tests.files import PDF
from tests.pdf_utils import pdf_text

pytestmark = pytest.mark.django_db



@pytest.fixture
def service(clerk):
    service = SubServiceFactory(body=clerk.unit.body, title="صدور گواهی عدم خلافی")
    for n in (1, 2, 3):
        WorkflowStageFactory(service=service, order=n, responsible_unit=clerk.unit)
    return service


def _intake_data(service, **extra):
    data = {"national_code": "۰۴۹۹۳۷۰۸۹۹", "full_name": "سارا محمدي", "mobile": "+989121234567"}
    for doc in service.documents.all():
        data[f"doc_{doc.pk}_received"] = "on"
    data.update(extra)
    return data


def test_clerk_registers_a_request_and_gets_the_receipt(client, clerk, service):
    doc = RequiredDocumentFactory(service=service, title="سند مالکیت", upload_required=True)
    client.force_login(clerk.user)
    data = _intake_data(service, **{f"doc_{doc.pk}_file": SimpleUploadedFile("s.pdf", PDF)})
    response = client.post(reverse("desk:intake", args=[service.pk]), data)
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:receipt", args=[sr.pk])
    assert sr.national_code == "0499370899"
    assert sr.full_name == "سارا محمدی"
    assert sr.mobile == "09121234567"
    assert sr.registered_by == clerk
    scan = sr.documents.get()
    assert scan.received
    assert scan.file.name
    assert client.get(reverse("desk:document_file", args=[scan.pk])).status_code == 200


def test_intake_refuses_a_fake_scan_and_a_missing_document_without_reason(client, clerk, service):
    doc = RequiredDocumentFactory(service=service, upload_required=True)
    client.force_login(clerk.user)
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf at all" * 10)
    page = client.post(reverse("desk:intake", args=[service.pk]), _intake_data(service, **{f"doc_{doc.pk}_file": fake}))
    assert page.status_code == 200
    assert f"doc_{doc.pk}_file" in page.context["form"].errors
    data = _intake_data(service)
    data.pop(f"doc_{doc.pk}_received")
    page = client.post(reverse("desk:intake", args=[service.pk]), data)
    assert page.context["form"].non_field_errors()
    assert not ServiceRequest.objects.exists()


def test_intake_warns_about_an_open_request_of_the_same_applicant(client, clerk, service):
    registered_request(service=service, unit=clerk.unit, clerk=clerk)
    client.force_login(clerk.user)
    page = client.post(reverse("desk:intake", args=[service.pk]), _intake_data(service))
    assert page.status_code == 200
    assert page.context["duplicates"]
    assert ServiceRequest.objects.count() == 1
    confirmed = client.post(reverse("desk:intake", args=[service.pk]), _intake_data(service, confirm_duplicate="on"))
    assert confirmed.status_code == 302
    assert ServiceRequest.objects.count() == 2


def test_officer_cannot_register_and_other_province_request_is_404(client, clerk, service):
    officer = staff_user(roles.UNIT_OFFICER, unit=clerk.unit)
    client.force_login(officer.user)
    assert client.get(reverse("desk:intake", args=[service.pk])).status_code == 403
    elsewhere = registered_request(unit=OrgUnitFactory(province=ProvinceFactory(code="IR-23")))
    client.force_login(clerk.user)
    for name in ("desk:request_detail", "desk:receipt", "desk:receipt_pdf"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 404


def test_stage_actions_through_the_page_and_a_stale_second_click(client, clerk, service):
    officer = staff_user(roles.UNIT_OFFICER, unit=clerk.unit)
    sr = registered_request(service=service, unit=clerk.unit, clerk=clerk)
    stage = sr.stages.get(order=1)
    client.force_login(officer.user)
    url = reverse("desk:stage_action", args=[stage.pk])
    form = {"action": "complete", "note": "بررسی شد", "version": sr.version}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True)
    assert RequestStage.objects.get(pk=stage.pk).state == "done"
    assert any("someone else" in str(m) or "دیگری" in str(m) for m in again.context["messages"])


def test_full_path_to_response_and_delivery(client, clerk, service):
    officer = staff_user(roles.UNIT_OFFICER, unit=clerk.unit)
    sr = registered_request(service=service, unit=clerk.unit, clerk=clerk)
    client.force_login(officer.user)
    for stage in sr.stages.order_by("order"):
        sr.refresh_from_db()
        client.post(reverse("desk:stage_action", args=[stage.pk]), {"action": "complete", "version": sr.version})
    sr.refresh_from_db()
    page = client.post(reverse("desk:response_issue", args=[sr.pk]), {
        "outcome": "refused", "content": "درخواست رد شد", "legal_basis": "ماده ۱۰", "version": sr.version,
    })
    assert "appeal_authority" in page.context["form"].errors  # a refusal names where to appeal
    client.post(reverse("desk:response_issue", args=[sr.pk]), {
        "outcome": "granted", "content": "گواهی صادر شد", "legal_basis": "ماده ۱۰", "version": sr.version,
        "appeal_authority": "دیوان عدالت اداری", "appeal_deadline": "۲۰ روز",
    })
    sr.refresh_from_db()
    assert sr.status == "answered"
    text = pdf_text(client.get(reverse("desk:response_pdf", args=[sr.pk])).content)
    assert "گواهی صادر شد" in text
    assert "سارا محمدی" in text
    assert "۰۴۹۹۳۷۰۸۹۹" in text
    client.force_login(clerk.user)
    assert client.get(reverse("desk:deliver", args=[sr.pk])).status_code == 200
    # Not confirmed, or the applicant's option with someone else's national code: nothing happens.
    client.post(reverse("desk:deliver", args=[sr.pk]),
                {"version": sr.version, "collector": "applicant", "national_code": "0499370899"})
    wrong = client.post(reverse("desk:deliver", args=[sr.pk]), {
        "version": sr.version, "collector": "applicant", "national_code": "4032152314", "confirm": "on"})
    assert "national_code" in wrong.context["form"].errors
    sr.refresh_from_db()
    assert sr.status == "answered"
    client.post(reverse("desk:deliver", args=[sr.pk]), {
        "version": sr.version, "collector": "representative", "national_code": "4032152314",
        "name": "رضا محمدی", "confirm": "on"})
    sr.refresh_from_db()
    assert sr.status == "delivered"
    assert sr.delivered_by == clerk
    assert (sr.collected_by_name, sr.collected_by_national_code) == ("رضا محمدی", "4032152314")


def test_receipt_pdf_has_code_jalali_dates_and_names(client, clerk, service):
    from apps.core.jalali import format_date

    sr = registered_request(service=service, unit=clerk.unit, clerk=clerk)
    client.force_login(clerk.user)
    text = pdf_text(client.get(reverse("desk:receipt_pdf", args=[sr.pk])).content)
    from apps.core.text import to_persian_digits
    from apps.desk.tracking import tracking_code_display

    assert to_persian_digits(tracking_code_display(sr.tracking_code)) in text
    assert format_date(sr.promised_at, persian_digits=True) in text
    assert "سارا محمدی" in text
    assert clerk.full_name in text
    assert "رسید خدمت" in text


def test_lists_are_scoped_and_cheap(client, clerk, service, django_assert_max_num_queries):
    for _ in range(15):
        registered_request(service=service, unit=clerk.unit, clerk=clerk, national_code="0790419904")
    registered_request(unit=OrgUnitFactory())
    client.force_login(clerk.user)
    for name, limit in (("desk:request_list", 9), ("desk:inbox", 9), ("desk:dashboard", 16)):
        with django_assert_max_num_queries(limit):
            page = client.get(reverse(name))
        assert page.status_code == 200
    assert client.get(reverse("desk:request_list")).context["page"].paginator.count == 15


def test_tracking_shows_status_but_personal_data_only_with_the_national_code(client, clerk, service):
    sr = registered_request(service=service, unit=clerk.unit, clerk=clerk)
    page = client.get(reverse("track"), {"code": sr.tracking_code})
    html = page.content.decode()
    assert page.status_code == 200
    assert service.title in html
    assert "سارا محمدی" not in html
    assert sr.national_code not in html
    wrong = client.post(reverse("track"), {"code": sr.tracking_code, "national_code": "0790419904"})
    assert "سارا محمدی" not in wrong.content.decode()
    right = client.post(reverse("track"), {"code": sr.tracking_code, "national_code": "۰۴۹۹۳۷۰۸۹۹"})
    assert "سارا محمدی" in right.content.decode()
    assert client.get(reverse("track_receipt_pdf", args=[sr.tracking_code])).status_code == 200


def test_tracking_tells_a_mistyped_code_from_an_unknown_one(client, clerk, service):
    sr = registered_request(service=service, unit=clerk.unit, clerk=clerk)
    code = sr.tracking_code
    typo = code[:4] + str((int(code[4]) + 1) % 10) + code[5:]
    mistyped = client.get(reverse("track"), {"code": typo}).context["error"]
    assert "check digit" in mistyped or "رقم کنترل" in mistyped
    unknown = client.get(reverse("track"), {"code": "12345678906"}).context["error"]
    assert unknown != mistyped
    assert unknown


def test_response_download_needs_the_national_code(client, clerk, service):
    sr = registered_request(service=service, unit=clerk.unit, clerk=clerk)
    assert client.get(reverse("track_response_pdf", args=[sr.tracking_code])).status_code == 404


def test_tracking_is_rate_limited_per_code(client, clerk, service, settings):
    settings.TRACK_VERIFY_RATE = "3/h"  # an hour window: a minute one can roll over mid-test
    sr = registered_request(service=service, unit=clerk.unit, clerk=clerk)
    codes = [
        client.post(reverse("track"), {"code": sr.tracking_code, "national_code": "0790419904"},
                    REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_page_links_of_a_filtered_list_keep_every_filter(client, clerk, service):
    for _n in range(31):
        registered_request(service=service, unit=clerk.unit, clerk=clerk)
    client.force_login(clerk.user)
    html = client.get(reverse("desk:request_list"), {"q": "سارا", "status": "in_progress"}).content.decode()
    assert "page=2" in html
    assert "status=in_progress" in html.split("page=2")[0].rsplit('href="', 1)[1]
