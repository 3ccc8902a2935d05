"""Staff pages of cases: registration at the desk or by phone (every error path keeps what was typed),
the duties check and the referral instead, the inbox and the list (scoped, constant queries), a case's
page and its actions."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.cases.forms import level_for_unit
from apps.cases.models import Case, CaseAttachment, CaseEvent, CaseNotification, CaseResponse, CaseType
from apps.core import messaging
from apps.orgs import roles
from apps.orgs.models import Body, BodyDuty, OrgUnit, Staff
from tests.factories import (
    BodyFactory,
    CountyFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    SubServiceFactory,
    body_duty,
    registered_case,
    staff_user,
)
from tests.files import PDF
from tests.i18n import fa

pytestmark = pytest.mark.django_db

NATIONAL_CODE = "0499370899"
MOBILE = "09121234567"


@pytest.fixture
def county_desk():
    """A county governor's office (the county's people's communication desk) under its province
    governor's office, and a water company with a unit in the same county."""
    province = ProvinceFactory(code="IR-02")
    county = CountyFactory(province=province, name_fa="شهرستان ساری")
    governorate = BodyFactory(name_fa="استانداری مازندران", kind=Body.Kind.GOVERNORATE)
    province_office = OrgUnitFactory(body=governorate, level=OrgUnit.Level.PROVINCE, province=province, name="استانداری")
    county_office = OrgUnitFactory(
        body=governorate, level=OrgUnit.Level.COUNTY, province=province, county=county, parent=province_office,
        name="فرمانداری ساری",
    )
    duty = body_duty(governorate, "رسیدگی به امور عمومی شهرستان")
    water = BodyFactory(name_fa="شرکت آب و فاضلاب")
    BodyDuty.objects.create(body=water, title="قطعی و کیفیت آب شرب", keywords="آب، لوله، فشار آب")
    water_unit = OrgUnitFactory(body=water, level=OrgUnit.Level.COUNTY, province=province, county=county, name="آبفای ساری")
    clerk = staff_user(roles.PEOPLE_CLERK, unit=county_office)
    return {"clerk": clerk, "unit": county_office, "province_office": province_office, "duty": duty,
            "water": water, "water_unit": water_unit, "county": county, "province": province}


def _post(client, case_type="request", **fields):
    data = {
        "channel": "desk", "national_code": NATIONAL_CODE, "full_name": "سارا محمدی", "mobile": MOBILE,
        "subject": "موضوع آزمایشی", "description": "شرح مورد آزمایشی", "step": "register", **fields,
    }
    return client.post(reverse("cases:register") + f"?type={case_type}", data)


def _png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "#0b5a73").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- registration --------------------------------------------------------------------------------


def test_the_clerk_chooses_the_type_first_then_sees_its_fields(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    first = client.get(reverse("cases:register"))
    assert first.status_code == 200
    assert "?type=complaint" in first.content.decode()
    complaint = client.get(reverse("cases:register") + "?type=complaint")
    assert "complained_body" in complaint.context["form"].fields
    assert "place" not in complaint.context["form"].fields
    report = client.get(reverse("cases:register") + "?type=report")
    assert report.context["form"].fields["happened_at"].required


def test_a_phone_case_within_the_duties_is_registered_at_county_level_and_the_applicant_told_once(
    client, county_desk, django_capture_on_commit_callbacks
):
    client.force_login(county_desk["clerk"].user)
    with django_capture_on_commit_callbacks(execute=True):
        page = _post(client, channel="phone", duty_choice=f"duty:{county_desk['duty'].pk}")
    case = Case.objects.get()
    assert page.status_code == 302
    assert page.url == reverse("cases:registered", kwargs={"code": case.tracking_code})
    assert (case.level, case.channel, case.duty, case.handling_unit) == (
        Case.Level.COUNTY, Case.Channel.PHONE, county_desk["duty"], county_desk["unit"])
    assert case.registered_by == county_desk["clerk"]
    assert CaseNotification.objects.filter(case=case, channel="sms").count() == 1
    assert len([m for m in messaging.outbox if m.mobile == MOBILE]) == 1
    result = client.get(page.url).content.decode()
    assert 'id="sms-told"' in result
    assert county_desk["unit"].name in result


def test_a_catalog_service_of_the_body_counts_as_within_the_duties(client, county_desk):
    service = SubServiceFactory(body=county_desk["unit"].body)
    client.force_login(county_desk["clerk"].user)
    assert _post(client, duty_choice=f"service:{service.pk}").status_code == 302
    assert Case.objects.get().service == service


def test_without_a_duty_the_clerk_is_asked_to_choose_or_refer_and_nothing_typed_is_lost(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    page = _post(client, subject="خرابی چراغ راهنمایی")
    assert page.status_code == 200
    assert not Case.objects.exists()
    assert "duty_choice" in page.context["form"].errors
    html = page.content.decode()
    assert "خرابی چراغ راهنمایی" in html
    assert fa("Choose the service or duty of the body this case is about, or “outside our body's duties”.") in html


def test_an_invalid_national_code_gets_a_persian_message_and_keeps_the_input(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    page = _post(client, national_code="1234567890", full_name="رضا کریمی", duty_choice=f"duty:{county_desk['duty'].pk}")
    assert page.status_code == 200
    assert not Case.objects.exists()
    html = page.content.decode()
    assert fa("This national code is not valid; check the digits.") in html
    assert "رضا کریمی" in html
    assert "شرح مورد آزمایشی" in html


def test_over_long_text_is_refused_on_its_field_and_kept(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    page = _post(client, description="ب" * 4001, duty_choice=f"duty:{county_desk['duty'].pk}")
    assert page.status_code == 200
    assert "description" in page.context["form"].errors
    assert not Case.objects.exists()
    assert page.context["form"]["description"].value() == "ب" * 4001


def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_the_good_one_kept_and_the_next_try_registers_both(
    client, county_desk
):
    client.force_login(county_desk["clerk"].user)
    bad = SimpleUploadedFile("notes.txt", b"just some text, not a scan", content_type="text/plain")
    page = _post(client, subject="موضوع با پیوست", duty_choice=f"duty:{county_desk['duty'].pk}",
                 attachment_1=SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"), attachment_2=bad)
    assert page.status_code == 200
    assert not Case.objects.exists()
    form = page.context["form"]
    assert "attachment_2" in form.errors
    html = page.content.decode()
    assert fa("This file type is not accepted. Allowed: %(types)s.").split("%")[0] in html
    assert "موضوع با پیوست" in html
    token = form.data["attachment_1_kept"]
    assert token
    assert form.kept_names["attachment_1"] == "letter"
    again = _post(client, subject="موضوع با پیوست", duty_choice=f"duty:{county_desk['duty'].pk}",
                  attachment_1_kept=token, attachment_3=_png())
    assert again.status_code == 302
    assert CaseAttachment.objects.filter(case=Case.objects.get()).count() == 2


def test_a_complaint_against_a_county_head_goes_to_the_county_governor_s_office(client, county_desk):
    head = StaffFactory(unit=county_desk["water_unit"], post="رئیس آبفا", post_kind=Staff.PostKind.COUNTY_HEAD)
    desk = OrgUnitFactory(body=county_desk["water"], level=OrgUnit.Level.COUNTY, province=county_desk["province"],
                          county=county_desk["county"])
    water_clerk = staff_user(roles.PEOPLE_CLERK, unit=desk)
    body_duty(county_desk["water"], "پاسخ به شکایات مشترکان")
    client.force_login(water_clerk.user)
    # Choosing the unit lists its officials (the button re-shows the form without errors).
    listed = _post(client, "complaint", step="officials", complained_body=county_desk["water"].pk,
                   complained_unit=county_desk["water_unit"].pk)
    assert not listed.context["form"].errors
    assert (head.pk, ) == tuple(pk for pk, _label in listed.context["form"].fields["official"].choices if pk)
    duty = BodyDuty.objects.get(title="پاسخ به شکایات مشترکان")
    page = _post(client, "complaint", complained_body=county_desk["water"].pk,
                 complained_unit=county_desk["water_unit"].pk, official=head.pk, duty_choice=f"duty:{duty.pk}")
    assert page.status_code == 302, page.context["form"].errors
    case = Case.objects.get()
    assert case.handling_unit == county_desk["unit"]  # the county governor's office, not the water unit
    assert case.unit == desk
    assert "دفتر فرماندار" in case.routing_note
    # The registering desk still sees the case (registered there) but does not handle it.
    detail = client.get(reverse("cases:detail", kwargs={"code": case.tracking_code}))
    assert detail.status_code == 200
    assert not detail.context["can_act"]
    assert case.routing_note in detail.content.decode()


def test_an_unknown_or_foreign_official_gets_a_clear_persian_error(client, county_desk):
    stranger = StaffFactory(unit=OrgUnitFactory(), post_kind=Staff.PostKind.COUNTY_HEAD)
    client.force_login(county_desk["clerk"].user)
    for official in (stranger.pk, 999999, "abc"):
        page = _post(client, "complaint", complained_body=county_desk["water"].pk,
                     complained_unit=county_desk["water_unit"].pk, official=official,
                     duty_choice=f"duty:{county_desk['duty'].pk}", subject="شکایت از مدیر")
        assert page.status_code == 200
        html = page.content.decode()
        assert fa("This official is not one of the officials of the unit complained about. "
                  "Choose from the list, or leave it empty.") in html
        assert "شکایت از مدیر" in html
    assert not Case.objects.exists()


def test_a_people_s_report_takes_a_jalali_date_and_time(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    page = _post(client, "report", place="میدان امام", happened_at_0="1405/08/01", happened_at_1="10:30",
                 duty_choice=f"duty:{county_desk['duty'].pk}")
    assert page.status_code == 302, page.context["form"].errors
    case = Case.objects.get()
    assert case.place == "میدان امام"
    assert case.happened_at.date().isoformat() == "2026-10-23"


def test_a_report_with_a_bad_date_is_refused_and_kept(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    page = _post(client, "report", place="میدان امام", happened_at_0="1405/13/40", happened_at_1="10:30",
                 duty_choice=f"duty:{county_desk['duty'].pk}")
    assert page.status_code == 200
    assert "happened_at" in page.context["form"].errors
    assert "میدان امام" in page.content.decode()


def test_thanks_name_an_employee_of_the_desk_s_county(client, county_desk):
    employee = StaffFactory(unit=county_desk["water_unit"])
    client.force_login(county_desk["clerk"].user)
    assert _post(client, "thanks", employee=employee.pk).status_code == 302
    assert Case.objects.get().employee == employee
    elsewhere = StaffFactory(unit=OrgUnitFactory())
    page = _post(client, "thanks", employee=elsewhere.pk)
    assert page.status_code == 200
    assert fa("This employee is not one of the staff listed. Choose from the list.") in page.content.decode()


def test_outside_the_duties_the_page_leads_to_the_referral_and_finds_the_competent_body(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    led = _post(client, step="duties", subject="قطعی آب")
    assert led.status_code == 200
    assert not led.context["form"].errors
    html = led.content.decode()
    assert 'id="refer-instead"' in html
    assert "قطعی آب" in html
    found = _post(client, step="find", duty_choice="outside", find_body="آب", subject="قطعی آب")
    assert [row["body"] for row in found.context["form"].body_matches] == [county_desk["water"]]
    assert list(found.context["form"].fields["referred_to"].queryset) == [county_desk["water"]]
    missing = _post(client, duty_choice="outside")
    assert fa("Choose the competent body to refer the case to.") in missing.content.decode()
    page = _post(client, duty_choice="outside", referred_to=county_desk["water"].pk, subject="قطعی آب")
    case = Case.objects.get()
    assert page.status_code == 302
    assert (case.handling_unit, case.body, case.state) == (county_desk["water_unit"], county_desk["water"], Case.State.REFERRED)
    assert CaseNotification.objects.filter(case=case, channel="sms").count() == 1
    result = client.get(page.url).content.decode()
    assert county_desk["water_unit"].name in result


def test_only_clerks_register(client, county_desk):
    officer = staff_user(roles.UNIT_OFFICER, unit=county_desk["unit"])
    client.force_login(officer.user)
    assert client.get(reverse("cases:register")).status_code == 403


@pytest.mark.parametrize(
    ("kind", "level", "expected"),
    [
        (Body.Kind.EXECUTIVE, OrgUnit.Level.COUNTY, Case.Level.COUNTY),
        (Body.Kind.EXECUTIVE, OrgUnit.Level.PROVINCE, Case.Level.PROVINCE),
        (Body.Kind.EXECUTIVE, OrgUnit.Level.HQ, Case.Level.BODY),
        (Body.Kind.CENTRE, OrgUnit.Level.HQ, Case.Level.NATIONAL),
    ],
)
def test_the_level_follows_the_clerk_s_unit(kind, level, expected):
    province = ProvinceFactory(code="IR-02")
    unit = OrgUnitFactory(
        body=BodyFactory(kind=kind), level=level, province=None if level == OrgUnit.Level.HQ else province,
        county=CountyFactory(province=province) if level == OrgUnit.Level.COUNTY else None,
    )
    assert level_for_unit(unit) == expected


# --- inbox, list, scoping ------------------------------------------------------------------------


def test_the_inbox_is_scoped_filtered_overdue_marked_and_cheap(client, county_desk, django_assert_max_num_queries):
    unit = county_desk["unit"]
    for _n in range(5):
        registered_case(unit=unit)
    registered_case(unit=unit, case_type=CaseType.FEELINGS)
    late = registered_case(unit=unit)
    Case.objects.filter(pk=late.pk).update(due_at=late.created_at.replace(year=2020))
    registered_case(unit=OrgUnitFactory())  # another province: never shown
    client.force_login(county_desk["clerk"].user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("cases:inbox"))
    assert len(page.context["cases"]) == 7
    assert page.context["cases"][0] == late
    assert 'class="late"' in page.content.decode()
    for _n in range(10):
        registered_case(unit=unit)
    with django_assert_max_num_queries(8):
        client.get(reverse("cases:inbox"))
    feelings = client.get(reverse("cases:inbox") + "?type=feelings")
    assert [c.type for c in feelings.context["cases"]] == [CaseType.FEELINGS]


def test_the_list_serves_supervisors_and_the_centre_with_constant_queries(client, county_desk, django_assert_max_num_queries):
    for _n in range(4):
        registered_case(unit=county_desk["unit"])
    other = registered_case(unit=OrgUnitFactory())
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=county_desk["province_office"])
    client.force_login(supervisor.user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("cases:list"))
    assert len(page.context["cases"]) == 4
    reviewer = staff_user(roles.CENTRE_REVIEWER, unit=OrgUnitFactory(body=BodyFactory(kind=Body.Kind.CENTRE),
                                                                        level=OrgUnit.Level.HQ, province=None))
    client.force_login(reviewer.user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("cases:list"))
    assert len(page.context["cases"]) == 5
    found = client.get(reverse("cases:list") + f"?q={other.tracking_code}")
    assert list(found.context["cases"]) == [other]


def test_a_clerk_of_another_province_gets_404(client, county_desk):
    case = registered_case(unit=county_desk["unit"], clerk=county_desk["clerk"])
    stranger = staff_user(roles.PEOPLE_CLERK, unit=OrgUnitFactory(province=ProvinceFactory(code="IR-23")))
    client.force_login(stranger.user)
    code = case.tracking_code
    assert client.get(reverse("cases:detail", kwargs={"code": code})).status_code == 404
    assert client.get(reverse("cases:registered", kwargs={"code": code})).status_code == 404
    assert client.post(reverse("cases:act", kwargs={"code": code}), {"act-note": "x"}).status_code == 404
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ACTION).exists()


# --- the case page and its actions ---------------------------------------------------------------


def test_the_case_page_shows_route_timeline_sms_and_actions_for_the_handler(client, county_desk):
    case = registered_case(unit=county_desk["unit"], clerk=county_desk["clerk"], level="county")
    client.force_login(county_desk["clerk"].user)
    page = client.get(reverse("cases:detail", kwargs={"code": case.tracking_code}))
    html = page.content.decode()
    assert page.context["can_act"]
    assert 'id="route-note"' in html
    assert 'id="case-sms"' in html
    assert reverse("cases:refer", kwargs={"code": case.tracking_code}) in html
    auditor = staff_user(roles.PROVINCIAL_AUDITOR, unit=county_desk["province_office"])
    client.force_login(auditor.user)
    assert not client.get(reverse("cases:detail", kwargs={"code": case.tracking_code})).context["can_act"]


def test_recording_an_action_tells_the_applicant_and_an_empty_note_is_refused(client, county_desk):
    case = registered_case(unit=county_desk["unit"])
    client.force_login(county_desk["clerk"].user)
    url = reverse("cases:act", kwargs={"code": case.tracking_code})
    refused = client.post(url, {"act-note": "  "})
    assert refused.status_code == 200
    assert "note" in refused.context["act_form"].errors
    done = client.post(url, {"act-note": "با واحد فنی هماهنگ شد", "act-public": "on"})
    assert done.status_code == 302
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ACTION)
    assert CaseNotification.objects.filter(event=event, channel="sms").count() == 1
    client.post(url, {"act-note": "یادداشت داخلی"})
    internal = CaseEvent.objects.get(case=case, note="یادداشت داخلی")
    assert not internal.public
    assert not internal.notifications.exists()


def test_referring_to_a_unit_of_the_same_body_to_the_competent_body_and_upward(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    sibling = OrgUnitFactory(body=county_desk["unit"].body, level=OrgUnit.Level.COUNTY, province=county_desk["province"],
                             county=CountyFactory(province=county_desk["province"]))
    case = registered_case(unit=county_desk["unit"])
    url = reverse("cases:refer", kwargs={"code": case.tracking_code})
    no_note = client.post(url, {"refer-kind": "unit", "refer-to_unit": sibling.pk, "refer-note": ""})
    assert "note" in no_note.context["refer_form"].errors
    assert client.post(url, {"refer-kind": "unit", "refer-to_unit": sibling.pk, "refer-note": "در حوزه آن شهرستان است"}).status_code == 302
    case.refresh_from_db()
    assert case.handling_unit == sibling
    # Now outside the clerk's handling scope: no more actions by them.
    assert client.post(url, {"refer-kind": "body", "refer-to_body": county_desk["water"].pk, "refer-note": "x"}).status_code == 404

    second = registered_case(unit=county_desk["unit"])
    url = reverse("cases:refer", kwargs={"code": second.tracking_code})
    assert client.post(url, {"refer-kind": "body", "refer-to_body": county_desk["water"].pk, "refer-note": "مربوط به آبفا"}).status_code == 302
    second.refresh_from_db()
    assert (second.handling_unit, second.body) == (county_desk["water_unit"], county_desk["water"])

    hq = OrgUnitFactory(body=county_desk["unit"].body, level=OrgUnit.Level.HQ, province=None)
    third = registered_case(unit=county_desk["unit"])
    url = reverse("cases:refer", kwargs={"code": third.tracking_code})
    assert client.post(url, {"refer-kind": "upward", "refer-note": "فراتر از اختیارات استان"}).status_code == 302
    third.refresh_from_db()
    assert third.handling_unit == hq
    referral = CaseEvent.objects.get(case=third, kind=CaseEvent.Kind.REFERRED)
    assert (referral.from_unit, referral.to_unit) == (county_desk["unit"], hq)


def test_responding_closes_the_case_and_a_complaint_says_the_board_stays_open(client, county_desk):
    case = registered_case(unit=county_desk["unit"], case_type=CaseType.COMPLAINT, complained_body=county_desk["water"])
    client.force_login(county_desk["clerk"].user)
    url = reverse("cases:respond", kwargs={"code": case.tracking_code})
    too_long = client.post(url, {"respond-outcome": "resolved", "respond-text": "پ" * 4001})
    assert "text" in too_long.context["respond_form"].errors
    assert too_long.context["respond_form"]["text"].value() == "پ" * 4001
    assert client.post(url, {"respond-outcome": "resolved", "respond-text": "مشکل برطرف شد"}).status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED
    assert CaseResponse.objects.get(case=case).text == "مشکل برطرف شد"
    page = client.get(reverse("cases:detail", kwargs={"code": case.tracking_code}))
    assert not page.context["can_act"]
    assert fa("The complainant may still take the matter to the administrative violations board; the response says so.") in page.content.decode()
    assert client.post(url, {"respond-outcome": "resolved", "respond-text": "دوباره"}).status_code == 404


def test_attachments_are_served_only_within_scope(client, county_desk):
    client.force_login(county_desk["clerk"].user)
    _post(client, duty_choice=f"duty:{county_desk['duty'].pk}", attachment_1=_png())
    case = Case.objects.get()
    item = case.attachments.get()
    url = reverse("cases:attachment", kwargs={"code": case.tracking_code, "pk": item.pk})
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    stranger = staff_user(roles.PEOPLE_CLERK, unit=OrgUnitFactory())
    client.force_login(stranger.user)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("case_type", [CaseType.IDEA, CaseType.FEELINGS])
def test_ideas_and_feelings_need_no_duty(client, county_desk, case_type):
    client.force_login(county_desk["clerk"].user)
    assert _post(client, case_type).status_code == 302
    assert Case.objects.get().type == case_type


def test_the_competent_body_is_found_by_a_service_name_too(client, county_desk):
    roads = BodyFactory(name_fa="اداره کل راهداری")
    SubServiceFactory(body=roads, title="صدور مجوز عبور وسایل سنگین")
    client.force_login(county_desk["clerk"].user)
    found = _post(client, step="find", duty_choice="outside", find_body="مجوز عبور")
    assert [row["body"] for row in found.context["form"].body_matches] == [roads]
    assert found.context["form"].body_matches[0]["matches"] == ["صدور مجوز عبور وسایل سنگین"]
    own = SubServiceFactory(body=county_desk["unit"].body, title="مجوز عبور محلی")
    again = _post(client, step="find", duty_choice="outside", find_body="مجوز عبور")
    assert own.body not in [row["body"] for row in again.context["form"].body_matches]
