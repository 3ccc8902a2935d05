"""Citizens' pages of cases: online registration after a one-time code, tracking a case on /track/,
the response PDF (public after the national code, staff within scope), rating and objecting from the
closing SMS."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cases import services
from apps.cases.models import Case, CaseAttachment, CaseEvent, CaseResponse
from apps.cases.notifications import case_rate_url
from apps.core import messaging
from apps.core.jalali import format_date
from apps.core.text import to_persian_digits
from apps.desk.tracking import tracking_code_display
from apps.desk.views.public import SESSION_MOBILE
from apps.orgs import roles
from apps.orgs.models import Body, OrgUnit
from tests.factories import (
    BodyFactory,
    CountyFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    registered_case,
    staff_user,
)
from tests.files import JPEG, PDF, upload

pytestmark = pytest.mark.django_db

MOBILE = "09123456789"
NATIONAL_CODE = "0499370899"
NEW = "/cases/new/"


def complaint_tree() -> dict:
    """A province with its governorate (province unit and the governor's office inside it), the
    centre, and a ministry's provincial directorate whose director-general has the post kind
    "prov_director"."""
    province = ProvinceFactory(name_fa="مازندران")
    governorate = BodyFactory(name_fa="استانداری مازندران", kind=Body.Kind.GOVERNORATE)
    gov_unit = OrgUnitFactory(name="استانداری مازندران", body=governorate, province=province)
    office = OrgUnitFactory(
        name="دفتر استاندار", body=governorate, parent=gov_unit, level=OrgUnit.Level.DEPARTMENT, head_office=True,
        province=None,
    )
    centre = BodyFactory(name_fa="مرکز ارتباطات مردمی", kind=Body.Kind.CENTRE)
    centre_hq = OrgUnitFactory(name="مرکز ارتباطات مردمی", body=centre, level=OrgUnit.Level.HQ, province=None)
    ministry = BodyFactory(name_fa="وزارت راه و شهرسازی")
    OrgUnitFactory(name="ستاد وزارت راه و شهرسازی", body=ministry, level=OrgUnit.Level.HQ, province=None)
    directorate = BodyFactory(name_fa="اداره کل راه و شهرسازی استان مازندران", parent=ministry)
    directorate_unit = OrgUnitFactory(name="اداره کل راه و شهرسازی استان مازندران", body=directorate, province=province)
    director = StaffFactory(
        first_name="حمید", last_name="کاظمی", post="مدیرکل", post_kind="prov_director", unit=directorate_unit,
    )
    return {
        "province": province, "governorate": governorate, "gov_unit": gov_unit, "office": office,
        "centre_hq": centre_hq, "directorate": directorate, "directorate_unit": directorate_unit,
        "director": director,
    }


@pytest.fixture
def tree():
    return complaint_tree()


def _confirm(client):
    session = client.session
    session[SESSION_MOBILE] = (MOBILE, timezone.now().timestamp())
    session.save()


def _complaint(tree, **extra) -> dict:
    return {
        "step": "submit", "type": "complaint", "body": tree["directorate"].pk, "national_code": NATIONAL_CODE,
        "full_name": "رضا حسینی", "unit": tree["directorate_unit"].pk, "official": tree["director"].pk,
        "subject": "برخورد نامناسب مدیرکل", "description": "در جلسه ملاقات عمومی پاسخ درخواستم داده نشد.", **extra,
    }


# --- registration ---------------------------------------------------------------------------------


def test_the_citizen_confirms_the_mobile_by_the_e_desk_s_one_time_code_then_chooses_the_type(client, tree):
    first = client.get(NEW)
    assert first.templates[0].name == "cases/public/new_mobile.html"
    client.post(NEW, {"step": "send", "mobile": MOBILE})
    code = re.search(r"#([0-9]{6})", messaging.outbox[-1].text).group(1)
    wrong = client.post(NEW, {"step": "verify", "mobile": MOBILE, "otp": "000000" if code != "000000" else "111111"})
    assert "نادرست" in wrong.context["error"]
    verified = client.post(NEW, {"step": "verify", "mobile": MOBILE, "otp": code})
    assert verified.status_code == 302
    choose = client.get(NEW)
    assert choose.templates[0].name == "cases/public/new_choose.html"
    page = choose.content.decode()
    assert "شکایت" in page
    assert tree["directorate"].name_fa in page
    assert tree["governorate"].name_fa in page


def test_code_sends_are_limited_per_client_like_the_e_desk(client, tree, settings):
    settings.EDESK_SEND_RATE = "1/h"
    client.post(NEW, {"step": "send", "mobile": MOBILE})
    assert client.post(NEW, {"step": "send", "mobile": "09127654321"}).status_code == 429


def test_the_complaint_form_lists_only_the_managers_of_the_body(client, tree):
    StaffFactory(first_name="کارمند", last_name="عادی", unit=tree["directorate_unit"])
    _confirm(client)
    page = client.get(NEW, {"type": "complaint", "body": tree["directorate"].pk}).content.decode()
    assert "حمید کاظمی" in page
    assert "کارمند عادی" not in page


def test_a_complaint_against_a_provincial_director_general_goes_to_the_governor_s_office(client, tree):
    _confirm(client)
    response = client.post(NEW, _complaint(tree, attachment_1=upload(PDF)))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases_public:registered", args=[case.tracking_code])
    assert case.channel == Case.Channel.ONLINE
    assert case.registered_by is None
    assert case.level == Case.Level.PROVINCE
    assert case.unit == tree["directorate_unit"]
    assert case.handling_unit == tree["office"]
    assert case.official == tree["director"]
    assert case.mobile == MOBILE
    assert CaseAttachment.objects.filter(case=case).count() == 1
    done = client.get(response["Location"]).content.decode()
    assert "دفتر استاندار" in done
    assert "دفتر استاندار" in done  # why: the province governor's office (charter 10-3 b)
    assert format_date(timezone.localtime(case.due_at).date(), persian_digits=True) in done
    # The confirmation is used up; a second case needs a new code.
    assert SESSION_MOBILE not in client.session


def test_an_unknown_official_is_refused_in_persian_and_nothing_typed_or_attached_is_lost(client, tree):
    _confirm(client)
    response = client.post(NEW, _complaint(tree, official=999999, attachment_1=upload(JPEG, "photo.jpg", "image/jpeg")))

    assert response.status_code == 200
    assert not Case.objects.exists()
    form = response.context["form"]
    assert "این مقام" in " ".join(form.errors["official"])
    page = response.content.decode()
    assert "رضا حسینی" in page
    assert "برخورد نامناسب مدیرکل" in page
    assert 'class="kept"' in page
    token = form.data["attachment_1_kept"]
    again = client.post(NEW, _complaint(tree, attachment_1_kept=token))
    assert again.status_code == 302
    assert CaseAttachment.objects.filter(case=Case.objects.get()).count() == 1


def test_an_official_of_another_office_of_the_body_is_refused(client, tree):
    other = OrgUnitFactory(body=tree["directorate"], province=tree["province"], name="اداره شهرستان")
    head = StaffFactory(unit=other, post_kind="county_head")
    _confirm(client)
    response = client.post(NEW, _complaint(tree, official=head.pk))
    assert "official" in response.context["form"].errors
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"national_code": "1234567890"}, "national_code", "کد ملی"),
        ({"description": "ا" * 4001}, "description", "۴۰۰۰"),
        ({"attachment_1": upload(b"GIF89a" + b"\0" * 64, "x.gif", "image/gif")}, "attachment_1", "pdf"),
    ],
)
def test_bad_input_gets_a_persian_message_beside_its_field(client, tree, extra, field, words):
    _confirm(client)
    response = client.post(NEW, _complaint(tree, **extra))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert words in errors or words in errors.replace("4000", "۴۰۰۰").replace("4,000", "۴۰۰۰")
    assert "رضا حسینی" in response.content.decode()
    assert not Case.objects.exists()


def test_a_request_goes_to_the_body_s_unit_nearest_to_the_office_chosen(client, tree):
    county_unit = OrgUnitFactory(
        body=tree["directorate"], level=OrgUnit.Level.COUNTY, province=tree["province"],
        county=CountyFactory(province=tree["province"]),
        parent=tree["directorate_unit"],
    )
    _confirm(client)
    response = client.post(NEW, {
        "step": "submit", "type": "request", "body": tree["directorate"].pk, "national_code": NATIONAL_CODE,
        "full_name": "رضا حسینی", "unit": county_unit.pk, "subject": "آسفالت خیابان", "description": "خیابان خراب است.",
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.unit == county_unit
    assert case.handling_unit == county_unit
    assert case.level == Case.Level.COUNTY
    assert case.duty is None  # online registration needs no duty


def test_thanks_name_the_employee_by_personnel_code(client, tree):
    clerk = StaffFactory(unit=tree["directorate_unit"], personnel_code="4455")
    _confirm(client)
    data = {
        "step": "submit", "type": "thanks", "body": tree["directorate"].pk, "national_code": NATIONAL_CODE,
        "full_name": "رضا حسینی", "subject": "تشکر", "description": "با حوصله راهنمایی کردند.",
    }
    wrong = client.post(NEW, {**data, "employee_code": "9999"})
    assert "employee_code" in wrong.context["form"].errors
    assert client.post(NEW, {**data, "employee_code": "۴۴۵۵"}).status_code == 302
    assert Case.objects.get().employee == clerk


def test_an_idea_goes_to_the_centre_without_choosing_a_body(client, tree):
    _confirm(client)
    response = client.post(NEW, {
        "step": "submit", "type": "idea", "national_code": NATIONAL_CODE, "full_name": "رضا حسینی",
        "subject": "نوبت‌دهی اینترنتی", "description": "برای همه ادارات نوبت اینترنتی باشد.",
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.level == Case.Level.NATIONAL
    assert case.unit == tree["centre_hq"]


def test_the_result_page_is_only_for_the_browser_that_registered(client, tree):
    case = registered_case(case_type="complaint", unit=tree["directorate_unit"], official=tree["director"], channel="online")
    assert client.get(reverse("cases_public:registered", args=[case.tracking_code])).status_code == 404


# --- tracking -------------------------------------------------------------------------------------


def _answered(tree) -> Case:
    case = registered_case(case_type="complaint", unit=tree["directorate_unit"], official=tree["director"], channel="online")
    services.case_act(case=case, by=None, note="یادداشت داخلی", public=False)
    services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.RESOLVED, text="رفتار مدیرکل بررسی و تذکر داده شد.")
    case.refresh_from_db()
    return case


def test_tracking_a_case_shows_status_public_timeline_and_due_date_but_details_only_after_the_national_code(client, tree):
    case = _answered(tree)
    page = client.get("/track/", {"code": case.tracking_code}).content.decode()
    assert case.get_state_display() in page
    assert format_date(timezone.localtime(case.due_at).date(), persian_digits=True) in page
    assert "ثبت شد" in page or str(CaseEvent.Kind.REGISTERED.label) in page
    assert "یادداشت داخلی" not in page
    assert "موضوع مورد" not in page  # the subject
    assert reverse("cases_public:response_pdf", args=[case.tracking_code]) not in page

    wrong = client.post("/track/", {"code": case.tracking_code, "national_code": "0013542419"})
    assert wrong.context["verify_error"]
    shown = client.post("/track/", {"code": case.tracking_code, "national_code": "۰۴۹۹۳۷۰۸۹۹"}).content.decode()
    assert "موضوع مورد" in shown
    assert "رفتار مدیرکل بررسی و تذکر داده شد." in shown
    assert reverse("cases_public:response_pdf", args=[case.tracking_code]) in shown


def test_a_cases_tracking_page_is_kept_for_visitors_and_a_response_shows_at_once(
    client, tree, django_assert_num_queries
):
    """A first visit from the SMS link reads the case once; the next visitors get the kept page (no
    query), and the response closing the case shows on the next visit."""
    case = registered_case(case_type="complaint", unit=tree["directorate_unit"], official=tree["director"])
    url = f"/track/?code={case.tracking_code}"
    def page() -> str:  # without the CSRF token, masked afresh on every answer
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(url).content.decode())

    first = page()
    assert case.get_state_display() in first
    with django_assert_num_queries(0):
        again = page()
    assert again == first

    services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.RESOLVED, text="پاسخ داده شد.")
    case.refresh_from_db()
    after = page()
    assert case.get_state_display() in after
    assert after != first


def test_a_mistyped_case_code_is_refused_with_the_check_digit_message(client, tree):
    case = registered_case(unit=tree["directorate_unit"])
    code = case.tracking_code
    typo = code[:5] + str((int(code[5]) + 1) % 10) + code[6:]
    response = client.get("/track/", {"code": typo})
    assert "رقم کنترل" in response.context["error"]
    assert response.context.get("case") is None


def test_the_public_response_pdf_needs_the_national_code_first(client, tree):
    case = _answered(tree)
    url = reverse("cases_public:response_pdf", args=[case.tracking_code])
    assert client.get(url).status_code == 404
    client.post("/track/", {"code": case.tracking_code, "national_code": NATIONAL_CODE})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_staff_response_pdf_is_scoped_to_the_user_s_units(client, tree):
    case = _answered(tree)
    url = reverse("cases_public:response_pdf_staff", args=[case.tracking_code])
    handler = staff_user(roles.COMPLAINT_HANDLER, unit=tree["gov_unit"])
    outsider = staff_user(roles.COMPLAINT_HANDLER, unit=OrgUnitFactory())
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404
    client.force_login(handler.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


# --- rating and objection -------------------------------------------------------------------------


def test_an_invalid_rating_link_is_not_found(client):
    assert client.get("/cases/rate/not-a-token/").status_code == 404


def test_the_closing_sms_link_rates_the_handling_once(client, tree):
    case = _answered(tree)
    url = reverse("cases_public:rate", args=[case.link_token])
    assert case_rate_url(case).endswith(url)  # the link of the closing SMS opens this page
    page = client.get(url).content.decode()
    assert page.count('name="score"') == 5
    assert client.post(url, {"action": "rate"}).context["rating_form"].errors["score"]
    done = client.post(url, {"action": "rate", "score": "4"})
    case.refresh_from_db()
    assert case.rating == 4
    assert 'name="score"' not in done.content.decode()
    client.post(url, {"action": "rate", "score": "1"})
    case.refresh_from_db()
    assert case.rating == 4


def test_a_complainant_objects_once_and_sees_where_it_went(client, tree):
    case = _answered(tree)
    url = reverse("cases_public:rate", args=[case.link_token])
    empty = client.post(url, {"action": "object", "objection": ""})
    assert empty.context["objection_form"].errors["objection"]
    response = client.post(url, {"action": "object", "objection": "تذکر کافی نیست."})
    case.refresh_from_db()
    assert case.objected_at is not None
    assert case.handling_unit == tree["centre_hq"]
    page = response.content.decode()
    assert 'id="objection-done"' in page
    assert "مرکز ارتباطات مردمی" in page
    assert 'value="object"' not in page


def test_rating_posts_are_rate_limited(client, tree, settings):
    settings.RATING_RATE = "2/h"
    case = _answered(tree)
    url = reverse("cases_public:rate", args=[case.link_token])
    assert client.post(url, {"action": "rate"}).status_code == 200
    assert client.post(url, {"action": "rate"}).status_code == 200
    assert client.post(url, {"action": "rate", "score": "5"}).status_code == 429
    case.refresh_from_db()
    assert case.rating is None


def test_a_case_sent_after_the_confirmation_ran_out_is_kept_and_sent_after_a_new_code(client, tree):
    """GIVEN a citizen who took 31 minutes to write the complaint WHEN they send it THEN they are told,
    and after a new code the same form comes back filled, the file still attached, and registers."""
    from apps.desk.views.public import EDESK_SESSION_SECONDS

    session = client.session
    session[SESSION_MOBILE] = (MOBILE, timezone.now().timestamp() - EDESK_SESSION_SECONDS - 60)
    session.save()
    late = client.post(NEW, _complaint(tree, attachment_1=upload(PDF)))
    assert late.templates[0].name == "cases/public/new_mobile.html"
    assert "۳۰ دقیقه" in late.content.decode()
    assert not Case.objects.exists()

    client.post(NEW, {"step": "send", "mobile": MOBILE})
    code = re.search(r"#([0-9]{6})", messaging.outbox[-1].text).group(1)
    client.post(NEW, {"step": "verify", "mobile": MOBILE, "otp": code})
    back = client.get(NEW, follow=True)
    form = back.context["form"]
    assert form["subject"].value() == "برخورد نامناسب مدیرکل"
    assert back.content.decode().count('class="kept"') == 1
    token = form["attachment_1_kept"].value()

    done = client.post(NEW, {**_complaint(tree), "attachment_1_kept": token})
    assert done.status_code == 302
    assert CaseAttachment.objects.filter(case=Case.objects.get()).count() == 1


def test_the_complaint_form_costs_the_same_queries_whatever_the_number_of_managers(
    client, tree, django_assert_max_num_queries
):
    _confirm(client)
    query = {"type": "complaint", "body": tree["directorate"].pk}
    client.get(NEW, query)
    for n in range(15):
        unit = OrgUnitFactory(body=tree["directorate"], province=tree["province"], name=f"اداره {n}")
        StaffFactory(unit=unit, post_kind="county_head")
    with django_assert_max_num_queries(6):
        page = client.get(NEW, query)
    assert page.content.decode().count("رئیس اداره شهرستان") == 15


def test_a_people_s_report_needs_the_place_and_refuses_a_day_in_the_future(client, tree):
    _confirm(client)
    data = {
        "step": "submit", "type": "report", "body": tree["directorate"].pk, "national_code": NATIONAL_CODE,
        "full_name": "رضا حسینی", "subject": "چاله در جاده", "description": "چاله بزرگ در جاده ساری به قائم‌شهر.",
    }
    no_place = client.post(NEW, data)
    assert "place" in no_place.context["form"].errors
    future = client.post(NEW, {**data, "place": "جاده ساری", "happened_on": "1499/01/01"})
    assert "happened_on" in future.context["form"].errors
    assert "چاله بزرگ در جاده ساری به قائم‌شهر." in future.content.decode()
    assert not Case.objects.exists()
    assert client.post(NEW, {**data, "place": "جاده ساری", "happened_on": "1405/01/10"}).status_code == 302
    case = Case.objects.get()
    assert case.place == "جاده ساری"
    assert case.happened_at is not None


def test_the_citizen_gets_the_tracking_code_by_sms(client, tree, django_capture_on_commit_callbacks):
    _confirm(client)
    messaging.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, _complaint(tree))
    case = Case.objects.get()

    assert any(
        to_persian_digits(tracking_code_display(case.tracking_code)) in m.text for m in messaging.outbox if m.mobile == MOBILE
    )
