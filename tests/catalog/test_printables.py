"""Printed documents of the catalog: brochure (A4/A5), table 1, counter sign, staff name plate.

Each test renders through the view, reads the PDF back with poppler and keeps it (with PNG pages)
under test-artifacts/pdf/ for a person to look at.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.catalog.models import FAQ, Inquiry, LawReference
from apps.core.text import to_persian_digits
from apps.orgs import roles
from tests.factories import (
    BodyFactory,
    CounterFactory,
    DepartmentFactory,
    FeeFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    StaffFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)
from tests.pdf_utils import extracted, keep_pdf, pdf_info, pdf_page_size_mm, pdf_pages_png, pdf_text, reads

STAGES = [
    ("پذیرش مدارک", "کارشناس میز خدمت", Decimal(2), "hour"),
    ("بازدید میدانی", "کارشناس فنی مسکن", Decimal(3), "working_day"),
    ("تهیه گزارش", "رئیس اداره مسکن", Decimal(2), "working_day"),
    ("صدور گواهی", "معاون فنی", Decimal(3), "hour"),
]


def on_page(text: str, phrase) -> bool:
    """Whether the page text reads `phrase`, printed with Persian digits (see tests.pdf_utils.reads)."""
    return reads(text, to_persian_digits(phrase))


def _grouped(*parts: str) -> re.Pattern:
    # Persian digits in groups of three with whatever thousands separator the page language uses.
    return re.compile(r"[٬,،]".join(parts))


@pytest.fixture
def unit(db):
    """The provincial unit of a real-looking body (overrides conftest's): names without digits,
    since pdftotext misplaces a number next to punctuation in a right-to-left line."""
    ministry = BodyFactory(name_fa="وزارت راه و شهرسازی")
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران", parent=ministry)
    return OrgUnitFactory(name="اداره کل راه و شهرسازی مازندران", body=body)


@pytest.fixture
def service(supervisor):
    """A hybrid service of the supervisor's body with a full information document."""
    unit = supervisor.unit
    housing = DepartmentFactory(parent=unit, name="اداره مسکن")
    svc = SubServiceFactory(
        body=unit.body,
        code="11040021",
        title="صدور گواهی عدم خلافی ساختمان",
        description="گواهی عدم خلافی برای نقل و انتقال یا دریافت وام بانکی لازم است.",
        channel="hybrid",
        non_electronic_reason="digitisation",
        eservice_url="https://mazandaran.mrud.ir/e/11040021",
        addresses="ساری، بلوار پاسداران، طبقه همکف، میز خدمت",
        average_duration=Decimal(7),
        responsible_name="زهرا رضایی، مسئول میز خدمت",
        responsible_contact="011-33363000 داخلی 215",
        complaint_procedure="شکایت خود را در سامانه سامد یا به مسئول میز خدمت ثبت کنید؛ پاسخ حداکثر ظرف ۱۵ روز کاری داده می‌شود.",
    )
    for order, (title, post, duration, unit_of_time) in enumerate(STAGES, start=1):
        WorkflowStageFactory(
            service=svc, order=order, title=title, responsible_unit=unit if order in (1, 4) else housing,
            responsible_post=post, duration=duration, duration_unit=unit_of_time,
        )
    RequiredDocumentFactory(service=svc, order=1, title="کارت ملی مالک", form="copy", upload_required=True)
    RequiredDocumentFactory(service=svc, order=2, title="پروانه ساختمان", form="original")
    Inquiry.objects.create(service=svc, title="استعلام ثبتی ملک", answering_body="اداره ثبت اسناد و املاک")
    FeeFactory(service=svc, title="هزینه کارشناسی", amount_rials=1_500_000, legal_basis="تعرفه مصوب ۱۴۰۵")
    FeeFactory(service=svc, title="هزینه صدور گواهی", amount_rials=500_000, legal_basis="بند ۴ ماده ۱۱۰ قانون شهرداری")
    LawReference.objects.create(service=svc, title="قانون مدیریت خدمات کشوری، ماده ۶")
    FAQ.objects.create(service=svc, question="آیا لازم است خودم استعلام بگیرم؟", answer="خیر. همه استعلام‌ها را اداره کل می‌گیرد.")
    CounterFactory(unit=unit, number=1).services.add(svc)
    return svc


@pytest.fixture
def other_body_service(db):
    """A service of a body in another province, out of every test user's scope."""
    return SubServiceFactory(body=OrgUnitFactory().body, title="خدمت دستگاه دیگر")


def _get_pdf(client, url: str, name: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    keep_pdf(pdf, name)
    return pdf


# --- brochure ---------------------------------------------------------------------------------


def test_brochure_prints_the_whole_information_document(client, supervisor, service):
    client.force_login(supervisor.user)

    pdf = _get_pdf(client, reverse("catalog:print_brochure", args=[service.pk]), "brochure-a4")

    text = pdf_text(pdf)
    assert on_page(text, service.title)
    assert "۱۱۰۴۰۰۲۱" in text  # the code, in Persian digits
    assert on_page(text, service.body.name_fa)
    for title, *_ in STAGES:
        assert on_page(text, title)
    assert on_page(text, "کارت ملی مالک")
    assert on_page(text, "پروانه ساختمان")
    assert on_page(text, "هزینه کارشناسی")
    assert _grouped("۱", "۵۰۰", "۰۰۰").search(text)
    assert _grouped("۲", "۰۰۰", "۰۰۰").search(text)  # the total of the two fees
    assert on_page(text, "استعلام ثبتی ملک")
    assert on_page(text, "اداره ثبت اسناد و املاک")
    assert on_page(text, "این استعلام‌ها را دستگاه خود دریافت می‌کند")
    assert on_page(text, "۷ روز کاری")  # declared average
    assert on_page(text, "۵ روز کاری و ۵ ساعت")  # sum of table 1, days first
    assert "https://mazandaran.mrud.ir/e/11040021" in text
    assert on_page(text, "آیا لازم است خودم استعلام بگیرم؟")
    assert on_page(text, "سامانه سامد")
    # Every digit on the page is Persian; only the web addresses and "G2C" stay Latin.
    assert not re.search(r"[0-9]", re.sub(r"https?://\S+|G2C", "", text))


def test_brochure_is_a4_by_default_and_a5_on_request(client, supervisor, service):
    client.force_login(supervisor.user)
    url = reverse("catalog:print_brochure", args=[service.pk])

    a4 = _get_pdf(client, url, "brochure-a4-size")
    a5 = _get_pdf(client, f"{url}?size=a5", "brochure-a5")

    assert pdf_page_size_mm(a4) == (210, 297)
    assert pdf_page_size_mm(a5) == (148, 210)
    assert on_page(pdf_text(a5), service.title)
    assert _grouped("۱", "۵۰۰", "۰۰۰").search(pdf_text(a5))


def test_brochure_qr_code_opens_the_public_page_of_the_service(client, supervisor, service, settings, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    client.force_login(supervisor.user)
    pdf = client.get(reverse("catalog:print_brochure", args=[service.pk])).content

    first_page = pdf_pages_png(pdf, tmp_path / "brochure", dpi=150)[0]
    codes = [code.text for code in zxingcpp.read_barcodes(Image.open(first_page))]
    assert codes == [f"{settings.SITE_URL}{reverse('services:detail', args=[service.pk])}"]


def test_brochure_filename_is_ascii_and_shown_inline(client, supervisor, service):
    client.force_login(supervisor.user)

    response = client.get(reverse("catalog:print_brochure", args=[service.pk]) + "?size=a5")

    assert response["Content-Disposition"] == 'inline; filename="service-11040021-brochure-a5.pdf"'


def test_brochure_reads_the_service_in_a_fixed_number_of_queries(client, supervisor, service, django_assert_max_num_queries):
    for order in range(5, 25):
        WorkflowStageFactory(service=service, order=order, responsible_unit=supervisor.unit)
    client.force_login(supervisor.user)

    # Session, user, staff, roles, scope, the service and one query per part of its document:
    # the same for 4 or 24 stages.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("catalog:print_brochure", args=[service.pk]))

    assert response.status_code == 200
    assert int(pdf_info(response.content)["Pages"]) >= 2


def test_a_service_with_nothing_but_a_title_still_prints(client, supervisor):
    bare = SubServiceFactory(body=supervisor.unit.body, title="خدمت تازه", addresses="", channel="electronic",
                             non_electronic_reason="", eservice_url="https://example.ir/s", active=False)
    client.force_login(supervisor.user)

    brochure = _get_pdf(client, reverse("catalog:print_brochure", args=[bare.pk]), "brochure-bare")
    sheet = _get_pdf(client, reverse("catalog:print_workflow", args=[bare.pk]), "workflow-bare")

    assert on_page(pdf_text(brochure), "خدمت تازه")
    assert "http://" not in pdf_text(brochure)  # an inactive service has no public page to point to
    assert on_page(pdf_text(sheet), "هنوز مرحله‌ای برای این خدمت ثبت نشده است")


# --- table 1 ----------------------------------------------------------------------------------


def test_workflow_sheet_is_table_1_with_its_total(client, supervisor, service):
    client.force_login(supervisor.user)

    pdf = _get_pdf(client, reverse("catalog:print_workflow", args=[service.pk]), "workflow")

    text = pdf_text(pdf)
    assert on_page(text, "جدول تعیین مراحل گردش کار ارائه زیر خدمت")
    assert on_page(text, service.title)
    assert "۱۱۰۴۰۰۲۱" in text
    assert on_page(text, service.body.name_fa)
    for heading in ("ردیف", "عنوان مرحله", "واحد مسئول", "پست سازمانی", "واحد زمان"):
        assert on_page(text, heading)
    for title, post, *_ in STAGES:
        assert on_page(text, title)
        assert on_page(text, post)
    assert on_page(text, "اداره مسکن")
    assert on_page(text, "جمع مدت زمان توافق‌شده")
    # Amount and unit sit in neighbouring cells: the total rows are the lines holding both.
    assert any("۵" in line and "روز کاری" in line for line in text.splitlines())
    assert any("۵" in line and "ساعت" in line for line in text.splitlines())
    assert pdf_page_size_mm(pdf) == (210, 297)


# --- counter sign -----------------------------------------------------------------------------


def test_counter_sign_shows_its_number_services_and_staff(client, clerk, service):
    counter = CounterFactory(unit=clerk.unit, number=3, title="پذیرش و تشکیل پرونده")
    retired = SubServiceFactory(body=service.body, title="خدمت منسوخ", active=False)
    counter.services.add(service, retired)
    counter.staff.add(clerk)
    client.force_login(clerk.user)

    pdf = _get_pdf(client, reverse("catalog:print_counter_sign", args=[counter.pk]), "counter-sign")

    text = pdf_text(pdf)
    assert on_page(text, "باجه شماره ۳")
    assert on_page(text, "پذیرش و تشکیل پرونده")
    assert on_page(text, service.title)
    assert not on_page(text, "خدمت منسوخ")
    assert on_page(text, clerk.full_name)
    assert on_page(text, clerk.unit.name)
    assert pdf_page_size_mm(pdf) == (297, 210)
    assert pdf_info(pdf)["Pages"] == "1"


def test_counter_sign_with_many_services_stays_on_one_sheet(client, clerk):
    counter = CounterFactory(unit=clerk.unit, number=12)
    services = SubServiceFactory.create_batch(28, body=clerk.unit.body, title="صدور مجوز دسترسی به راه‌های برون‌شهری و حریم راه")
    counter.services.add(*services)
    client.force_login(clerk.user)

    pdf = _get_pdf(client, reverse("catalog:print_counter_sign", args=[counter.pk]), "counter-sign-crowded")

    assert pdf_info(pdf)["Pages"] == "1"
    assert pdf_text(pdf).count(extracted("صدور مجوز دسترسی")) == 28


# --- name plate -------------------------------------------------------------------------------


def test_name_plate_shows_name_post_duties_and_unit(client, clerk):
    member = StaffFactory(
        unit=clerk.unit, first_name="سارا", last_name="جعفری", post="کارشناس مسکن",
        main_duties="بررسی درخواست‌های مسکن\nپاسخ به استعلام‌های بانکی",
    )
    client.force_login(clerk.user)

    pdf = _get_pdf(client, reverse("catalog:print_name_plate", args=[member.pk]), "name-plate")

    text = pdf_text(pdf)
    assert on_page(text, "سارا جعفری")
    assert on_page(text, "کارشناس مسکن")
    assert on_page(text, "بررسی درخواست‌های مسکن")
    assert on_page(text, "پاسخ به استعلام‌های بانکی")
    assert on_page(text, clerk.unit.name)
    assert on_page(text, clerk.unit.body.name_fa)
    assert pdf_page_size_mm(pdf) == (210, 99)
    assert pdf_info(pdf)["Pages"] == "1"


def test_name_plate_with_long_duties_stays_on_one_plate(client, clerk):
    duties = "\n".join(["پذیرش درخواست، بررسی کامل بودن مدارک و صدور رسید با تاریخ وعده"] * 6)
    member = StaffFactory(unit=clerk.unit, main_duties=duties)
    client.force_login(clerk.user)

    pdf = _get_pdf(client, reverse("catalog:print_name_plate", args=[member.pk]), "name-plate-long")

    assert pdf_info(pdf)["Pages"] == "1"


# --- access -----------------------------------------------------------------------------------


def test_other_bodies_services_are_not_printed(client, supervisor, other_body_service):
    client.force_login(supervisor.user)

    for name in ("catalog:print_brochure", "catalog:print_workflow"):
        assert client.get(reverse(name, args=[other_body_service.pk])).status_code == 404


def test_counters_and_staff_of_other_units_are_not_printed(client, clerk):
    elsewhere = OrgUnitFactory()
    counter = CounterFactory(unit=elsewhere)
    member = StaffFactory(unit=elsewhere)
    client.force_login(clerk.user)

    assert client.get(reverse("catalog:print_counter_sign", args=[counter.pk])).status_code == 404
    assert client.get(reverse("catalog:print_name_plate", args=[member.pk])).status_code == 404


def test_provincial_auditor_prints_services_of_their_province(client, supervisor, service):
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, unit=OrgUnitFactory(province=supervisor.unit.province))
    client.force_login(auditor.user)

    assert client.get(reverse("catalog:print_workflow", args=[service.pk])).status_code == 200


@pytest.mark.parametrize(
    ("name", "kind"),
    [("catalog:print_brochure", "service"), ("catalog:print_workflow", "service"),
     ("catalog:print_counter_sign", "counter"), ("catalog:print_name_plate", "staff")],
)
def test_anonymous_visitors_are_sent_to_log_in(client, service, clerk, name, kind):
    pk = {"service": service.pk, "counter": service.counters.first().pk, "staff": clerk.pk}[kind]
    url = reverse(name, args=[pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]
