"""The ideas working group (charter 3-17 to 3-21): accept and refer, merge, decline, the competent
body's result, the pages of the group and the body, and the public list without personal data."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.cases import ideas
from apps.cases.models import Case, CaseEvent, CaseNotification, CaseResponse, IdeaReview
from apps.core import messaging
from apps.core.text import to_persian_digits
from apps.orgs import roles
from apps.orgs.models import Body
from tests.factories import BodyFactory, OrgUnitFactory, hq_unit, registered_case, staff_user
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db

PROPOSER_MOBILE = "09121234567"  # tests.factories.registered_case
PROPOSER_CODE = "0499370899"
PROPOSER_NAME = "سارا محمدی"


@pytest.fixture
def desk():
    return OrgUnitFactory(name="میز ارتباطات مردمی استانداری")


@pytest.fixture
def body_unit(desk):
    body = BodyFactory(name_fa="سازمان حفاظت محیط زیست")
    hq_unit(body=body, name="ستاد سازمان حفاظت محیط زیست")
    return OrgUnitFactory(body=body, province=desk.province, name="اداره کل حفاظت محیط زیست استان")


@pytest.fixture
def member():
    centre = BodyFactory(kind=Body.Kind.CENTRE, name_fa="مرکز ارتباطات مردمی")
    return staff_user(roles.IDEAS_MEMBER, unit=hq_unit(body=centre))


@pytest.fixture
def body_clerk(body_unit):
    return staff_user(roles.PEOPLE_CLERK, unit=body_unit)


def _idea(desk, **kwargs) -> IdeaReview:
    case = registered_case(case_type="idea", unit=desk, channel="online", **kwargs)
    return case.idea


def _accept(review, member, body_unit, **overrides) -> IdeaReview:
    data = {
        "review": review, "by": member, "competent_body": body_unit.body,
        "public_title": "کاشت درخت در حاشیه جاده‌ها",
        "public_summary": "پیشنهاد شده است که حاشیه جاده‌های استان درخت‌کاری شود.",
    }
    return ideas.idea_accept(**{**data, **overrides})


def _sms(kind: str, case: Case) -> list[CaseNotification]:
    return list(CaseNotification.objects.filter(case=case, event__kind=kind, channel=CaseNotification.Channel.SMS))


# --- services ------------------------------------------------------------------------------------


def test_accepting_an_idea_refers_it_to_the_competent_bodys_nearest_unit_and_tells_the_proposer_once(
    desk, body_unit, member, django_capture_on_commit_callbacks
):
    review = _idea(desk)
    messaging.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _accept(review, member, body_unit, note="با اولویت بررسی شود")

    review.refresh_from_db()
    case = review.case
    assert review.state == IdeaReview.State.REFERRED
    assert (review.competent_body, review.reviewed_by) == (body_unit.body, member)
    assert (case.state, case.handling_unit, case.body) == (Case.State.REFERRED, body_unit, body_unit.body)
    kinds = list(case.events.values_list("kind", "public"))
    assert kinds[-2:] == [(CaseEvent.Kind.IDEA_REVIEW, True), (CaseEvent.Kind.REFERRED, False)]
    referral = case.events.get(kind=CaseEvent.Kind.REFERRED)
    assert (referral.from_unit, referral.to_unit, referral.note) == (desk, body_unit, "با اولویت بررسی شود")
    sent = [m.text for m in messaging.outbox if m.mobile == PROPOSER_MOBILE]
    assert len(sent) == 1
    assert "کارگروه ایده‌ها" in sent[0]
    assert "سازمان حفاظت محیط زیست" in sent[0]


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("public_title", "", "عنوانی برای صفحهٔ عمومی"),
        ("public_summary", "   ", "خلاصه‌ای برای صفحهٔ عمومی"),
        ("public_title", "x" * 201, "200"),
        ("public_summary", f"پیشنهاد {PROPOSER_NAME} درباره درخت", "نام پیشنهاددهنده"),
        ("public_summary", f"تماس: {to_persian_digits(PROPOSER_MOBILE)}", "کد ملی یا شماره همراه"),
        ("public_title", f"ایده {PROPOSER_CODE}", "کد ملی یا شماره همراه"),
        ("public_summary", "کد پیگیری ۰۱۲۳۴۵۶۷۸۹۰", "عدد طولانی"),
        ("public_summary", "a@example.ir", "نشانی ایمیل"),
    ],
)
def test_accepting_refuses_public_texts_that_are_missing_too_long_or_personal(desk, body_unit, member, field, text, message):
    review = _idea(desk)
    with pytest.raises(ValidationError) as caught:
        _accept(review, member, body_unit, **{field: text})
    assert message in " ".join(caught.value.message_dict[field])
    review.refresh_from_db()
    assert review.state == IdeaReview.State.PENDING
    assert review.case.handling_unit == desk


def test_accepting_needs_an_executive_body_with_a_unit_and_a_pending_idea(desk, body_unit, member):
    review = _idea(desk)
    with pytest.raises(ValidationError) as caught:
        _accept(review, member, body_unit, competent_body=None)
    assert "competent_body" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _accept(review, member, body_unit, competent_body=member.unit.body)  # the centre
    assert "competent_body" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _accept(review, member, body_unit, competent_body=BodyFactory())  # no unit
    assert "competent_body" in caught.value.message_dict
    _accept(review, member, body_unit)
    with pytest.raises(ValidationError):
        _accept(review, member, body_unit)


def test_merging_a_duplicate_closes_it_with_a_response_naming_the_earlier_idea(desk, member, django_capture_on_commit_callbacks):
    earlier = _idea(desk)
    later = _idea(desk)
    messaging.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ideas.idea_merge(review=later, into=earlier.case, by=member)

    later.refresh_from_db()
    assert (later.state, later.merged_into) == (IdeaReview.State.MERGED, earlier.case)
    case = later.case
    assert case.state == Case.State.CLOSED
    assert case.closed_at is not None
    response = case.responses.get()
    assert response.outcome == CaseResponse.Outcome.ANSWERED
    assert earlier.case.tracking_code in response.text
    assert len(_sms(CaseEvent.Kind.IDEA_REVIEW, case)) == 1
    assert len([m for m in messaging.outbox if m.mobile == PROPOSER_MOBILE]) == 1


def test_merging_refuses_itself_a_later_idea_a_merged_idea_and_a_case_that_is_not_an_idea(desk, member):
    first, second, third = _idea(desk), _idea(desk), _idea(desk)
    with pytest.raises(ValidationError, match=r"itself|خودش"):
        ideas.idea_merge(review=second, into=second.case, by=member)
    with pytest.raises(ValidationError) as caught:
        ideas.idea_merge(review=first, into=second.case, by=member)
    assert "into" in caught.value.message_dict
    ideas.idea_merge(review=second, into=first.case, by=member)
    with pytest.raises(ValidationError) as caught:
        ideas.idea_merge(review=third, into=second.case, by=member)  # merged itself
    assert "into" in caught.value.message_dict
    request_case = registered_case(case_type="request", unit=desk)
    with pytest.raises(ValidationError) as caught:
        ideas.idea_merge(review=third, into=request_case, by=member)
    assert "into" in caught.value.message_dict
    third.refresh_from_db()
    assert third.state == IdeaReview.State.PENDING


def test_declining_needs_a_reason_and_closes_the_case_with_it(desk, member, django_capture_on_commit_callbacks):
    review = _idea(desk)
    with pytest.raises(ValidationError) as caught:
        ideas.idea_decline(review=review, by=member, reason="  ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):
        ideas.idea_decline(review=review, by=member, reason="x" * 2001)
    messaging.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ideas.idea_decline(review=review, by=member, reason="این کار پیش‌تر انجام شده است.")

    review.refresh_from_db()
    assert (review.state, review.decline_reason) == (IdeaReview.State.DECLINED, "این کار پیش‌تر انجام شده است.")
    response = review.case.responses.get()
    assert (response.outcome, response.text) == (CaseResponse.Outcome.REJECTED, "این کار پیش‌تر انجام شده است.")
    assert review.case.state == Case.State.CLOSED
    texts = [m.text for m in messaging.outbox if m.mobile == PROPOSER_MOBILE]
    assert len(texts) == 1
    assert "این کار پیش‌تر انجام شده است." in texts[0]


def test_the_bodys_result_closes_the_idea_and_tells_the_proposer_once_and_the_centre(
    desk, body_unit, member, body_clerk, django_capture_on_commit_callbacks
):
    review = _accept(_idea(desk), member, body_unit)
    with pytest.raises(ValidationError) as caught:
        ideas.idea_result(review=review, by=body_clerk, result="done", text="")
    assert set(caught.value.message_dict) == {"result", "text"}
    messaging.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ideas.idea_result(review=review, by=body_clerk, result=IdeaReview.Result.PLANNED, text="در برنامه سال آینده است.")

    review.refresh_from_db()
    assert (review.state, review.result, review.result_by) == (IdeaReview.State.REVIEWED, "planned", body_clerk)
    case = review.case
    assert case.state == Case.State.CLOSED
    response = case.responses.get()
    assert (response.outcome, response.unit) == (CaseResponse.Outcome.RESOLVED, body_unit)
    assert "در برنامه سال آینده است." in response.text
    assert len(_sms(CaseEvent.Kind.IDEA_RESULT, case)) == 1
    texts = [m.text for m in messaging.outbox if m.mobile == PROPOSER_MOBILE]
    assert len(texts) == 1
    assert _fa("Accepted for implementation") in texts[0]
    # The centre: the result is on the working group's "reviewed" tab.
    assert list(ideas.idea_queue(user=member.user, tab="reviewed")) == [review]
    with pytest.raises(ValidationError):
        ideas.idea_result(review=review, by=body_clerk, result=IdeaReview.Result.IMPLEMENTED, text="دوباره")


def test_only_a_referred_idea_gets_a_result(desk, body_clerk):
    review = _idea(desk)
    with pytest.raises(ValidationError):
        ideas.idea_result(review=review, by=body_clerk, result=IdeaReview.Result.IMPLEMENTED, text="انجام شد")


# --- pages of the working group and the body -----------------------------------------------------


def test_the_queue_is_for_the_working_group_and_cheap(client, desk, member, django_assert_max_num_queries):
    clerk = staff_user(roles.PEOPLE_CLERK, unit=desk)
    client.force_login(clerk.user)
    assert client.get(reverse("ideas:review_queue")).status_code == 403
    client.force_login(member.user)
    for _n in range(3):
        _idea(desk)
    with django_assert_max_num_queries(10) as few:
        page = client.get(reverse("ideas:review_queue"))
    assert len(page.context["reviews"]) == 3
    for _n in range(12):
        _idea(OrgUnitFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("ideas:review_queue"))
    assert len(page.context["reviews"]) == 15
    assert {k: n for k, _label, n in page.context["tabs"]}["pending"] == 15


def test_a_centre_reviewer_accepts_an_idea_on_its_page_and_errors_keep_what_was_typed(client, desk, body_unit):
    reviewer = staff_user(roles.CENTRE_REVIEWER, unit=hq_unit())
    review = _idea(desk)
    client.force_login(reviewer.user)
    url = reverse("ideas:review_detail", args=[review.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "شرح مورد" in page.content.decode()

    bad = client.post(url, {
        "action": "accept", "accept-competent_body": body_unit.body.pk,
        "accept-public_title": "عنوان خوب", "accept-public_summary": f"از طرف {PROPOSER_NAME}",
    })
    html = bad.content.decode()
    assert "نام پیشنهاددهنده" in html
    assert "عنوان خوب" in html
    review.refresh_from_db()
    assert review.state == IdeaReview.State.PENDING

    done = client.post(url, {
        "action": "accept", "accept-competent_body": body_unit.body.pk,
        "accept-public_title": "عنوان خوب", "accept-public_summary": "خلاصه بدون نام",
    })
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.state == IdeaReview.State.REFERRED


def test_merge_by_a_mistyped_or_unknown_code_is_refused_on_the_page(client, desk, member):
    earlier, later = _idea(desk), _idea(desk)
    client.force_login(member.user)
    url = reverse("ideas:review_detail", args=[later.pk])
    code = earlier.case.tracking_code
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    page = client.post(url, {"action": "merge", "merge-into": typo})
    assert "رقم کنترل" in page.content.decode()
    page = client.post(url, {"action": "merge", "merge-into": to_persian_digits(code)})
    assert page.status_code == 302
    later.refresh_from_db()
    assert later.merged_into == earlier.case


def test_the_body_sees_only_ideas_referred_to_its_units_and_records_the_result(client, desk, body_unit, member, body_clerk, django_assert_max_num_queries):
    mine = _accept(_idea(desk), member, body_unit)
    other_unit = OrgUnitFactory(province=desk.province)
    theirs = _accept(_idea(desk), member, other_unit, public_title="عنوان دیگر", public_summary="خلاصه دیگر")
    client.force_login(body_clerk.user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("ideas:body_list"))
    assert list(page.context["reviews"]) == [mine]
    assert client.get(reverse("ideas:body_detail", args=[theirs.pk])).status_code == 404

    url = reverse("ideas:body_detail", args=[mine.pk])
    bad = client.post(url, {"result": "implemented", "text": ""})
    assert bad.status_code == 200
    assert "form" in bad.context
    assert bad.context["form"].errors
    done = client.post(url, {"result": "implemented", "text": "در سه محور اجرا شد."})
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.state == IdeaReview.State.REVIEWED
    page = client.get(reverse("ideas:body_list") + "?tab=reviewed")
    assert list(page.context["reviews"]) == [mine]


def test_the_body_pages_need_a_case_role(client, body_unit):
    officer = staff_user(roles.UNIT_OFFICER, unit=body_unit)
    client.force_login(officer.user)
    assert client.get(reverse("ideas:body_list")).status_code == 403


# --- the public page -----------------------------------------------------------------------------


def test_the_public_list_shows_accepted_ideas_and_outcomes_and_no_personal_data(client, desk, body_unit, member, body_clerk, django_assert_max_num_queries):
    reviewed = _accept(_idea(desk), member, body_unit)
    ideas.idea_result(review=reviewed, by=body_clerk, result=IdeaReview.Result.IMPLEMENTED, text="متن نتیجه برای پیشنهاددهنده")
    _accept(_idea(desk), member, body_unit, public_title="عنوان دوم", public_summary="خلاصه دوم")
    pending = _idea(desk)
    declined = _idea(desk)
    ideas.idea_decline(review=declined, by=member, reason="دلیل رد")

    with django_assert_max_num_queries(3):
        page = client.get("/ideas/")
    html = page.content.decode()
    assert page.status_code == 200
    assert len(page.context["reviews"]) == 2
    assert "کاشت درخت در حاشیه جاده‌ها" in html
    assert "عنوان دوم" in html
    assert "خلاصه دوم" in html
    assert "سازمان حفاظت محیط زیست" in html
    assert _fa("Implemented") in html
    for secret in (
        PROPOSER_NAME, PROPOSER_CODE, to_persian_digits(PROPOSER_CODE), PROPOSER_MOBILE, to_persian_digits(PROPOSER_MOBILE),
        "شرح مورد", "موضوع مورد", "متن نتیجه برای پیشنهاددهنده", "دلیل رد",
        pending.case.tracking_code, to_persian_digits(pending.case.tracking_code),
        to_persian_digits(reviewed.case.tracking_code), reviewed.case.tracking_code,
    ):
        assert secret not in html, secret


def test_the_public_list_is_paginated(client, desk, body_unit, member):
    for n in range(23):
        _accept(_idea(desk), member, body_unit, public_title=f"ایده شماره {n}")
    first = client.get("/ideas/")
    assert len(first.context["reviews"]) == 20
    second = client.get("/ideas/?page=2")
    assert len(second.context["reviews"]) == 3
    assert "ایده شماره 0" in second.content.decode()


def test_the_public_list_is_rate_limited_per_address(client, settings):
    settings.PUBLIC_SEARCH_RATE = "3/h"  # an hour-long window: the limit cannot reset mid-test
    for _n in range(3):
        assert client.get("/ideas/").status_code == 200
    assert client.get("/ideas/").status_code == 429


def test_the_public_list_answers_only_safe_methods(client):
    assert client.post("/ideas/").status_code == 405
