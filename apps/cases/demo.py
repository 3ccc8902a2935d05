"""Demo cases (SPEC §8): every type at every level, a complaint routed up the hierarchy and objected
to, a case outside a desk's duties referred to the competent body. Idempotent: a demo case is known by
its applicant's national code."""

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from apps.cases import ideas, meetings, services
from apps.cases.models import Case, CaseResponse, CaseType, MeetingBooking, MeetingSchedule
from apps.catalog.models import SubService
from apps.desk.services import Applicant
from apps.orgs.demo import DemoOrg
from apps.orgs.models import BodyDuty

# Duties of the demo bodies (charter 3-8): what their desks may register cases on.
DEMO_DUTIES = {
    "directorate": [
        ("نگهداری و ایمنی راه‌های استان", "راه، جاده، آسفالت، چاله، روشنایی، تابلو"),
        ("صدور مجوزهای ساختمانی در حریم راه", "حریم، دسترسی، مجوز، پروانه"),
        ("واگذاری و حقوق املاک دولتی", "زمین، ملک، اجاره، واگذاری"),
    ],
    "ministry": [
        ("سیاست‌گذاری مسکن و شهرسازی", "مسکن، طرح، شهرسازی"),
    ],
    "governorate": [
        ("هماهنگی دستگاه‌های اجرایی استان و شهرستان", "هماهنگی، فرمانداری، استانداری"),
        ("رسیدگی به شکایت از مدیران دستگاه‌های استان", "شکایت، مدیر، فرماندار"),
    ],
    "centre": [
        ("رسیدگی به موارد ارجاعی دستگاه‌ها و ایده‌های مردمی", "ایده، پیشنهاد، سامد"),
    ],
}


def _national_code(n: int) -> str:
    """The n-th national code of the demo's case applicants: a fixed series with real check digits."""
    body = f"{208_300_000 + n * 1_129:09d}"
    total = sum(int(d) * (10 - i) for i, d in enumerate(body))
    r = total % 11
    return body + str(r if r < 2 else 11 - r)


def _applicant(n: int, name: str) -> Applicant:
    return Applicant(national_code=_national_code(n), full_name=name, mobile=f"0912{5550000 + n:07d}")


def demo_cases(org: DemoOrg):
    codes = [_national_code(n) for n in range(30)]
    return Case.objects.filter(national_code__in=codes)


def seed_cases_demo(org: DemoOrg, *, now: dt.datetime | None = None) -> list[Case]:
    """Register the demo cases that do not exist yet and take them to their planned state."""
    now = now or timezone.now()
    units, staff = org.units, org.staff
    bodies = {
        "directorate": org.directorate, "ministry": org.ministry,
        "governorate": units["governorate"].body, "centre": units["centre"].body,
    }
    duties = {}
    for key, rows in DEMO_DUTIES.items():
        for title, keywords in rows:
            duty, _ = BodyDuty.objects.update_or_create(body=bodies[key], title=title, defaults={"keywords": keywords})
            duties.setdefault(key, duty)
    existing = set(demo_cases(org).values_list("national_code", flat=True))
    service = SubService.objects.filter(body=org.directorate).order_by("code").first()
    people, clerk = staff["people"], staff["clerk"]
    created: list[Case] = []

    def register(n: int, name: str, **fields) -> Case | None:
        if _national_code(n) in existing:
            return None
        case = services.case_register(applicant=_applicant(n, name), **fields)
        created.append(case)
        return case

    county = {"level": Case.Level.COUNTY, "unit": units["county_desk"], "by": people}
    # County: feelings and thanks at the county desk; a road problem outside the governorate's duties
    # referred to the directorate's county office.
    register(0, "رقیه صفری", case_type=CaseType.FEELINGS, subject="قدردانی از نظم میز فرمانداری",
             description="از برخورد محترمانه کارکنان میز ارتباطات مردمی سپاسگزارم.", **county)
    register(1, "یوسف امینی", case_type=CaseType.THANKS, subject="تشکر از کارشناس راهداری",
             description="کارشناس راهداری شهرستان در رفع خطر ریزش کوه سریع اقدام کرد.",
             employee=staff["staff4"], **county)
    register(2, "مینا اکبری", case_type=CaseType.REPORT, subject="چاله خطرناک در جاده ساری–کیاسر",
             description="در کیلومتر ۱۲ جاده چاله‌ای عمیق هست که شب دیده نمی‌شود.",
             place="جاده ساری–کیاسر، کیلومتر ۱۲", happened_at=now - dt.timedelta(days=1),
             referred_to=org.directorate, referral_note="نگهداری راه از وظایف اداره کل راه و شهرسازی است.", **county)
    # Province: a request under a catalog service, a consultation by phone, a people's report.
    province = {"level": Case.Level.PROVINCE, "unit": org.provincial, "by": clerk}
    request = register(3, "کامران بهرامی", case_type=CaseType.REQUEST, subject="پیگیری صدور مجوز دسترسی",
                       description="درخواست راهنمایی برای مدارک لازم مجوز دسترسی به جاده.",
                       service=service, duty=None if service else duties["directorate"], **province)
    consultation = register(4, "الهام نیک‌نام", case_type=CaseType.CONSULTATION, channel=Case.Channel.PHONE,
                            subject="اجاره زمین دولتی", description="شرایط اجاره زمین دولتی برای کارگاه چیست؟",
                            duty=duties["directorate"], **province)
    register(5, "بابک توکلی", case_type=CaseType.REPORT, subject="تابلو راهنمای افتاده",
             description="تابلو ورودی شهر پس از طوفان افتاده است.", place="ورودی شرقی ساری",
             happened_at=now - dt.timedelta(hours=5), duty=duties["directorate"], **province)
    # Body (the ministry's HQ desk): a request referred upward from the province lands here too.
    register(6, "شهره ملکی", case_type=CaseType.REQUEST, level=Case.Level.BODY, unit=org.hq, channel=Case.Channel.ONLINE,
             subject="طرح مسکن ملی", description="وضعیت ثبت‌نام طرح مسکن ملی در مازندران چیست؟")
    # National (the centre): ideas online; one goes through the working group to the directorate,
    # which records its result; the other waits in the group's queue.
    idea = register(7, "آرش پاکزاد", case_type=CaseType.IDEA, level=Case.Level.NATIONAL, unit=units["centre"],
                    channel=Case.Channel.ONLINE, subject="نقشه برخط چاله‌های راه",
                    description="یک نقشه برخط که مردم چاله‌ها را با عکس گزارش کنند و راهداری پیگیری کند.")
    register(10, "سمیرا دلاوری", case_type=CaseType.IDEA, level=Case.Level.NATIONAL, unit=units["centre"],
             channel=Case.Channel.ONLINE, subject="نوبت‌دهی پیامکی دفاتر پیشخوان",
             description="پیشنهاد می‌کنم نوبت دفاتر پیشخوان با پیامک گرفته شود تا صف‌ها کوتاه شود.")
    # Complaints routed by the hierarchy: against the director-general → the province governor's office;
    # against the head of the county office → the county governor's office, answered, objected to, and up.
    register(8, "فرهاد کیانی", case_type=CaseType.COMPLAINT, level=Case.Level.PROVINCE, unit=org.provincial,
             channel=Case.Channel.ONLINE, official=staff["official_prov_director"],
             subject="بی‌پاسخ ماندن نامه‌ها", description="سه نامه به مدیرکل نوشته‌ام و پس از دو ماه پاسخی نگرفته‌ام.")
    objected = register(9, "نازنین شفیعی", case_type=CaseType.COMPLAINT, level=Case.Level.COUNTY, unit=units["county_desk"],
                        by=people, official=staff["official_county_head"], subject="رفتار نامناسب در اداره",
                        description="رئیس اداره شهرستان درخواست ملاقات مرا بدون دلیل رد کرد.")
    # Later steps: some answered, one rated, the county complaint objected to.
    if consultation:
        services.case_respond(case=consultation, by=clerk, outcome=CaseResponse.Outcome.ANSWERED,
                              text="اجاره زمین دولتی با درخواست در سامانه املاک و پس از کارشناسی ممکن است.")
        services.case_rate(case=consultation, score=5)
    if request:
        services.case_act(case=request, by=clerk, note="مدارک لازم به متقاضی اعلام شد.")
    if objected:
        office = objected.handling_unit
        services.case_respond(case=objected, by=None, outcome=CaseResponse.Outcome.REJECTED,
                              text=f"{office}: گزارش اداره بررسی شد و تخلفی دیده نشد.")
        services.case_object(case=objected, reason="پاسخ بدون شنیدن توضیح من داده شد.")
    if idea:
        review = ideas.idea_accept(
            review=idea.idea, by=staff["ideas"], competent_body=org.directorate,
            public_title="نقشه برخط گزارش خرابی راه‌ها",
            public_summary="مردم خرابی و چاله راه‌ها را با عکس و موقعیت گزارش می‌کنند و راهداری استان پیگیری می‌کند.",
            note="ایده در کارگروه پذیرفته شد.",
        )
        ideas.idea_result(review=review, by=clerk, result="planned",
                          text="در برنامه سال آینده راهداری استان برای اجرای آزمایشی گنجانده شد.")
    _seed_meetings_demo(org, now=now)
    return created


def _seed_meetings_demo(org: DemoOrg, *, now: dt.datetime) -> None:
    """The province governor's and the director-general's weekly public meetings (charter 8-3, 8-4),
    and one booked slot at the governor's."""
    units, staff = org.units, org.staff
    governor = MeetingSchedule.objects.update_or_create(
        official=staff["official_province_gov"], unit=units["governorate"],
        defaults={"weekday": 1, "start": dt.time(9, 0), "end": dt.time(11, 0), "slot_minutes": 15,
                  "place": "ساری، میدان امام، استانداری مازندران، سالن ملاقات مردمی", "active": True},
    )[0]
    MeetingSchedule.objects.update_or_create(
        official=staff["official_prov_director"], unit=org.provincial,
        defaults={"weekday": 5, "start": dt.time(10, 0), "end": dt.time(12, 0), "slot_minutes": 20,
                  "place": "ساری، بلوار پاسداران، اداره کل راه و شهرسازی، طبقه دوم", "active": True},
    )
    code = _national_code(30)
    if MeetingBooking.objects.filter(national_code=code).exists():
        return
    slots = meetings.meeting_slots(governor, now=now)
    if slots:
        meetings.meeting_book(
            schedule=governor, starts_at=slots[0], national_code=code, full_name="مهسا رنجبر",
            mobile="09125550030", subject="مشکل دسترسی روستای ما به جاده اصلی",
        )


def cases_demo_summary(org: DemoOrg) -> dict[str, int]:
    qs = demo_cases(org)
    by_type = dict(qs.values_list("type").annotate(n=Count("pk")))
    return {
        "total": qs.count(), "types": len(by_type), "closed": qs.filter(state=Case.State.CLOSED).count(),
        "meetings": MeetingBooking.objects.filter(state=MeetingBooking.State.BOOKED).count(),
    }
