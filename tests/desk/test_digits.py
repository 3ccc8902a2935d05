"""Persian digits on every Persian page and message, also in text built in Python."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from apps.desk import otp, services
from apps.orgs import roles
from tests.factories import CounterFactory, registered_request, staff_user
from tests.pdf_utils import pdf_text

pytestmark = pytest.mark.django_db
LATIN = re.compile(r"[0-9]")


def test_a_counter_is_named_with_persian_digits_in_persian_and_latin_in_english():
    counter = CounterFactory(number=3)
    with translation.override("fa"):
        assert str(counter).endswith("باجه ۳")
    with translation.override("en"):
        assert str(counter).endswith("3")


def test_the_code_limit_message_has_persian_digits(settings):
    settings.OTP_MAX_SENDS = 1
    otp.otp_send(mobile="09121234567")
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        otp.otp_send(mobile="09121234567")
    message = caught.value.messages[0]
    assert not LATIN.search(message), message


@pytest.fixture
def answered(clerk, client):
    """A response typed with Persian digits through the officer's form (which stores ASCII digits)."""
    officer = staff_user(roles.UNIT_OFFICER, unit=clerk.unit)
    sr = registered_request(unit=clerk.unit, clerk=clerk)
    for stage in sr.stages.order_by("order"):
        services.stage_complete(stage_id=stage.pk, by=officer)
    sr.refresh_from_db()
    client.force_login(officer.user)
    client.post(reverse("desk:response_issue", args=[sr.pk]), {
        "outcome": "granted", "content": "پروانه شماره ۱۲۳۴ صادر شد", "legal_basis": "ماده ۵", "version": sr.version,
        "appeal_authority": "", "appeal_deadline": ""})
    sr.refresh_from_db()
    assert sr.status == "answered"
    return sr


def test_digits_typed_in_persian_in_a_response_stay_persian_on_the_page(client, clerk, answered):
    client.force_login(clerk.user)
    page = client.get(reverse("desk:request_detail", args=[answered.pk])).content.decode()
    assert "پروانه شماره ۱۲۳۴ صادر شد" in page


def test_a_granted_response_without_an_appeal_route_prints_no_empty_dashes(client, clerk, answered):
    client.force_login(clerk.user)
    text = pdf_text(client.get(reverse("desk:response_pdf", args=[answered.pk])).content)
    assert "— —" not in text
    assert "ندارد" in text
