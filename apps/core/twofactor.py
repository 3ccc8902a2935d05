"""Two-factor login for staff: a TOTP authenticator app (django-otp) and one-use recovery codes.

Who must use it: every user whose role is in `settings.TWO_FACTOR_REQUIRED_ROLES` (administrators
and national roles by default in production), and every user who turned it on for themselves. Such
a user logs in with the password as usual, and `TwoFactorMiddleware` then keeps every page but the
second step (enrolment or code) closed until the session is verified.
"""

from django.conf import settings
from django.db import transaction
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.core.services import change_record
from apps.core.text import normalize_digits
from apps.orgs import roles

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"


def two_factor_required_by_role(user) -> bool:
    """The user's role obliges them to use a second factor."""
    return roles.has_role(user, *settings.TWO_FACTOR_REQUIRED_ROLES)


def two_factor_enabled(user) -> bool:
    """The user has a confirmed authenticator (recovery codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# Whether the session's user has no device, recorded at login (apps.core.signals), so that pages pay
# no query for it. (A session opened before its user turned two-step login on elsewhere stays open
# until it ends; the session that turned it on is verified.)
NO_DEVICE = "twofactor_no_device"


def two_factor_needed(user, session=None) -> bool:
    """A second step stands between this user's password and the portal."""
    if settings.TWO_FACTOR_REQUIRED_ROLES and two_factor_required_by_role(user):
        return True
    known = session.get(NO_DEVICE) if session is not None else None
    if known is not None:
        return not known
    has_device = user_has_device(user, confirmed=True)
    if session is not None:
        session[NO_DEVICE] = not has_device
    return has_device


def totp_device_pending(user) -> TOTPDevice:
    """The not yet confirmed authenticator being set up (one per user; a new secret only if none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def token_clean(token: str) -> str:
    """A typed code as the device expects it: ASCII digits/letters, no spaces or dashes."""
    return "".join(ch for ch in normalize_digits(token or "").strip() if ch.isalnum())[:16]


@transaction.atomic
def totp_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; returns fresh recovery codes, or None if wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token_clean(token)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    change_record(target=user, action="two_factor_enabled", actor=user)
    return recovery_codes_new(user=user)


@transaction.atomic
def recovery_codes_new(*, user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones (each works once)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY).count()


def device_for_token(user, token: str):
    """The device (authenticator or recovery code) that accepts `token`, or None; a recovery code is used up."""
    return match_token(user, token_clean(token))


@transaction.atomic
def two_factor_reset(*, user, by) -> None:
    """Remove the user's authenticator and recovery codes (a lost phone); they enrol again at next login."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    change_record(target=user, action="two_factor_reset", actor=by)
