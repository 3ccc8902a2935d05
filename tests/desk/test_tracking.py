import itertools

import pytest

from apps.desk.tracking import (
    tracking_code_check_digit_ok,
    tracking_code_clean,
    tracking_code_display,
    tracking_code_new,
)


def test_codes_are_eleven_digits_with_a_valid_check_digit_and_not_sequential():
    codes = [tracking_code_new() for _ in range(2000)]
    assert all(len(c) == 11 and c.isdigit() and c[0] != "0" for c in codes)
    assert all(tracking_code_check_digit_ok(c) for c in codes)
    assert len(set(codes)) == len(codes)
    # Not a sequence: consecutive codes are far apart.
    gaps = [abs(int(a[:10]) - int(b[:10])) for a, b in itertools.pairwise(codes)]
    assert sorted(gaps)[len(gaps) // 2] > 10**6


@pytest.mark.parametrize("seed", range(20))
def test_changing_any_one_digit_is_refused(seed):
    code = tracking_code_new()
    for position in range(11):
        for digit in "0123456789":
            if digit != code[position]:
                typo = code[:position] + digit + code[position + 1 :]
                assert not tracking_code_check_digit_ok(typo), (code, typo)


def test_swapping_neighbours_is_refused():
    code = tracking_code_new()
    for i in range(10):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not tracking_code_check_digit_ok(swapped)


def test_typed_codes_accept_persian_digits_and_dashes():
    code = tracking_code_new()
    from apps.core.text import to_persian_digits

    typed = to_persian_digits(tracking_code_display(code))
    assert tracking_code_clean(typed) == code
