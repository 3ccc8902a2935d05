"""The one sender of SMS and email for the whole portal.

Callers say what to send (`send_sms`, `send_email`); settings say how. SMS goes through the backend
named by `settings.SMS_BACKEND` (console by default, Kavenegar as the real Iranian gateway); email
through Django's mail with `settings.EMAIL_BACKEND`. Both raise `DeliveryError` on any failure, so a
caller handles one exception whatever the transport. Retrying and "at most once" are the caller's
job (see apps.desk.notifications): this module sends exactly when asked.
"""

import json
import logging
import os
import smtplib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.core.validators import mask_mobile

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The message did not leave: the gateway refused it, timed out or answered nonsense."""


@dataclass
class SMSMessage:
    mobile: str
    text: str
    message_id: str
    sent_at: object = field(default_factory=timezone.now)


# Messages "sent" by ConsoleSMSBackend, newest last: what django.core.mail.outbox is for email.
# Trimmed so that a development server running for weeks does not grow without bound.
outbox: list[SMSMessage] = []
OUTBOX_LIMIT = 500


class ConsoleSMSBackend:
    """Development and test backend: nothing leaves the machine; messages go to the log and `outbox`."""

    def send(self, *, mobile: str, text: str) -> str:
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        outbox.append(SMSMessage(mobile=mobile, text=text, message_id=message_id))
        del outbox[:-OUTBOX_LIMIT]
        if settings.DEBUG:
            # A developer needs to read one-time codes here; a production log must never hold them.
            logger.info("SMS (console) to %s [%s]:\n%s", mobile, message_id, text)
        else:
            logger.warning(
                "SMS to %s was not sent: SMS_BACKEND is the console backend (set it to a gateway).",
                mask_mobile(mobile),
            )
        return message_id


class FileSMSBackend:
    """Staging and load tests: each message is appended as one JSON line to `settings.SMS_FILE`, so
    nothing leaves the machine and every send can be counted afterwards (bench/soak.py does). One
    write per line with O_APPEND keeps lines whole when several workers send at once."""

    def send(self, *, mobile: str, text: str) -> str:
        message_id = f"file-{uuid.uuid4().hex}"
        line = json.dumps({"id": message_id, "mobile": mobile, "text": text, "at": timezone.now().isoformat()},
                          ensure_ascii=False)
        try:
            fd = os.open(settings.SMS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        except OSError as exc:
            raise DeliveryError(f"cannot write {settings.SMS_FILE}: {exc}") from exc
        return message_id


class KavenegarSMSBackend:
    """Kavenegar REST API (https://kavenegar.com/rest.html): a form POST, the API key in the URL path."""

    URL = "https://api.kavenegar.com/v1/{key}/sms/send.json"

    def __init__(self) -> None:
        self.api_key = settings.KAVENEGAR_API_KEY
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_TIMEOUT

    def _redact(self, text: str) -> str:
        # The key sits in the URL, and urllib puts URLs in some error texts; errors end up in
        # Notification.last_error, which staff read on the request page.
        if not self.api_key:
            return text
        return text.replace(self.api_key, "***").replace(urllib.parse.quote(self.api_key, safe=""), "***")

    def send(self, *, mobile: str, text: str) -> str:
        if not self.api_key:
            raise DeliveryError("KAVENEGAR_API_KEY is not set.")
        form = {"receptor": mobile, "message": text}
        if self.sender:
            form["sender"] = self.sender  # without it Kavenegar uses the account's default line
        request = urllib.request.Request(  # noqa: S310 (a fixed https URL, not user input)
            self.URL.format(key=urllib.parse.quote(self.api_key, safe="")),
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            },
            method="POST",
        )
        try:
            # The official client sets no timeout: a stalled gateway would hold a Celery worker forever.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            # Kavenegar answers errors with an HTTP error status *and* a JSON body that says why.
            raw = exc.read() if exc.fp is not None else b""
            raise DeliveryError(self._redact(f"Kavenegar HTTP {exc.code}: {self._reason(raw)}")) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            # `from None`: the chained exception would carry the request (and so the key) into tracebacks.
            raise DeliveryError(self._redact(f"Kavenegar unreachable: {type(exc).__name__}: {exc}")) from None
        try:
            payload = json.loads(raw)
            status = payload["return"]["status"]
            if status != 200:
                raise DeliveryError(
                    self._redact(f"Kavenegar status {status}: {payload['return'].get('message', '')}")
                )
            message_id = str(payload["entries"][0]["messageid"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise DeliveryError(f"Kavenegar answered something unexpected ({type(exc).__name__}).") from None
        logger.info("SMS to %s sent via Kavenegar, message id %s.", mask_mobile(mobile), message_id)
        return message_id

    @staticmethod
    def _reason(raw: bytes) -> str:
        try:
            ret = json.loads(raw)["return"]
            return f"status {ret.get('status')}: {ret.get('message', '')}"
        except (ValueError, KeyError, TypeError):
            return "no explanation in the answer"


@lru_cache(maxsize=8)
def _backend_class(path: str):
    return import_string(path)


def send_sms(*, mobile: str, text: str) -> str:
    """Send one SMS through the configured backend; returns the provider's message id."""
    if not mobile:
        raise DeliveryError("No mobile number to send to.")
    # Instantiated per message so that a settings override (tests, a changed key) takes effect at once.
    backend = _backend_class(settings.SMS_BACKEND)()
    message_id = backend.send(mobile=mobile, text=text)
    if not message_id:
        raise DeliveryError("The SMS backend returned no message id.")
    return message_id


def send_email(*, to: str, subject: str, text: str) -> None:
    """Send one plain-text email through Django's mail backend."""
    if not to:
        raise DeliveryError("No email address to send to.")
    message = EmailMessage(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    try:
        sent = message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        # OSError covers refused connections, DNS failures, TLS errors and timeouts; ValueError a
        # header Django refuses. The password is never part of these messages.
        raise DeliveryError(f"Email not sent: {type(exc).__name__}: {exc}") from exc
    if not sent:
        raise DeliveryError("Email not sent: the mail backend accepted no message.")


def outbox_row_deliver(model, pk: int) -> tuple[bool, str]:
    """Send one PENDING or FAILED row of an apps.core.models.OutboxMessage table (an applicant's
    Notification, an audit notice) under a row lock, keeping the provider's id where the table has a
    `provider_id`. Returns (sent now, the error text when it failed); a row already sent, or being
    sent by another worker, gives (False, "")."""
    sent, failed = model.State.SENT, model.State.FAILED
    with transaction.atomic():
        # skip_locked: if another worker is sending this row right now, leave it to them. (SQLite
        # has no row locks; there the IMMEDIATE transaction serialises the two workers instead.)
        row = model.objects.select_for_update(skip_locked=True).filter(pk=pk).exclude(state=sent).first()
        if row is None:
            return False, ""
        row.attempts += 1
        fields = ["state", "attempts"]
        try:
            if row.channel == model.Channel.SMS:
                provider_id = send_sms(mobile=row.recipient, text=row.body)
                if hasattr(row, "provider_id"):
                    row.provider_id = provider_id[:100]
                    fields.append("provider_id")
            else:
                subject, _, text = row.body.partition("\n\n")
                send_email(to=row.recipient, subject=subject, text=text)
        except DeliveryError as exc:
            row.state = failed
            row.last_error = str(exc)[:2000]
            row.save(update_fields=["state", "attempts", "last_error"])
            logger.warning("%s %s (%s) failed: %s", model.__name__, row.pk, row.channel, row.last_error)
            return False, row.last_error
        # If the commit below fails after the gateway accepted the message, a retry sends it again:
        # "at most once" holds as long as the database does.
        row.state = sent
        row.sent_at = timezone.now()
        row.save(update_fields=[*fields, "sent_at"])
        return True, ""
