"""Demo satisfaction data: QR codes for the directorate's staff, six Jalali months of ratings (one
employee with a burst held for review) and the questionnaires of the demo requests. Idempotent.

Codes, ratings and questionnaires go through the real services of apps.feedback.services, so the
copies of unit, body, county and province on each row, the once-a-day rule and burst flagging are
the portal's own. Ratings are submitted at their past moment (the service takes `now`); a
questionnaire is submitted and then moved back to its moment, answers included.
"""

import datetime as dt
import random

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.core import worktime
from apps.desk.demo import applicant_gender, demo_national_codes, demo_requests, demo_rng, demo_window_start
from apps.desk.models import ServiceRequest
from apps.feedback.models import (
    SCALE_MAX,
    SCALE_MIN,
    Answer,
    Axis,
    Question,
    Questionnaire,
    StaffQRCode,
    StaffRating,
    SurveyResponse,
)
from apps.feedback.questionnaire_seed import questionnaire_seed
from apps.feedback.services import (
    Demographics,
    questionnaire_active,
    rating_device_key,
    staff_qr_issue_unit,
    staff_rating_submit,
    survey_open,
    survey_submit,
)
from apps.orgs.demo import DemoOrg

# The demo's ratings come from this (documentation) address, one made-up phone per rating.
DEMO_ADDRESS = "192.0.2.10"
DEMO_USER_AGENT = "seed_demo"

# Employee key in DemoOrg.staff → (ratings over the demo months, their mean score). Spread so that
# a "lowest rated" list has a clear bottom.
RATING_PLAN = {
    "clerk": (85, 4.5),
    "staff1": (75, 4.1),
    "supervisor": (35, 4.0),
    "staff2": (50, 3.7),
    "officer": (55, 3.2),
    "staff4": (40, 3.5),
    "staff5": (40, 2.9),
    "staff3": (35, 2.5),
}
# Whose card was passed round a group of phones: a burst the service holds for review.
BURST_STAFF = "staff4"
MAX_RATINGS_A_DAY = 4

COMMENTS = {
    5: ["برخورد بسیار محترمانه و راهنمایی کامل", "سریع و دقیق، ممنون", "با حوصله توضیح دادند"],
    4: ["خوب بود", "راهنمایی مناسب"],
    3: ["زمان انتظار کمی طولانی بود"],
    2: ["چند بار برای یک مدرک مراجعه کردم", "پاسخ روشنی نگرفتم"],
    1: ["برخورد مناسب نبود", "پرونده را به واحد دیگر حواله دادند"],
}
OCCUPATIONS = ["کارمند", "آزاد", "مهندس", "کشاورز", "خانه‌دار", "بازنشسته", "دانشجو", "پیمانکار"]
SUGGESTIONS = [
    "کاش نوبت‌دهی اینترنتی هم بود.",
    "فضای انتظار صندلی بیشتری لازم دارد.",
    "پیامک‌ها خیلی کمک کرد.",
    "زمان پاسخ کوتاه‌تر شود.",
]


def _score(rnd: random.Random, mean: float) -> int:
    return min(SCALE_MAX, max(SCALE_MIN, round(rnd.gauss(mean, 0.9))))


def _working_days(first: dt.date, last: dt.date, province) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if worktime.is_working_day(day, province=province):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _moments(rnd: random.Random, count: int, days: list[dt.date], now: dt.datetime) -> list[dt.datetime]:
    """`count` office-hour moments before `now` over `days`, at most MAX_RATINGS_A_DAY a day, at
    least a quarter of an hour apart: normal traffic never looks like a burst."""
    opening, closing = worktime.office_hours()
    per_day: dict[dt.date, int] = {}
    moments: set[dt.datetime] = set()
    for _attempt in range(count * 20):
        if len(moments) == count:
            break
        day = rnd.choice(days)
        if per_day.get(day, 0) >= MAX_RATINGS_A_DAY:
            continue
        slot = rnd.randrange(
            int((dt.datetime.combine(day, closing) - dt.datetime.combine(day, opening)).seconds / 900)
        )
        at = dt.datetime.combine(day, opening, tzinfo=worktime.TEHRAN) + dt.timedelta(
            minutes=15 * slot + rnd.randint(0, 9)
        )
        if at >= now or at in moments:
            continue
        moments.add(at)
        per_day[day] = per_day.get(day, 0) + 1
    return sorted(moments)


def _device_key(name: str, n: int) -> str:
    return rating_device_key(
        device_id=f"seed-demo-{name}-{n}", address=DEMO_ADDRESS, user_agent=DEMO_USER_AGENT
    )


def seed_ratings_demo(org: DemoOrg, codes: dict[int, StaffQRCode], *, now: dt.datetime) -> int:
    """Ratings of the demo staff over the demo months through staff_rating_submit, unless the demo's
    ratings are there already; returns how many were added."""
    if StaffRating.objects.filter(device_key=_device_key("clerk", 0)).exists():
        return 0
    province = org.province
    today = timezone.localdate(now)
    days = _working_days(demo_window_start(today), today, province)
    tracking = list(
        demo_requests(org)
        .filter(status=ServiceRequest.Status.DELIVERED)
        .values_list("tracking_code", flat=True)
    )
    added = 0
    for name, (count, mean) in RATING_PLAN.items():
        rnd = demo_rng(f"seed-demo-ratings-{name}")
        code = codes[org.staff[name].pk]
        for n, at in enumerate(_moments(rnd, count, days, now)):
            score = _score(rnd, mean)
            staff_rating_submit(
                code=code,
                score=score,
                device_key=_device_key(name, n),
                comment=rnd.choice(COMMENTS[score]) if rnd.random() < 0.3 else "",
                # Desk staff are often rated with the receipt in hand.
                tracking_code=rnd.choice(tracking)
                if tracking and name in ("clerk", "staff1") and rnd.random() < 0.3
                else "",
                now=at,
            )
            added += 1
    added += _burst(org, codes[org.staff[BURST_STAFF].pk], days, now)
    return added


def _burst(org: DemoOrg, code: StaffQRCode, days: list[dt.date], now: dt.datetime) -> int:
    """A dozen top scores for one employee within a couple of minutes, on the last working day
    before today: the service flags them, and the supervisors' review page has them to decide on."""
    earlier = [d for d in days if d < timezone.localdate(now)] or days
    start = dt.datetime.combine(earlier[-1], dt.time(13, 40), tzinfo=worktime.TEHRAN)
    count = settings.RATING_BURST_COUNT + 2
    step = dt.timedelta(seconds=max(1, settings.RATING_BURST_MINUTES * 60 // (count + 1)))
    for n in range(count):
        staff_rating_submit(
            code=code, score=SCALE_MAX, device_key=_device_key("burst", n), now=start + step * n
        )
    return count


# --- questionnaires -----------------------------------------------------------------------------


def _answers(rnd: random.Random, mood: float, reverse: set[int]) -> dict[int, int]:
    """Sixteen answers around `mood` (1–5 satisfaction); reverse-scored items are answered the other
    way round (a satisfied applicant came back few times), amenities (5) a little lower."""
    answers = {}
    for number in range(1, 17):
        value = min(SCALE_MAX, max(SCALE_MIN, round(rnd.gauss(mood - (0.6 if number == 5 else 0), 0.8))))
        answers[number] = SCALE_MAX + SCALE_MIN - value if number in reverse else value
    return answers


def _mood(sr: ServiceRequest, rnd: random.Random) -> float:
    base = {ServiceRequest.Outcome.GRANTED: 4.2, ServiceRequest.Outcome.REFERRED: 3.0}.get(sr.outcome, 2.4)
    if sr.answered_at and sr.answered_at > sr.promised_at:
        base -= 0.9
    return base + rnd.uniform(-0.5, 0.5)


def seed_surveys_demo(org: DemoOrg, *, now: dt.datetime) -> int:
    """Questionnaires for the demo requests whose survey is open (delivered, or answered with a
    refusal or referral) and not yet filled: most answer, a third of them on paper at the desk.
    Each goes through survey_submit, then is dated just after the delivery. Returns how many."""
    codes = demo_national_codes()
    reverse = set(
        questionnaire_active().questions.filter(reverse_scored=True).values_list("number", flat=True)
    )
    clerk = org.staff["clerk"]
    todo = (
        demo_requests(org)
        .filter(survey__isnull=True)
        .filter(Q(status=ServiceRequest.Status.DELIVERED) | Q(status=ServiceRequest.Status.ANSWERED))
        .select_related("unit")
        .order_by("received_at")
    )
    added = 0
    for sr in todo:
        n = codes[sr.national_code]
        rnd = demo_rng(f"seed-demo-survey-{n}")
        if not survey_open(sr) or n % 16 == 7:
            continue  # not open yet, or one in sixteen never answers
        paper = sr.status == ServiceRequest.Status.DELIVERED and n % 3 == 0
        gender = applicant_gender(n)
        response = survey_submit(
            request=sr,
            answers=_answers(rnd, _mood(sr, rnd), reverse),
            demographics=Demographics(
                gender=SurveyResponse.Gender.FEMALE if gender == "female" else SurveyResponse.Gender.MALE,
                age_band=rnd.choice(SurveyResponse.AgeBand.values),
                education=rnd.choice(SurveyResponse.Education.values),
                occupation=rnd.choice(OCCUPATIONS),
                visits_past_year=rnd.choice([1, 1, 2, 2, 3, 4]),
            ),
            suggestions=rnd.choice(SUGGESTIONS) if rnd.random() < 0.25 else "",
            source=SurveyResponse.Source.PAPER if paper else SurveyResponse.Source.ONLINE,
            entered_by=clerk if paper else None,
        )
        after = sr.delivered_at or sr.answered_at
        at = after + (
            dt.timedelta(minutes=rnd.randint(3, 20))
            if paper
            else dt.timedelta(minutes=rnd.randint(20, 2 * 24 * 60))
        )
        at = max(min(at, now - dt.timedelta(minutes=1)), after + dt.timedelta(seconds=1))
        SurveyResponse.objects.filter(pk=response.pk).update(submitted_at=at)
        Answer.objects.filter(response=response).update(submitted_at=at)
        added += 1
    return added


@transaction.atomic
def seed_feedback_demo(org: DemoOrg, *, now: dt.datetime | None = None) -> dict[str, int]:
    """QR codes for every employee of the demo directorate, their ratings and the demo requests'
    questionnaires; returns what was added."""
    now = now or timezone.now()
    # Reference data normally comes from migrations; a flushed test database needs it again.
    questionnaire_seed(Questionnaire, Axis, Question)
    codes = {c.staff_id: c for c in staff_qr_issue_unit(unit=org.provincial, by=org.staff["clerk"])}
    return {
        "qr_codes": len(codes),
        "ratings": seed_ratings_demo(org, codes, now=now),
        "surveys": seed_surveys_demo(org, now=now),
    }


def feedback_demo_summary(org: DemoOrg) -> dict[str, int]:
    """Live QR codes, ratings (counted and held for review) and questionnaires of the demo directorate."""
    ratings = StaffRating.objects.filter(body=org.directorate).aggregate(
        total=Count("pk"), held=Count("pk", filter=Q(flagged=True, reviewed_at__isnull=True))
    )
    return {
        "qr_codes": StaffQRCode.objects.filter(staff__body=org.directorate, revoked_at__isnull=True).count(),
        "ratings": ratings["total"],
        "ratings_held": ratings["held"],
        "surveys": SurveyResponse.objects.filter(body=org.directorate).count(),
    }
