"""Staff ratings (SPEC §5.2): the public page's rules against abuse, held bursts and their review,
and the aggregates every dashboard builds on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.models import ChangeRecord
from apps.desk.tracking import tracking_code_new
from apps.feedback import ratings, services
from apps.feedback.models import StaffRating
from apps.feedback.views.qr import DEVICE_COOKIE
from apps.orgs import roles
from apps.orgs.models import Staff
from tests.factories import (
    OrgUnitFactory,
    StaffFactory,
    StaffRatingFactory,
    UserFactory,
    rating_submit,
    staff_user,
)
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db

TEHRAN = timezone.get_fixed_timezone(210)  # +03:30, Iran's offset all year since 2022


@pytest.fixture
def member(unit):
    return StaffFactory(unit=unit, first_name="نرگس", last_name="صالحی", post="کارشناس صدور پروانه")


@pytest.fixture
def code(member, clerk):
    return services.staff_qr_issue(staff=member, by=clerk)


def _rate(client, code, **data):
    return client.post(reverse("rate", args=[code.token]), {"score": 5, **data})


def test_the_page_opens_without_login_and_sets_a_device_cookie_for_a_year(client, code, member):
    page = client.get(reverse("rate", args=[code.token]))
    body = page.content.decode()
    assert page.status_code == 200
    assert member.full_name in body
    assert member.post in body
    assert member.unit.name in body
    assert body.count('type="radio" name="score"') == 5
    cookie = page.cookies[DEVICE_COOKIE]
    assert cookie["max-age"] == 365 * 24 * 3600
    assert cookie["httponly"]
    # The cookie is signed: a forged one counts as no cookie.
    assert ":" in cookie.value


def test_a_citizen_rates_and_sees_the_thank_you_page(client, code, member):
    client.get(reverse("rate", args=[code.token]))
    tracking = tracking_code_new()
    response = _rate(
        client, code, score=4, comment="برخورد محترمانه", tracking_code=tracking, mobile="۰۹۱۲۱۲۳۴۵۶۷"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("rate_thanks", args=[code.token])
    rating = StaffRating.objects.get()
    assert (rating.staff, rating.score, rating.comment) == (member, 4, "برخورد محترمانه")
    assert rating.tracking_code == tracking
    assert rating.mobile == "09121234567"
    assert (rating.unit, rating.body, rating.province) == (member.unit, member.body, member.unit.province)
    assert not rating.flagged
    assert len(rating.device_key) == 64
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert member.full_name in thanks.content.decode()


def test_one_rating_per_employee_per_device_per_day(client, code, member, clerk):
    client.get(reverse("rate", args=[code.token]))
    assert _rate(client, code).status_code == 302
    again = _rate(client, code, score=1)
    assert again.status_code == 200
    assert _fa("You have already rated this colleague today.") in again.content.decode()
    assert StaffRating.objects.count() == 1
    # Reopening the page shows the notice instead of the form.
    page = client.get(reverse("rate", args=[code.token]))
    assert page.context["already"]
    assert 'name="score"' not in page.content.decode()
    # Another colleague may be rated from the same phone the same day.
    other = services.staff_qr_issue(staff=StaffFactory(unit=member.unit), by=clerk)
    assert _rate(client, other).status_code == 302


def test_the_day_is_the_tehran_calendar_day(code):
    late = dt.datetime(2026, 11, 22, 23, 50, tzinfo=TEHRAN)
    rating_submit(code, device="phone-1", now=late)
    with pytest.raises(services.AlreadyRated):
        rating_submit(code, device="phone-1", now=late + dt.timedelta(minutes=5))
    # Ten past midnight in Tehran (20:40 UTC the day before) is a new day.
    rating_submit(code, device="phone-1", now=late + dt.timedelta(minutes=20))
    assert StaffRating.objects.count() == 2


def test_one_rating_per_mobile_per_day_whatever_the_device(code):
    first, second = Client(), Client(HTTP_USER_AGENT="another phone")
    first.get(reverse("rate", args=[code.token]))
    second.get(reverse("rate", args=[code.token]))
    assert _rate(first, code, mobile="09121234567").status_code == 302
    refused = _rate(second, code, mobile="+98 912 123 4567")
    assert _fa("You have already rated this colleague today.") in refused.content.decode()
    assert _rate(second, code, mobile="").status_code == 302  # without the number it is another device
    assert StaffRating.objects.count() == 2


def test_a_browser_without_cookies_is_still_one_device(code):
    # A script that never keeps the cookie gets a new id on every request; the rule must not reset.
    assert _rate(Client(), code).status_code == 302
    assert _fa("You have already rated this colleague today.") in _rate(Client(), code).content.decode()
    assert StaffRating.objects.count() == 1


def test_a_mistyped_tracking_code_is_refused(client, code):
    good = tracking_code_new()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    page = _rate(client, code, tracking_code=bad)
    assert page.status_code == 200
    assert "tracking_code" in page.context["form"].errors
    assert not StaffRating.objects.exists()
    with pytest.raises(ValidationError):
        rating_submit(code, tracking_code=bad)
    assert _rate(client, code, tracking_code=f"{good[:3]}-{good[3:7]}-{good[7:]}").status_code == 302


def test_bad_input_is_refused_politely(client, code):
    assert "score" in _rate(client, code, score="").context["form"].errors
    assert "score" in _rate(client, code, score=9).context["form"].errors
    assert "comment" in _rate(client, code, comment="x" * 1001).context["form"].errors
    assert "mobile" in _rate(client, code, mobile="0912abc4567").context["form"].errors
    assert not StaffRating.objects.exists()


def test_a_revoked_card_takes_no_rating(client, code, member, clerk):
    client.get(reverse("rate", args=[code.token]))
    services.staff_qr_reissue(staff=member, by=clerk)
    assert _rate(client, code).status_code == 404
    with pytest.raises(ValidationError):
        rating_submit(code)
    assert not StaffRating.objects.exists()


def test_ratings_per_address_are_limited(code, member, clerk, settings):
    settings.RATING_RATE = "3/h"
    others = [services.staff_qr_issue(staff=StaffFactory(unit=member.unit), by=clerk) for _ in range(4)]
    statuses = [_rate(Client(), c).status_code for c in others]
    assert statuses == [302, 302, 302, 429]
    assert Client().get(reverse("rate", args=[code.token])).status_code == 200  # reading is not limited
    assert StaffRating.objects.count() == 3


def test_a_burst_is_held_out_of_the_average_until_reviewed(client, code, member, supervisor, settings):
    """GIVEN an employee with three ordinary ratings (2, 3 and 4) WHEN thirty ratings of 5 arrive
    within two minutes THEN all thirty are held, the average stays 3.0; a supervisor accepts one of
    them and it counts; rejects another and it stays out."""
    assert (settings.RATING_BURST_COUNT, settings.RATING_BURST_MINUTES) == (10, 5)
    start = timezone.now() - dt.timedelta(hours=2)
    for n, score in enumerate((2, 3, 4)):
        rating_submit(code, score=score, now=start - dt.timedelta(days=1, hours=n))
    burst = [rating_submit(code, score=5, now=start + dt.timedelta(seconds=4 * n)) for n in range(30)]
    assert burst[-1].created_at - burst[0].created_at < dt.timedelta(minutes=2)
    assert StaffRating.objects.filter(flagged=True).count() == 30
    assert "30" in StaffRating.objects.filter(flagged=True).latest("created_at").flag_reason

    one = Staff.objects.filter(pk=member.pk)
    summary = ratings.staff_rating_summary(staff_qs=one)
    assert (summary.count, summary.average, summary.held) == (3, 3.0, 30)
    assert summary.distribution == {5: 0, 4: 1, 3: 1, 2: 1, 1: 0}

    client.force_login(supervisor.user)
    held = client.get(reverse("feedback:rating_review"))
    assert len(held.context["held"]) == 30
    accepted, rejected = burst[0], burst[1]
    client.post(reverse("feedback:rating_review_decide", args=[accepted.pk]), {"decision": "accept"})
    client.post(reverse("feedback:rating_review_decide", args=[rejected.pk]), {"decision": "reject"})

    summary = ratings.staff_rating_summary(staff_qs=one)
    assert (summary.count, summary.average, summary.held) == (4, 3.5, 28)  # the rejected one waits no more
    rejected.refresh_from_db()
    assert rejected.flagged
    assert rejected.reviewed_by == supervisor
    assert rejected.reviewed_at
    assert len(client.get(reverse("feedback:rating_review")).context["held"]) == 28
    assert ChangeRecord.objects.filter(action="rating_accepted", object_id=str(accepted.pk)).exists()


def test_ratings_below_the_burst_threshold_count(code, member):
    start = timezone.now() - dt.timedelta(minutes=30)
    for n in range(9):
        rating_submit(code, score=4, now=start + dt.timedelta(seconds=20 * n))
    assert not StaffRating.objects.filter(flagged=True).exists()
    assert ratings.staff_rating_summary(staff_qs=Staff.objects.filter(pk=member.pk)).count == 9


def test_comments_are_shown_escaped(client, code, member, supervisor):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    rating = StaffRatingFactory(code=code, comment=hostile, flagged=True, flag_reason="test")
    StaffRatingFactory(code=code, comment=hostile)
    client.force_login(supervisor.user)
    for url in (reverse("feedback:rating_review"), reverse("feedback:staff_ratings", args=[member.pk])):
        body = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
        assert "<script>alert" not in body
        assert "<img src=x" not in body
    assert rating.comment == hostile  # stored as typed


def test_review_is_for_supervisors_of_their_own_units(client, code, officer, clerk):
    held = StaffRatingFactory(code=code, flagged=True, flag_reason="test")
    for user in (officer.user, clerk.user):
        client.force_login(user)
        assert client.get(reverse("feedback:rating_review")).status_code == 403
    elsewhere = staff_user(roles.BODY_SUPERVISOR, unit=OrgUnitFactory())
    client.force_login(elsewhere.user)
    assert list(client.get(reverse("feedback:rating_review")).context["held"]) == []
    response = client.post(reverse("feedback:rating_review_decide", args=[held.pk]), {"decision": "accept"})
    assert response.status_code == 404
    held.refresh_from_db()
    assert held.flagged
    assert held.reviewed_at is None


def test_an_employees_ratings_page(client, code, member, officer, django_assert_max_num_queries):
    for score in (5, 5, 4, 1):
        StaffRatingFactory(code=code, score=score, comment=f"نظر {score}")
    StaffRatingFactory(code=code, score=1, flagged=True)
    StaffRatingFactory(code=code, score=2, created_at=timezone.now() - dt.timedelta(days=100))
    member.user = UserFactory()
    member.save()

    client.force_login(member.user)  # an employee reads their own ratings
    with django_assert_max_num_queries(12):
        page = client.get(reverse("feedback:staff_ratings", args=[member.pk]))
    summary = page.context["summary"]
    assert (summary.count, summary.average, summary.held) == (5, 3.4, 1)
    recent = client.get(reverse("feedback:staff_ratings", args=[member.pk]), {"days": "90"}).context[
        "summary"
    ]
    assert (recent.count, recent.average) == (4, 3.75)
    client.force_login(officer.user)  # but not a colleague
    assert client.get(reverse("feedback:staff_ratings", args=[member.pk])).status_code == 403


def test_summaries_are_one_query(code, member, unit, django_assert_num_queries):
    other = StaffFactory(unit=unit)
    StaffRatingFactory(code=code, score=5)
    StaffRatingFactory(code=code, score=3)
    StaffRatingFactory(code=services.staff_qr_issue(staff=other, by=None), score=1)
    staff_qs = Staff.objects.filter(unit=unit)
    with django_assert_num_queries(1):
        together = ratings.staff_rating_summary(staff_qs=staff_qs)
    with django_assert_num_queries(1):
        each = ratings.staff_rating_summaries(staff_qs=staff_qs)
    assert (together.count, together.average) == (3, 3.0)
    assert (each[member.pk].average, each[other.pk].average) == (4.0, 1.0)
    today = timezone.localdate()
    assert ratings.staff_rating_summary(staff_qs=staff_qs, period=(today, today)).count == 3
    yesterday = today - dt.timedelta(days=1)
    assert ratings.staff_rating_summary(staff_qs=staff_qs, period=(yesterday, yesterday)).count == 0


def test_a_scope_summary_follows_the_users_units(code, supervisor):
    StaffRatingFactory(code=code, score=4)
    StaffRatingFactory(score=1)  # another province's employee
    assert ratings.staff_rating_summary(user=supervisor.user).count == 1


def _burst(code, n: int, *, start: dt.datetime, score: int = 5) -> list[StaffRating]:
    return [rating_submit(code, score=score, now=start + dt.timedelta(seconds=10 * i)) for i in range(n)]


def test_held_ratings_are_grouped_into_bursts_and_a_whole_burst_is_accepted_or_rejected_at_once(
    client, code, member, supervisor, clerk, django_assert_max_num_queries
):
    """
    GIVEN two bursts of one employee an hour apart (12 ratings of 5, then 10 of 1) and a burst of a
      colleague in between
    WHEN the supervisor opens the held ratings and accepts the first burst with one button, then
      rejects the second
    THEN the page shows three bursts, oldest first; the twelve count in the average, the ten stay out,
      the colleague's burst still waits, and every decision is recorded on its rating
    """
    start = timezone.now() - dt.timedelta(hours=3)
    colleague = services.staff_qr_issue(staff=StaffFactory(unit=member.unit), by=clerk)
    first = _burst(code, 12, start=start)
    other = _burst(colleague, 10, start=start + dt.timedelta(minutes=30), score=4)
    second = _burst(code, 10, start=start + dt.timedelta(hours=1), score=1)
    assert StaffRating.objects.filter(flagged=True, reviewed_at__isnull=True).count() == 32

    client.force_login(supervisor.user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("feedback:rating_review"))
    bursts = page.context["bursts"]
    assert [(b.staff.pk, [r.pk for r in b.ratings]) for b in bursts] == [
        (member.pk, [r.pk for r in first]),
        (colleague.staff_id, [r.pk for r in other]),
        (member.pk, [r.pk for r in second]),
    ]
    html = page.content.decode()
    assert _fa("Accept all %(n)s") % {"n": "۱۲"} in html
    assert _fa("Reject all %(n)s") % {"n": "۱۰"} in html

    response = client.post(
        reverse("feedback:rating_review_burst"), {"decision": "accept", "rating": [r.pk for r in first]}
    )
    assert response.status_code == 302
    one = Staff.objects.filter(pk=member.pk)
    summary = ratings.staff_rating_summary(staff_qs=one)
    assert (summary.count, summary.average, summary.held) == (12, 5.0, 10)
    assert ChangeRecord.objects.filter(action="rating_accepted").count() == 12

    client.post(
        reverse("feedback:rating_review_burst"), {"decision": "reject", "rating": [r.pk for r in second]}
    )
    summary = ratings.staff_rating_summary(staff_qs=one)
    assert (summary.count, summary.average, summary.held) == (12, 5.0, 0)
    assert (
        StaffRating.objects.filter(
            pk__in=[r.pk for r in second], flagged=True, reviewed_by=supervisor
        ).count()
        == 10
    )
    assert ChangeRecord.objects.filter(action="rating_rejected").count() == 10
    left = client.get(reverse("feedback:rating_review")).context["bursts"]
    assert [b.staff.pk for b in left] == [colleague.staff_id]


def test_a_burst_decision_touches_only_ratings_in_scope_that_still_wait(client, code, member, supervisor):
    held = StaffRatingFactory(code=code, flagged=True, flag_reason="test")
    decided = StaffRatingFactory(code=code, flagged=True, flag_reason="test", reviewed_at=timezone.now())
    elsewhere = StaffRatingFactory(flagged=True, flag_reason="test")  # another unit's employee
    client.force_login(supervisor.user)
    with translation.override("fa"):
        response = client.post(
            reverse("feedback:rating_review_burst"),
            {"decision": "accept", "rating": [held.pk, decided.pk, elsewhere.pk, "x"]},
            follow=True,
        )
    assert "۱ ارزیابی پذیرفته شد" in response.content.decode()
    held.refresh_from_db()
    decided.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (held.flagged, held.reviewed_by) == (False, supervisor)
    assert (decided.flagged, decided.reviewed_by) == (True, None)
    assert (elsewhere.flagged, elsewhere.reviewed_at) == (True, None)
    assert client.post(reverse("feedback:rating_review_burst"), {"decision": "maybe"}).status_code == 404


def test_only_supervisors_decide_bursts(client, code, officer, clerk):
    held = StaffRatingFactory(code=code, flagged=True, flag_reason="test")
    for user in (officer.user, clerk.user):
        client.force_login(user)
        response = client.post(
            reverse("feedback:rating_review_burst"), {"decision": "accept", "rating": [held.pk]}
        )
        assert response.status_code == 403
    held.refresh_from_db()
    assert held.reviewed_at is None


def test_thanks_cases_count_in_the_employees_record_beside_the_qr_ratings(client, member):
    from tests.factories import registered_case

    member.user = UserFactory()
    member.save()
    registered_case(case_type="thanks", unit=member.unit, employee=member, channel="online")
    old = registered_case(case_type="thanks", unit=member.unit, employee=member, channel="online")
    old.__class__.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=100))
    registered_case(case_type="thanks", unit=member.unit, employee=StaffFactory(unit=member.unit), channel="online")
    client.force_login(member.user)
    page = client.get(reverse("feedback:staff_ratings", args=[member.pk]))
    assert page.context["thanks_count"] == 2
    assert _fa("Thanks from citizens") in page.content.decode()
    assert client.get(reverse("feedback:staff_ratings", args=[member.pk]), {"days": "30"}).context["thanks_count"] == 1
