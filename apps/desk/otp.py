"""One-time codes that prove an applicant holds the mobile they type on the e-desk.

Only a salted hash of each code is stored (the same hashers as passwords), codes live five minutes,
each allows a few guesses, and only the newest code of a mobile counts, so asking for new codes does
not multiply the guesses. Sends per mobile are limited because every SMS costs money and a flood of
codes to someone else's phone is harassment. Limits per client address belong to the view.
"""

import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.messaging import send_sms
from apps.core.text import localize_digits, normalize_digits
from apps.core.validators import normalize_mobile
from apps.desk.models import PhoneVerification

CODE_DIGITS = 6
_CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}", re.ASCII)


def _sms_text(code: str) -> str:
    # ASCII digits and the WebOTP last line ("@host #code") let phones offer the code for autofill.
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    minutes = settings.OTP_TTL_SECONDS // 60
    return f"کد تأیید میز خدمت: {code}\nاین کد را به هیچ‌کس ندهید. اعتبار: {minutes} دقیقه\n\n@{host} #{code}"


def otp_send(*, mobile: str) -> PhoneVerification:
    """Send a new 6-digit code to the mobile (replacing earlier ones); ValidationError when the
    number is invalid or too many codes were sent to it lately. Raises DeliveryError if the SMS fails."""
    mobile = normalize_mobile(mobile)
    now = timezone.now()
    window = timedelta(seconds=settings.OTP_SEND_WINDOW_SECONDS)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        # Locking the mobile's recent rows makes two simultaneous requests count one after the other.
        recent = list(
            PhoneVerification.objects.select_for_update()
            .filter(mobile=mobile, created_at__gt=now - window)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(recent) >= settings.OTP_MAX_SENDS:
            wait = recent[-settings.OTP_MAX_SENDS] + window - now
            minutes = max(1, -(-int(wait.total_seconds()) // 60))
            raise ValidationError(
                _("Too many codes were sent to this number. Try again in %(minutes)s minutes."),
                code="otp_rate_limited",
                params={"minutes": localize_digits(minutes)},
            )
        verification = PhoneVerification.objects.create(
            mobile=mobile,
            code_hash=make_password(code),
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
    try:
        # Sent after the commit, so the database is not held while the gateway answers.
        send_sms(mobile=mobile, text=_sms_text(code))
    except Exception:
        # A code that never left must not count against the applicant's allowance.
        verification.delete()
        raise
    return verification


OK, WRONG, EXPIRED, LOCKED, NONE = "ok", "wrong", "expired", "locked", "none"


def otp_verify(*, mobile: str, code: str) -> bool:
    """True once for the right, unexpired newest code of the mobile; every guess is counted."""
    return otp_check(mobile=mobile, code=code) == OK


def otp_attempts_left(*, mobile: str) -> int:
    """Guesses left on the newest code of the mobile (for the message after a wrong one)."""
    latest = PhoneVerification.objects.filter(mobile=mobile).order_by("-created_at", "-id").first()
    return max(0, settings.OTP_MAX_ATTEMPTS - latest.attempts) if latest else 0


def otp_check(*, mobile: str, code: str) -> str:
    """Check a typed code against the newest code of the mobile: OK (once), WRONG, EXPIRED, LOCKED
    (too many wrong guesses) or NONE (no code was sent). Every guess is counted."""
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError:
        return NONE
    code = normalize_digits(code or "").strip()
    if not _CODE.fullmatch(code):
        return WRONG  # a typo of length or letters is not a guess: it could not have matched
    now = timezone.now()
    with transaction.atomic():
        # Locked so that parallel guesses are counted one by one and cannot exceed the limit.
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(mobile=mobile)
            .order_by("-created_at", "-id")
            .first()
        )
        if verification is None or verification.verified_at is not None:
            return NONE
        if verification.attempts >= settings.OTP_MAX_ATTEMPTS:
            return LOCKED
        if verification.expires_at <= now:
            return EXPIRED
        verification.attempts += 1
        ok = check_password(code, verification.code_hash)
        if ok:
            verification.verified_at = now
        verification.save(update_fields=["attempts", "verified_at"])
        if ok:
            return OK
        return LOCKED if verification.attempts >= settings.OTP_MAX_ATTEMPTS else WRONG
