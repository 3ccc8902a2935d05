"""Intake at the counter without traps: a scan means received, scans survive a form shown again, the
counter is remembered, the queue ticket and the legal entity are recorded, the receipt says it all."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import Channel
from apps.desk import queue
from apps.desk.models import QueueTicket, RequestDocument, ServiceRequest
from tests.factories import CounterFactory, RequiredDocumentFactory, SubServiceFactory, WorkflowStageFactory
from tests.files import JPEG, PDF, upload
from tests.pdf_utils import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(clerk):
    service = SubServiceFactory(body=clerk.unit.body, title="صدور گواهی عدم خلافی")
    WorkflowStageFactory(service=service, order=1, responsible_unit=clerk.unit)
    service.deed = RequiredDocumentFactory(service=service, order=1, title="سند مالکیت", upload_required=True)
    service.card = RequiredDocumentFactory(service=service, order=2, title="کارت ملی")
    return service


def _data(service, **extra):
    return {"national_code": "0499370899", "full_name": "سارا محمدی", "mobile": "09121234567", **extra}


def test_attaching_a_scan_is_receiving_the_document(client, clerk, service):
    client.force_login(clerk.user)
    response = client.post(
        reverse("desk:intake", args=[service.pk]),
        _data(
            service,
            **{
                f"doc_{service.deed.pk}_file": upload(PDF),
                f"doc_{service.card.pk}_file": upload(JPEG, "card.jpg", "image/jpeg"),
            },
        ),
    )
    assert response.status_code == 302
    docs = {d.title: d for d in RequestDocument.objects.all()}
    assert docs["سند مالکیت"].received
    assert docs["سند مالکیت"].file
    assert docs["کارت ملی"].received
    assert docs["کارت ملی"].file
    assert not ServiceRequest.objects.get().incomplete_reason


def test_a_valid_scan_is_kept_when_another_field_fails_and_used_on_the_next_try(client, clerk, service):
    """GIVEN a mistyped mobile and two good scans WHEN the form comes back THEN it says the scans are
    attached, and correcting the mobile alone registers the request with both scans."""
    client.force_login(clerk.user)
    url = reverse("desk:intake", args=[service.pk])
    first = client.post(
        url,
        _data(
            service,
            mobile="0912",
            **{
                f"doc_{service.deed.pk}_file": upload(PDF),
                f"doc_{service.card.pk}_file": upload(JPEG, "card.jpg", "image/jpeg"),
            },
        ),
    )
    assert first.status_code == 200
    assert "mobile" in first.context["form"].errors
    page = first.content.decode()
    assert page.count('class="kept"') == 2
    tokens = {
        f"doc_{d.pk}_kept": first.context["form"].data[f"doc_{d.pk}_kept"]
        for d in (service.deed, service.card)
    }
    assert all(tokens.values())

    second = client.post(url, _data(service, **tokens))

    assert second.status_code == 302, second.context["form"].errors
    docs = RequestDocument.objects.filter(request=ServiceRequest.objects.get())
    assert [(d.received, bool(d.file), d.content_type) for d in docs.order_by("id")] == [
        (True, True, "application/pdf"),
        (True, True, "image/jpeg"),
    ]


def test_a_kept_scan_is_worth_nothing_to_another_user(client, clerk, service):
    from apps.core.uploads import SCANS, upload_clean, upload_keep, upload_kept

    token = upload_keep(upload_clean(upload(PDF), allowed=SCANS), owner=f"user:{clerk.user.pk}")
    assert upload_kept(token, owner=f"user:{clerk.user.pk}") is not None
    assert upload_kept(token, owner="user:999999") is None
    assert upload_kept(token + "x", owner=f"user:{clerk.user.pk}") is None


def test_a_refused_scan_is_named_and_nothing_else_is_lost(client, clerk, service):
    client.force_login(clerk.user)
    page = client.post(
        reverse("desk:intake", args=[service.pk]),
        _data(
            service,
            **{
                f"doc_{service.deed.pk}_file": upload(b"MZ not a pdf" * 20),
                f"doc_{service.card.pk}_file": upload(PDF),
            },
        ),
    )
    form = page.context["form"]
    assert f"doc_{service.deed.pk}_file" in form.errors
    assert form.data[f"doc_{service.card.pk}_kept"]  # the good one is kept
    assert form.data["full_name"] == "سارا محمدی"  # typed text is shown again


def test_the_counter_is_remembered_for_the_session(client, clerk, service):
    counter = CounterFactory(unit=clerk.unit, number=4)
    client.force_login(clerk.user)
    client.post(
        reverse("desk:intake", args=[service.pk]),
        _data(
            service,
            counter=counter.pk,
            **{f"doc_{service.deed.pk}_file": upload(PDF), f"doc_{service.card.pk}_received": "on"},
        ),
    )
    form = client.get(reverse("desk:intake", args=[service.pk])).context["form"]
    assert form["counter"].value() == counter.pk
    assert form.fields["national_code"].widget.attrs.get("autofocus")


def test_the_called_ticket_is_recorded_and_closed_as_served(client, clerk, service):
    counter = CounterFactory(unit=clerk.unit, number=2)
    counter.services.add(service)
    ticket = queue.ticket_issue(unit=clerk.unit, service=service)
    called = queue.ticket_call_next(counter=counter, by=clerk)
    assert called.pk == ticket.pk
    client.force_login(clerk.user)
    counter_page = client.get(reverse("desk:queue_counter", args=[counter.pk])).content.decode()
    assert f'{reverse("desk:intake", args=[service.pk])}?ticket={ticket.pk}' in counter_page
    form_page = client.get(reverse("desk:intake", args=[service.pk]), {"ticket": ticket.pk})
    assert form_page.context["form"]["ticket"].value() == str(ticket.pk)
    client.post(
        reverse("desk:intake", args=[service.pk]) + f"?ticket={ticket.pk}",
        _data(
            service,
            ticket=ticket.pk,
            **{f"doc_{service.deed.pk}_file": upload(PDF), f"doc_{service.card.pk}_received": "on"},
        ),
    )
    sr = ServiceRequest.objects.get()
    assert sr.queue_ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.state == QueueTicket.State.SERVED


def test_a_g2b_receipt_names_the_entity_apart_from_its_representative(client, clerk, service):
    service.service_type = "G2B"
    service.save()
    client.force_login(clerk.user)
    response = client.post(
        reverse("desk:intake", args=[service.pk]),
        _data(
            service,
            legal_id="77111986110",
            legal_name="شرکت ساختمانی البرز",
            **{f"doc_{service.deed.pk}_file": upload(PDF), f"doc_{service.card.pk}_received": "on"},
        ),
    )
    sr = ServiceRequest.objects.get()
    assert (sr.legal_name, sr.legal_id, sr.full_name) == ("شرکت ساختمانی البرز", "77111986110", "سارا محمدی")
    receipt = client.get(response["Location"]).content.decode()
    assert "شرکت ساختمانی البرز" in receipt
    text = pdf_text(client.get(reverse("desk:receipt_pdf", args=[sr.pk])).content)
    assert "شرکت ساختمانی البرز" in text
    assert "نماینده" in text
    # The response notice (table 4) names them apart as well.
    from apps.desk import services
    from apps.orgs import roles
    from tests.factories import staff_user

    officer = staff_user(roles.UNIT_OFFICER, unit=clerk.unit)
    for stage in sr.stages.all():
        services.stage_complete(stage_id=stage.pk, by=officer)
    services.response_issue(request_id=sr.pk, by=officer, outcome="granted", content="صادر شد", legal_basis="ماده ۵")
    text = pdf_text(client.get(reverse("desk:response_pdf", args=[sr.pk])).content)
    assert "شرکت ساختمانی البرز" in text
    assert "۷۷۱۱۱۹۸۶۱۱۰" in text
    assert "نماینده" in text


def test_the_receipt_lists_the_documents_carries_a_qr_and_leads_to_the_next_applicant(client, clerk, service):
    client.force_login(clerk.user)
    response = client.post(
        reverse("desk:intake", args=[service.pk]),
        _data(
            service,
            incomplete_reason="کارت ملی را فردا می‌آورد",
            **{f"doc_{service.deed.pk}_file": upload(PDF)},
        ),
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "✓" in html
    assert "✗" in html
    assert page.context["tracking_qr"].startswith("data:image/svg+xml")
    assert f'href="{reverse("desk:intake", args=[service.pk])}"' in html  # the next applicant, same service
    assert 'target="_blank"' in html
    sr = ServiceRequest.objects.get()
    text = pdf_text(client.get(reverse("desk:receipt_pdf", args=[sr.pk])).content)
    assert "سند مالکیت" in text
    assert "کارت ملی" in text
    assert "تحویل نشده" in text


def test_a_service_outside_its_days_in_the_catalog_is_taken_nowhere(client, clerk, service):
    """GIVEN a service whose days in the catalog ended yesterday
    THEN the counter's list, its intake form, the e-desk and the hall's kiosk no longer take it,
    as the public catalog no longer shows it; the day it is in force again, they do."""
    today = timezone.localdate()
    service.channel = Channel.ELECTRONIC
    service.valid_from = today - dt.timedelta(days=30)
    service.valid_until = today - dt.timedelta(days=1)
    service.save()
    service.units.add(clerk.unit)
    service.counters.add(CounterFactory(unit=clerk.unit, number=5))
    client.force_login(clerk.user)

    assert service not in client.get(reverse("desk:intake_start")).context["services"]
    assert client.get(reverse("desk:intake", args=[service.pk])).status_code == 404
    assert client.get(reverse("edesk_apply", args=[service.pk])).status_code == 404
    assert service not in queue.queue_kiosk_choices(unit=clerk.unit).services

    service.valid_until = None
    service.save()
    assert service in client.get(reverse("desk:intake_start")).context["services"]
    assert client.get(reverse("desk:intake", args=[service.pk])).status_code == 200
    assert service in queue.queue_kiosk_choices(unit=clerk.unit).services
