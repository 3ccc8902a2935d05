"""After registration: a missing document brought later, a typo corrected with its reason."""

import pytest
from django.urls import reverse

from apps.core.models import ChangeRecord
from apps.desk.models import RequestDocument, ServiceRequest
from apps.orgs import roles
from tests.factories import RequiredDocumentFactory, SubServiceFactory, WorkflowStageFactory, staff_user
from tests.files import PDF, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def incomplete(client, clerk):
    service = SubServiceFactory(body=clerk.unit.body)
    WorkflowStageFactory(service=service, order=1, responsible_unit=clerk.unit)
    deed = RequiredDocumentFactory(service=service, order=1, title="سند مالکیت")
    client.force_login(clerk.user)
    client.post(reverse("desk:intake", args=[service.pk]), {
        "national_code": "0499370899", "full_name": "سارا محمدي", "mobile": "09121234567",
        "incomplete_reason": "سند را فردا می‌آورد"})
    sr = ServiceRequest.objects.get()
    sr.deed = sr.documents.get(required=deed)
    return sr


def test_a_missing_document_brought_later_completes_the_checklist(client, clerk, incomplete):
    sr = incomplete
    assert not sr.deed.received
    page = client.get(reverse("desk:request_detail", args=[sr.pk])).content.decode()
    assert reverse("desk:document_add", args=[sr.pk, sr.deed.pk]) in page

    client.post(reverse("desk:document_add", args=[sr.pk, sr.deed.pk]), {"file": upload(PDF)})

    sr.deed.refresh_from_db()
    assert sr.deed.received
    assert sr.deed.content_type == "application/pdf"
    (event,) = sr.events.filter(action="document_added")
    assert "سند مالکیت" in event.note
    assert event.actor == clerk.user


def test_nothing_attached_is_refused_and_an_outsider_cannot_add(client, incomplete):
    sr = incomplete
    client.post(reverse("desk:document_add", args=[sr.pk, sr.deed.pk]), {})
    assert not RequestDocument.objects.get(pk=sr.deed.pk).received
    stranger = staff_user(roles.DESK_CLERK)
    client.force_login(stranger.user)
    response = client.post(reverse("desk:document_add", args=[sr.pk, sr.deed.pk]), {"on_paper": "on"})
    assert response.status_code == 404
    assert not RequestDocument.objects.get(pk=sr.deed.pk).received


def test_a_clerk_corrects_a_typo_with_a_reason_and_the_history_keeps_both(client, clerk, incomplete):
    sr = incomplete
    url = reverse("desk:request_correct", args=[sr.pk])
    form = client.get(url).context["form"]
    assert form.fields["national_code"].disabled
    no_reason = client.post(url, {"full_name": "سارا محمودی", "mobile": "09121234567", "national_code": sr.national_code})
    assert "reason" in no_reason.context["form"].errors

    client.post(url, {"full_name": "سارا محمودی", "mobile": "09129876543", "email": "",
                      "national_code": "4032152314", "reason": "نام و شماره همراه اشتباه تایپ شده بود"})

    sr.refresh_from_db()
    assert (sr.full_name, sr.mobile, sr.national_code) == ("سارا محمودی", "09129876543", "0499370899")
    (event,) = sr.events.filter(action="corrected")
    assert "سارا محمدی" in event.note
    assert "سارا محمودی" in event.note
    record = ChangeRecord.objects.get(action="corrected")
    assert record.before == {"full_name": "سارا محمدی", "mobile": "09121234567"}
    assert record.after == {"full_name": "سارا محمودی", "mobile": "09129876543"}


def test_only_a_supervisor_changes_the_national_code(client, clerk, incomplete):
    sr = incomplete
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=clerk.unit)
    client.force_login(supervisor.user)
    client.post(reverse("desk:request_correct", args=[sr.pk]), {
        "full_name": sr.full_name, "mobile": sr.mobile, "national_code": "4032152314",
        "reason": "کد ملی متقاضی اشتباه ثبت شده بود"})
    sr.refresh_from_db()
    assert sr.national_code == "4032152314"
