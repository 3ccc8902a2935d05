"""Demo catalog: a dozen sub-services of the Mazandaran roads and urban development directorate,
with table 1 stages, documents, inquiries, fees and FAQ, so /services/ is alive. Idempotent."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.catalog.models import FAQ, Fee, Inquiry, LawReference, RequiredDocument, SubService, WorkflowStage
from apps.core.jalali import jalali_to_gregorian, to_jalali
from apps.orgs.demo import DemoOrg

ACCOUNT = "IR550100004001039904012345"

# code, title, type, channel, reason, average days, stages [(title, unit key, post, amount, unit)],
# documents [(title, form, upload)], fees [(title, rials, legal basis)], inquiries [(title, answering body)]
SERVICES = [
    ("11040021", "صدور گواهی عدم خلافی ساختمان", "G2C", "hybrid", "digitisation", 7,
     [("پذیرش و بررسی مدارک", "provincial", "کارشناس میز خدمت", 2, "hour"),
      ("بازدید میدانی", "dept_housing", "کارشناس فنی مسکن", 3, "working_day"),
      ("تهیه گزارش کارشناسی", "dept_housing", "رئیس اداره مسکن", 2, "working_day"),
      ("صدور و امضای گواهی", "provincial", "معاون فنی", 1, "working_day")],
     [("کارت ملی مالک", "copy", True), ("سند مالکیت", "copy", True), ("پروانه ساختمان", "original", False)],
     [("هزینه کارشناسی", 1_500_000, "تعرفه مصوب شورای عالی شهرسازی ۱۴۰۵"), ("هزینه صدور گواهی", 500_000, "بند ۴ ماده ۱۱۰ قانون شهرداری")],
     [("استعلام ثبتی ملک", "اداره ثبت اسناد و املاک")]),
    ("11040022", "استعلام وضعیت ثبتی اراضی دولتی", "G2B", "electronic", "", 5,
     [("ثبت درخواست الکترونیکی", "provincial", "کارشناس میز خدمت", 1, "working_day"),
      ("بررسی سوابق املاک", "dept_estate", "کارشناس املاک", 3, "working_day"),
      ("صدور پاسخ", "dept_estate", "رئیس اداره املاک", 1, "working_day")],
     [("نامه درخواست شرکت", "original", True), ("آگهی تأسیس شرکت", "copy", True)],
     [("هزینه استعلام", 800_000, "قانون بودجه سال ۱۴۰۵")],
     [("استعلام از اداره ثبت", "اداره کل ثبت اسناد و املاک استان")]),
    ("11040023", "واگذاری زمین برای طرح‌های مسکن ملی", "G2C", "in_person", "law", 30,
     [("پذیرش پرونده", "provincial", "کارشناس میز خدمت", 4, "hour"),
      ("احراز شرایط متقاضی", "dept_housing", "کارشناس مسکن", 5, "working_day"),
      ("تخصیص زمین", "dept_estate", "کارشناس املاک", 10, "working_day"),
      ("تنظیم قرارداد", "dept_estate", "کارشناس حقوقی", 5, "working_day")],
     [("کارت ملی سرپرست خانوار", "copy", True), ("شناسنامه همه اعضای خانوار", "copy", True), ("فرم تعهد محضری", "original", False)],
     [("پیش‌پرداخت واگذاری", 50_000_000, "دستورالعمل طرح نهضت ملی مسکن")],
     [("استعلام سابقه مالکیت", "سامانه املاک و اسکان کشور")]),
    ("11040024", "صدور مجوز دسترسی به راه‌های برون‌شهری", "G2B", "hybrid", "digitisation", 15,
     [("پذیرش درخواست", "provincial", "کارشناس میز خدمت", 2, "hour"),
      ("بازدید ایمنی راه", "dept_roads", "کارشناس راهداری", 5, "working_day"),
      ("تصویب در کمیسیون", "dept_roads", "رئیس اداره راهداری", 5, "working_day")],
     [("نقشه محل", "copy", True), ("مجوز فعالیت", "copy", True)],
     [("هزینه بازدید", 2_000_000, "آیین‌نامه ایمنی راه‌ها"), ("عوارض دسترسی", 10_000_000, "ماده ۱۷ قانون ایمنی راه‌ها")],
     [("استعلام پلیس راه", "پلیس راه استان")]),
    ("11040025", "رسیدگی به درخواست تعمیر روشنایی راه", "G2C", "electronic", "", 3,
     [("ثبت گزارش", "provincial", "کارشناس میز خدمت", 2, "hour"),
      ("اعزام اکیپ", "dept_roads", "سرپرست راهداری", 2, "working_day")],
     [("تصویر محل (اختیاری)", "copy", False)], [], []),
    ("11040026", "صدور پروانه اشتغال مهندسی", "G2C", "hybrid", "law", 20,
     [("پذیرش مدارک", "provincial", "کارشناس میز خدمت", 3, "hour"),
      ("بررسی سوابق", "dept_housing", "کارشناس نظام مهندسی", 7, "working_day"),
      ("صدور پروانه", "provincial", "مدیرکل", 2, "working_day")],
     [("مدرک تحصیلی", "copy", True), ("گواهی دوره‌های آموزشی", "copy", True), ("عکس", "original", True)],
     [("هزینه صدور پروانه", 3_000_000, "قانون نظام مهندسی و کنترل ساختمان")], []),
    ("11040027", "تمدید پروانه اشتغال مهندسی", "G2C", "electronic", "", 10,
     [("ثبت درخواست", "provincial", "کارشناس میز خدمت", 1, "working_day"),
      ("بررسی امتیاز آموزشی", "dept_housing", "کارشناس نظام مهندسی", 4, "working_day")],
     [("پروانه قبلی", "copy", True)], [("هزینه تمدید", 1_200_000, "قانون نظام مهندسی و کنترل ساختمان")], []),
    ("11040028", "تفکیک اراضی خارج از حریم شهر", "G2C", "in_person", "internal", 45,
     [("پذیرش", "provincial", "کارشناس میز خدمت", 4, "hour"),
      ("کارشناسی نقشه", "dept_estate", "کارشناس نقشه‌برداری", 10, "working_day"),
      ("طرح در کمیسیون ماده ۵", "provincial", "دبیر کمیسیون", 15, "working_day")],
     [("سند مالکیت", "copy", True), ("نقشه UTM", "original", True)],
     [("هزینه کارشناسی", 4_000_000, "مصوبه کمیسیون ماده ۵")], [("استعلام منابع طبیعی", "اداره کل منابع طبیعی")]),
    ("11040029", "پاسخ به استعلام طرح هادی روستایی", "G2B", "outside", "internal", 12,
     [("دریافت استعلام", "provincial", "دبیرخانه", 1, "working_day"),
      ("بررسی طرح", "dept_housing", "کارشناس شهرسازی", 6, "working_day")],
     [("نامه استعلام", "original", False)], [], []),
    ("11040030", "ثبت شکایت از پیمانکاران راهسازی", "G2C", "electronic", "", 10,
     [("ثبت شکایت", "provincial", "کارشناس میز خدمت", 2, "hour"),
      ("بررسی و پاسخ", "dept_roads", "کارشناس نظارت", 5, "working_day")],
     [("شرح شکایت", "original", False)], [], []),
    ("11040031", "صدور گواهی ایمنی تابلوهای تبلیغاتی حاشیه راه", "G2B", "hybrid", "digitisation", 10,
     [("پذیرش", "provincial", "کارشناس میز خدمت", 2, "hour"),
      ("بازدید", "dept_roads", "کارشناس ایمنی", 4, "working_day"),
      ("صدور گواهی", "dept_roads", "رئیس اداره راهداری", 1, "working_day")],
     [("طرح تابلو", "copy", True), ("قرارداد اجاره محل", "copy", True)],
     [("هزینه بازدید ایمنی", 1_000_000, "آیین‌نامه تابلوهای حاشیه راه")], []),
    ("11040032", "مشاوره فنی ساخت مسکن روستایی", "G2C", "in_person", "law", 2,
     [("پذیرش و نوبت‌دهی", "provincial", "کارشناس میز خدمت", 1, "hour"),
      ("جلسه مشاوره", "dept_housing", "کارشناس فنی", 1, "working_day")],
     [("کارت ملی", "copy", False)], [], []),
]

FAQS = [
    ("آیا لازم است خودم استعلام‌ها را بگیرم؟", "خیر. همه استعلام‌ها را اداره کل از دستگاه پاسخ‌دهنده دریافت می‌کند."),
    ("چطور درخواستم را پیگیری کنم؟", "با شماره پیگیری درج‌شده در رسید خدمت، در صفحه پیگیری سامانه."),
]


def _ordered_rows_refresh(service: SubService, model, rows: list[dict]) -> None:
    """Update the service's numbered rows in place (1, 2, …) and drop any beyond the list: requests
    already registered keep their links to the documents checklist when the demo is loaded again."""
    for order, values in enumerate(rows, start=1):
        model.objects.update_or_create(service=service, order=order, defaults=values)
    model.objects.filter(service=service, order__gt=len(rows)).delete()


def demo_catalog_start(today: dt.date | None = None) -> dt.date:
    """The day the demo catalog starts: 1 Farvardin of the previous Jalali year, before the oldest
    demo request, rating and questionnaire (about six months back), so reports of past periods count
    the services those requests were made for."""
    year = to_jalali(today or timezone.localdate()).year - 1
    return jalali_to_gregorian(year, 1, 1)


def seed_catalog_demo(org: DemoOrg) -> list[SubService]:
    """Create or refresh the demo services of the provincial directorate, in the catalog since
    demo_catalog_start()."""
    units = {"provincial": org.provincial, **org.departments}
    start = demo_catalog_start()
    services = []
    for code, title, kind, channel, reason, days, stages, documents, fees, inquiries in SERVICES:
        service, _ = SubService.objects.update_or_create(
            body=org.directorate, code=code,
            defaults={
                "title": title, "service_type": kind, "channel": channel, "non_electronic_reason": reason,
                "description": f"{title} برای متقاضیان استان مازندران، بر اساس مستند اطلاع‌رسانی خدمت.",
                "eservice_url": f"https://mazandaran.mrud.ir/e/{code}" if channel in ("electronic", "hybrid") else "",
                "addresses": "ساری، بلوار پاسداران، اداره کل راه و شهرسازی، طبقه همکف، میز خدمت",
                "average_duration": Decimal(days), "average_duration_unit": "working_day",
                "responsible_name": "زهرا رضایی — مسئول میز خدمت", "responsible_contact": "۰۱۱-۳۳۳۶۳۰۰۰ داخلی ۲۱۵",
                "complaint_procedure": "شکایت را در سامانه سامد یا به میز خدمت ثبت کنید؛ پاسخ حداکثر ظرف ۱۵ روز کاری داده می‌شود.",
                "active": True,
                "valid_from": start,
                "valid_until": None,
            },
        )
        service.units.set([org.provincial])
        service.counters.set(org.counters)
        _ordered_rows_refresh(service, WorkflowStage, [
            {"title": t, "responsible_unit": units[u], "responsible_post": p, "duration": Decimal(a), "duration_unit": du}
            for t, u, p, a, du in stages
        ])
        _ordered_rows_refresh(service, RequiredDocument, [
            {"title": t, "form": f, "upload_required": up} for t, f, up in documents
        ])
        service.fees.all().delete()
        Fee.objects.bulk_create(
            Fee(service=service, title=t, amount_rials=a, account=ACCOUNT, legal_basis=lb) for t, a, lb in fees
        )
        service.inquiries.all().delete()
        Inquiry.objects.bulk_create(Inquiry(service=service, title=t, answering_body=b) for t, b in inquiries)
        service.faqs.all().delete()
        FAQ.objects.bulk_create(FAQ(service=service, order=n, question=q, answer=a) for n, (q, a) in enumerate(FAQS, 1))
        service.laws.all().delete()
        LawReference.objects.create(service=service, title="قانون مدیریت خدمات کشوری، ماده ۶")
        services.append(service)
    return services
