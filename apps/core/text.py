"""Persian text normalisation: one place that decides how typed text is stored and searched.

Input arrives with Persian (۰-۹) or Arabic-Indic (٠-٩) digits, Arabic yeh/kaf (ي ى ك), tatweel and
invisible bidi marks pasted from other systems. Two stored forms:

- identifiers and codes (a service code, an account number, a URL, a Jalali date typed as text) are
  compared and looked up, so they are stored with ASCII digits: `normalize_text`;
- free text (titles, descriptions, notes, comments) is stored as the person wrote it, Persian digits
  included — «ماده ۵» stays «ماده ۵» on every page, in every export and after an Excel round trip —
  with only the Arabic keyboard's letters and digits made Persian: `normalize_free_text`.

Both use Persian letters and drop bidi marks and tatweel; the zero-width non-joiner (ZWNJ) stays in
stored text because it is part of correct spelling, and is dropped only from search keys, which
fold every digit to ASCII so that either spelling finds the other.
"""

import re

from persiantools import digits as _digits

ZWNJ = "\u200c"
_BIDI_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_TATWEEL = "\u0640"

_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_STRIP = str.maketrans("", "", _BIDI_MARKS + _TATWEEL)
_WS = re.compile(r"\s+")


def normalize_digits(value: str) -> str:
    """Persian and Arabic-Indic digits to ASCII."""
    return _digits.fa_to_en(_digits.ar_to_fa(value))


def normalize_free_text(value: str) -> str:
    """The stored form of free text: Persian ی/ک and digits for the Arabic ones, no bidi marks or
    tatweel, trimmed; Persian and ASCII digits as typed."""
    if not value:
        return value
    return _digits.ar_to_fa(value).translate(_LETTERS).translate(_STRIP).strip()


def normalize_text(value: str) -> str:
    """The stored form of identifiers and codes: ASCII digits, Persian ی/ک, no bidi marks or tatweel."""
    if not value:
        return value
    return normalize_digits(normalize_free_text(value))


def search_key(value: str) -> str:
    """A comparison key: normalised, ZWNJ dropped, spaces collapsed, case folded."""
    # Dropped rather than turned into a space: people type «می‌خواهم» as «میخواهم» far more often
    # than as «می خواهم», and the key must match the common spelling.
    value = normalize_text(value or "").replace(ZWNJ, "")
    return _WS.sub(" ", value).strip().casefold()


def to_persian_digits(value) -> str:
    """ASCII (and Arabic-Indic) digits to Persian, for display."""
    return _digits.en_to_fa(_digits.ar_to_fa(str(value)))


def search_query(request) -> str:
    """The search box's text (`q`): normalised and cut to limits.SEARCH characters, so a search page
    never works on, or echoes back, more than a search box holds."""
    from apps.core.limits import SEARCH

    return normalize_text((request.GET.get("q") or "")[: SEARCH * 2])[:SEARCH].strip()


def localize_digits(value) -> str:
    """A number (or text) with Persian digits when the active language is Persian: for numbers put into
    messages and labels built in Python ("باجه ۳", "۱۵ دقیقه"), as the `digits` filter does in templates."""
    from django.utils.translation import get_language

    text = str(value)
    return to_persian_digits(text) if (get_language() or "fa").startswith("fa") else text


def ltr(value) -> str:
    """A code (1405-B3, a URL) isolated left to right inside a message that may be read right to
    left, so bidi never shows it reversed as "B3-1405". For plain text; templates use <bdi dir="ltr">."""
    return f"\u2066{value}\u2069"
