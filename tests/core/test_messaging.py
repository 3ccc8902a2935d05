"""The one SMS and email sender: console outbox, the Kavenegar gateway over HTTP, Django mail."""

import io
import json
import logging
import urllib.error
import urllib.parse

import pytest
from django.core import mail

from apps.core import messaging
from apps.core.messaging import DeliveryError, send_email, send_sms

API_KEY = "4F6A-SECRET-KEY-7731"


@pytest.fixture(autouse=True)
def _console_outbox(settings):
    settings.SMS_BACKEND = "apps.core.messaging.ConsoleSMSBackend"
    messaging.outbox.clear()
    yield
    messaging.outbox.clear()


@pytest.fixture
def kavenegar(settings):
    settings.SMS_BACKEND = "apps.core.messaging.KavenegarSMSBackend"
    settings.KAVENEGAR_API_KEY = API_KEY
    settings.SMS_SENDER = "10004346"
    settings.SMS_TIMEOUT = 7


class FakeUrlopen:
    """Stands in for urllib.request.urlopen: records the call, answers (or raises) as told."""

    def __init__(self, answer=None, raises=None):
        self.answer, self.raises, self.calls = answer, raises, []

    def __call__(self, request, timeout=None):
        self.calls.append({"request": request, "timeout": timeout})
        if self.raises is not None:
            raise self.raises
        return io.BytesIO(json.dumps(self.answer).encode())


def ok_answer(message_id=8792343):
    return {
        "return": {"status": 200, "message": "تایید شد"},
        "entries": [{"messageid": message_id, "status": 1, "receptor": "09121234567", "cost": 120}],
    }


def test_console_backend_keeps_the_message_in_the_outbox_and_returns_an_id():
    message_id = send_sms(mobile="09121234567", text="سلام")

    assert message_id.startswith("console-")
    assert [(m.mobile, m.text, m.message_id) for m in messaging.outbox] == [
        ("09121234567", "سلام", message_id)
    ]


def test_console_backend_never_logs_the_text_outside_debug(settings, caplog):
    settings.DEBUG = False
    with caplog.at_level(logging.DEBUG, logger="apps.core.messaging"):
        send_sms(mobile="09121234567", text="کد تأیید: 482913")

    assert "482913" not in caplog.text
    assert "09121234567" not in caplog.text


def test_console_outbox_keeps_only_the_latest_messages(monkeypatch):
    monkeypatch.setattr(messaging, "OUTBOX_LIMIT", 3)
    for n in range(5):
        send_sms(mobile="09121234567", text=str(n))

    assert [m.text for m in messaging.outbox] == ["2", "3", "4"]


def test_sms_without_a_mobile_is_a_delivery_error():
    with pytest.raises(DeliveryError):
        send_sms(mobile="", text="x")


def test_kavenegar_posts_to_the_key_path_with_a_timeout_and_returns_the_message_id(kavenegar, monkeypatch):
    fake = FakeUrlopen(answer=ok_answer(8792343))
    monkeypatch.setattr("urllib.request.urlopen", fake)

    message_id = send_sms(mobile="09121234567", text="درخواست شما ثبت شد")

    assert message_id == "8792343"
    (call,) = fake.calls
    request = call["request"]
    assert request.full_url == f"https://api.kavenegar.com/v1/{API_KEY}/sms/send.json"
    assert request.get_method() == "POST"
    assert call["timeout"] == 7
    form = urllib.parse.parse_qs(request.data.decode())
    assert form == {"receptor": ["09121234567"], "sender": ["10004346"], "message": ["درخواست شما ثبت شد"]}


def test_kavenegar_status_other_than_200_is_a_delivery_error(kavenegar, monkeypatch):
    answer = {"return": {"status": 418, "message": "اعتبار حساب شما کافی نیست"}, "entries": None}
    monkeypatch.setattr("urllib.request.urlopen", FakeUrlopen(answer=answer))

    with pytest.raises(DeliveryError, match="418"):
        send_sms(mobile="09121234567", text="x")


def test_kavenegar_http_error_is_a_delivery_error_that_says_why_without_the_key(
    kavenegar, monkeypatch, caplog
):
    body = json.dumps({"return": {"status": 401, "message": "حساب کاربری غیرفعال شده است"}, "entries": None})
    error = urllib.error.HTTPError(
        f"https://api.kavenegar.com/v1/{API_KEY}/sms/send.json",
        401,
        "Unauthorized",
        {},
        io.BytesIO(body.encode()),
    )
    monkeypatch.setattr("urllib.request.urlopen", FakeUrlopen(raises=error))

    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as caught:
        send_sms(mobile="09121234567", text="x")

    assert "401" in str(caught.value)
    assert "غیرفعال" in str(caught.value)
    assert API_KEY not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__  # no chained urllib error carrying the URL
    assert API_KEY not in caplog.text


def test_kavenegar_timeout_is_a_delivery_error_without_the_key(kavenegar, monkeypatch, caplog):
    error = urllib.error.URLError(TimeoutError(f"timed out talking to /v1/{API_KEY}/sms/send.json"))
    monkeypatch.setattr("urllib.request.urlopen", FakeUrlopen(raises=error))

    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as caught:
        send_sms(mobile="09121234567", text="x")

    assert API_KEY not in str(caught.value)
    assert API_KEY not in caplog.text


def test_kavenegar_success_is_logged_without_the_key_or_the_full_mobile(kavenegar, monkeypatch, caplog):
    monkeypatch.setattr("urllib.request.urlopen", FakeUrlopen(answer=ok_answer()))

    with caplog.at_level(logging.DEBUG):
        send_sms(mobile="09121234567", text="x")

    assert "8792343" in caplog.text
    assert API_KEY not in caplog.text
    assert "09121234567" not in caplog.text


def test_kavenegar_answer_that_is_not_json_is_a_delivery_error(kavenegar, monkeypatch):
    class Garbage(FakeUrlopen):
        def __call__(self, request, timeout=None):
            return io.BytesIO(b"<html>502 Bad Gateway</html>")

    monkeypatch.setattr("urllib.request.urlopen", Garbage())

    with pytest.raises(DeliveryError, match="unexpected"):
        send_sms(mobile="09121234567", text="x")


def test_kavenegar_without_a_key_fails_instead_of_calling_the_gateway(kavenegar, settings, monkeypatch):
    settings.KAVENEGAR_API_KEY = ""
    fake = FakeUrlopen(answer=ok_answer())
    monkeypatch.setattr("urllib.request.urlopen", fake)

    with pytest.raises(DeliveryError, match="KAVENEGAR_API_KEY"):
        send_sms(mobile="09121234567", text="x")
    assert fake.calls == []


def test_email_goes_through_django_mail_from_the_portal_address(settings):
    settings.DEFAULT_FROM_EMAIL = "desk@example.ir"

    send_email(to="a@example.com", subject="ثبت درخواست", text="درخواست شما ثبت شد.")

    (message,) = mail.outbox
    assert (message.to, message.subject, message.body, message.from_email) == (
        ["a@example.com"],
        "ثبت درخواست",
        "درخواست شما ثبت شد.",
        "desk@example.ir",
    )


def test_email_server_that_refuses_the_connection_is_a_delivery_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.EMAIL_USE_TLS = False

    with pytest.raises(DeliveryError, match="Email not sent"):
        send_email(to="a@example.com", subject="s", text="t")


def test_the_file_backend_writes_one_line_per_message(settings, tmp_path):
    import json

    settings.SMS_BACKEND = "apps.core.messaging.FileSMSBackend"
    settings.SMS_FILE = str(tmp_path / "sms.jsonl")
    first = messaging.send_sms(mobile="09121234567", text="سلام\nخط دوم")
    second = messaging.send_sms(mobile="09121234568", text="دومی")
    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert [(m["id"], m["mobile"]) for m in lines] == [(first, "09121234567"), (second, "09121234568")]
    assert lines[0]["text"] == "سلام\nخط دوم"
