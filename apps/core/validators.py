"""Iranian identifiers: national code, legal-entity national ID, mobile number.

Each `normalize_*` returns the stored form or raises ValidationError with a translated message;
digits are converted to ASCII first, because `int("۱۲۳")` and `\\d` accept Persian digits and an
unconverted value would otherwise reach the database.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.text import normalize_text

_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_PHONE_CHARS = re.compile(r"\+?[0-9]+", re.ASCII)
_LEGAL_ID_WEIGHTS = (29, 27, 23, 19, 17)


def _digits_only(value) -> str:
    return normalize_text(str(value or "")).replace(" ", "").replace("-", "")


def national_code_is_valid(code: str) -> bool:
    """Check digit of a 10-digit national code, plus the two patterns the checksum lets through."""
    if len(code) != 10 or not _ASCII_DIGITS.fullmatch(code):
        return False
    if len(set(code)) == 1 or code[3:9] == "000000":
        return False
    remainder = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(code[9]) == check


def normalize_national_code(value) -> str:
    """The 10-digit national code (8–9 digit input is zero-padded) or ValidationError."""
    code = _digits_only(value)
    if not _ASCII_DIGITS.fullmatch(code or "x") or not 8 <= len(code) <= 10:
        raise ValidationError(_("A national code has 10 digits."), code="national_code_length")
    code = code.zfill(10)
    if not national_code_is_valid(code):
        raise ValidationError(
            _("This national code is not valid; check the digits."), code="national_code_invalid"
        )
    return code


def validate_national_code(value) -> None:
    normalize_national_code(value)


def legal_id_is_valid(code: str) -> bool:
    """Check digit of the 11-digit national ID of a legal entity."""
    if len(code) != 11 or not _ASCII_DIGITS.fullmatch(code) or len(set(code)) == 1:
        return False
    d = int(code[9]) + 2
    total = sum((int(code[i]) + d) * _LEGAL_ID_WEIGHTS[i % 5] for i in range(10))
    check = total % 11
    if check == 10:
        check = 0
    return check == int(code[10])


def normalize_legal_id(value) -> str:
    code = _digits_only(value)
    if not _ASCII_DIGITS.fullmatch(code or "x") or len(code) != 11:
        raise ValidationError(_("A legal entity's national ID has 11 digits."), code="legal_id_length")
    if not legal_id_is_valid(code):
        raise ValidationError(_("This national ID is not valid; check the digits."), code="legal_id_invalid")
    return code


def validate_legal_id(value) -> None:
    normalize_legal_id(value)


def normalize_mobile(value) -> str:
    """An Iranian mobile number as 09XXXXXXXXX; accepts 09…, +989…, 00989…, 989… and 9…."""
    raw = _digits_only(value).replace("(", "").replace(")", "")
    # phonenumbers reads letters as keypad digits ("0912abc4567" → 09122224567): a typo must not
    # become somebody else's number.
    if not _PHONE_CHARS.fullmatch(raw):
        raise ValidationError(_("Enter a mobile number such as 09121234567."), code="mobile_invalid")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    elif raw.startswith("98") and len(raw) == 12:
        raw = "+" + raw
    elif raw.startswith("9") and len(raw) == 10:
        raw = "0" + raw
    try:
        number = phonenumbers.parse(raw, "IR")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 98
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
        or not phonenumbers.is_valid_number(number)
    ):
        raise ValidationError(_("Enter a mobile number such as 09121234567."), code="mobile_invalid")
    return "0" + str(number.national_number)


def validate_mobile(value) -> None:
    normalize_mobile(value)


def mask_national_code(code: str) -> str:
    """Shown outside the roles that need it: the first three and last two digits."""
    if not code or len(code) < 6:
        return code or ""
    return f"{code[:3]}{'*' * (len(code) - 5)}{code[-2:]}"


def mask_mobile(mobile: str) -> str:
    if not mobile or len(mobile) < 8:
        return mobile or ""
    return f"{mobile[:4]}***{mobile[-4:]}"
