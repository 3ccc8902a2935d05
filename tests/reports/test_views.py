"""Report pages: scoped lists and 404 outside the scope, the on-demand form and its progress page,
the report with its inline SVG charts and formula, the downloads, and annex 3 in three formats."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.orgs import roles
from apps.reports.figures import ranking_formula
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import report_compile
from tests.factories import staff_user
from tests.reports.conftest import PERIOD


@pytest.fixture(autouse=True)
def _pdf_stubbed(monkeypatch):
    # The pages serve stored files; printing them for real is tested in test_printables.py.
    monkeypatch.setattr("apps.reports.services.render_pdf", lambda template, context: b"%PDF-1.7 stub")


@pytest.fixture
def compiled(world):
    """Reports of Mazandaran, of Gilan, of the roads directorate and of the ministry (its units are
    in the country's HQ and so in no province)."""
    make = lambda kind, scope: report_compile(kind=kind, period=PERIOD, scope=scope)  # noqa: E731
    return {
        "mazandaran": make(Report.Kind.QUARTERLY_PROVINCE, Scope(Scope.PROVINCE, world.mazandaran.pk)),
        "gilan": make(Report.Kind.QUARTERLY_PROVINCE, Scope(Scope.PROVINCE, world.gilan.pk)),
        "roads": make(Report.Kind.QUARTERLY_BODY, Scope(Scope.BODY, world.roads.pk)),
        "ministry": make(Report.Kind.QUARTERLY_BODY, Scope(Scope.BODY, world.ministry.pk)),
        "sari": make(Report.Kind.QUARTERLY_COUNTY, Scope(Scope.COUNTY, world.sari.pk)),
    }


@pytest.fixture
def national(world):
    return staff_user(roles.NATIONAL_AUDITOR, unit=world.hq).user


@pytest.fixture
def provincial(world):
    return staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u3).user  # a unit in Mazandaran


@pytest.fixture
def roads_supervisor(world):
    return staff_user(roles.BODY_SUPERVISOR, unit=world.u1).user


def listed(client, user) -> set[int]:
    client.force_login(user)
    response = client.get(reverse("reports:list"))
    assert response.status_code == 200
    return {r.pk for r in response.context["reports"]}


def test_each_reader_lists_the_reports_of_their_scope(
    client, compiled, national, provincial, roads_supervisor
):
    ids = {name: r.pk for name, r in compiled.items()}
    assert listed(client, national) == set(ids.values())
    # The provincial auditor: Mazandaran, Sari and the roads directorate (all its units are in the
    # province) — not Gilan, not the ministry (whose report covers other provinces).
    assert listed(client, provincial) == {ids["mazandaran"], ids["sari"], ids["roads"]}
    assert listed(client, roads_supervisor) == {ids["roads"]}


def test_reports_out_of_scope_answer_404(client, compiled, provincial, roads_supervisor):
    client.force_login(provincial)
    for name in ("gilan", "ministry"):
        for view in ("reports:detail", "reports:status", "reports:pdf", "reports:xlsx"):
            assert client.get(reverse(view, args=[compiled[name].pk])).status_code == 404, (name, view)
    assert client.get(reverse("reports:detail", args=[compiled["mazandaran"].pk])).status_code == 200
    client.force_login(roads_supervisor)
    assert client.get(reverse("reports:detail", args=[compiled["mazandaran"].pk])).status_code == 404


def test_roles_that_read_no_reports_are_refused(client, world, compiled):
    clerk = staff_user(roles.DESK_CLERK, unit=world.u1).user
    client.force_login(clerk)
    assert client.get(reverse("reports:list")).status_code == 403
    assert client.get(reverse("reports:detail", args=[compiled["roads"].pk])).status_code == 403
    client.logout()
    assert client.get(reverse("reports:list")).status_code == 302


def test_report_page_shows_figures_svg_charts_and_the_formula(client, compiled, national):
    client.force_login(national)
    response = client.get(reverse("reports:detail", args=[compiled["mazandaran"].pk]))
    html = response.content.decode()
    assert html.count('<svg class="rp-bar"') == 7 + 3 + 5
    assert '<svg class="rp-stack"' in html
    assert ranking_formula()["text"] in html
    assert "۶۸٫۸" in html
    assert "۸۵٫۹" in html
    assert reverse("reports:pdf", args=[compiled["mazandaran"].pk]) in html
    assert "<script" not in html
    assert ' style="' not in html


def test_downloads_serve_the_stored_files(client, compiled, national):
    client.force_login(national)
    pdf = client.get(reverse("reports:pdf", args=[compiled["roads"].pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = client.get(reverse("reports:xlsx", args=[compiled["roads"].pk]))
    assert "attachment" in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book["خلاصه"].sheet_view.rightToLeft


def test_a_report_whose_file_is_gone_from_the_storage_answers_404_not_500(client, compiled, national):
    report = compiled["roads"]
    report.pdf.storage.delete(report.pdf.name)
    client.force_login(national)
    assert client.get(reverse("reports:pdf", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:xlsx", args=[report.pk])).status_code == 200


def test_on_demand_form_queues_and_the_status_page_refreshes_until_done(
    client, world, provincial, monkeypatch, django_capture_on_commit_callbacks
):
    """GIVEN a broker that has not run the task yet WHEN the auditor asks for Sari's quarter THEN the
    list that asked shows it queued and the status page refreshes itself; once compiled it goes to
    the report."""
    queued = []
    monkeypatch.setattr(
        "apps.reports.tasks.reports_compile_period.apply_async", lambda kwargs, **options: queued.append(kwargs)
    )
    client.force_login(provincial)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:request"),
            {"kind": "quarterly_county", "period": "۱۴۰۵-q2", "scope": f"county:{world.sari.pk}"},
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('reports:list')}#report-{report.pk}"  # the page that asked
    assert queued == [{"kind": "quarterly_county", "period": "1405-Q2", "scope": f"county:{world.sari.pk}"}]
    listing = client.get(reverse("reports:list"))
    assert [r.pk for r in listing.context["in_progress"]] == [report.pk]
    assert reverse("reports:progress", args=[report.pk]) in listing.content.decode()
    status_url = reverse("reports:status", args=[report.pk])
    page = client.get(status_url)
    assert re.search(r'<meta http-equiv="refresh" content="3">', page.content.decode())
    assert page.context["report"].status == Report.Status.PENDING

    report_compile(kind="quarterly_county", period="1405-Q2", scope=Scope(Scope.COUNTY, world.sari.pk))
    done = client.get(status_url)
    assert done.status_code == 302
    assert done["Location"] == reverse("reports:detail", args=[report.pk])
    assert client.get(reverse("reports:list")).context["in_progress"] == []


def test_on_demand_form_refuses_scopes_and_periods_that_do_not_fit(client, world, provincial):
    client.force_login(provincial)
    url = reverse("reports:request")
    outside = client.post(
        url, {"kind": "quarterly_province", "period": "1405-Q2", "scope": f"province:{world.gilan.pk}"}
    )
    assert outside.status_code == 400
    assert "scope" in outside.context["form"].errors
    wrong_length = client.post(
        url, {"kind": "quarterly_province", "period": "1405-B2", "scope": f"province:{world.mazandaran.pk}"}
    )
    assert wrong_length.status_code == 400
    assert "period" in wrong_length.context["form"].errors
    national_kind = client.post(url, {"kind": "halfyear_national", "period": "1405-H1", "scope": "national"})
    assert national_kind.status_code == 400
    assert not Report.objects.exists()


def test_list_filters(client, compiled, national):
    client.force_login(national)
    response = client.get(reverse("reports:list"), {"kind": "quarterly_body", "period": "1405-Q2"})
    assert {r.pk for r in response.context["reports"]} == {compiled["roads"].pk, compiled["ministry"].pk}


def test_annex3_table1_screen_pdf_and_excel_for_the_auditors_province(client, world, provincial):
    client.force_login(provincial)
    url = reverse("reports:annex3_table1")
    screen = client.get(url, {"period": "1405-B3"})
    assert screen.status_code == 200
    assert [r["name"] for r in screen.context["table"]["rows"]] == [
        "اداره کل ثبت اسناد مازندران",
        "اداره کل راه و شهرسازی مازندران",
    ]
    pdf = client.get(url, {"period": "1405-B3", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(url, {"period": "1405-B3", "format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).active.sheet_view.rightToLeft
    assert client.get(url, {"period": "1405-B3", "province": world.gilan.pk}).status_code == 404
    assert client.get(url, {"period": "1405-Q2"}).status_code == 400


def test_annex3_table2_is_scoped_to_readable_bodies(client, world, national, roads_supervisor):
    url = reverse("reports:annex3_table2")
    client.force_login(national)
    # The ministry has the headquarters, and reports for the directorates under it.
    assert [r["name"] for r in client.get(url, {"period": "1405-B3"}).context["table"]["rows"]] == [
        "اداره کل راه و شهرسازی مازندران",
        "اداره کل راه و شهرسازی گیلان",
        "وزارت راه و شهرسازی",
    ]
    client.force_login(roads_supervisor)  # a directorate's supervisor sees the row of the directorate
    assert [r["name"] for r in client.get(url, {"period": "1405-B3"}).context["table"]["rows"]] == [
        "اداره کل راه و شهرسازی مازندران"
    ]
    assert client.get(url, {"period": "1405-B3", "format": "xlsx"}).status_code == 200
