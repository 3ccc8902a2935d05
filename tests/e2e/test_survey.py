"""The satisfaction questionnaire on a phone: from the tracking page, behind the national code, to
the thank-you page; and the clerk typing in a paper form at the desk."""

import pytest
from playwright.sync_api import expect

from apps.core.text import to_persian_digits
from apps.feedback.models import Axis, Question, Questionnaire, SurveyResponse
from apps.feedback.questionnaire_seed import QUESTIONS, TABLE5_AXES, questionnaire_seed
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import BodyFactory, OrgUnitFactory, answered_request, staff_user
from tests.i18n import fa as _fa

# The questionnaire and the holidays come from data migrations, which a transactional test's flush
# would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 20_000  # ms; two cores shared with other test runs
NATIONAL_CODE = "0499370899"  # tests.factories.registered_request
BODY = "اداره کل ثبت اسناد و املاک استان مازندران"
HEAD, HEAD_POST = "محمود نوربخش", "مدیرکل"


@pytest.fixture
def desk(db):
    # serialized_rollback puts the migrations' rows back only while the test thread still holds the
    # connection it was set up with; once Playwright's loop runs in that thread, Django hands out a
    # fresh connection object and the restore is skipped. Version 1 is seeded here if it is missing.
    questionnaire_seed(Questionnaire, Axis, Question)
    body = BodyFactory(name_fa=BODY, head_name=HEAD, head_post=HEAD_POST)
    return OrgUnitFactory(name="اداره ثبت اسناد و املاک ساری", body=body)


def test_citizen_answers_the_questionnaire_on_a_phone(page, live_server, desk, shot, no_horizontal_overflow):
    """GIVEN a delivered request
    WHEN the applicant opens the tracking page on a 360 px phone, confirms the national code (typed
    in Persian digits), opens the questionnaire, sends it with one question unanswered, answers it
    and sends again
    THEN the form shows the body, its head's greeting and the 16 questions under the 6 axes of table
    5, the missing answer is pointed out, the thank-you page follows, the answers are stored once,
    and the tracking page no longer offers the questionnaire."""
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(PHONE)
    sr = answered_request(unit=desk)

    page.goto(f"{live_server.url}/track/?code={sr.tracking_code}")
    expect(page.locator("a[href*='/feedback/survey/']")).to_have_count(0)
    page.fill("#nc", to_persian_digits(NATIONAL_CODE))
    with page.expect_navigation():
        page.click("form[method=post] button[type=submit]")
    offer = page.locator(".sv-offer a")
    expect(offer).to_have_text(_fa("Fill in the satisfaction questionnaire"))
    no_horizontal_overflow(page)
    shot(page, "survey-1-track-offer")

    with page.expect_navigation():
        offer.click()
    assert page.url == f"{live_server.url}/feedback/survey/{sr.tracking_code}/"
    assert page.get_attribute("html", "dir") == "rtl"
    head = page.locator(".sv-head")
    expect(head.locator(".sv-body")).to_have_text(BODY)
    expect(head.locator(".sv-sign")).to_contain_text(HEAD)
    expect(head.locator(".sv-sign")).to_contain_text(HEAD_POST)
    expect(page.locator(".sv-axis h2")).to_have_text([title for _order, title, _numbers in TABLE5_AXES])
    expect(page.locator("fieldset.sv-q")).to_have_count(16)
    expect(page.locator("fieldset.sv-q legend")).to_have_text(
        [f"{to_persian_digits(n)}{text}" for n, text in QUESTIONS.items()]
    )
    expect(page.locator("#q1 .sv-opt")).to_have_text(["خیلی زیاد", "زیاد", "متوسط", "کم", "خیلی کم"])
    no_horizontal_overflow(page)
    shot(page, "survey-2-form-empty")

    page.locator("#id_gender label", has_text=_fa("Female")).click()
    page.locator("#id_age_band label", has_text=_fa("25 to 40")).click()
    page.select_option("#id_education", "bachelor")
    page.fill("#id_visits_past_year", "۲")
    # "Much" (4) everywhere except item 9 ("how many times did you have to come"): "very little".
    for number in QUESTIONS:
        if number != 12:
            page.locator(f"#q{number} .sv-opt").nth(4 if number == 9 else 1).click()
    assert page.is_checked("#q9 .sv-opt:nth-child(5) input")
    page.fill("#id_suggestions", "لطفاً ساعت کاری میز خدمت را تا عصر ادامه دهید.")
    with page.expect_navigation():
        page.click("form.sv-form button[type=submit]")

    expect(page.locator(".errorbox")).to_be_visible()
    expect(page.locator("fieldset.sv-q.has-error")).to_have_count(1)
    expect(page.locator("#q12")).to_have_class("sv-q has-error")
    assert page.is_checked("#q9 .sv-opt:nth-child(5) input")  # what was answered is kept
    assert not SurveyResponse.objects.exists()
    jump = page.locator(".sv-errors a")
    expect(jump).to_have_text([to_persian_digits("12")])
    jump.click()  # a plain anchor: the phone scrolls to the red question
    assert page.url.endswith("#q12")
    no_horizontal_overflow(page)
    shot(page, "survey-3-form-missing-answer")

    page.locator("#q12 .sv-opt").nth(0).click()
    with page.expect_navigation():
        page.click("form.sv-form button[type=submit]")
    assert page.url == f"{live_server.url}/feedback/survey/{sr.tracking_code}/thanks/"
    expect(page.locator("h1")).to_have_text(_fa("Thank you! Your answers were recorded."))
    no_horizontal_overflow(page)
    shot(page, "survey-4-thanks")

    response = SurveyResponse.objects.get(request=sr)
    values = dict(response.answers.values_list("question__number", "value"))
    assert values == {**dict.fromkeys(range(1, 17), 4), 9: 1, 12: 5}
    assert (response.source, response.gender, response.age_band, response.visits_past_year) == (
        "online",
        "female",
        "25-40",
        2,
    )

    page.goto(f"{live_server.url}/track/?code={sr.tracking_code}")
    expect(page.locator(".sv-offer")).to_contain_text(
        _fa("Thank you for filling in the satisfaction questionnaire.")
    )
    expect(page.locator("a[href*='/feedback/survey/']")).to_have_count(0)
    page.goto(f"{live_server.url}/feedback/survey/{sr.tracking_code}/")
    expect(page.locator("h1")).to_have_text(
        _fa("The questionnaire for this request has already been filled in.")
    )
    shot(page, "survey-5-already-answered")


def test_clerk_types_in_a_paper_questionnaire(page, live_server, login, desk, shot, no_horizontal_overflow):
    """GIVEN a refused request (the questionnaire opens without delivery) and its paper form
    WHEN the clerk opens the request page, follows "enter a paper questionnaire" and ticks the answers
    THEN the response is stored as paper, entered by that clerk, and the request page says so."""
    page.set_default_timeout(WAIT)
    expect.set_options(timeout=WAIT)
    page.set_viewport_size(DESKTOP)
    clerk = staff_user(roles.DESK_CLERK, unit=desk)
    sr = answered_request(unit=desk, outcome="refused", deliver=False)

    login(page, clerk.user)
    page.goto(f"{live_server.url}/desk/requests/{sr.pk}/")
    expect(page.locator("#survey a[href$='/paper/']")).to_be_visible()
    expect(page.locator("#survey a[href*='paper.pdf']")).to_be_visible()
    with page.expect_navigation():
        page.click("#survey a[href$='/paper/']")

    for number in QUESTIONS:
        if number != 6:  # left blank on paper
            page.locator(f"#q{number} .sv-opt").nth(2).click()
    no_horizontal_overflow(page)
    shot(page, "survey-paper-entry-desktop")
    with page.expect_navigation():
        page.click("form.sv-form button[type=submit]")
    assert page.url == f"{live_server.url}/desk/requests/{sr.pk}/"
    expect(page.locator("#survey")).to_contain_text(_fa("Paper form entered at the desk"))
    page.locator("#survey").scroll_into_view_if_needed()
    shot(page, "survey-paper-entry-recorded")

    response = SurveyResponse.objects.get(request=sr)
    assert response.source == "paper"
    assert response.entered_by == clerk
    assert response.answers.count() == 15
