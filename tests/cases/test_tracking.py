import pytest

from apps.desk.tracking import (
    case_code_is_case,
    case_code_new,
    tracking_code_check_digit_ok,
    tracking_code_new,
    tracking_code_problem,
)


def test_case_codes_are_eleven_digits_starting_with_zero_and_never_a_mobile_number():
    codes = [case_code_new() for _ in range(2000)]
    assert all(len(c) == 11 and c.isdigit() and c[0] == "0" and c[1] != "9" for c in codes)
    assert all(tracking_code_check_digit_ok(c) and case_code_is_case(c) for c in codes)
    assert len(set(codes)) == len(codes)


def test_a_request_code_is_not_a_case_code():
    assert not any(case_code_is_case(tracking_code_new()) for _ in range(2000))


@pytest.mark.parametrize("seed", range(20))
def test_a_mistyped_case_code_is_refused_not_taken_for_another_code(seed):
    code = case_code_new()
    for position in range(11):
        for digit in "0123456789":
            if digit != code[position]:
                typo = code[:position] + digit + code[position + 1 :]
                assert not case_code_is_case(typo), (code, typo)
                # Not even as a request code: a typo of the leading 0 fails the check digit too.
                assert not tracking_code_check_digit_ok(typo), (code, typo)
                assert tracking_code_problem(typo)


def test_swapping_neighbours_in_a_case_code_is_refused():
    code = case_code_new()
    for i in range(10):
        if code[i] != code[i + 1]:
            assert not case_code_is_case(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
