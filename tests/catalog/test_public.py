"""The public catalog at /services/: search that forgives Persian spelling, filters, the information
document, form downloads, rate limiting and a query count that does not grow with the catalog."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.catalog.models import FAQ, Inquiry, LawReference, ServiceForm, SubService
from apps.core import pagecache
from apps.core.text import search_key
from tests.factories import (
    BodyFactory,
    CounterFactory,
    FeeFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("services:list")


def _codes(response) -> list[str]:
    return [s.code for s in response.context["services"]]


def _fa(message: str, **values) -> str:
    # What the page says in Persian, whether or not the msgid has been translated yet.
    with translation.override("fa"):
        return gettext(message) % values if values else gettext(message)


# --- search ---------------------------------------------------------------------------------------


def test_search_with_arabic_yeh_finds_services_spelt_with_persian_yeh(client):
    SubServiceFactory(code="101", title="گواهی اشتغال به تحصیل")
    SubServiceFactory(code="102", title="صدور گواهی عدم بدهی")
    SubServiceFactory(code="103", title="ثبت نام آزمون")
    response = client.get(LIST, {"q": "گواهي"})  # U+064A, as typed on an Arabic keyboard layout
    assert response.status_code == 200
    assert sorted(_codes(response)) == ["101", "102"]
    assert response.context["page"].paginator.count == 2


def test_search_with_persian_digits_finds_the_service_code(client):
    SubServiceFactory(code="11023", title="تمدید پروانه")
    SubServiceFactory(code="11024", title="تمدید پروانه")
    response = client.get(LIST, {"q": "۱۱۰۲۳"})
    assert _codes(response) == ["11023"]
    assert "۱۱۰۲۳" in response.content.decode()


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("پیگیری درخواست\u200cها", "درخواستها"), ("پیگیری درخواستها", "درخواست\u200cها")],
    ids=["stored-with-zwnj", "typed-with-zwnj"],
)
def test_search_ignores_the_zero_width_non_joiner(client, stored, typed):
    SubServiceFactory(code="201", title=stored)
    SubServiceFactory(code="202", title="پیگیری پرونده")
    assert _codes(client.get(LIST, {"q": typed})) == ["201"]


def test_every_word_of_the_query_must_match(client):
    SubServiceFactory(code="301", title="صدور گواهی پایان کار")
    SubServiceFactory(code="302", title="صدور پروانه ساختمان")
    assert _codes(client.get(LIST, {"q": "صدور  كار"})) == ["301"]  # Arabic kaf, doubled space


def test_query_is_normalised_and_cut_to_a_sane_length(client):
    SubServiceFactory(code="401", title="گواهی")
    response = client.get(LIST, {"q": "  گواهي\u200f" + "ا" * 500})
    assert response.status_code == 200
    assert len(response.context["q"]) == 100
    assert response.context["q"].startswith("گواهی")


# --- filters and pagination -------------------------------------------------------------------------


def test_filters_by_channel_and_type(client):
    SubServiceFactory(code="501", channel="in_person", service_type="G2C")
    SubServiceFactory(
        code="502",
        channel="electronic",
        non_electronic_reason="",
        eservice_url="https://e.example.ir/502",
        service_type="G2C",
    )
    SubServiceFactory(
        code="503", channel="hybrid", service_type="G2B", eservice_url="https://e.example.ir/503"
    )
    SubServiceFactory(code="504", channel="outside", service_type="G2B")

    assert _codes(client.get(LIST, {"channel": "electronic"})) == ["502"]
    assert sorted(_codes(client.get(LIST, {"type": "G2B"}))) == ["503", "504"]
    assert _codes(client.get(LIST, {"type": "G2B", "channel": "hybrid"})) == ["503"]
    # Unknown values are ignored rather than answering an empty page or an error.
    assert len(_codes(client.get(LIST, {"channel": "fax", "type": "X", "body": "abc"}))) == 4


def test_filter_by_body_accepts_persian_digits(client):
    body = BodyFactory()
    SubServiceFactory(code="601", body=body)
    SubServiceFactory(code="602")
    persian_id = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in str(body.pk))
    assert _codes(client.get(LIST, {"body": persian_id})) == ["601"]
    assert _codes(client.get(LIST, {"body": "9" * 40})) != []  # absurd ids are ignored, not a crash


def test_pages_keep_the_search_and_filters(client):
    body = BodyFactory()
    for i in range(30):
        SubServiceFactory(body=body, code=f"{7000 + i}", title=f"گواهی {i}", channel="outside")
    SubServiceFactory(body=body, code="7999", title="گواهی دیگر", channel="in_person")

    first = client.get(LIST, {"q": "گواهي", "channel": "outside"})
    assert first.context["page"].paginator.count == 30
    assert len(first.context["services"]) == 25
    html = first.content.decode()
    assert "q=%DA%AF%D9%88%D8%A7%D9%87%DB%8C&amp;channel=outside&amp;page=2" in html

    second = client.get(LIST, {"q": "گواهی", "channel": "outside", "page": "2"})
    assert len(second.context["services"]) == 5


def test_home_of_the_catalog_lists_publishing_bodies_with_counts(client):
    body = BodyFactory(name_fa="اداره کل ثبت اسناد")
    SubServiceFactory.create_batch(3, body=body)
    SubServiceFactory(body=BodyFactory(name_fa="دستگاه بی‌خدمت"), active=False)
    response = client.get(LIST)
    assert [(b.name_fa, b.service_count) for b in response.context["bodies"]] == [("اداره کل ثبت اسناد", 3)]
    html = response.content.decode()
    assert reverse("services:body", args=[body.pk]) in html
    assert "دستگاه بی‌خدمت" not in html


def _bulk_services(count: int, bodies, start: int) -> None:
    # bulk_create skips save(), so the search key is set here the way save() would set it.
    services = []
    for i in range(start, start + count):
        code, title = f"{50000 + i}", f"گواهی شماره {i}"
        services.append(
            SubService(
                body=bodies[i % len(bodies)],
                code=code,
                title=title,
                description="شرح",
                search_text=search_key(f"{code} {title} شرح"),
            )
        )
    SubService.objects.bulk_create(services)


@pytest.mark.parametrize(
    "params", [{}, {"q": "گواهي", "channel": "in_person", "type": "G2C"}], ids=["all", "search"]
)
def test_service_list_runs_the_same_queries_for_10_services_as_for_500(client, params):
    bodies = [BodyFactory(parent=BodyFactory()) for _ in range(3)]
    _bulk_services(10, bodies, start=0)
    client.get(LIST, params)  # warm up: sessions, content types, template loading
    pagecache.bump("public")  # the page is rendered, not answered from the page cache
    with CaptureQueriesContext(connection) as small:
        response = client.get(LIST, params)
    assert response.context["page"].paginator.count == 10

    _bulk_services(490, bodies, start=10)
    pagecache.bump("public")  # a bulk insert sends no signal
    with CaptureQueriesContext(connection) as large:
        response = client.get(LIST, params)
    assert response.context["page"].paginator.count == 500
    assert len(response.context["services"]) == 25
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


# --- the information document ---------------------------------------------------------------------


@pytest.fixture
def full_service(db):
    """GIVEN a hybrid service with four stages (one in hours), two documents, two fees, an inquiry,
    a law, a FAQ, a unit and a counter."""
    parent = BodyFactory(name_fa="وزارت کشور")
    body = BodyFactory(name_fa="فرمانداری ساری", parent=parent)
    service = SubServiceFactory(
        body=body,
        code="11023",
        title="صدور گواهی اقامت",
        channel="hybrid",
        non_electronic_reason="digitisation",
        non_electronic_note="نسخه الکترونیکی تا پایان سال آماده می‌شود.",
        eservice_url="https://e.example.ir/11023",
        addresses="ساری، خیابان فرهنگ، پلاک 12\nقائم‌شهر، میدان امام",
        average_duration=Decimal("5"),
        responsible_name="مریم احمدی",
        responsible_contact="011-33224455",
        complaint_procedure="شکایت را در سامانه 111 ثبت کنید.",
    )
    unit = OrgUnitFactory(body=body, name="اداره صدور گواهی")
    for order, (title, duration, unit_name) in enumerate(
        [
            ("پذیرش درخواست", 1, "hour"),
            ("بررسی مدارک", 2, "working_day"),
            ("استعلام", 3, "working_day"),
            ("صدور و تحویل", 2, "hour"),
        ],
        start=1,
    ):
        WorkflowStageFactory(
            service=service,
            order=order,
            title=title,
            duration=Decimal(duration),
            duration_unit=unit_name,
            responsible_unit=unit,
            responsible_post="کارشناس صدور",
        )
    RequiredDocumentFactory(service=service, title="شناسنامه", form="original", upload_required=True)
    RequiredDocumentFactory(service=service, title="اجاره‌نامه", form="copy")
    FeeFactory(service=service, title="هزینه صدور", amount_rials=500000)
    FeeFactory(service=service, title="هزینه پست", amount_rials=1250000, account="IR110170000000999988887777")
    Inquiry.objects.create(service=service, title="استعلام سجلی", answering_body="سازمان ثبت احوال")
    LawReference.objects.create(service=service, title="قانون ثبت احوال")
    FAQ.objects.create(service=service, question="چقدر طول می‌کشد؟", answer="حداکثر پنج روز کاری.")
    service.units.add(unit)
    service.counters.add(CounterFactory(unit=unit, number=3, title="صدور گواهی"))
    return service


def test_detail_shows_the_whole_information_document(client, full_service):
    response = client.get(reverse("services:detail", args=[full_service.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "صدور گواهی اقامت",
        "فرمانداری ساری",
        "وزارت کشور",
        "۱۱۰۲۳",
        "https://e.example.ir/11023",
        "قائم‌شهر، میدان امام",
        "اداره صدور گواهی",
        "کارشناس صدور",
        "پذیرش درخواست",
        "بررسی مدارک",
        "صدور و تحویل",
        "شناسنامه",
        "اجاره‌نامه",
        "استعلام سجلی",
        "سازمان ثبت احوال",
        "IR110170000000999988887777",
        "قانون ثبت احوال",
        "مریم احمدی",
        "<summary>چقدر طول می‌کشد؟</summary>",
        "سامانه ۱۱۱",
        "نسخه الکترونیکی تا پایان سال آماده می‌شود.",
    ]:
        assert text in html, text
    assert _fa("Digitisation is under way") in html
    assert html.index("پذیرش درخواست") < html.index("بررسی مدارک") < html.index("صدور و تحویل")
    assert "<li>ساری، خیابان فرهنگ، پلاک ۱۲</li>" in html  # one address a line, Persian digits


def test_detail_shows_stage_durations_and_promised_total_in_persian(client, full_service):
    response = client.get(reverse("services:detail", args=[full_service.pk]))
    html = response.content.decode()
    assert response.context["total"] == {"working_day": 5, "hour": 3}
    assert f"۲ {_fa('working day')}" in html
    assert f"۱ {_fa('hour')}" in html
    assert _fa("%(days)s working days and %(hours)s hours", days="۵", hours="۳") in html
    assert f"۵ {_fa('working day')}" in html  # the declared average beside it


def test_detail_shows_fees_in_persian_digits_with_separators(client, full_service):
    html = client.get(reverse("services:detail", args=[full_service.pk])).content.decode()
    assert "۵۰۰٬۰۰۰" in html
    assert "۱٬۲۵۰٬۰۰۰" in html
    assert 'dir="ltr" translate="no">IR820170000000123456789012<' in html


def test_detail_says_the_body_obtains_the_inquiries_itself(client, full_service):
    html = client.get(reverse("services:detail", args=[full_service.pk])).content.decode()
    assert (
        _fa(
            "The body obtains these inquiries itself from the bodies that answer them. "
            "You will never be sent to fetch them."
        )
        in html
    )


def test_detail_query_count_does_not_grow_with_the_document(
    client, full_service, django_assert_max_num_queries
):
    for _ in range(10):
        WorkflowStageFactory(service=full_service, responsible_unit=full_service.units.first())
        RequiredDocumentFactory(service=full_service)
        FeeFactory(service=full_service)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("services:detail", args=[full_service.pk]))
    assert len(response.context["stages"]) == 14


def test_electronic_service_shows_no_reason(client):
    service = SubServiceFactory(
        channel="electronic", non_electronic_reason="", eservice_url="https://e.example.ir/x", addresses=""
    )
    response = client.get(reverse("services:detail", args=[service.pk]))
    assert not response.context["show_reason"]
    assert _fa("Why this service is not fully online:") not in response.content.decode()


def test_inactive_service_is_hidden_and_its_page_is_a_friendly_404(client):
    hidden = SubServiceFactory(code="901", title="خدمت منسوخ", active=False)
    SubServiceFactory(code="902")
    assert _codes(client.get(LIST)) == ["902"]
    assert _codes(client.get(LIST, {"q": "منسوخ"})) == []

    response = client.get(reverse("services:detail", args=[hidden.pk]))
    assert response.status_code == 404
    assert "خدمت منسوخ" not in response.content.decode()
    assert reverse("services:list") in response.content.decode()
    assert client.get(reverse("services:detail", args=[999999])).status_code == 404


def test_a_service_outside_its_days_in_the_catalog_is_not_published(client):
    """Withdrawn yesterday, or offered only from tomorrow: not on the list, its page a 404."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    withdrawn = SubServiceFactory(
        code="911", valid_from=today - dt.timedelta(days=90), valid_until=today - dt.timedelta(days=1)
    )
    SubServiceFactory(code="912", valid_from=today + dt.timedelta(days=1))
    SubServiceFactory(code="913", valid_from=today - dt.timedelta(days=90), valid_until=today)  # its last day
    assert _codes(client.get(LIST)) == ["913"]
    assert client.get(reverse("services:detail", args=[withdrawn.pk])).status_code == 404


# --- forms ------------------------------------------------------------------------------------------


def _form(service, data=b"%PDF-1.4 form") -> ServiceForm:
    return ServiceForm.objects.create(
        service=service, title="فرم درخواست", file=SimpleUploadedFile("request-form.pdf", data)
    )


def test_form_downloads_as_an_attachment(client):
    service = SubServiceFactory()
    form = _form(service)
    detail = client.get(reverse("services:detail", args=[service.pk])).content.decode()
    url = reverse("services:form_download", args=[service.pk, form.pk])
    assert url == f"/services/{service.pk}/forms/{form.pk}/"
    assert url in detail

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 form"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"


def test_form_of_an_inactive_or_other_service_is_404(client):
    inactive = SubServiceFactory(active=False)
    form = _form(inactive)
    assert client.get(reverse("services:form_download", args=[inactive.pk, form.pk])).status_code == 404
    other = SubServiceFactory()
    assert client.get(reverse("services:form_download", args=[other.pk, form.pk])).status_code == 404


def test_form_whose_file_is_missing_is_404_not_500(client):
    service = SubServiceFactory()
    form = _form(service)
    form.file.storage.delete(form.file.name)
    assert client.get(reverse("services:form_download", args=[service.pk, form.pk])).status_code == 404


# --- body page ------------------------------------------------------------------------------------


def test_body_page_lists_services_and_what_each_counter_serves(client):
    body = BodyFactory(name_fa="اداره کل راه و شهرسازی")
    unit = OrgUnitFactory(body=body)
    shown = SubServiceFactory(body=body, title="صدور پروانه")
    withdrawn = SubServiceFactory(body=body, title="خدمت بازنشسته", active=False)
    counter = CounterFactory(unit=unit, number=7)
    counter.services.add(shown, withdrawn)
    CounterFactory(unit=unit, number=8, active=False)

    response = client.get(reverse("services:body", args=[body.pk]))
    assert response.status_code == 200
    assert [s.pk for s in response.context["services"]] == [shown.pk]
    assert [c.number for c in response.context["counters"]] == [7]
    html = response.content.decode()
    assert "صدور پروانه" in html
    assert "خدمت بازنشسته" not in html
    assert "۷" in html


def test_body_without_published_services_is_404(client):
    body = BodyFactory()
    SubServiceFactory(body=body, active=False)
    assert client.get(reverse("services:body", args=[body.pk])).status_code == 404


# --- no login, rate limit, filter -------------------------------------------------------------------


def test_catalog_needs_no_login_and_is_persian(client, full_service):
    for url in (
        LIST,
        reverse("services:detail", args=[full_service.pk]),
        reverse("services:body", args=[full_service.body_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="fa" dir="rtl">' in response.content.decode()


def test_search_answers_429_after_the_rate(client, settings):
    settings.PUBLIC_SEARCH_RATE = "3/h"  # an hour-long window: the limit cannot reset mid-test
    codes = [client.get(LIST, {"q": f"گواهی {i}"}).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.parametrize(("language", "expected"), [("fa", "۱٬۲۵۰٬۰۰۰|۰|"), ("en", "1,250,000|0|")])
def test_rials_filter_groups_thousands_in_the_page_language(language, expected):
    with translation.override(language):
        rendered = Template("{{ a|rials }}|{{ z|rials }}|{{ n|rials }}").render(
            Context({"a": 1250000, "z": 0, "n": None})
        )
    assert rendered == expected
