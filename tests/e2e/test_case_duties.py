"""GIVEN a county governor's office whose desk's duties do not cover drinking water, and a water company
with a unit in the same county WHEN the county desk clerk starts registering a citizen's report about
a water cut THEN the page leads them, keeping what they typed, to refer it instead: they find the
water company by a word of the subject, refer it, and the result page shows the tracking code and
the water company's county unit; the case is there, and the applicant got exactly one SMS."""

import pytest
from playwright.sync_api import expect

from apps.cases.models import Case, CaseEvent, CaseNotification
from apps.core import messaging
from apps.core.text import to_persian_digits
from apps.desk.tracking import tracking_code_display
from apps.orgs import roles
from apps.orgs.models import Body, BodyDuty, OrgUnit
from tests.e2e.conftest import DESKTOP
from tests.factories import BodyFactory, CountyFactory, OrgUnitFactory, ProvinceFactory, body_duty, staff_user
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs
MOBILE = "09123456789"
SUBJECT = "قطعی مکرر آب در محله"


@pytest.fixture
def county(db):
    province = ProvinceFactory(code="IR-02")
    county = CountyFactory(province=province, name_fa="شهرستان ساری")
    governorate = BodyFactory(name_fa="استانداری مازندران", kind=Body.Kind.GOVERNORATE)
    office = OrgUnitFactory(body=governorate, level=OrgUnit.Level.COUNTY, province=province, county=county,
                            name="فرمانداری ساری")
    body_duty(governorate, "هماهنگی امور عمرانی شهرستان")
    water = BodyFactory(name_fa="شرکت آب و فاضلاب مازندران")
    BodyDuty.objects.create(body=water, title="تأمین و توزیع آب شرب", keywords="آب، قطعی آب، فشار آب")
    water_unit = OrgUnitFactory(body=water, level=OrgUnit.Level.COUNTY, province=province, county=county,
                                name="امور آب و فاضلاب ساری")
    BodyFactory(name_fa="اداره کل راه و شهرسازی")  # another body the search must leave out
    clerk = staff_user(roles.DESK_CLERK, unit=office)
    return {"clerk": clerk, "office": office, "water": water, "water_unit": water_unit}


def test_a_county_desk_clerk_refers_a_case_outside_the_body_s_duties(page, live_server, login, county, shot):
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(DESKTOP)
    messaging.outbox.clear()
    login(page, county["clerk"].user)

    page.goto(f"{live_server.url}/cases/register/")
    page.get_by_role("link", name=_fa("People's report")).click()
    page.get_by_label(_fa("By phone")).check()
    page.fill("#id_national_code", "0499370899")
    page.fill("#id_full_name", "رضا حسینی")
    page.fill("#id_mobile", MOBILE)
    page.fill("#id_subject", SUBJECT)
    page.fill("#id_description", "از دیروز آب محله قطع است و کسی پاسخ نمی‌دهد.")
    page.fill("#id_place", "ساری، محله پایین‌بازار")
    page.fill("#id_happened_at_0", "1405/09/10")
    page.fill("#id_happened_at_1", "08:00")

    # Nothing in the desk's duties fits: the page leads to the referral, keeping every field.
    page.get_by_role("button", name=_fa("It is outside our duties — show the referral")).click()
    expect(page.locator("#refer-instead")).to_be_visible()
    expect(page.locator("#id_subject")).to_have_value(SUBJECT)
    expect(page.locator("#id_place")).to_have_value("ساری، محله پایین‌بازار")

    page.fill("#id_find_body", "قطعی آب")
    page.get_by_role("button", name=_fa("Find the competent body")).click()
    expect(page.locator("#refer-instead")).to_contain_text("تأمین و توزیع آب شرب")
    options = page.locator("#id_referred_to option").all_inner_texts()
    assert county["water"].name_fa in options
    assert "اداره کل راه و شهرسازی" not in options
    page.select_option("#id_referred_to", label=county["water"].name_fa)
    shot(page, "case-duties-refer")
    page.get_by_role("button", name=_fa("Refer to the competent body")).click()

    case = Case.objects.get()
    expect(page.locator("#tracking-code")).to_have_text(to_persian_digits(tracking_code_display(case.tracking_code)))
    expect(page.locator("#handling-unit")).to_contain_text(county["water_unit"].name)
    expect(page.locator("#sms-told")).to_be_visible()
    shot(page, "case-duties-result")

    assert (case.handling_unit, case.body, case.state, case.unit) == (
        county["water_unit"], county["water"], Case.State.REFERRED, county["office"])
    assert case.channel == Case.Channel.PHONE
    referral = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.REFERRED)
    assert referral.referral_kind == CaseEvent.ReferralKind.DUTIES
    assert CaseNotification.objects.filter(case=case, channel="sms").count() == 1
    texts = [m.text for m in messaging.outbox if m.mobile == MOBILE]
    assert len(texts) == 1
    assert county["water_unit"].name in texts[0]
