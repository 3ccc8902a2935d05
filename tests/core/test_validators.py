"""Iranian identifiers: what is accepted, what it is stored as, and what is refused."""

import pytest
from django.core.exceptions import ValidationError

from apps.core.validators import (
    legal_id_is_valid,
    mask_mobile,
    mask_national_code,
    national_code_is_valid,
    normalize_legal_id,
    normalize_mobile,
    normalize_national_code,
)

# The last five are the extra valid codes listed in shared/NOTES.md.
VALID_NATIONAL_CODES = [
    "0499370899",
    "1583250689",
    "0076229645",
    "0790419904",
    "4032152314",
    "0067749828",
    "0650451252",
    "0084575948",
]


@pytest.mark.parametrize("code", VALID_NATIONAL_CODES)
def test_valid_national_code_is_kept_as_typed(code):
    assert normalize_national_code(code) == code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("۰۴۹۹۳۷۰۸۹۹", "0499370899"),  # Persian digits
        ("٠٤٩٩٣٧٠٨٩٩", "0499370899"),  # Arabic-Indic digits
        ("11537027", "0011537027"),  # leading zeros lost by a spreadsheet
        (" 049-937-0899 ", "0499370899"),
        ("\u200f۰۴۹۹۳۷۰۸۹۹\u200e", "0499370899"),  # pasted with bidi marks
    ],
)
def test_national_code_is_stored_in_ascii_digits_and_padded(typed, stored):
    assert normalize_national_code(typed) == stored


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("0499370898", "national_code_invalid"),  # wrong check digit
        ("1111111111", "national_code_invalid"),  # passes the checksum, all digits the same
        ("0010000000", "national_code_invalid"),  # passes the checksum, 000000 in the middle
        ("1234567890", "national_code_invalid"),
        ("12345", "national_code_length"),
        ("1234567", "national_code_length"),
        ("04993708990", "national_code_length"),
        ("abc", "national_code_length"),
        ("0499a70899", "national_code_length"),
        ("", "national_code_length"),
        (None, "national_code_length"),
    ],
)
def test_invalid_national_code_is_refused_with_a_reason(code, reason):
    with pytest.raises(ValidationError) as raised:
        normalize_national_code(code)
    assert raised.value.code == reason


@pytest.mark.parametrize("digit", "0123456789")
def test_every_all_same_national_code_is_refused_although_its_checksum_passes(digit):
    assert not national_code_is_valid(digit * 10)


def test_national_code_checksum_only_accepts_ten_ascii_digits():
    assert not national_code_is_valid("۰۴۹۹۳۷۰۸۹۹")
    assert not national_code_is_valid("499370899")


VALID_LEGAL_IDS = ["10380284790", "10100387143", "77111986110", "18061055669", "15292247120"]


@pytest.mark.parametrize("legal_id", VALID_LEGAL_IDS)
def test_valid_legal_id_is_accepted(legal_id):
    assert normalize_legal_id(legal_id) == legal_id


def test_legal_id_in_persian_digits_is_stored_in_ascii():
    assert normalize_legal_id("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"


@pytest.mark.parametrize(
    ("legal_id", "reason"),
    [
        ("10380284792", "legal_id_invalid"),  # wrong check digit
        ("11111111111", "legal_id_invalid"),
        ("33333333333", "legal_id_invalid"),  # passes the checksum, all digits the same
        ("1038028479", "legal_id_length"),  # ten digits
        ("0499370899", "legal_id_length"),  # a person's national code
        ("", "legal_id_length"),
    ],
)
def test_invalid_legal_id_is_refused_with_a_reason(legal_id, reason):
    with pytest.raises(ValidationError) as raised:
        normalize_legal_id(legal_id)
    assert raised.value.code == reason


def test_all_same_legal_id_that_passes_the_checksum_is_still_refused():
    assert not legal_id_is_valid("33333333333")


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "9121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+98 912 123 4567",
        "0912-123-4567",
    ],
)
def test_mobile_number_in_any_common_form_is_stored_as_09_and_ten_digits(typed):
    assert normalize_mobile(typed) == "09121234567"


@pytest.mark.parametrize(
    "typed",
    [
        "0912abc4567",  # phonenumbers would read the letters as keypad digits
        "02112345678",  # a Tehran landline
        "0912123456",  # one digit short
        "091212345678",  # one digit too many
        "+449121234567",  # not Iran
        "",
        None,
    ],
)
def test_mobile_number_that_is_not_an_iranian_mobile_is_refused(typed):
    with pytest.raises(ValidationError) as raised:
        normalize_mobile(typed)
    assert raised.value.code == "mobile_invalid"


def test_national_code_mask_shows_first_three_and_last_two_digits():
    assert mask_national_code("0499370899") == "049*****99"


def test_mobile_mask_shows_operator_prefix_and_last_four_digits():
    assert mask_mobile("09121234567") == "0912***4567"


@pytest.mark.parametrize("value", ["", None, "12345"])
def test_masks_leave_empty_and_too_short_values_alone(value):
    assert mask_national_code(value) == (value or "")
    assert mask_mobile(value) == (value or "")
