"""A case's way after registration: the duties rule, referral, actions, response, rating, objection,
and the applicant's SMS: one per public line of the timeline, never twice."""

import pytest
from django.core.exceptions import ValidationError

from apps.cases import services
from apps.cases.models import Case, CaseEvent, CaseNotification, CaseResponse, CaseType
from apps.cases.notifications import case_event_notify
from apps.cases.tasks import case_notifications_resend
from apps.catalog.models import SubService
from apps.desk.services import Applicant
from tests.cases.trees import samad_tree
from tests.factories import (
    BodyFactory,
    OrgUnitFactory,
    StaffFactory,
    SubServiceFactory,
    body_duty,
    registered_case,
)

pytestmark = pytest.mark.django_db

APPLICANT = Applicant(national_code="0499370899", full_name="سارا محمدی", mobile="09121234567", email="sara@example.com")


def _sms(case: Case) -> list[str]:
    return list(
        CaseNotification.objects.filter(case=case, channel=CaseNotification.Channel.SMS).order_by("id").values_list("body", flat=True)
    )


def _register(unit, **details) -> Case:
    return services.case_register(
        case_type=details.pop("case_type", CaseType.REQUEST), level=Case.Level.COUNTY, unit=unit, applicant=APPLICANT,
        subject="آسفالت خیابان", description="خیابان اصلی چاله دارد", by=StaffFactory(unit=unit), **details,
    )


def test_a_clerk_cannot_register_outside_the_body_s_duties_and_is_told_to_refer():
    unit = OrgUnitFactory()
    with pytest.raises(ValidationError) as caught:
        _register(unit)
    assert "duty" in caught.value.message_dict
    assert not Case.objects.exists()


def test_a_service_or_duty_of_another_body_is_refused():
    unit = OrgUnitFactory()
    other = BodyFactory()
    with pytest.raises(ValidationError) as caught:
        _register(unit, duty=body_duty(other), service=SubServiceFactory(body=other))
    assert set(caught.value.message_dict) == {"duty", "service"}


def test_a_duty_of_the_parent_ministry_counts_as_the_body_s_own():
    tree = samad_tree()
    case = _register(tree.county_office, duty=body_duty(tree.ministry_hq.body))
    assert case.handling_unit == tree.county_office
    assert case.state == Case.State.REGISTERED


def test_outside_the_duties_the_case_goes_to_the_competent_body_s_nearest_desk_with_one_sms():
    tree = samad_tree()
    case = _register(tree.county_gov, referred_to=tree.county_office.body, referral_note="موضوع راه است")
    assert case.state == Case.State.REFERRED
    assert case.handling_unit == tree.county_office
    assert case.body == tree.county_office.body
    events = list(case.events.values_list("kind", "public", "referral_kind"))
    assert events == [
        (CaseEvent.Kind.REGISTERED, False, ""),
        (CaseEvent.Kind.REFERRED, True, CaseEvent.ReferralKind.DUTIES),
    ]
    sms = _sms(case)
    assert len(sms) == 1
    assert "اداره راه شهرستان" in sms[0]
    assert case.tracking_code in sms[0]  # the link carries the code
    email = CaseNotification.objects.get(case=case, channel=CaseNotification.Channel.EMAIL)
    assert email.recipient == "sara@example.com"
    assert "اداره راه شهرستان" in email.body


def test_referring_to_the_desk_s_own_body_is_refused():
    unit = OrgUnitFactory()
    with pytest.raises(ValidationError) as caught:
        _register(unit, referred_to=unit.body)
    assert "referred_to" in caught.value.message_dict


def test_each_referral_kind_moves_the_case_and_tells_the_applicant_once():
    tree = samad_tree()
    clerk = StaffFactory(unit=tree.county_office)
    case = registered_case(unit=tree.county_office, clerk=clerk)
    assert len(_sms(case)) == 1  # registered
    case = services.case_refer(case=case, kind=CaseEvent.ReferralKind.UPWARD, by=clerk, note="فراتر از اختیارات استان")
    assert case.handling_unit == tree.ministry_hq
    assert case.state == Case.State.REFERRED
    case = services.case_refer(case=case, kind=CaseEvent.ReferralKind.UNIT, by=clerk, note="معاونت فنی", to_unit=tree.deputy_dept)
    assert case.handling_unit == tree.deputy_dept
    case = services.case_refer(case=case, kind=CaseEvent.ReferralKind.BODY, by=clerk, note="موضوع استانداری", to_body=tree.county_gov.body)
    assert case.handling_unit == tree.county_gov
    assert case.body == tree.county_gov.body
    sms = _sms(case)
    assert len(sms) == 4
    assert "ستاد وزارت" in sms[1]
    assert "معاونت فنی" in sms[2]
    assert "فرمانداری" in sms[3]
    assert not CaseNotification.objects.filter(case=case, channel=CaseNotification.Channel.EMAIL).exists()  # none given


def test_a_referral_that_breaks_its_kind_is_refused():
    tree = samad_tree()
    case = registered_case(unit=tree.ministry_hq)
    with pytest.raises(ValidationError) as caught:
        services.case_refer(case=case, kind=CaseEvent.ReferralKind.UPWARD, by=None, note="؟")
    assert "kind" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.case_refer(case=case, kind=CaseEvent.ReferralKind.UNIT, by=None, note="؟", to_unit=tree.directorate)
    assert "to_unit" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.case_refer(case=case, kind=CaseEvent.ReferralKind.UNIT, by=None, note="", to_unit=tree.deputy_dept)
    assert "note" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.case_refer(case=case, kind=CaseEvent.ReferralKind.UNIT, by=None, note="ن" * 2001, to_unit=tree.deputy_dept)
    assert case.events.count() == 1


def test_sending_an_event_again_sends_nothing_twice(settings):
    case = registered_case()
    event = case.events.get()
    rows = case_event_notify(event_id=event.pk)
    assert {r.state for r in rows} == {CaseNotification.State.SENT}
    case_event_notify(event_id=event.pk)
    assert case_notifications_resend() == 0
    assert CaseNotification.objects.filter(event=event).count() == 1  # SMS only: no email given
    assert CaseNotification.objects.get(event=event).attempts == 1


def test_an_internal_action_is_not_told_and_a_public_one_is():
    case = registered_case()
    services.case_act(case=case, by=None, note="هماهنگی داخلی", public=False)
    services.case_act(case=case, by=None, note="بازدید میدانی انجام شد")
    case.refresh_from_db()
    assert case.state == Case.State.IN_PROGRESS
    sms = _sms(case)
    assert len(sms) == 2
    assert "بازدید میدانی" in sms[1]


def test_the_response_closes_the_case_and_the_closing_sms_carries_the_rating_link():
    case = registered_case()
    response = services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.RESOLVED, text="مشکل رفع شد")
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED
    assert case.closed_at == response.at
    assert f"/cases/rate/{case.link_token}/" in _sms(case)[-1]
    with pytest.raises(ValidationError):
        services.case_act(case=case, by=None, note="دیرهنگام")
    with pytest.raises(ValidationError):
        services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.RESOLVED, text="دوباره")


def test_a_response_needs_its_outcome_and_text():
    case = registered_case()
    with pytest.raises(ValidationError) as caught:
        services.case_respond(case=case, by=None, outcome="maybe", text="")
    assert {"outcome", "text"} <= set(caught.value.message_dict)
    case.refresh_from_db()
    assert case.state == Case.State.REGISTERED


def test_the_handling_is_rated_once_on_the_five_point_scale():
    case = registered_case()
    with pytest.raises(ValidationError):
        services.case_rate(case=case, score=5)  # not answered yet
    services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.ANSWERED, text="راهنمایی شد")
    with pytest.raises(ValidationError):
        services.case_rate(case=case, score=6)
    services.case_rate(case=case, score=4)
    with pytest.raises(ValidationError):
        services.case_rate(case=case, score=1)
    case.refresh_from_db()
    assert case.rating == 4
    assert services.case_by_link(case.link_token) == case
    assert services.case_by_link("x" * 44) is None


def test_a_complainant_objects_once_and_the_complaint_reopens_one_level_up():
    tree = samad_tree()
    case = registered_case(case_type=CaseType.COMPLAINT, unit=tree.county_gov, official=tree.officials["county_head"])
    assert case.handling_unit == tree.county_gov_office
    services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.REJECTED, text="تخلفی دیده نشد")
    case = services.case_object(case=services.case_by_link(case.link_token), reason="پاسخ قانع‌کننده نیست")
    assert case.handling_unit == tree.province_gov_office
    assert case.state == Case.State.REFERRED
    assert case.closed_at is None
    assert "دفتر استاندار" in _sms(case)[-1]
    services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.REJECTED, text="تأیید پاسخ پیشین")
    with pytest.raises(ValidationError):
        services.case_object(case=case, reason="باز هم")
    assert case.responses.count() == 2


def test_only_a_complaint_may_be_objected_to():
    case = registered_case()
    services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.RESOLVED, text="انجام شد")
    with pytest.raises(ValidationError):
        services.case_object(case=case, reason="اعتراض")


def test_an_objection_at_the_top_says_the_legal_route_stays_open():
    tree = samad_tree()
    case = registered_case(case_type=CaseType.COMPLAINT, unit=tree.centre, official=tree.officials["head"])
    assert case.handling_unit == tree.centre
    services.case_respond(case=case, by=None, outcome=CaseResponse.Outcome.REJECTED, text="رد شد")
    with pytest.raises(ValidationError) as caught:
        services.case_object(case=case, reason="اعتراض")
    assert "administrative violations board" in " ".join(caught.value.messages) or "تخلفات اداری" in " ".join(caught.value.messages)


def test_an_idea_gets_its_review_row_and_thanks_need_no_duty():
    unit = OrgUnitFactory()
    idea = _register(unit, case_type=CaseType.IDEA)
    assert idea.idea.state == "pending"
    thanks = _register(unit, case_type=CaseType.THANKS, employee=StaffFactory(unit=unit))
    assert thanks.employee.unit == unit
    assert SubService.objects.count() == 0
