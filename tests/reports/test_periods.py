"""Periods on the report pages: named in words, picked from a list or typed as a code either way
round, and no code left where right-to-left text would show it reversed ("B3-1405")."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from apps.core.jalali import Period
from apps.orgs import roles
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import report_compile
from tests.factories import staff_user
from tests.reports.conftest import PERIOD

CODE = re.compile(r"\d{4}\s*-\s*[QBHY]\d?|[QBHY]\d\s*-\s*\d{4}|[QBH][0-9۰-۹]", re.ASCII | re.IGNORECASE)
ISOLATED = re.compile(r'<bdi dir="ltr"[^>]*>[^<]*</bdi>|\u2066[^\u2069]*\u2069')


def visible_text(html: str) -> str:
    """What a person reads: no tags, attributes, scripts or styles, and no code that is isolated
    left to right (those cannot show reversed)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", ISOLATED.sub(" ", html))


@pytest.fixture(autouse=True)
def _pdf_stubbed(monkeypatch):
    monkeypatch.setattr("apps.reports.services.render_pdf", lambda template, context: b"%PDF-1.7 stub")


@pytest.fixture
def provincial(world):
    return staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u3).user  # a unit in Mazandaran


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "apps.reports.tasks.reports_compile_period.apply_async",
        lambda kwargs, **options: calls.append(kwargs["period"]),
    )
    return calls


def _ask(client, world, django_capture_on_commit_callbacks, **period):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("reports:request"),
            {"kind": "quarterly_county", "scope": f"county:{world.sari.pk}", **period},
        )


def test_compile_form_takes_the_period_picked_from_the_list(
    client, world, provincial, queued, django_capture_on_commit_callbacks
):
    client.force_login(provincial)
    page = client.get(reverse("reports:list"))
    select = re.search(r'<select name="period"[^>]*>(.*?)</select>', page.content.decode(), re.DOTALL)[1]
    assert '<option value="1405-Q2"' in select
    assert ">سه‌ماهه دوم ۱۴۰۵</option>" in select
    assert ">آذر–دی ۱۴۰۴</option>" in select  # bimonths of the year before are offered too
    response = _ask(client, world, django_capture_on_commit_callbacks, period="1405-Q2", period_code="")
    assert response.status_code == 302
    assert queued == ["1405-Q2"]


@pytest.mark.parametrize("typed", ["Q2-1405", "۱۴۰۵-ق۲", "Q۲-۱۴۰۵", "سه‌ماهه دوم ۱۴۰۵"])
def test_compile_form_takes_a_code_typed_either_way_round_over_the_list(
    client, world, provincial, queued, django_capture_on_commit_callbacks, typed
):
    client.force_login(provincial)
    # The select sends whatever it shows; what was typed in the box beside it wins.
    response = _ask(client, world, django_capture_on_commit_callbacks, period="1405-Q1", period_code=typed)
    assert response.status_code == 302
    assert queued == ["1405-Q2"]
    assert Report.objects.get().period == "1405-Q2"


def test_period_errors_name_periods_in_words_and_isolate_the_codes(client, world, provincial, queued):
    client.force_login(provincial)
    url, scope = reverse("reports:request"), f"county:{world.sari.pk}"
    wrong_length = client.post(url, {"kind": "quarterly_county", "scope": scope, "period_code": "B3-1405"})
    assert wrong_length.status_code == 400
    [error] = wrong_length.context["form"].errors["period"]
    assert (
        error == "این گزارش سه‌ماهه است: یک سه‌ماهه مانند «سه‌ماهه دوم ۱۴۰۵» (\u20661405-Q2\u2069) انتخاب کنید."
    )
    # The bimonth typed stays chosen in the list, in words, so the person sees what was understood.
    assert '<option value="1405-B3" selected>مرداد–شهریور ۱۴۰۵</option>' in wrong_length.content.decode()

    nonsense = client.post(url, {"kind": "quarterly_county", "scope": scope, "period_code": "1405-Q7"})
    [error] = nonsense.context["form"].errors["period"]
    assert error.startswith("دوره را از فهرست انتخاب کنید یا کد آن را مانند \u2066")
    assert "1405-Q7" in nonsense.content.decode()  # given back in its box to correct
    for page in (wrong_length, nonsense):
        assert not CODE.search(visible_text(page.content.decode())), CODE.search(
            visible_text(page.content.decode())
        )
    assert queued == []


def test_report_list_names_periods_in_words_never_as_bare_codes(client, world, provincial):
    report_compile(
        kind=Report.Kind.QUARTERLY_PROVINCE, period=PERIOD, scope=Scope(Scope.PROVINCE, world.mazandaran.pk)
    )
    client.force_login(provincial)
    html = client.get(reverse("reports:list")).content.decode()
    text = visible_text(html)
    assert "سه‌ماهه دوم ۱۴۰۵" in text
    assert not CODE.search(text), CODE.search(text)
    assert '<bdi dir="ltr" class="rp-code">' in html  # the help's example code, kept left to right
    client.cookies["django_language"] = "en"
    english = visible_text(client.get(reverse("reports:list")).content.decode())
    assert "Q2 1405" in english
    assert "Mordad–Shahrivar 1405" in english  # in the period list


def test_annex3_pages_offer_bimonths_in_words_and_read_a_reversed_code(client, world, provincial):
    client.force_login(provincial)
    url = reverse("reports:annex3_table1")
    page = client.get(url, {"period": "B3-1405"})
    assert page.status_code == 200
    assert page.context["table"]["period"] == "1405-B3"
    html = page.content.decode()
    assert '<option value="1405-B3" selected>مرداد–شهریور ۱۴۰۵</option>' in html
    assert "<optgroup" not in html  # bimonths only: one flat list
    assert "مازندران — مرداد–شهریور ۱۴۰۵" in visible_text(html)
    assert not CODE.search(visible_text(html)), CODE.search(visible_text(html))

    typed = client.get(url, {"period": "1405-B1", "period_code": "ب۳-۱۴۰۵"})
    assert typed.context["table"]["period"] == "1405-B3"

    quarter = client.get(url, {"period": "1405-Q2"})
    assert quarter.status_code == 400
    [error] = quarter.context["form"].errors["period"]
    assert (
        error
        == "جدول‌های پیوست ۳ دوماهه است: یک دوماهه مانند «خرداد–تیر ۱۴۰۵» (\u20661405-B2\u2069) انتخاب کنید."
    )


def test_report_admin_and_name_give_the_period_in_words(world):
    report = Report(kind=Report.Kind.BIMONTHLY_AUDIT, period="1405-B5")
    with translation.override("fa"):
        assert "آذر–دی ۱۴۰۵" in str(report)
    with translation.override("en"):
        assert "Azar–Dey 1405" in str(report)
    assert Period.parse(report.period) == Period(1405, "B", 5)
