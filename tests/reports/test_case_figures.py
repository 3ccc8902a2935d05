"""People's communication cases in the periodic reports (issue 12 point 9): the six-monthly national
compilation of 1405-H1 counts the cases below exactly as counted by hand, prints the ranking formula
with its case terms, and takes the same number of queries however many cases there are.

The world of tests/reports/conftest.py (Mazandaran's roads directorate U1 with its Sari county unit
U2, the registry U3, Gilan's roads U4 and the ministry's HQ) gets a province governor's office and the
centre, and these cases, registered through apps.cases.services and then moved to known Tehran times
(.update) — the half year 1405-H1 runs from 1405/01/01 to 1405/06/31:

    case  type          at   level     channel  body      handled by  due      closed   on time  rating
    c1    request       U1   province  desk     roads     U1          04/20    04/15    yes      5 (04/16)
    c2    complaint*    U1   province  online   roads     centre**    06/10    (open)   no       2 (05/21)
    c3    consultation  U3   province  phone    registry  U3          05/04    (open)   no
    c4    report        U2   county    desk     roads     U1 (ref.)   02/12    02/10    yes
    c5    idea          U1   province  desk     roads     U1          04/01    (open)   no
    c6    thanks        HQ   body      desk     ministry  HQ          06/06    06/05    yes
    c7    request       U4   province  desk     Gilan     HQ (up)     05/15    05/14    yes
    c8    complaint     U1   province  desk     roads     U1          07/05    (open)   not due in H1
    c9    request       U1   province  desk     roads     D1 (ref.)   registered 07/05: not in H1
    c10   request       U1   province  desk     roads     U1          01/05    01/10    no  (registered 1404/12/20)
    c11   request       U3→  province  desk     roads     U1 (duties) 06/20    06/25    no

    * against the roads director-general (post "provincial director-general"): routed to the province
      governor's office, answered 05/20, rated 2, then objected to on 05/25: one level up, the centre,
      due again 06/10. c8 names the registry as the body complained about, and no official.
    Referrals in H1: c4 to another unit (02/06), c7 upward (05/10), c11 outside the desk's duties
    (06/10); c9's (07/06) is in H2. Outcomes of the referred: c4 resolved, c7 rejected, c11 outside.
    c5 was accepted by the ideas working group on 03/10 and implemented by the body on 05/01.
"""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.cases import services as case_services
from apps.cases.models import Case, CaseEvent, IdeaReview
from apps.core.jalali import Period
from apps.orgs import roles
from apps.orgs.models import Body, OrgUnit, Staff
from apps.reports.figures import RANKING_FORMULA, ranking_formula, ranking_score, report_figures
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import report_compile
from tests.factories import BodyFactory, OrgUnitFactory, StaffFactory, registered_case, staff_user
from tests.pdf_utils import keep_pdf, pdf_text, reads
from tests.reports.conftest import at

H1 = Period.parse("1405-H1")


def _move(case: Case, *, created, due, closed=None, rated=None) -> None:
    Case.objects.filter(pk=case.pk).update(created_at=created, due_at=due, closed_at=closed, rated_at=rated)


def _event_at(case: Case, kind: str, when) -> None:
    CaseEvent.objects.filter(case=case, kind=kind).update(at=when)


def _respond(case: Case, by: Staff, outcome: str = "answered") -> None:
    case_services.case_respond(case=case, by=by, outcome=outcome, text="پاسخ مورد")


def build_cases(world) -> SimpleNamespace:
    governorate = BodyFactory(name_fa="استانداری مازندران", kind=Body.Kind.GOVERNORATE)
    governor_office = OrgUnitFactory(name="دفتر استاندار مازندران", body=governorate, province=world.mazandaran)
    centre_body = BodyFactory(name_fa="مرکز ارتباطات مردمی", kind=Body.Kind.CENTRE)
    centre = OrgUnitFactory(name="دبیرخانه مرکز", body=centre_body, level=OrgUnit.Level.HQ, province=None)
    clerk1, clerk3 = StaffFactory(unit=world.u1), StaffFactory(unit=world.u3)
    clerk_hq, clerk4 = StaffFactory(unit=world.hq), StaffFactory(unit=world.u4)
    director = StaffFactory(unit=world.u1, post="مدیرکل", post_kind=Staff.PostKind.PROVINCIAL_DIRECTOR)
    handler = StaffFactory(unit=governor_office)

    c1 = registered_case(unit=world.u1, clerk=clerk1)
    _respond(c1, clerk1, "resolved")
    case_services.case_rate(case=c1, score=5)
    _move(c1, created=at(4, 10), due=at(4, 20), closed=at(4, 15), rated=at(4, 16))

    c2 = registered_case(case_type="complaint", unit=world.u1, channel="online", official=director)
    assert c2.handling_unit == governor_office  # the complaint hierarchy, not the directorate
    _respond(c2, handler, "rejected")
    case_services.case_rate(case=c2, score=2)
    case_services.case_object(case=c2, reason="پاسخ قانع‌کننده نبود")
    c2.refresh_from_db()
    assert c2.handling_unit == centre
    _move(c2, created=at(5, 1), due=at(6, 10), rated=at(5, 21))
    Case.objects.filter(pk=c2.pk).update(objected_at=at(5, 25))

    c3 = registered_case(case_type="consultation", unit=world.u3, clerk=clerk3, channel="phone")
    _move(c3, created=at(5, 1), due=at(5, 4))

    c4 = registered_case(case_type="report", unit=world.u2, level="county", place="میدان امام ساری")
    case_services.case_refer(case=c4, kind="unit", by=None, note="در حوزه اداره کل", to_unit=world.u1)
    _respond(c4, clerk1, "resolved")
    _move(c4, created=at(2, 5), due=at(2, 12), closed=at(2, 10))
    _event_at(c4, CaseEvent.Kind.REFERRED, at(2, 6))

    c5 = registered_case(case_type="idea", unit=world.u1, clerk=clerk1)
    _move(c5, created=at(3, 1), due=at(4, 1))
    IdeaReview.objects.filter(case=c5).update(
        state=IdeaReview.State.REVIEWED, competent_body=world.roads, reviewed_at=at(3, 10),
        result=IdeaReview.Result.IMPLEMENTED, result_at=at(5, 1),
    )

    c6 = registered_case(case_type="thanks", unit=world.hq, clerk=clerk_hq, level="body", employee=clerk_hq)
    _respond(c6, clerk_hq)
    _move(c6, created=at(6, 1), due=at(6, 6), closed=at(6, 5))

    c7 = registered_case(unit=world.u4, clerk=clerk4)
    case_services.case_refer(case=c7, kind="upward", by=clerk4, note="فراتر از اختیار استان")
    _respond(c7, clerk_hq, "rejected")
    _move(c7, created=at(5, 5), due=at(5, 15), closed=at(5, 14))
    _event_at(c7, CaseEvent.Kind.REFERRED, at(5, 10))

    c8 = registered_case(case_type="complaint", unit=world.u1, clerk=clerk1, complained_body=world.registry)
    _move(c8, created=at(6, 20), due=at(7, 5))

    c9 = registered_case(unit=world.u1, clerk=clerk1)
    case_services.case_refer(case=c9, kind="unit", by=clerk1, note="کارشناسی", to_unit=world.d1)
    _move(c9, created=at(7, 5), due=at(7, 15))
    _event_at(c9, CaseEvent.Kind.REFERRED, at(7, 6))

    c10 = registered_case(unit=world.u1, clerk=clerk1)
    _respond(c10, clerk1)
    _move(c10, created=at(12, 20, year=1404), due=at(1, 5), closed=at(1, 10))

    c11 = registered_case(unit=world.u3, clerk=clerk3, referred_to=world.roads)
    assert c11.handling_unit == world.u1
    _respond(c11, clerk1, "outside")
    _move(c11, created=at(6, 10), due=at(6, 20), closed=at(6, 25))
    _event_at(c11, CaseEvent.Kind.REFERRED, at(6, 10))

    return SimpleNamespace(governor_office=governor_office, centre=centre, centre_body=centre_body, clerk1=clerk1)


@pytest.fixture
def cases(world):
    return build_cases(world)


def national() -> dict:
    return report_figures(scope=Scope(Scope.NATIONAL), period=H1, kind="halfyear_national")


def _counts(rows: list[dict]) -> dict:
    return {row["key"]: row["count"] for row in rows}


def test_six_monthly_case_figures_equal_the_hand_count(world, cases):
    figures = national()["cases"]
    assert figures["registered"] == 9  # c1–c8 and c11
    assert _counts(figures["by_type"]) == {
        "request": 3, "complaint": 2, "report": 1, "consultation": 1, "feelings": 0, "idea": 1, "thanks": 1,
    }
    assert _counts(figures["by_level"]) == {"county": 1, "province": 7, "body": 1, "national": 0}
    assert _counts(figures["by_channel"]) == {"desk": 7, "phone": 1, "online": 1}
    assert _counts(figures["by_body"]) == {
        world.roads.pk: 6, world.registry.pk: 1, world.ministry.pk: 1, world.other.pk: 1,
    }
    assert _counts(figures["by_county"]) == {None: 8, world.sari.pk: 1}
    # Due in H1: c1 c2 c3 c4 c5 c6 c7 c10 c11; closed by then: c1 c4 c6 c7.
    assert (figures["due"], figures["on_time"], figures["late"], figures["open_overdue"]) == (9, 4, 5, 3)
    assert figures["on_time_rate"] == 44.4
    assert figures["closed"] == 6  # c1 c4 c6 c7 c10 c11 (c2 reopened by its objection)
    assert (figures["rated"], figures["rating_average"], figures["rating_index"]) == (2, 3.5, 62.5)
    request = next(row for row in figures["by_type"] if row["key"] == "request")
    assert (request["due"], request["on_time"], request["on_time_rate"]) == (4, 2, 50.0)  # c1 c7 / c10 c11
    units = {row["id"]: row for row in figures["by_unit"]}
    assert (units[world.u1.pk]["due"], units[world.u1.pk]["on_time"]) == (5, 2)  # c1 c4 c5 c10 c11
    assert (units[world.hq.pk]["due"], units[world.hq.pk]["on_time_rate"]) == (2, 100.0)
    assert (units[cases.centre.pk]["due"], units[cases.centre.pk]["rating_average"]) == (1, 2.0)
    assert _counts(figures["referrals_by_kind"]) == {"unit": 1, "upward": 1, "duties": 1}
    assert figures["referrals"] == 3
    assert _counts(figures["referral_outcomes"]) == {
        "resolved": 1, "rejected": 1, "outside": 1, "answered": 0, None: 0,
    }
    assert figures["complaints"] == 2
    assert _counts(figures["complaints_by_body"]) == {world.roads.pk: 1, world.registry.pk: 1}
    assert _counts(figures["complaints_by_post"]) == {"prov_director": 1, None: 1}
    assert figures["objections"] == 1
    assert (figures["ideas"], figures["ideas_accepted"], figures["ideas_implemented"]) == (1, 1, 1)


def test_quarterly_scopes_count_the_cases_of_their_territory(world, cases):
    """Sari's quarter Q1 has c4 only (registered at its county unit); Mazandaran's Q2 counts the
    cases registered at its desks and the cases its units handle."""
    sari = report_figures(scope=Scope(Scope.COUNTY, world.sari.pk), period=Period.parse("1405-Q1"))["cases"]
    assert (sari["registered"], _counts(sari["by_type"])["report"], sari["referrals"]) == (1, 1, 1)
    province = report_figures(scope=Scope(Scope.PROVINCE, world.mazandaran.pk), period=Period.parse("1405-Q2"))
    cases_q2 = province["cases"]
    # Registered in Q2 at Mazandaran's desks: c1 c2 c3 c8 c11 (c7 is Gilan's, c6 the HQ's).
    assert cases_q2["registered"] == 5
    # Handled in Mazandaran and due in Q2: c1 c3 c11 (c2 moved to the centre, c5 due 04/01 ✓ in Q2).
    assert (cases_q2["due"], cases_q2["on_time"]) == (4, 1)


def test_ranking_counts_the_cases_of_the_handling_units(world, cases):
    ranking = national()["ranking"]
    units = {row["id"]: row for row in ranking["units"]}
    u1 = units[world.u1.pk]
    assert (u1["case_on_time"], u1["case_rating"], u1["cases_due"]) == (40.0, 100.0, 5)
    assert u1["score"] == round(ranking_score(u1), 1)
    # Units that received no request but handled cases are ranked on the case terms alone.
    assert (units[world.hq.pk]["score"], units[world.hq.pk]["answered"]) == (100.0, 0)
    assert units[cases.centre.pk]["score"] == 10.0  # (6 × 0 + 4 × 25) / 10
    bodies = {row["id"]: row for row in ranking["bodies"]}
    assert (bodies[world.roads.pk]["case_on_time"], bodies[world.ministry.pk]["case_on_time"]) == (40.0, 100.0)
    assert bodies[cases.centre_body.pk]["case_rating"] == 25.0


def test_the_printed_formula_has_the_cases_term_and_the_weights_sum_to_100():
    formula = ranking_formula()
    assert "۶٪ × نرخ رسیدگی به‌موقع موارد" in formula["text"]
    assert "۴٪ × رضایت از رسیدگی به موارد" in formula["text"]
    assert {"case_on_time", "case_rating"} <= set(formula["weights"])
    assert sum(c.weight for c in RANKING_FORMULA) == 100
    assert any("واحد رسیدگی‌کننده" in term["definition"] for term in formula["terms"])


def test_compiled_six_monthly_report_freezes_prints_and_exports_the_cases(world, cases):
    report = report_compile(kind=Report.Kind.HALFYEAR_NATIONAL, period="1405-H1", scope=Scope(Scope.NATIONAL))
    assert report.status == Report.Status.DONE
    assert report.figures["cases"]["registered"] == 9
    assert report.figures["cases"]["on_time_rate"] == 44.4
    assert "نرخ رسیدگی به‌موقع موارد" in report.figures["ranking"]["formula"]["text"]
    pdf = report.pdf.read()
    keep_pdf(pdf, "report-halfyear-cases")
    text = pdf_text(pdf)
    for phrase in (
        "موارد ارتباطات مردمی",
        "مشاوره و راهنمایی",
        "مدیرکل استانی",
        "خارج از وظایف، به دستگاه صالح",
        "۴۴٫۴",  # on time: 4 of 9
        "نرخ رسیدگی به‌موقع موارد",
        "رضایت از رسیدگی به موارد",
    ):
        assert reads(text, phrase), phrase
    book = load_workbook(report.xlsx)
    assert "موارد" in book.sheetnames
    sheet = book["موارد"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["موارد ثبت‌شده"] == 9
    assert values["نرخ رسیدگی به‌موقع (٪)"] == 44.4
    assert values["ایده‌های اجراشده"] == 1
    ranking = [row[0] for row in book["رتبه‌بندی"].iter_rows(values_only=True) if row and row[0]]
    assert report.figures["ranking"]["formula"]["text"] in ranking


def test_screen_shows_the_cases(client, world, cases):
    report = report_compile(kind=Report.Kind.HALFYEAR_NATIONAL, period="1405-H1", scope=Scope(Scope.NATIONAL))
    client.force_login(staff_user(roles.NATIONAL_AUDITOR, unit=world.hq).user)
    html = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    for phrase in ("نرخ رسیدگی به‌موقع موارد", "مشاوره و راهنمایی", "مدیرکل استانی", "۴۴٫۴", "دبیرخانه مرکز"):
        assert phrase in html, phrase
    assert ' style="' not in html


def test_compilation_queries_do_not_grow_with_the_number_of_cases(world, cases):
    with CaptureQueriesContext(connection) as first:
        national()
    clerk2 = StaffFactory(unit=world.u2)
    for n in range(6):
        case_type = ("request", "complaint", "report")[n % 3]
        details = {"complaint": {"complained_body": world.registry}, "report": {"place": "خیابان"}}
        extra = registered_case(
            case_type=case_type, unit=world.u2, clerk=clerk2, level="county", **details.get(case_type, {})
        )
        case_services.case_refer(case=extra, kind="unit", by=clerk2, note="ارجاع", to_unit=world.u1)
        _respond(extra, cases.clerk1)
        case_services.case_rate(case=extra, score=4)
        _move(extra, created=at(4, 1 + n), due=at(4, 10), closed=at(4, 5), rated=at(4, 6))
    with CaptureQueriesContext(connection) as second:
        figures = national()
    assert figures["cases"]["registered"] == 15
    assert len(second.captured_queries) == len(first.captured_queries)
