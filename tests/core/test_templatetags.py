"""Display filters: Jalali dates, Persian digits and masked identifiers, per page language."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation


def _render(source: str, **context) -> str:
    return Template("{% load portal %}" + source).render(Context(context))


MOMENT = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fa", "۱۴۰۵/۰۹/۰۱|۱۴۰۵/۰۹/۰۱ ۰۹:۳۰|۱۲۳۴|۰۴۹*****۹۹|۰۹۱۲***۴۵۶۷"),
        ("en", "1405/09/01|1405/09/01 09:30|1234|049*****99|0912***4567"),
    ],
)
def test_filters_follow_the_page_language(language, expected):
    with translation.override(language):
        rendered = _render(
            "{{ d|jdate }}|{{ t|jdatetime }}|{{ n|digits }}|{{ nc|mask_nc }}|{{ m|mask_mobile }}",
            d=dt.date(2026, 11, 22),
            t=MOMENT,
            n=1234,
            nc="0499370899",
            m="09121234567",
        )
    assert rendered == expected


def test_jdate_of_an_aware_datetime_uses_the_tehran_day():
    with translation.override("en"):
        assert _render("{{ t|jdate }}", t=dt.datetime(2026, 11, 21, 21, 0, tzinfo=dt.UTC)) == "1405/09/01"


def test_jdatetime_of_a_plain_date_shows_the_date():
    with translation.override("en"):
        assert _render("{{ d|jdatetime }}", d=dt.date(2026, 11, 22)) == "1405/09/01"


@pytest.mark.parametrize("language", ["fa", "en"])
def test_filters_render_missing_or_empty_values_as_nothing(language):
    with translation.override(language):
        rendered = _render(
            "[{{ missing|jdate }}][{{ missing|jdatetime }}]"
            "[{{ none|digits }}][{{ none|mask_nc }}][{{ none|mask_mobile }}]",
            none=None,
        )
    assert rendered == "[][][][][]"


def test_filters_are_available_without_loading_the_library():
    # config.settings lists apps.core.templatetags.portal as a template builtin.
    with translation.override("fa"):
        assert Template("{{ n|digits }}").render(Context({"n": 7})) == "۷"
