"""The one tracking-code generator (شماره پیگیری).

Ten random digits and a Damm check digit: not a sequence, so a code says nothing about other
codes; eleven digits read over the phone like a mobile number; the Damm digit catches every
single mistyped digit and every swap of two neighbours, so a typo is refused instead of opening
someone else's request. Uniqueness is the database's job (a unique column, retried on collision).

Two kinds of code come from this one generator, told apart by their first digit:

- a service request: ten random digits never starting with 0, then the check digit;
- a people's communication case (apps.cases): 0, then nine random digits never starting with 9 (so
  that a case code never reads as a mobile number, 09…), then the check digit over all ten.

The check digit covers the leading 0 too, so a case code with its 0 mistyped is refused like any other
typo, never taken for a request code; both kinds keep eleven digits, so one tracking box takes both.
"""

import re
import secrets

from stdnum import damm

from apps.core.text import normalize_digits

LENGTH = 11
_CLEAN = re.compile(r"[\s\-_/.]")


CASE_PREFIX = "0"


def _with_check_digit(body: str) -> str:
    return body + damm.calc_check_digit(body)


def tracking_code_new() -> str:
    """A service request's code: ten digits without a leading zero, then the check digit."""
    return _with_check_digit(str(secrets.randbelow(9 * 10**9) + 10**9))


def case_code_new() -> str:
    """A people's communication case's code: 0, nine digits not starting with 9, then the check digit."""
    return _with_check_digit(CASE_PREFIX + f"{secrets.randbelow(9 * 10**8):09d}")


def case_code_is_case(code: str) -> bool:
    """Whether a cleaned code is a well-typed case code (a request code or a typo is not)."""
    return tracking_code_check_digit_ok(code) and code.startswith(CASE_PREFIX)


def tracking_code_clean(value: str) -> str:
    """Typed input to bare ASCII digits (accepts Persian digits, spaces and dashes)."""
    return _CLEAN.sub("", normalize_digits(value or ""))


def tracking_code_is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and code.isascii() and code.isdigit()


def tracking_code_check_digit_ok(code: str) -> bool:
    return tracking_code_is_well_formed(code) and damm.is_valid(code)


def tracking_code_display(code: str) -> str:
    """۳-۴-۴ grouping for reading aloud: 123-4567-8901."""
    return f"{code[:3]}-{code[3:7]}-{code[7:]}" if len(code) == LENGTH else code


def tracking_code_problem(code: str) -> str:
    """What is wrong with a typed (cleaned) tracking code, in the reader's language; "" when it is fine.
    The public tracking page and the staff search say the same thing."""
    from django.utils.translation import gettext as _

    if not tracking_code_is_well_formed(code):
        return _("A tracking code has 11 digits; check the code on your receipt.")
    if not tracking_code_check_digit_ok(code):
        return _("This tracking code is mistyped: its check digit does not match. Check the digits on your receipt.")
    return ""
