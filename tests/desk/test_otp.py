"""One-time codes for the e-desk: hashed, short-lived, few guesses, few sends per mobile."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from apps.core import messaging
from apps.core.messaging import DeliveryError
from apps.desk.models import PhoneVerification
from apps.desk.otp import otp_send, otp_verify

MOBILE = "09121234567"
START = dt.datetime(2026, 11, 22, 6, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _console_sms(settings):
    settings.SMS_BACKEND = "apps.core.messaging.ConsoleSMSBackend"
    settings.OTP_TTL_SECONDS = 300
    settings.OTP_MAX_ATTEMPTS = 5
    settings.OTP_MAX_SENDS = 3
    settings.OTP_SEND_WINDOW_SECONDS = 900
    messaging.outbox.clear()
    yield
    messaging.outbox.clear()


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **kwargs):
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    """Freezes django.utils.timezone.now, which otp.py and auto_now_add fields both read."""
    frozen = Clock(START)
    monkeypatch.setattr("django.utils.timezone.now", frozen)
    return frozen


def sent_code() -> str:
    return re.search(r"\b([0-9]{6})\b", messaging.outbox[-1].text).group(1)


def test_a_sent_code_arrives_by_sms_and_only_its_hash_is_stored(db):
    verification = otp_send(mobile=MOBILE)

    (message,) = messaging.outbox
    assert message.mobile == MOBILE
    code = sent_code()
    assert code not in verification.code_hash
    assert verification.code_hash.startswith("md5$")  # the test hasher; Argon2 in production
    assert message.text.rstrip().endswith(f"#{code}")  # WebOTP line for autofill


def test_the_right_code_verifies_the_mobile_once(db):
    verification = otp_send(mobile=MOBILE)
    code = sent_code()

    assert otp_verify(mobile=MOBILE, code=code) is True
    verification.refresh_from_db()
    assert verification.verified_at is not None
    assert otp_verify(mobile=MOBILE, code=code) is False  # single use


def test_a_code_typed_with_persian_digits_and_a_mobile_typed_with_country_code_verify(db):
    otp_send(mobile="+98 912 123 4567")
    persian = sent_code().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    assert otp_verify(mobile="۰۹۱۲۱۲۳۴۵۶۷", code=f" {persian} ") is True


def test_a_wrong_code_fails_and_counts_as_a_guess(db):
    verification = otp_send(mobile=MOBILE)
    wrong = f"{(int(sent_code()) + 1) % 10**6:06d}"

    assert otp_verify(mobile=MOBILE, code=wrong) is False
    verification.refresh_from_db()
    assert (verification.attempts, verification.verified_at) == (1, None)


def test_after_five_wrong_guesses_even_the_right_code_is_refused(db):
    verification = otp_send(mobile=MOBILE)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for _guess in range(5):
        assert otp_verify(mobile=MOBILE, code=wrong) is False
    assert otp_verify(mobile=MOBILE, code=code) is False
    verification.refresh_from_db()
    assert verification.attempts == 5


def test_malformed_input_is_refused_without_using_a_guess(db):
    verification = otp_send(mobile=MOBILE)

    assert otp_verify(mobile=MOBILE, code="12345") is False
    assert otp_verify(mobile=MOBILE, code="abcdef") is False
    assert otp_verify(mobile="not a mobile", code=sent_code()) is False
    verification.refresh_from_db()
    assert verification.attempts == 0


def test_a_code_expires_after_five_minutes(db, clock):
    otp_send(mobile=MOBILE)
    code = sent_code()

    clock.advance(minutes=5)

    assert otp_verify(mobile=MOBILE, code=code) is False


def test_a_code_still_works_just_before_it_expires(db, clock):
    otp_send(mobile=MOBILE)

    clock.advance(minutes=4, seconds=59)

    assert otp_verify(mobile=MOBILE, code=sent_code()) is True


def test_a_new_code_replaces_the_previous_one(db, clock):
    otp_send(mobile=MOBILE)
    first = sent_code()
    clock.advance(seconds=30)
    otp_send(mobile=MOBILE)
    second = sent_code()

    if first != second:  # one chance in a million they coincide
        assert otp_verify(mobile=MOBILE, code=first) is False
    assert otp_verify(mobile=MOBILE, code=second) is True


def test_a_fourth_code_within_fifteen_minutes_is_refused_until_the_window_passes(db, clock):
    for _n in range(3):
        otp_send(mobile=MOBILE)
        clock.advance(minutes=1)

    with pytest.raises(ValidationError) as refused:
        otp_send(mobile=MOBILE)
    assert refused.value.code == "otp_rate_limited"
    assert "۱۲" in refused.value.messages[0]  # the first code leaves the window 12 minutes from now
    assert len(messaging.outbox) == 3

    clock.advance(minutes=12, seconds=1)  # 15 min and 1 s after the first code
    otp_send(mobile=MOBILE)
    assert len(messaging.outbox) == 4


def test_the_send_limit_is_per_mobile(db):
    for _n in range(3):
        otp_send(mobile=MOBILE)

    otp_send(mobile="09351234567")

    assert messaging.outbox[-1].mobile == "09351234567"


def test_an_invalid_mobile_is_refused_before_anything_is_sent(db):
    with pytest.raises(ValidationError):
        otp_send(mobile="0912abc4567")
    assert messaging.outbox == []
    assert not PhoneVerification.objects.exists()


def test_a_code_the_gateway_failed_to_send_does_not_count_against_the_mobile(db, monkeypatch):
    def gateway_down(**kwargs):
        raise DeliveryError("Kavenegar unreachable")

    monkeypatch.setattr("apps.desk.otp.send_sms", gateway_down)
    for _n in range(5):
        with pytest.raises(DeliveryError):
            otp_send(mobile=MOBILE)
    monkeypatch.undo()

    assert not PhoneVerification.objects.exists()
    otp_send(mobile=MOBILE)
    assert otp_verify(mobile=MOBILE, code=sent_code()) is True
