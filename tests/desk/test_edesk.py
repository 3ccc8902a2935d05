"""The e-desk for a citizen on a phone: nothing lost when the confirmation runs out, clear code
messages with a way out, limits that typos do not exhaust, honest words about in-person services."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import Channel
from apps.core import messaging
from apps.desk.models import Notification, RequestDocument, ServiceRequest
from apps.desk.views.public import EDESK_SESSION_SECONDS, SESSION_MOBILE
from tests.factories import OrgUnitFactory, RequiredDocumentFactory, SubServiceFactory, WorkflowStageFactory
from tests.files import JPEG, PDF, upload

pytestmark = pytest.mark.django_db
MOBILE = "09123456789"


@pytest.fixture
def online():
    unit = OrgUnitFactory()
    service = SubServiceFactory(body=unit.body, channel=Channel.ELECTRONIC, eservice_url="https://e.example.ir/x")
    service.units.add(unit)
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    service.card = RequiredDocumentFactory(service=service, order=1, title="کارت ملی", upload_required=True,
                                           form="original")
    service.plan = RequiredDocumentFactory(service=service, order=2, title="نقشه", upload_required=False)
    return service


def _confirm(client, seconds_ago=0):
    session = client.session
    session[SESSION_MOBILE] = (MOBILE, timezone.now().timestamp() - seconds_ago)
    session.save()


def _code_sent():
    return re.search(r"\d{6}", messaging.outbox[-1].text).group(0)


def test_an_in_person_service_answers_with_a_friendly_page(client):
    service = SubServiceFactory(channel=Channel.IN_PERSON)
    response = client.get(reverse("edesk_apply", args=[service.pk]))
    assert response.status_code == 200
    assert reverse("services:detail", args=[service.pk]) in response.content.decode()


def test_the_form_marks_mandatory_documents_and_originals_and_says_when_the_confirmation_ends(client, online):
    _confirm(client)
    page = client.get(reverse("edesk_apply", args=[online.pk])).content.decode()
    assert "اصل مدرک" in page  # bring the original
    assert 'accept=".jpg,.pdf,.png"' in page
    assert 'id="edesk-deadline"' in page


def test_a_form_sent_after_the_confirmation_ran_out_is_kept_and_sent_after_a_new_code(client, online):
    """GIVEN a citizen who took 31 minutes to fill the form and attach the scans WHEN they send it THEN
    they are told what happened, and after a new code the form comes back filled, scans attached."""
    _confirm(client, seconds_ago=EDESK_SESSION_SECONDS + 60)
    url = reverse("edesk_apply", args=[online.pk])
    late = client.post(url, {
        "step": "submit", "national_code": "0499370899", "full_name": "رضا حسینی",
        f"doc_{online.card.pk}_file": upload(JPEG, "card.jpg", "image/jpeg"), f"doc_{online.plan.pk}_file": upload(PDF),
    })
    assert late.status_code == 200
    assert "۳۰ دقیقه" in late.content.decode() or "30 دقیقه" in late.content.decode()
    assert not ServiceRequest.objects.exists()

    client.post(url, {"step": "send", "mobile": MOBILE})
    client.post(url, {"step": "verify", "mobile": MOBILE, "otp": _code_sent()})
    again = client.get(url)
    form = again.context["form"]
    assert form["full_name"].value() == "رضا حسینی"
    assert again.content.decode().count('class="kept"') == 2
    tokens = {k: v for k, v in form.initial.items() if k.endswith("_kept")}

    done = client.post(url, {"step": "submit", "national_code": "0499370899", "full_name": "رضا حسینی", **tokens})

    assert done.status_code == 302
    sr = ServiceRequest.objects.get()
    assert RequestDocument.objects.filter(request=sr, received=True).exclude(file="").count() == 2


def test_five_wrong_codes_lock_the_code_and_offer_a_new_one_without_a_429(client, online, settings):
    settings.OTP_MAX_ATTEMPTS = 5
    url = reverse("edesk_apply", args=[online.pk])
    client.post(url, {"step": "send", "mobile": MOBILE})
    right = _code_sent()
    wrong = "000000" if right != "000000" else "111111"
    pages = [client.post(url, {"step": "verify", "mobile": MOBILE, "otp": wrong}) for _ in range(5)]
    assert [p.status_code for p in pages] == [200] * 5
    assert "۴" in pages[0].context["error"]  # tries left, in Persian digits
    assert "قفل" in pages[-1].context["error"]  # locked
    assert pages[-1].context["locked"]
    assert 'value="send"' in pages[-1].content.decode()  # "send a new code" on the code page
    assert "?change=1" in pages[-1].content.decode()  # "change number"
    # Even the right code is refused once locked; a new code works.
    assert "قفل" in client.post(url, {"step": "verify", "mobile": MOBILE, "otp": right}).context["error"]
    client.post(url, {"step": "send", "mobile": MOBILE})
    assert client.post(url, {"step": "verify", "mobile": MOBILE, "otp": _code_sent()}).status_code == 302


def test_code_typos_do_not_use_up_the_submissions(client, online, settings):
    settings.EDESK_VERIFY_RATE = "30/h"
    settings.EDESK_SUBMIT_RATE = "2/h"
    url = reverse("edesk_apply", args=[online.pk])
    for _ in range(6):
        client.post(url, {"step": "verify", "mobile": MOBILE, "otp": "123456"})
    _confirm(client)
    response = client.post(url, {"step": "submit", "national_code": "0499370899", "full_name": "رضا",
                                 f"doc_{online.card.pk}_file": upload(JPEG, "card.jpg", "image/jpeg")})
    assert response.status_code == 302


def test_an_online_request_is_told_when_the_response_is_ready_not_when_to_come(
    client, online, django_capture_on_commit_callbacks
):
    _confirm(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("edesk_apply", args=[online.pk]), {
            "step": "submit", "national_code": "0499370899", "full_name": "رضا",
            f"doc_{online.card.pk}_file": upload(JPEG, "card.jpg", "image/jpeg")})
    sr = ServiceRequest.objects.get()
    assert "نقشه" in sr.incomplete_reason  # the optional document, to be brought to the desk
    sms = Notification.objects.get(request=sr, event="registered", channel="sms").body
    assert "آماده شدن پاسخ" in sms
    assert "مراجعه" not in sms
    page = client.get(f"/track/?code={sr.tracking_code}").content.decode()
    assert "آماده شدن پاسخ" in page


def test_the_tracking_page_shows_the_outcome(client, online):
    from tests.factories import answered_request

    sr = answered_request(outcome="refused", deliver=False)
    page = client.get(f"/track/?code={sr.tracking_code}").content.decode()
    assert "رد" in page  # "refused", without the national code
    assert sr.get_outcome_display() in page
