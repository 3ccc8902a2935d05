"""Persian text normalisation: the stored form and the search key."""

import pytest

from apps.core.text import (
    ZWNJ,
    normalize_digits,
    normalize_free_text,
    normalize_text,
    search_key,
    to_persian_digits,
)


@pytest.mark.parametrize(
    ("typed", "ascii_digits"),
    [("۰۱۲۳۴۵۶۷۸۹", "0123456789"), ("٠١٢٣٤٥٦٧٨٩", "0123456789"), ("0123456789", "0123456789")],
)
def test_persian_and_arabic_indic_digits_become_ascii(typed, ascii_digits):
    assert normalize_digits(typed) == ascii_digits
    assert normalize_text(typed) == ascii_digits


def test_arabic_yeh_alef_maksura_and_kaf_become_persian_letters():
    assert normalize_text("علي") == "علی"
    assert normalize_text("مصطفى") == "مصطفی"
    assert normalize_text("كارت") == "کارت"


def test_bidi_marks_and_tatweel_are_removed():
    typed = "\u200fپرونده\u200e \u202bشماره\u202c ۱۲\u2067\u2069 كـــتاب\ufeff"
    assert normalize_text(typed) == "پرونده شماره 12 کتاب"


def test_zwnj_is_kept_in_the_stored_text():
    assert normalize_text(f"می{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"


def test_surrounding_whitespace_is_trimmed_and_empty_values_pass_through():
    assert normalize_text("  تهران \n") == "تهران"
    assert normalize_text("") == ""
    assert normalize_text(None) is None


def test_zwnj_is_dropped_from_the_search_key():
    assert ZWNJ not in search_key(f"می{ZWNJ}خواهم")
    assert search_key(f"می{ZWNJ}خواهم") == search_key("میخواهم")


def test_arabic_and_persian_yeh_spellings_share_a_search_key():
    assert search_key("گواهي") == search_key("گواهی")


def test_search_key_collapses_spaces_and_folds_case():
    assert search_key("  Service\t  DESK  ") == "service desk"
    assert search_key(None) == ""


def test_digits_are_shown_in_persian_for_display():
    assert to_persian_digits(1405) == "۱۴۰۵"
    assert to_persian_digits("٤٥٦-ABC") == "۴۵۶-ABC"


def test_free_text_keeps_persian_and_ascii_digits_and_makes_arabic_ones_persian():
    typed = "\u200fبند ۳ ماده 5 قانون بودجه ١٤٠٥ علي كـــريمي "
    assert normalize_free_text(typed) == "بند ۳ ماده 5 قانون بودجه ۱۴۰۵ علی کریمی"
    assert normalize_text(typed) == "بند 3 ماده 5 قانون بودجه 1405 علی کریمی"
    assert normalize_free_text("") == ""
    assert normalize_free_text(None) is None


def test_free_text_with_either_digits_shares_a_search_key():
    assert search_key(normalize_free_text("ماده ۵")) == search_key("ماده 5")
