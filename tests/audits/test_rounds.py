"""The lifecycle of an audit round (issue 11 items 7–9): due dates in working days over Nowruz,
notices sent once each, overdue flags, reopening a verified form, and the audit score with its
place in the national ranking — every figure recomputed by hand here."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audits import notices, services
from apps.audits.models import AuditForm, AuditFormVersion, AuditNotice, AuditServiceRow, AuditSpaceItem
from apps.audits.tasks import audit_deadlines_notify
from apps.audits.views.audit_forms import audit_form_pdf_bytes
from apps.core import messaging
from apps.core.jalali import Period
from apps.core.models import Holiday
from apps.core.services import change_history
from apps.orgs import roles
from apps.reports.figures import audit_rounds_in, ranking_figures
from apps.reports.scopes import Scope
from tests.factories import BodyFactory, OrgUnitFactory, SubServiceFactory, answered_request, staff_user
from tests.pdf_utils import keep_pdf, pdf_text, reads

RATED = {item: {"body_rating": "good", "body_note": ""} for item in AuditSpaceItem.Item.values}
EVALUATED = {
    1: {"evaluator_rating": "excellent"},
    2: {"evaluator_rating": "excellent"},
    3: {"evaluator_rating": "good"},
    4: {"evaluator_rating": "weak"},
}
# Nowruz 1406 and the days around it, as in the official calendar (the seed has them too).
HOLIDAYS = {
    dt.date(2027, 3, 20): "روز ملی شدن صنعت نفت ایران",
    dt.date(2027, 3, 21): "جشن نوروز",
    dt.date(2027, 3, 22): "عیدنوروز",
    dt.date(2027, 3, 23): "عیدنوروز",
    dt.date(2027, 3, 24): "عیدنوروز",
    dt.date(2027, 4, 1): "روز جمهوری اسلامی",
    dt.date(2027, 4, 2): "روز طبیعت",
    dt.date(2027, 4, 3): "شهادت امام جعفر صادق علیه السلام",
}


@pytest.fixture
def nowruz(db):
    for day, title in HOLIDAYS.items():
        Holiday.objects.get_or_create(date=day, province=None, defaults={"title": title})


@pytest.fixture
def reachable(audit_org):
    """The supervisor and the province's auditor with a mobile and an email address."""
    for staff, mobile in ((audit_org.supervisor, "09121110001"), (audit_org.auditor, "09121110002")):
        staff.mobile = mobile
        staff.save()
        staff.user.email = f"{staff.user.username}@example.ir"
        staff.user.save()
    audit_org.national.mobile = "09121110003"
    audit_org.national.save()
    messaging.outbox.clear()
    return audit_org


def _form(org, round_=None) -> AuditForm:
    qs = AuditForm.objects.filter(unit=org.unit)
    return qs.get(round=round_) if round_ else qs.get()


def _sms(mobile: str) -> list[str]:
    return [m.text for m in messaging.outbox if m.mobile == mobile]


# --- due dates ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("nowruz")
def test_a_round_opened_before_nowruz_is_due_after_the_holidays(audit_org, settings):
    """GIVEN 5 working days for the declaration and 3 for the evaluation
    WHEN the round opens on Wednesday 1405/12/26 (2027-03-17), before Nowruz
    THEN working days are Thu 18 March, then (Friday 19, the holidays 20–24 March, Friday 26 skipped)
    Thu 25, Sat 27, Sun 28, Mon 29: the declaration is due Monday 1406/01/09; the evaluation 3
    working days later, past 12–14 Farvardin and Friday 2 April: Tue 30, Wed 31, Sun 4 April.
    A province that also closes on Thursdays loses 18 and 25 March: due Wednesday 31 March."""
    settings.AUDIT_DECLARATION_DAYS, settings.AUDIT_EVALUATION_DAYS = 5, 3
    audit_org.unit.province.weekly_off_days = [3, 4]
    audit_org.unit.province.save()

    round_ = services.audit_round_open(year=1405, number=6, today=dt.date(2027, 3, 17))

    assert (round_.declaration_days, round_.evaluation_days) == (5, 3)
    assert round_.declaration_due == dt.date(2027, 3, 29)
    assert round_.evaluation_due == dt.date(2027, 4, 4)
    assert AuditForm.objects.get(unit=audit_org.hq).declaration_due == dt.date(2027, 3, 29)
    assert _form(audit_org).declaration_due == dt.date(2027, 3, 31)


@pytest.mark.usefixtures("nowruz")
def test_an_administrator_changing_the_days_moves_the_due_dates_of_draft_forms(audit_org):
    round_ = services.audit_round_open(year=1405, number=6, today=dt.date(2027, 3, 17))
    round_.declaration_days = 1
    services.audit_round_deadlines_set(round_=round_)
    assert round_.declaration_due == dt.date(2027, 3, 18)
    assert AuditForm.objects.get(unit=audit_org.hq).declaration_due == dt.date(2027, 3, 18)


@pytest.mark.usefixtures("nowruz")
def test_a_round_opened_before_rounds_had_deadlines_gets_them_when_the_daily_opener_runs(audit_org):
    """GIVEN the round of Bahman–Esfand 1405 opened on 2027-03-17 as it was before rounds had due
    dates (none on the round or its forms), one form already submitted on 2027-03-18
    WHEN the round is opened again (beat's daily opener does it for the current round)
    THEN the round and every form get the due dates they would have had, and the submitted form its
    evaluation's, counted from the declaration's due date: nothing is left that can never be overdue."""
    round_ = services.audit_round_open(year=1405, number=6, today=dt.date(2027, 3, 17))
    dues = (round_.declaration_due, round_.evaluation_due)
    expected = {f.pk: f.declaration_due for f in round_.forms.all()}
    submitted = _form(audit_org, round_)
    type(round_).objects.filter(pk=round_.pk).update(declaration_due=None, evaluation_due=None)
    round_.forms.update(declaration_due=None, evaluation_due=None)
    AuditForm.objects.filter(pk=submitted.pk).update(state="submitted", declared_at=dt.date(2027, 3, 18))

    round_ = services.audit_round_open(year=1405, number=6)

    assert (round_.declaration_due, round_.evaluation_due) == dues
    assert dues[0] > dt.date(2027, 3, 24)  # past Nowruz
    assert {f.pk: f.declaration_due for f in round_.forms.all()} == expected
    submitted.refresh_from_db()
    assert submitted.evaluation_due == services.working_days_after(
        expected[submitted.pk], round_.evaluation_days, province=audit_org.unit.province
    )
    assert AuditForm.objects.filter(round=round_, state="draft", evaluation_due__isnull=False).count() == 0


def test_submission_and_return_set_the_next_due_dates(audit_org, settings):
    settings.AUDIT_RETURN_DAYS = 5
    round_ = services.audit_round_open_current()
    form = _form(audit_org, round_)
    services.audit_form_body_update(form=form, by=audit_org.supervisor, space=RATED)
    form = services.audit_form_submit(form=form, by=audit_org.supervisor)
    today = timezone.localdate()
    start = max(today, form.declaration_due)
    assert form.evaluation_due == services.working_days_after(
        start, round_.evaluation_days, province=audit_org.unit.province
    )
    form = services.audit_form_return(form=form, by=audit_org.auditor, comment="بخش ۲ را بازبینی کنید.")
    window = services.working_days_after(today, 5, province=audit_org.unit.province)
    assert form.declaration_due == max(window, _form(audit_org, round_).declaration_due)
    assert form.declaration_due >= window


# --- notices ------------------------------------------------------------------------------------


def test_each_notice_goes_out_once_to_the_people_who_act_next(reachable, django_capture_on_commit_callbacks):
    """GIVEN a supervisor and a provincial auditor with mobiles and email addresses
    WHEN the round opens (twice), the form is submitted and returned, and the daily task runs
    twice before the due date and twice after it
    THEN each of them gets each message exactly once, by SMS and by email."""
    org = reachable
    with django_capture_on_commit_callbacks(execute=True):
        round_ = services.audit_round_open_current()
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_round_open_current()
    boss, auditor = org.supervisor.mobile, org.auditor.mobile
    assert len(_sms(boss)) == 1
    assert "آغاز شد" in _sms(boss)[0]
    assert [m.to for m in mail.outbox] == [[org.supervisor.user.email]]
    assert _sms(auditor) == []

    form = _form(org, round_)
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    with django_capture_on_commit_callbacks(execute=True):
        form = services.audit_form_submit(form=form, by=org.supervisor)
    assert len(_sms(auditor)) == 1
    assert "برای ارزیابی فرستاد" in _sms(auditor)[0]
    with django_capture_on_commit_callbacks(execute=True):
        form = services.audit_form_return(form=form, by=org.auditor, comment="کانال‌ها را بازبینی کنید.")
    assert len(_sms(boss)) == 2
    assert "برای اصلاح بازگرداند" in _sms(boss)[1]
    # The same event queued again (a retried task) sends nothing.
    notices.audit_form_notify(form_id=form.pk, event=AuditNotice.Event.RETURNED, event_key=str(form.version))
    assert len(_sms(boss)) == 2

    due = _form(org, round_).declaration_due
    for _run in range(2):
        notices.audit_deadlines_notify(today=due)
    assert len(_sms(boss)) == 3
    assert "یادآوری" in _sms(boss)[2]
    for _run in range(2):
        notices.audit_deadlines_notify(today=due + dt.timedelta(days=1))
    assert len(_sms(boss)) == 4
    assert "به پایان رسید" in _sms(boss)[3]
    assert _sms(org.national.mobile) == []  # an HQ auditor has no part in a provincial form
    sent = AuditNotice.objects.filter(staff=org.supervisor, state=AuditNotice.State.SENT)
    assert sorted(sent.values_list("event", "channel")) == sorted(
        (event, channel)
        for event in ("round_opened", "returned", "declaration_soon", "declaration_late")
        for channel in ("email", "sms")
    )
    assert len(mail.outbox) == 4 + 1  # the supervisor's four, the auditor's submission notice


def test_nothing_is_reminded_long_before_the_due_date(reachable, django_capture_on_commit_callbacks):
    round_ = services.audit_round_open_current()
    due = _form(reachable, round_).declaration_due
    messaging.outbox.clear()
    assert audit_deadlines_notify.delay().get() >= 0
    notices.audit_deadlines_notify(today=due - dt.timedelta(days=30))
    assert _sms(reachable.supervisor.mobile) == []


class DownSMSBackend:
    """An SMS gateway that is down."""

    def send(self, *, mobile: str, text: str) -> str:
        raise messaging.DeliveryError("gateway unreachable")


def test_a_failed_message_is_tried_again_by_the_daily_run(reachable, settings):
    round_ = services.audit_round_open_current()
    form = _form(reachable, round_)
    settings.SMS_BACKEND = f"{__name__}.DownSMSBackend"
    notices.audit_form_notify(form_id=form.pk, event=AuditNotice.Event.ROUND_OPENED)
    row = AuditNotice.objects.get(staff=reachable.supervisor, channel="sms")
    assert row.state == AuditNotice.State.FAILED
    settings.SMS_BACKEND = "apps.core.messaging.ConsoleSMSBackend"
    notices.audit_deadlines_notify(today=form.declaration_due - dt.timedelta(days=30))
    row.refresh_from_db()
    assert (row.state, row.attempts) == (AuditNotice.State.SENT, 2)
    assert len(_sms(reachable.supervisor.mobile)) == 1


def test_the_beat_runs_the_deadline_notices_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audits-deadlines"]
    assert entry["task"] == "apps.audits.tasks.audit_deadlines_notify"
    assert entry["schedule"].hour == {8}


# --- overdue flags ------------------------------------------------------------------------------


def test_overdue_forms_are_flagged_on_the_list_and_the_home_page(client, audit_org):
    round_ = services.audit_round_open_current()
    form = _form(audit_org, round_)
    AuditForm.objects.filter(pk=form.pk).update(declaration_due=timezone.localdate() - dt.timedelta(days=1))

    client.force_login(audit_org.supervisor.user)
    page = client.get(reverse("audits:form_list"), {"round": "", "overdue": "1"})
    assert [f.pk for f in page.context["forms"]] == [form.pk]
    assert page.context["forms"][0].overdue is True
    assert page.context["overdue_counts"] == {"body": 1, "evaluation": 0}
    assert "au-overdue" in page.content.decode()
    home = client.get(reverse("core:home"))
    tile = next(a for a in home.context["actions"] if a.url.endswith("overdue=1"))
    assert tile.count == 1

    client.force_login(audit_org.auditor.user)
    home = client.get(reverse("core:home"))
    assert next(a for a in home.context["actions"] if a.url.endswith("overdue=1")).count == 0


def test_the_list_with_overdue_flags_costs_the_same_for_many_forms(client, audit_org):
    services.audit_round_open_current()
    client.force_login(audit_org.national.user)
    url = reverse("audits:form_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        body = BodyFactory()
        SubServiceFactory(body=body, code=f"Z{n}")
        OrgUnitFactory(body=body)
    services.audit_round_open_current()
    AuditForm.objects.update(declaration_due=timezone.localdate() - dt.timedelta(days=3))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert all(f.overdue for f in page.context["forms"])
    assert len(many) == len(few)


# --- the audit score ----------------------------------------------------------------------------


def _scored_form(org, round_) -> AuditForm:
    """A form whose every scored field is set here; verified by the province's auditor.

    §1: EL1 electronic, HY1 hybrid but found false → 1 of 5 = 20.0
    §2: excellent, excellent, good, weak → (100 + 100 + 75 + 25) / 4 = 75.0
    §3: IN1 publishes all 8 items, IN2 four of them → 12 of 40 = 30.0
    §4: IN1 (receipt 100, survey 0, documents 80) = 60; IN2 (100, 100) = 100; HY1 (0, 0, 50) = 16.67
        → 176.67 / 3 = 58.9
    §5: EL1 three of 7 flags, HY1 all 7 → 10 of 14 = 71.4
    §6: no questionnaire → left out; the others' weights 20 + 15 × 4 = 80
    score = (20 × 20 + 15 × 75 + 15 × 30 + 15 × 58.9 + 15 × 71.4) / 80 = 3929.5 / 80 = 49.1
    """
    form = _form(org, round_)
    rows = AuditServiceRow.objects.filter(form=form)
    rows.update(
        **dict.fromkeys(AuditServiceRow.PUBLISHED_FIELDS, False),
        **dict.fromkeys(AuditServiceRow.E_FLAGS, False),
        receipt_with_time=False,
        survey_given=False,
        docs_at_request_pct=None,
    )
    rows.filter(code="IN1").update(
        **dict.fromkeys(AuditServiceRow.PUBLISHED_FIELDS, True),
        receipt_with_time=True,
        docs_at_request_pct=80,
    )
    rows.filter(code="IN2").update(
        published_steps=True,
        published_documents=True,
        published_laws=True,
        published_duration=True,
        receipt_with_time=True,
        survey_given=True,
    )
    rows.filter(code="EL1").update(e_upload=True, e_forms=True, tracking_code=True)
    rows.filter(code="HY1").update(**dict.fromkeys(AuditServiceRow.E_FLAGS, True), docs_at_request_pct=50)
    services.audit_form_body_update(form=form, by=org.supervisor, space=RATED)
    form = services.audit_form_submit(form=form, by=org.supervisor)
    hybrid = rows.get(code="HY1")
    services.audit_form_evaluation_update(
        form=form, by=org.auditor, rows={hybrid.pk: {"channel_false": True}}, space=EVALUATED
    )
    return services.audit_form_verify(form=form, by=org.auditor)


def test_verifying_freezes_the_form_with_its_audit_score(audit_org):
    round_ = services.audit_round_open_current()
    form = _scored_form(audit_org, round_)
    version = AuditFormVersion.objects.get(form=form)
    assert version.number == 1
    assert version.sections == {"s1": 20.0, "s2": 75.0, "s3": 30.0, "s4": 58.9, "s5": 71.4, "s6": None}
    assert version.score == 49.1
    assert len(version.data["rows"]) == 5
    assert change_history(form).first().after["score"] == 49.1


def test_the_form_page_prints_the_score_its_formula_and_the_previous_round(client, audit_org):
    earlier = services.audit_round_open(year=1404, number=6)
    AuditFormVersion.objects.create(
        form=_form(audit_org, earlier),
        number=1,
        score=40.0,
        sections={"s1": 10.0, "s2": 80.0, "s3": 30.0, "s4": None, "s5": 50.0, "s6": None},
    )
    round_ = services.audit_round_open_current()
    form = _scored_form(audit_org, round_)
    client.force_login(audit_org.auditor.user)
    page = client.get(reverse("audits:form_detail", args=[form.pk]))
    score = page.context["score"]
    assert score["overall"] == 49.1
    assert score["previous"] == 40.0
    deltas = {row["key"]: row["delta"] for row in score["sections"]}
    assert deltas == {"s1": 10.0, "s2": -5.0, "s3": 0.0, "s4": None, "s5": 21.4, "s6": None}
    html = page.content.decode()
    assert "امتیاز ممیزی = ۲۰٪ × بخش ۱" in html
    assert "۴۹٫۱" in html


def test_the_printed_form_carries_the_score_its_formula_and_the_previous_round(audit_org):
    earlier = services.audit_round_open(year=1404, number=6)
    AuditFormVersion.objects.create(form=_form(audit_org, earlier), number=1, score=40.0, sections={})
    form = _scored_form(audit_org, services.audit_round_open_current())
    pdf = audit_form_pdf_bytes(form)
    keep_pdf(pdf, "audit-form-score")
    text = pdf_text(pdf)
    assert reads(text, "امتیاز ممیزی میز خدمت")
    # pdftotext moves a colon beside a number to its other side: the pieces are checked on one line.
    line = next(t for t in text.splitlines() if "امتیاز کل" in t)
    assert "۴۹٫۱" in line  # 49.1 …
    assert "۱۰۰" in line  # … of 100
    assert "بهمن–اسفند" in line  # the previous round …
    assert "۴۰" in line  # … and its score beside it
    assert reads(text, "امتیاز ممیزی =")


def test_the_audit_score_feeds_the_ranking_with_the_weight_printed(audit_org):
    """GIVEN one request answered on time at the directorate's desk (on time 100 %, electronic
    0 %, no questionnaire, no staff rating) and the directorate's form verified with 49.1
    WHEN the quarter holding the round's end is ranked
    THEN the body scores (32 × 100 + 8 × 0 + 10 × 49.1) / 50 = 73.8 instead of (32 × 100) / 40 = 80,
    the same on recompilation and after the form is reopened (the verified version counts)."""
    quarter = Period.containing(timezone.localdate(), "Q")
    before_round = ranking_figures(Scope(Scope.NATIONAL), quarter, *quarter.bounds())
    answered_request(unit=audit_org.unit, service=audit_org.services["IN1"])
    plain = ranking_figures(Scope(Scope.NATIONAL), quarter, *quarter.bounds())
    body = next(r for r in plain["bodies"] if r["id"] == audit_org.body.pk)
    assert (body["on_time_rate"], body["electronic_share"], body["audit"], body["score"]) == (
        100.0,
        0.0,
        None,
        80.0,
    )

    round_ = services.audit_round_open(year=quarter.year, number=audit_rounds_in(quarter)[0])
    form = _scored_form(audit_org, round_)
    ranked = ranking_figures(Scope(Scope.NATIONAL), quarter, *quarter.bounds())
    body = next(r for r in ranked["bodies"] if r["id"] == audit_org.body.pk)
    unit = next(r for r in ranked["units"] if r["id"] == audit_org.unit.pk)
    assert (body["audit"], body["score"]) == (49.1, 73.8)
    assert (unit["audit"], unit["score"]) == (49.1, 73.8)
    assert "۱۰٪ × امتیاز ممیزی میز خدمت" in ranked["formula"]["text"]

    services.audit_form_reopen(form=form, by=audit_org.national, reason="ارزیابی بخش ۴ دوباره لازم است.")
    assert ranking_figures(Scope(Scope.NATIONAL), quarter, *quarter.bounds()) == ranked
    assert before_round["bodies"] == []


def test_rounds_count_in_the_period_their_bimonth_ends_in():
    assert audit_rounds_in(Period(1405, "Q", 1)) == [1]
    assert audit_rounds_in(Period(1405, "Q", 2)) == [2, 3]
    assert audit_rounds_in(Period(1405, "Q", 3)) == [4]
    assert audit_rounds_in(Period(1405, "H", 2)) == [4, 5, 6]


# --- reopening ----------------------------------------------------------------------------------


def test_only_a_national_auditor_reopens_a_verified_form_and_says_why(audit_org):
    round_ = services.audit_round_open_current()
    form = _scored_form(audit_org, round_)
    for someone in (audit_org.auditor, audit_org.supervisor):
        with pytest.raises(services.AuditNotAllowed):
            services.audit_form_reopen(form=form, by=someone, reason="بازبینی")
    with pytest.raises(ValidationError):
        services.audit_form_reopen(form=form, by=audit_org.national, reason="   ")
    assert _form(audit_org, round_).state == "verified"

    form = services.audit_form_reopen(
        form=form, by=audit_org.national, reason="ارزیابی بخش ۴ دوباره لازم است."
    )
    assert (form.state, form.evaluated_at, form.evaluator) == ("under_evaluation", None, audit_org.auditor)
    record = change_history(form).first()
    assert (record.action, record.note, record.after["version"]) == (
        "reopened",
        "ارزیابی بخش ۴ دوباره لازم است.",
        1,
    )
    with pytest.raises(services.AuditNotAllowed):
        services.audit_form_reopen(form=form, by=audit_org.national, reason="دوباره")

    # The evaluator changes §2 and verifies again: a second version; the first keeps its figures.
    services.audit_form_evaluation_update(
        form=form, by=audit_org.auditor, space={4: {"evaluator_rating": "excellent"}}
    )
    form = services.audit_form_verify(form=form, by=audit_org.auditor)
    first, second = AuditFormVersion.objects.filter(form=form).order_by("number")
    assert (first.sections["s2"], second.sections["s2"]) == (75.0, 93.8)
    assert [i["evaluator_rating"] for i in first.data["space"]] == ["excellent", "excellent", "good", "weak"]


def test_the_verified_version_stays_readable_after_reopening(client, audit_org):
    round_ = services.audit_round_open_current()
    form = _scored_form(audit_org, round_)
    services.audit_form_reopen(form=form, by=audit_org.national, reason="ارزیابی بخش ۴ دوباره لازم است.")
    services.audit_form_evaluation_update(
        form=form, by=audit_org.auditor, space={4: {"evaluator_rating": "excellent"}}
    )
    client.force_login(audit_org.supervisor.user)

    history = client.get(reverse("audits:form_history", args=[form.pk]))
    html = history.content.decode()
    assert "ارزیابی بخش ۴ دوباره لازم است." in html
    assert reverse("audits:form_version", args=[form.pk, 1]) in html

    page = client.get(reverse("audits:form_version", args=[form.pk, 1]))
    assert page.status_code == 200
    shown = page.context["form"]
    assert shown.state == "verified"
    assert [i.evaluator_rating for i in shown.space_items.all()] == ["excellent", "excellent", "good", "weak"]
    assert page.context["score"]["overall"] == 49.1
    assert 'id="version-banner"' in page.content.decode()
    assert client.get(reverse("audits:form_version", args=[form.pk, 2])).status_code == 404


def test_the_reopen_button_is_for_national_auditors_and_the_page_refuses_others(client, audit_org):
    round_ = services.audit_round_open_current()
    form = _scored_form(audit_org, round_)
    url = reverse("audits:form_reopen", args=[form.pk])

    client.force_login(audit_org.auditor.user)
    assert (
        'id="reopen-form"' not in client.get(reverse("audits:form_detail", args=[form.pk])).content.decode()
    )
    assert client.post(url, {"reason": "بازبینی"}).status_code == 403

    client.force_login(audit_org.national.user)
    assert 'id="reopen-form"' in client.get(reverse("audits:form_detail", args=[form.pk])).content.decode()
    client.post(url, {"reason": ""})
    assert _form(audit_org, round_).state == "verified"
    client.post(
        url, {"reason": "ارزیابی بخش ۴ دوباره لازم است.", "version": _form(audit_org, round_).version}
    )
    assert _form(audit_org, round_).state == "under_evaluation"


def test_an_administrator_sets_the_working_days_of_a_round_in_the_admin(client, audit_org):
    """The round opened on 1405/09/01 09:30; the administrator gives 20 and 7 working days."""
    round_ = services.audit_round_open(year=1405, number=5, today=dt.date(2026, 11, 22))
    user = staff_user(roles.ADMINISTRATOR).user
    user.is_superuser = True
    user.save()
    client.force_login(user)
    url = reverse("admin:audits_auditround_change", args=[round_.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "year": round_.year,
            "number": round_.number,
            "opened_at_0": "۱۴۰۵/۰۹/۰۱",
            "opened_at_1": "۰۹:۳۰",
            "declaration_days": "20",
            "evaluation_days": "7",
        },
    )
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.declaration_days == 20
    assert round_.declaration_due == services.working_days_after(timezone.localdate(round_.opened_at), 20)
    assert _form(audit_org, round_).declaration_due == services.working_days_after(
        timezone.localdate(round_.opened_at), 20, province=audit_org.unit.province
    )
