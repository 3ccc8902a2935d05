"""Demo requests at the Mazandaran directorate's desk: every state a dashboard shows (just registered,
in its stages, overdue, on hold, referred back, waiting for the response, answered, delivered),
spread over the last six Jalali months, and today's queue. Idempotent.

Every request goes through the real services of apps.desk.services, so tracking codes, copied
stages, history and notifications are what the portal itself makes. The services stamp everything
"now"; each step is then moved back to the moment a planned timeline gives it (queryset.update(),
due dates recomputed with the one working-time calculator), so the requests look as if they had
been worked on over months. A request is the demo's when its applicant carries one of the fixed
demo national codes: a scenario whose applicant already has a request is skipped on the next run.
"""

import datetime as dt
import random
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from apps.catalog.models import SubService
from apps.catalog.selectors import service_promised_at
from apps.core import worktime
from apps.core.jalali import jalali_to_gregorian, to_jalali
from apps.core.validators import legal_id_is_valid, national_code_is_valid
from apps.desk.models import Notification, QueueTicket, RequestEvent, RequestStage, Response, ServiceRequest
from apps.desk.queue import queue_day, ticket_call_next, ticket_issue, ticket_mark_no_show, ticket_mark_served
from apps.desk.rollups import request_rollups_rebuild
from apps.desk.services import (
    Applicant,
    IntakeDocument,
    escalation_supervisors,
    request_deliver,
    request_hold,
    request_resume,
    response_issue,
    response_number,
    service_request_register,
    stage_complete,
    stage_escalate,
    stage_return,
)
from apps.orgs.demo import DemoOrg
from apps.orgs.models import Staff

# How far back the demo reaches: this Jalali month and the five before it.
DEMO_MONTHS = 6

NEW = "new"
IN_STAGES = "in_stages"
OVERDUE = "overdue"
ON_HOLD = "on_hold"
RETURNED = "returned"
AWAITING_RESPONSE = "awaiting_response"
ANSWERED = "answered"
DELIVERED = "delivered"

GRANTED = ServiceRequest.Outcome.GRANTED
REFUSED = ServiceRequest.Outcome.REFUSED
REFERRED = ServiceRequest.Outcome.REFERRED


@dataclass(frozen=True)
class Scenario:
    """One demo request: its sub-service, where it ends up, and how it got there.

    `done` is how many stages were completed (None: all of them). `age` is the fewest working days
    before today it may have been received; the planner moves it further back until every step lies
    in the past and the ending holds (an overdue stage is past its due date by `late` working days,
    an on-time one is not). `pace` is the share of each stage's agreed time the stage really took
    (above 1: late)."""

    code: str
    ending: str
    done: int | None = 0
    age: int = 1
    outcome: str = ""
    pace: float = 0.6
    late: int = 0
    online: bool = False
    incomplete: bool = False
    escalate: bool = False
    resumed: bool = False


# Hand-picked open requests, so that each inbox (desk, housing, estate, roads) has items and the
# estate officer (the demo `officer`) has some on time, some overdue, one on hold and one sent back.
OPEN_SCENARIOS = [
    # Registered just now: the first stage is in the desk's own inbox.
    Scenario("11040021", NEW),
    Scenario("11040026", NEW, incomplete=True),
    Scenario("11040032", NEW),
    Scenario("11040025", NEW, online=True),
    Scenario("11040022", NEW),
    # On time, somewhere in their stages.
    Scenario("11040022", IN_STAGES, done=1),
    Scenario("11040023", IN_STAGES, done=2, age=3),
    Scenario("11040028", IN_STAGES, done=1, age=2),
    Scenario("11040021", IN_STAGES, done=1),
    Scenario("11040021", IN_STAGES, done=2, age=2, incomplete=True),
    Scenario("11040024", IN_STAGES, done=1),
    Scenario("11040026", IN_STAGES, done=1, age=2, resumed=True),
    Scenario("11040027", IN_STAGES, done=1, online=True),
    Scenario("11040031", IN_STAGES, done=1),
    Scenario("11040023", IN_STAGES, done=1, age=2),
    # A stage past its due date.
    Scenario("11040022", OVERDUE, done=1, late=2),
    Scenario("11040023", OVERDUE, done=2, late=4, escalate=True),
    Scenario("11040028", OVERDUE, done=1, late=1),
    Scenario("11040022", OVERDUE, done=2, late=3, pace=1.2),
    Scenario("11040021", OVERDUE, done=1, late=2),
    Scenario("11040024", OVERDUE, done=1, late=6),
    Scenario("11040030", OVERDUE, done=1, late=3, online=True),
    Scenario("11040026", OVERDUE, done=2, late=1),
    # Waiting for an inquiry.
    Scenario("11040022", ON_HOLD, done=1, age=4),
    Scenario("11040028", ON_HOLD, done=1, age=6),
    Scenario("11040024", ON_HOLD, done=1, age=3),
    # Referred back to an earlier stage.
    Scenario("11040028", RETURNED, done=2, age=3),
    Scenario("11040021", RETURNED, done=2, age=2),
    Scenario("11040023", RETURNED, done=3, age=10),
    # Every stage done, the response not issued yet.
    Scenario("11040029", AWAITING_RESPONSE, done=None, age=2),
    Scenario("11040027", AWAITING_RESPONSE, done=None, age=3, online=True),
    # Response issued, waiting for the applicant to collect it.
    Scenario("11040021", ANSWERED, done=None, outcome=GRANTED, age=2),
    Scenario("11040032", ANSWERED, done=None, outcome=GRANTED),
    Scenario("11040026", ANSWERED, done=None, outcome=REFUSED, age=3),
    Scenario("11040022", ANSWERED, done=None, outcome=REFUSED, age=2),
    Scenario("11040029", ANSWERED, done=None, outcome=REFERRED, age=2),
    Scenario("11040024", ANSWERED, done=None, outcome=REFERRED, age=4),
]

# Delivered requests are spread evenly over the demo months, newest first; the short services
# come first so that the current bimonth (the open audit round) has deliveries too.
DELIVERED_SERVICES = [
    "11040032",
    "11040025",
    "11040030",
    "11040027",
    "11040032",
    "11040021",
    "11040022",
    "11040029",
    "11040026",
    "11040024",
    "11040031",
    "11040025",
    "11040028",
    "11040023",
    "11040030",
    "11040027",
]
DELIVERED_COUNT = 60

# Alternating so that the n-th applicant's gender is n % 2 (their questionnaire says the same).
FIRST_NAMES = [
    "محمدرضا",
    "مریم",
    "حسن",
    "فاطمه",
    "علیرضا",
    "زهرا",
    "مهدی",
    "سمیه",
    "رضا",
    "نرگس",
    "امیرحسین",
    "لیلا",
    "جواد",
    "معصومه",
    "سعید",
    "الهام",
    "حمید",
    "شیما",
    "مصطفی",
    "طاهره",
]
LAST_NAMES = [
    "رحیمی",
    "کاظمی",
    "اسدی",
    "نجفی",
    "قربانی",
    "یزدانی",
    "شریفی",
    "باقری",
    "حیدری",
    "ملکی",
    "طالبی",
    "عباسی",
    "فلاحی",
    "روحانی",
    "امیری",
    "غلامی",
    "پورمحمدی",
    "اکبری",
    "سلیمانی",
    "نوروزی",
    "کریمیان",
    "تقوی",
    "رستمی",
]

STAGE_NOTES = [
    "مدارک بررسی شد و کامل است.",
    "بازدید انجام و گزارش پیوست شد.",
    "موضوع بررسی و نظر کارشناسی ثبت شد.",
    "سوابق پرونده بررسی شد؛ مانعی وجود ندارد.",
    "با هماهنگی واحد مربوط انجام شد.",
]
HOLD_NOTES = {
    "11040021": "استعلام ثبتی ملک از اداره ثبت اسناد و املاک",
    "11040022": "استعلام از اداره کل ثبت اسناد و املاک استان",
    "11040023": "استعلام سابقه مالکیت از سامانه املاک و اسکان",
    "11040024": "استعلام نظر پلیس راه استان",
    "11040028": "استعلام از اداره کل منابع طبیعی",
}
RETURN_NOTE = "نقشه ارسالی با وضع موجود مطابقت ندارد؛ بازبینی و اصلاح شود."
RESUME_NOTE = "پاسخ استعلام رسید."
# What the applicant is asked to bring when a request goes back to the desk stage (sent by SMS).
RETURN_BRING = "نقشه تفکیکی اصلاح‌شده با مهر مهندس ناظر"
ESCALATE_NOTE = "پرونده از موعد گذشته و پاسخ استعلام هنوز نرسیده است؛ پیگیری مدیر لازم است."
INCOMPLETE_REASON = "متقاضی تعهد کرد مدرک باقی‌مانده را تا پایان هفته تحویل دهد."
LEGAL_BASIS = "ماده ۶ قانون مدیریت خدمات کشوری و ضوابط خدمت مندرج در شناسنامه خدمت."
APPEAL_AUTHORITY = "کمیسیون رسیدگی به شکایات اداره کل راه و شهرسازی استان مازندران"
APPEAL_DEADLINE = "بیست روز از تاریخ ابلاغ"


def _content(outcome: str, service: SubService) -> tuple[str, str]:
    """(main content, notes) of a demo response notice."""
    if outcome == GRANTED:
        return (
            f"با درخواست شما برای «{service.title}» موافقت شد. اصل سند را با ارائه رسید خدمت دریافت کنید.",
            "",
        )
    if outcome == REFUSED:
        return (
            f"درخواست «{service.title}» به دلیل احراز نشدن شرایط مندرج در ضوابط خدمت پذیرفته نشد.",
            "در صورت تکمیل شرایط، امکان ثبت درخواست دوباره وجود دارد.",
        )
    return (
        f"رسیدگی به «{service.title}» در صلاحیت شهرداری محل است و پرونده به آن مرجع ارجاع شد.",
        "پیگیری از طریق شهرداری محل انجام شود.",
    )


# --- who the demo applicants are ------------------------------------------------------------------


def _national_code(n: int) -> str:
    """The n-th demo national code: a fixed series, each with its real check digit."""
    body = f"{207_100_000 + n * 1_237:09d}"
    remainder = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    code = body + str(remainder if remainder < 2 else 11 - remainder)
    assert national_code_is_valid(code), code
    return code


def _legal_id(n: int) -> str:
    """The n-th demo legal-entity national ID, with its real check digit."""
    body = f"{1410_000_000 + n * 7_919:010d}"
    d = int(body[9]) + 2
    check = sum((int(body[i]) + d) * (29, 27, 23, 19, 17)[i % 5] for i in range(10)) % 11
    code = body + str(0 if check == 10 else check)
    assert legal_id_is_valid(code), code
    return code


def demo_rng(key: str) -> random.Random:
    """A generator seeded by `key`: the same demo on every run and every machine."""
    return random.Random(key)  # noqa: S311 - reproducible demo data, not a secret


def _applicant(n: int, service: SubService) -> Applicant:
    first = FIRST_NAMES[n % len(FIRST_NAMES)]
    last = LAST_NAMES[(n * 7) % len(LAST_NAMES)]
    g2b = service.service_type == "G2B"
    return Applicant(
        national_code=_national_code(n),
        full_name=f"{first} {last}",
        mobile=f"0911{(1_204_567 + n * 7_321) % 10_000_000:07d}",
        legal_id=_legal_id(n) if g2b else "",
        legal_name=f"شرکت ساختمانی {last} و شرکا" if g2b else "",
    )


def applicant_gender(n: int) -> str:
    """The gender that goes with the n-th demo applicant's first name (for their questionnaire)."""
    return "male" if n % 2 == 0 else "female"


def demo_national_codes() -> dict[str, int]:
    """{national code: scenario number} of every demo applicant."""
    return {_national_code(n): n for n in range(len(OPEN_SCENARIOS) + DELIVERED_COUNT)}


def demo_requests(org: DemoOrg):
    """The demo requests (those of the demo applicants at the demo desk)."""
    return ServiceRequest.objects.filter(unit=org.provincial, national_code__in=list(demo_national_codes()))


def demo_window_start(today: dt.date) -> dt.date:
    """First day of the Jalali month DEMO_MONTHS − 1 months before today's."""
    j = to_jalali(today)
    index = j.year * 12 + (j.month - 1) - (DEMO_MONTHS - 1)
    return jalali_to_gregorian(index // 12, index % 12 + 1, 1)


# --- planning a request's timeline (pure: only the calendar is read) -------------------------------


@dataclass
class Step:
    kind: str  # complete, hold, resume, return, escalate, respond, deliver
    at: dt.datetime
    order: int = 0  # the stage acted on (for return: the stage it is sent back from)


@dataclass
class Plan:
    received: dt.datetime
    steps: list[Step] = field(default_factory=list)
    active: int = 0  # the stage left in an inbox, 0 when none
    active_since: dt.datetime | None = None


def _office_hours_of(stage) -> float:
    """A stage's agreed time in office hours (a working day is one opening-to-closing stretch)."""
    opening, closing = worktime.office_hours()
    day = dt.datetime.combine(dt.date.min, closing) - dt.datetime.combine(dt.date.min, opening)
    amount = float(stage.duration)
    return amount if stage.duration_unit == worktime.HOUR else amount * day.total_seconds() / 3600


def _plan(s: Scenario, stages: list, province, received: dt.datetime, rnd: random.Random) -> Plan:
    calendar = worktime.calendar_for(province)
    plan = Plan(received=received)
    t = received
    for order in range(1, s.done + 1):
        hours = _office_hours_of(stages[order - 1]) * max(0.1, s.pace + rnd.uniform(-0.15, 0.15))
        t = calendar.add_working_hours(t, round(hours, 2))
        plan.steps.append(Step("complete", t, order))
    current = s.done + 1
    if current <= len(stages):
        plan.active, plan.active_since = current, t
    if s.resumed:
        t = calendar.add_working_hours(t, 1.5)
        plan.steps.append(Step("hold", t, current))
        t = calendar.add_working_hours(calendar.add_working_days(t, 1), 1)
        plan.steps.append(Step("resume", t, current))
        plan.active_since = t
    if s.ending == ON_HOLD:
        t = calendar.add_working_hours(t, 2)
        plan.steps.append(Step("hold", t, current))
    elif s.ending == RETURNED:
        t = calendar.add_working_hours(t, 3)
        plan.steps.append(Step("return", t, current))
        plan.active, plan.active_since = current - 1, t
    elif s.ending in (ANSWERED, DELIVERED):
        t = calendar.add_working_hours(t, 1.5)
        plan.steps.append(Step("respond", t))
        if s.ending == DELIVERED:
            t = calendar.add_working_hours(
                calendar.add_working_days(t, rnd.randint(0, 4)), rnd.uniform(0.5, 3)
            )
            plan.steps.append(Step("deliver", t))
    if s.escalate:
        due = _due(stages[plan.active - 1], plan.active_since, province)
        plan.steps.append(Step("escalate", calendar.add_working_hours(due, 2), plan.active))
    for step in plan.steps:
        step.at = step.at.replace(microsecond=0)  # fractions of an hour leave odd microseconds
    if plan.active_since is not None:
        plan.active_since = plan.active_since.replace(microsecond=0)
    return plan


def _due(stage, since: dt.datetime, province) -> dt.datetime:
    return worktime.add_duration(since, stage.duration, stage.duration_unit, province=province)


def _fits(s: Scenario, plan: Plan, stages: list, province, now: dt.datetime) -> bool:
    if plan.received >= now or any(step.at >= now for step in plan.steps):
        return False
    if s.ending in (IN_STAGES, RETURNED, OVERDUE):
        due = _due(stages[plan.active - 1], plan.active_since, province)
        if s.ending == OVERDUE:
            return worktime.add_working_days(due, s.late, province=province) < now
        return due > now
    return True


def plan_scenario(s: Scenario, n: int, stages: list, province, now: dt.datetime) -> Plan:
    """The timeline of scenario n: received `age` or more working days ago, moved back one working
    day at a time until it fits (every step in the past, the ending true of it now)."""
    today = timezone.localtime(now, worktime.TEHRAN)
    rnd = demo_rng(f"seed-demo-{n}")
    start = today.replace(hour=7, minute=40, second=0, microsecond=0) + dt.timedelta(
        minutes=rnd.randint(0, 330)
    )
    for age in range(max(1, s.age), max(1, s.age) + 400):
        received = worktime.add_working_days(start, -age, province=province)
        plan = _plan(s, stages, province, received, demo_rng(f"seed-demo-{n}-plan"))
        if _fits(s, plan, stages, province, now):
            return plan
    raise RuntimeError(f"demo scenario {n} ({s}) does not fit before {now}")


def delivered_scenarios(today: dt.date, province) -> list[Scenario]:
    """DELIVERED_COUNT delivered requests, received evenly over the demo months (newest first);
    one in five came late (the stages took longer than agreed), some refused or referred."""
    first = demo_window_start(today)
    span = worktime.working_days_between(first, today, province=province)
    scenarios = []
    for i in range(DELIVERED_COUNT):
        rnd = demo_rng(f"seed-demo-delivered-{i}")
        code = DELIVERED_SERVICES[i % len(DELIVERED_SERVICES)]
        age = 1 + round((span - 4) * i / DELIVERED_COUNT)
        outcome = GRANTED if i % 7 not in (3, 5) else (REFUSED if i % 7 == 3 else REFERRED)
        pace = rnd.uniform(1.15, 1.6) if i % 5 == 2 else rnd.uniform(0.4, 0.85)
        scenarios.append(
            Scenario(
                code,
                DELIVERED,
                done=None,
                age=age,
                outcome=outcome,
                pace=pace,
                online=i % 9 == 4,
                incomplete=i % 11 == 6,
            )
        )
    return scenarios


# --- playing a plan through the real services ------------------------------------------------------


class _Player:
    """Runs one scenario through apps.desk.services and moves each step back to its planned time."""

    def __init__(self, *, org: DemoOrg, province, started: dt.datetime) -> None:
        self.org = org
        self.province = province
        self.started = started
        staff = org.staff
        self.clerk, self.supervisor, self.officer = staff["clerk"], staff["supervisor"], staff["officer"]
        self.by_unit = {
            org.departments["dept_housing"].pk: staff["staff2"],
            org.departments["dept_estate"].pk: self.officer,
        }
        self.issuer_by_unit = {
            org.departments["dept_housing"].pk: staff["staff2"],
            org.departments["dept_estate"].pk: staff["staff3"],
        }

    def actor(self, stage: RequestStage) -> Staff:
        if stage.unit_id == self.org.provincial.pk:
            return self.clerk if stage.order == 1 else self.supervisor
        return self.by_unit.get(stage.unit_id, self.supervisor)

    def _events_at(self, sr: ServiceRequest, at: dt.datetime) -> None:
        # Events the services just wrote carry the real clock (not before `started`); earlier ones
        # have been moved back already.
        RequestEvent.objects.filter(request=sr, at__gte=self.started).update(at=at)

    def _activated(self, sr: ServiceRequest, order: int, at: dt.datetime) -> None:
        stage = sr.stages.get(order=order)
        RequestStage.objects.filter(pk=stage.pk).update(
            handed_over_at=at, due_at=_due(stage, at, self.province)
        )

    def play(self, s: Scenario, n: int, service: SubService, plan: Plan | None) -> ServiceRequest:
        rnd = demo_rng(f"seed-demo-{n}-play")
        required = list(service.documents.order_by("order"))
        # An incomplete intake lacks the last document that need not be uploaded (or the last one).
        missing = None
        if s.incomplete and required:
            missing = next((d for d in reversed(required) if not d.upload_required), required[-1])
        documents = [
            IntakeDocument(required_id=d.pk, title=d.title, received=d is not missing) for d in required
        ]
        sr = service_request_register(
            service=service,
            unit=self.org.provincial,
            applicant=_applicant(n, service),
            documents=documents,
            channel=ServiceRequest.Channel.ONLINE if s.online else ServiceRequest.Channel.DESK,
            by=None if s.online else self.clerk,
            counter=None if s.online else self.org.counters[0],
            incomplete_reason=INCOMPLETE_REASON if missing else "",
        )
        if plan is None:
            return sr  # registered just now: nothing to move
        received = plan.received
        ServiceRequest.objects.filter(pk=sr.pk).update(
            received_at=received,
            first_stage_at=received,
            promised_at=service_promised_at(service, start=received, province=self.province),
        )
        self._activated(sr, 1, received)
        self._events_at(sr, received)
        for step in plan.steps:
            self._step(sr, service, s, step, rnd)
            self._events_at(sr, step.at)
        return sr

    def _step(
        self, sr: ServiceRequest, service: SubService, s: Scenario, step: Step, rnd: random.Random
    ) -> None:
        at = step.at
        if step.kind in ("complete", "hold", "resume", "return", "escalate"):
            stage = sr.stages.select_related("unit").get(order=step.order)
        if step.kind == "complete":
            stage_complete(stage_id=stage.pk, by=self.actor(stage), note=rnd.choice(STAGE_NOTES))
            RequestStage.objects.filter(pk=stage.pk).update(finished_at=at)
            if sr.stages.filter(order=step.order + 1).exists():
                self._activated(sr, step.order + 1, at)
            else:
                ServiceRequest.objects.filter(pk=sr.pk).update(stages_done_at=at)
        elif step.kind == "hold":
            note = HOLD_NOTES.get(service.code, "استعلام از دستگاه مربوط")
            request_hold(stage_id=stage.pk, by=self.actor(stage), note=note)
        elif step.kind == "resume":
            request_resume(stage_id=stage.pk, by=self.actor(stage), note=RESUME_NOTE)
            self._activated(sr, step.order, at)
        elif step.kind == "return":
            stage_return(stage_id=stage.pk, to_order=step.order - 1, by=self.actor(stage), note=RETURN_NOTE,
                         bring=RETURN_BRING if step.order - 1 == 1 else "")
            self._activated(sr, step.order - 1, at)
        elif step.kind == "escalate":
            stage_escalate(stage_id=stage.pk, by=self.actor(stage), note=ESCALATE_NOTE,
                           to=escalation_supervisors(stage).first())
        elif step.kind == "respond":
            last = sr.stages.order_by("-order").first()
            content, notes = _content(s.outcome, service)
            refused = s.outcome != GRANTED
            response_issue(
                request_id=sr.pk,
                by=self.issuer_by_unit.get(last.unit_id, self.supervisor),
                outcome=s.outcome,
                content=content,
                legal_basis=LEGAL_BASIS,
                notes=notes,
                appeal_authority=APPEAL_AUTHORITY if refused else "",
                appeal_deadline=APPEAL_DEADLINE if refused else "",
            )
            Response.objects.filter(request=sr).update(issued_at=at, number=response_number(sr, at))
            ServiceRequest.objects.filter(pk=sr.pk).update(answered_at=at)
        elif step.kind == "deliver":
            request_deliver(request_id=sr.pk, by=self.clerk)
            ServiceRequest.objects.filter(pk=sr.pk).update(delivered_at=at)


def _scenarios(today: dt.date, province) -> list[Scenario]:
    return [*OPEN_SCENARIOS, *delivered_scenarios(today, province)]


@transaction.atomic
def seed_desk_demo(
    org: DemoOrg, services: list[SubService], *, now: dt.datetime | None = None
) -> list[ServiceRequest]:
    """Register the demo requests that do not exist yet and play them to their planned state; issue
    today's queue tickets if the desk has none today. Returns the demo requests created now."""
    now = now or timezone.now()
    province = org.provincial.province
    by_code = {s.code: s for s in services}
    existing = set(demo_requests(org).values_list("national_code", flat=True))
    player = _Player(org=org, province=province, started=now)
    created = []
    for n, s in enumerate(_scenarios(timezone.localdate(now), province)):
        if _national_code(n) in existing:
            continue
        service = by_code[s.code]
        stages = list(service.stages.order_by("order"))
        if s.done is None:
            s = replace(s, done=len(stages))
        plan = None if s.ending == NEW else plan_scenario(s, n, stages, province, now)
        created.append(player.play(s, n, service, plan))
    if created:
        # The requests were registered now and their moments moved back in bulk: count them again.
        request_rollups_rebuild()
    seed_queue_demo(org, services, now=now)
    return created


def seed_queue_demo(org: DemoOrg, services: list[SubService], *, now: dt.datetime | None = None) -> None:
    """Today's queue at the demo desk, unless it already has tickets today: some served, one not
    come, one standing at each counter, a few waiting (the board and the day's figures show them)."""
    now = now or timezone.now()
    unit = org.provincial
    day = queue_day(now)
    if QueueTicket.objects.filter(unit=unit, day=day).exists():
        return
    day_start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), worktime.TEHRAN)
    span = min(dt.timedelta(hours=2), now - day_start)
    first, second = org.counters[0], org.counters[1]
    shared = services[0]  # taken by whichever counter serving it calls first
    targets = [
        first,
        first,
        shared,
        second,
        first,
        shared,
        first,
        second,
        first,
        first,
        second,
        first,
        shared,
        first,
    ]
    for k, target in enumerate(targets):
        # Tickets over the first 60 % of the span, calls in the last 40 %: no one is called before they came.
        at = now - span + span * 0.6 * k / len(targets)
        if isinstance(target, SubService):
            ticket_issue(unit=unit, service=target, now=at)
        else:
            ticket_issue(unit=unit, counter=target, now=at)
    clerk, colleague = org.staff["clerk"], org.staff["staff1"]
    calls = [
        (first, clerk, "served"),
        (second, colleague, "served"),
        (first, clerk, "served"),
        (second, colleague, "no_show"),
        (first, clerk, "served"),
        (second, colleague, "served"),
        (first, clerk, "served"),
        (second, colleague, None),
        (first, clerk, None),
    ]
    for k, (counter, by, close) in enumerate(calls):
        at = now - span * 0.4 + span * 0.4 * k / len(calls)
        ticket = ticket_call_next(counter=counter, by=by, now=at)
        if ticket is None or close is None:
            continue
        (ticket_mark_served if close == "served" else ticket_mark_no_show)(ticket=ticket, by=by)


def desk_demo_notifications_backdate(org: DemoOrg) -> int:
    """Date the demo requests' messages at the step they tell about (they are written after commit,
    at the real time). Recomputed from the history each time, so running it again changes nothing."""
    steps = {
        Notification.Event.REGISTERED: "registered",
        Notification.Event.ON_HOLD: "on_hold",
        Notification.Event.RESPONSE_READY: "answered",
        Notification.Event.DELIVERED: "delivered",
    }
    requests = demo_requests(org)
    events = RequestEvent.objects.filter(request__in=requests).order_by("at", "pk")
    when: dict[tuple, dt.datetime] = {}
    for e in events.values("request_id", "action", "stage_id", "at"):
        if e["action"] == "stage_done":
            when[(e["request_id"], "stage_done", e["stage_id"])] = e["at"]
        else:
            when.setdefault((e["request_id"], e["action"], None), e["at"])
    changed = []
    for note in Notification.objects.filter(request__in=requests):
        if note.event == Notification.Event.STAGE_DONE:
            stage_id = note.event_key.partition(":")[0]
            at = when.get((note.request_id, "stage_done", int(stage_id))) if stage_id.isdigit() else None
        else:
            at = when.get((note.request_id, steps.get(note.event, ""), None))
        if at is None or note.created_at == at:
            continue
        note.created_at = at
        if note.sent_at is not None:
            note.sent_at = at + dt.timedelta(seconds=5)
        changed.append(note)
    Notification.objects.bulk_update(changed, ["created_at", "sent_at"], batch_size=500)
    return len(changed)


def desk_demo_summary(org: DemoOrg, *, now: dt.datetime | None = None) -> dict[str, int]:
    """How many requests the demo desk holds in each state (all of them, not only the demo's)."""
    now = now or timezone.now()
    today = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    qs = ServiceRequest.objects.filter(unit=org.provincial)
    Status = ServiceRequest.Status
    overdue_stage = RequestStage.objects.filter(
        request=OuterRef("pk"), state=RequestStage.State.ACTIVE, due_at__lt=now
    )
    returned = RequestEvent.objects.filter(request=OuterRef("pk"), action="returned")
    open_stage = RequestStage.objects.filter(request=OuterRef("pk")).exclude(state=RequestStage.State.DONE)
    in_progress = Q(status=Status.IN_PROGRESS)
    counts = qs.annotate(
        late=Exists(overdue_stage), sent_back=Exists(returned), waiting=Exists(open_stage)
    ).aggregate(
        total=Count("pk"),
        new=Count("pk", filter=in_progress & Q(received_at__gte=today)),
        in_stages=Count("pk", filter=in_progress & Q(waiting=True, late=False, received_at__lt=today)),
        overdue=Count("pk", filter=in_progress & Q(late=True)),
        on_hold=Count("pk", filter=Q(status=Status.ON_HOLD)),
        returned=Count("pk", filter=in_progress & Q(sent_back=True)),
        awaiting_response=Count("pk", filter=in_progress & Q(waiting=False)),
        granted=Count("pk", filter=Q(status=Status.ANSWERED, outcome=GRANTED)),
        refused=Count("pk", filter=Q(status=Status.ANSWERED, outcome=REFUSED)),
        referred=Count("pk", filter=Q(status=Status.ANSWERED, outcome=REFERRED)),
        delivered=Count("pk", filter=Q(status=Status.DELIVERED)),
    )
    counts["queue_today"] = QueueTicket.objects.filter(unit=org.provincial, day=queue_day(now)).count()
    return counts
