import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from apps.cases.models import DEFAULT_DUE_WORKING_DAYS, Case, CaseEvent, CaseType, CaseTypeSetting
from apps.cases.services import case_register
from apps.core.models import Holiday
from apps.core.worktime import TEHRAN
from apps.desk.services import Applicant
from apps.desk.tracking import case_code_is_case
from apps.orgs import roles
from tests.factories import BodyFactory, OrgUnitFactory, StaffFactory, body_duty, staff_user

pytestmark = pytest.mark.django_db

APPLICANT = Applicant(national_code="0013542419", full_name="سارا محمدی", mobile="09121234567")

# Nowruz 1406 and the days around it, as in the official calendar (as tests/audits/test_rounds.py).
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
# Wednesday 26 Esfand 1405, 10:00 in Tehran: the last working day before the Nowruz holidays.
BEFORE_NOWRUZ = dt.datetime(2027, 3, 17, 10, 0, tzinfo=TEHRAN)


@pytest.fixture
def nowruz(db):
    for day, title in HOLIDAYS.items():
        Holiday.objects.get_or_create(date=day, province=None, defaults={"title": title})


def _register(case_type=CaseType.REQUEST, *, unit=None, **details) -> Case:
    unit = unit or OrgUnitFactory()
    if not {"service", "duty", "referred_to"} & set(details):
        details["duty"] = body_duty(details.get("body") or unit.body)
    return case_register(
        case_type=case_type, level=Case.Level.PROVINCE, unit=unit, applicant=APPLICANT,
        subject="موضوع", description="شرح مورد", **details,
    )


def _errors(case_type, **details) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        _register(case_type, **details)
    return caught.value.message_dict


def test_registering_a_case_writes_its_code_due_time_and_first_timeline_line(clerk):
    case = _register(unit=clerk.unit, by=clerk)

    case.refresh_from_db()
    assert case_code_is_case(case.tracking_code)
    assert case.state == Case.State.REGISTERED
    assert case.body == clerk.unit.body
    assert case.due_at > case.created_at
    assert list(case.events.values_list("kind", "actor")) == [(CaseEvent.Kind.REGISTERED, clerk.pk)]


@pytest.mark.parametrize("case_type", [CaseType.REQUEST, CaseType.CONSULTATION, CaseType.FEELINGS, CaseType.IDEA])
def test_types_without_details_of_their_own_register_with_the_common_fields(case_type):
    assert _register(case_type).type == case_type


@pytest.mark.parametrize(
    ("case_type", "field", "message"),
    [
        (CaseType.COMPLAINT, "complained_body", "A complaint names the body or unit it is about."),
        (CaseType.REPORT, "place", "A people's report names the place where it happened."),
        (CaseType.THANKS, "employee", "Thanks name the employee being thanked."),
    ],
)
def test_each_type_refuses_a_case_without_its_own_details(case_type, field, message):
    with translation.override("en"):
        assert _errors(case_type)[field] == [message]
    assert not Case.objects.exists()


def test_the_refusal_is_in_persian_by_default():
    with translation.override("fa"):
        message = _errors(CaseType.THANKS)["employee"][0]
    assert message != "Thanks name the employee being thanked."
    assert "کارمند" in message


def test_a_complaint_naming_an_official_needs_the_post_and_its_unit_in_the_body():
    unit = OrgUnitFactory()
    with translation.override("en"):
        errors = _errors(CaseType.COMPLAINT, complained_body=BodyFactory(), complained_unit=unit, official_name="رضا کریمی")
    assert set(errors) == {"complained_unit", "official_post"}


def test_a_complaint_about_a_unit_takes_the_unit_s_body():
    unit = OrgUnitFactory()
    case = _register(CaseType.COMPLAINT, complained_unit=unit, official_name="رضا کریمی", official_post="مدیرکل")
    assert case.complained_body == unit.body


def test_details_of_another_type_are_refused():
    with translation.override("en"):
        errors = _errors(CaseType.REQUEST, place="میدان آزادی", employee=StaffFactory())
    assert errors == {
        "place": ["This field is only for a People's report."],
        "employee": ["This field is only for a Thanks."],
    }


def test_a_report_cannot_have_happened_in_the_future():
    errors = _errors(CaseType.REPORT, place="پارک ملت", happened_at=timezone.now() + dt.timedelta(days=1))
    assert list(errors) == ["happened_at"]


def test_thanks_and_reports_with_their_details_register():
    employee = StaffFactory()
    assert _register(CaseType.THANKS, employee=employee).employee == employee
    assert _register(CaseType.REPORT, place="پارک ملت", happened_at=timezone.now()).place == "پارک ملت"


def test_an_invalid_national_code_or_mobile_is_refused_on_its_field():
    with pytest.raises(ValidationError) as caught:
        case_register(
            case_type=CaseType.REQUEST, level=Case.Level.COUNTY, unit=OrgUnitFactory(), subject="موضوع", description="شرح",
            applicant=Applicant(national_code="1234567890", full_name="سارا محمدی", mobile="09121234567"),
        )
    assert list(caught.value.message_dict) == ["national_code"]


def test_persian_digits_in_the_national_code_and_mobile_are_stored_as_ascii():
    applicant = Applicant(national_code="۰۰۱۳۵۴۲۴۱۹", full_name="سارا محمدی", mobile="۰۹۱۲۱۲۳۴۵۶۷")
    case = case_register(case_type=CaseType.IDEA, level=Case.Level.NATIONAL, unit=OrgUnitFactory(),
                         applicant=applicant, subject="ایده", description="شرح")
    assert (case.national_code, case.mobile) == ("0013542419", "09121234567")


def test_over_long_text_is_refused():
    with pytest.raises(ValidationError) as caught:
        case_register(case_type=CaseType.REQUEST, level=Case.Level.COUNTY, unit=OrgUnitFactory(), applicant=APPLICANT, channel="online",
                      subject="س" * 201, description="ش" * 4001)
    assert set(caught.value.message_dict) == {"subject", "description"}


# --- due time -------------------------------------------------------------------------------------

# Counted by hand on the 1406 calendar from Wednesday 17 March 2027: Friday off, Nowruz 20–24 March,
# and 1–3 April (1 April a Thursday, 2 April a Friday anyway).
DUE_OVER_NOWRUZ = {
    CaseType.CONSULTATION: dt.date(2027, 3, 27),  # 3: Thu 18, Thu 25, Sat 27
    CaseType.FEELINGS: dt.date(2027, 3, 29),  # 5: … Sun 28, Mon 29
    CaseType.REPORT: dt.date(2027, 3, 31),  # 7: … Tue 30, Wed 31
    CaseType.COMPLAINT: dt.date(2027, 4, 6),  # 10: … Sun 4, Mon 5, Tue 6
    CaseType.REQUEST: dt.date(2027, 4, 6),
    CaseType.THANKS: dt.date(2027, 3, 29),
}


def _details(case_type) -> dict:
    return {
        CaseType.COMPLAINT: {"complained_body": BodyFactory()},
        CaseType.REPORT: {"place": "پارک ملت"},
        CaseType.THANKS: {"employee": StaffFactory()},
    }.get(case_type, {})


@pytest.mark.parametrize(("case_type", "due"), DUE_OVER_NOWRUZ.items())
def test_due_time_per_type_counts_working_days_over_the_nowruz_holidays(nowruz, monkeypatch, case_type, due):
    monkeypatch.setattr(timezone, "now", lambda: BEFORE_NOWRUZ)
    case = _register(case_type, **_details(case_type))
    assert case.due_at == dt.datetime.combine(due, dt.time(10, 0), tzinfo=TEHRAN)
    assert DEFAULT_DUE_WORKING_DAYS[case_type] <= (due - BEFORE_NOWRUZ.date()).days


def test_the_administrator_s_setting_changes_the_due_time(nowruz, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: BEFORE_NOWRUZ)
    CaseTypeSetting.objects.create(type=CaseType.COMPLAINT, due_working_days=2)
    case = _register(CaseType.COMPLAINT, complained_body=BodyFactory())
    assert case.due_at == dt.datetime(2027, 3, 25, 10, 0, tzinfo=TEHRAN)  # Thu 18, then Thu 25 after Nowruz
    # Other types keep their defaults.
    assert _register(CaseType.CONSULTATION).due_at.date() == dt.date(2027, 3, 27)


def test_the_administrator_edits_the_due_time_in_the_admin(client):
    user = staff_user(roles.ADMINISTRATOR).user
    user.is_superuser = True
    user.save()
    client.force_login(user)
    page = client.post(
        reverse("admin:cases_casetypesetting_add"), {"type": CaseType.IDEA, "due_working_days": "20"}
    )
    assert page.status_code == 302
    assert CaseTypeSetting.objects.get(type=CaseType.IDEA).due_working_days == 20
    refused = client.post(
        reverse("admin:cases_casetypesetting_add"), {"type": CaseType.THANKS, "due_working_days": "0"}
    )
    assert refused.status_code == 200
    assert not CaseTypeSetting.objects.filter(type=CaseType.THANKS).exists()
