"""Who does the work: each stage by its unit's staff and their supervisors, the response by the last
stage's unit, escalation to a named supervisor, a held stage's actions, counters that agree."""

import pytest
from django.urls import reverse

from apps.core import messaging
from apps.desk import selectors, services
from apps.desk.models import Notification, RequestStage
from apps.orgs import roles
from tests.factories import DepartmentFactory, SubServiceFactory, WorkflowStageFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(unit):
    """A directorate's desk (clerk, supervisor) and its estates department (officer), a service whose
    first stage is the desk's and whose second and last is the estates department's."""
    estates = DepartmentFactory(parent=unit, body=unit.body)
    clerk = staff_user(roles.DESK_CLERK, unit=unit)
    supervisor = staff_user(roles.BODY_SUPERVISOR, unit=unit)
    officer = staff_user(roles.UNIT_OFFICER, unit=estates)
    service = SubServiceFactory(body=unit.body)
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    WorkflowStageFactory(service=service, order=2, responsible_unit=estates)
    sr = services.service_request_register(
        service=service, unit=unit, by=clerk, documents=[],
        applicant=services.Applicant(national_code="0499370899", full_name="سارا محمدی", mobile="09121234567"),
    )
    return {"desk": unit, "estates": estates, "clerk": clerk, "supervisor": supervisor, "officer": officer, "sr": sr}


def _stage(sr, order):
    return sr.stages.get(order=order)


def test_a_clerk_cannot_act_on_another_units_stage(client, office):
    sr = office["sr"]
    services.stage_complete(stage_id=_stage(sr, 1).pk, by=office["clerk"])
    sr.refresh_from_db()
    client.force_login(office["clerk"].user)

    page = client.get(reverse("desk:request_detail", args=[sr.pk]))
    assert page.context["action_form"] is None  # the estates department's stage: no form for the clerk
    response = client.post(reverse("desk:stage_action", args=[_stage(sr, 2).pk]),
                           {"action": "complete", "version": sr.version})
    assert response.status_code == 404
    assert _stage(sr, 2).state == RequestStage.State.ACTIVE

    # Its own officer, and the supervisor above, may.
    client.force_login(office["officer"].user)
    assert client.get(reverse("desk:request_detail", args=[sr.pk])).context["action_form"] is not None
    client.force_login(office["supervisor"].user)
    assert client.get(reverse("desk:request_detail", args=[sr.pk])).context["action_form"] is not None


def test_the_inbox_shows_ones_own_unit_with_a_filter_for_the_units_below(client, office):
    sr = office["sr"]
    services.stage_complete(stage_id=_stage(sr, 1).pk, by=office["clerk"])
    client.force_login(office["supervisor"].user)
    mine = client.get(reverse("desk:inbox"))
    assert list(mine.context["stages"]) == []  # the waiting stage is the estates department's
    everything = client.get(reverse("desk:inbox"), {"unit": "all"})
    assert [s.pk for s in everything.context["stages"]] == [_stage(sr, 2).pk]
    one = client.get(reverse("desk:inbox"), {"unit": office["estates"].pk})
    assert [s.pk for s in one.context["stages"]] == [_stage(sr, 2).pk]
    # A unit outside the scope is not offered and falls back to one's own.
    assert list(client.get(reverse("desk:inbox"), {"unit": 999999}).context["stages"]) == []


def test_the_last_stages_unit_issues_the_response_and_finds_it_everywhere(client, office):
    """GIVEN the officer completes the last stage WHEN they leave the page THEN the request waits in
    their inbox, on their desk and in "all requests"; the clerk sees who answers and cannot."""
    sr = office["sr"]
    services.stage_complete(stage_id=_stage(sr, 1).pk, by=office["clerk"])
    services.stage_complete(stage_id=_stage(sr, 2).pk, by=office["officer"])
    client.force_login(office["officer"].user)

    assert [r.pk for r in client.get(reverse("desk:inbox")).context["to_respond"]] == [sr.pk]
    desk = client.get(reverse("desk:dashboard"))
    assert [r.pk for r in desk.context["to_respond"]] == [sr.pk]
    assert desk.context["counts"]["to_respond"] == 1
    assert [r.pk for r in client.get(reverse("desk:request_list")).context["requests"]] == [sr.pk]
    assert client.get(reverse("desk:request_detail", args=[sr.pk])).context["can_respond"]
    assert client.get(reverse("desk:response_issue", args=[sr.pk])).status_code == 200

    client.force_login(office["clerk"].user)
    page = client.get(reverse("desk:request_detail", args=[sr.pk]))
    assert not page.context["can_respond"]
    assert office["estates"].name in page.content.decode()  # "the response is issued by …"
    assert reverse("desk:response_issue", args=[sr.pk]) not in page.content.decode()
    assert client.get(reverse("desk:response_issue", args=[sr.pk])).status_code == 403
    assert [r.pk for r in client.get(reverse("desk:dashboard")).context["waiting_elsewhere"]] == [sr.pk]


def test_a_held_stage_offers_only_resume_and_escalate_and_says_why(client, office):
    sr = office["sr"]
    stage = _stage(sr, 1)
    services.request_hold(stage_id=stage.pk, by=office["clerk"], note="استعلام از ثبت")
    sr.refresh_from_db()
    client.force_login(office["clerk"].user)
    form = client.get(reverse("desk:request_detail", args=[sr.pk])).context["action_form"]
    assert [value for value, _label in form.fields["action"].choices] == ["resume", "escalate"]
    assert form.fields["action"].initial == "resume"

    with pytest.raises(services.TransitionConflict, match="از سر بگیرید"):  # "resume it first"
        services.stage_complete(stage_id=stage.pk, by=office["clerk"], expected_version=sr.version)
    # The same officer resumes with the version the page showed: no "someone else changed it".
    response = client.post(reverse("desk:stage_action", args=[stage.pk]),
                           {"action": "resume", "version": sr.version, "note": "پاسخ رسید"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert _stage(sr, 1).state == RequestStage.State.ACTIVE


def test_escalation_names_the_supervisor_and_reaches_their_inbox(client, office):
    sr = office["sr"]
    services.stage_complete(stage_id=_stage(sr, 1).pk, by=office["clerk"])
    sr.refresh_from_db()
    stage = _stage(sr, 2)
    client.force_login(office["officer"].user)
    form = client.get(reverse("desk:request_detail", args=[sr.pk])).context["action_form"]
    assert list(form.fields["escalate_to"].queryset) == [office["supervisor"]]

    refused = client.post(reverse("desk:stage_action", args=[stage.pk]),
                          {"action": "escalate", "version": sr.version, "note": "دیر شده"}, follow=True)
    assert refused.context["messages"]
    assert not _stage(sr, 2).escalated_to
    client.post(reverse("desk:stage_action", args=[stage.pk]), {
        "action": "escalate", "version": sr.version, "note": "پاسخ استعلام نرسیده", "escalate_to": office["supervisor"].pk})

    assert _stage(sr, 2).escalated_to == office["supervisor"]
    client.force_login(office["supervisor"].user)
    assert [s.pk for s in client.get(reverse("desk:inbox")).context["escalated"]] == [stage.pk]
    client.force_login(office["officer"].user)
    page = client.get(reverse("desk:inbox")).content.decode()
    assert office["supervisor"].full_name in page  # marked in the original inbox
    assert sr.events.filter(action="escalated", note__contains=office["supervisor"].full_name).exists()


def test_sending_a_request_back_for_a_document_tells_the_applicant_what_to_bring(
    office, django_capture_on_commit_callbacks
):
    sr = office["sr"]
    services.stage_complete(stage_id=_stage(sr, 1).pk, by=office["clerk"])
    messaging.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.stage_return(stage_id=_stage(sr, 2).pk, to_order=1, by=office["officer"],
                              note="سند ناقص است", bring="اصل سند مالکیت تک‌برگ")
    (row,) = Notification.objects.filter(request=sr, event=Notification.Event.DOCUMENT_NEEDED, channel="sms")
    assert "اصل سند مالکیت تک‌برگ" in row.body
    assert any("اصل سند مالکیت تک‌برگ" in m.text for m in messaging.outbox)
    assert sr.events.filter(action="document_requested", note="اصل سند مالکیت تک‌برگ").exists()


def test_the_desk_counters_agree_with_the_inbox(office):
    sr = office["sr"]
    services.stage_complete(stage_id=_stage(sr, 1).pk, by=office["clerk"])
    services.request_hold(stage_id=_stage(sr, 2).pk, by=office["officer"], note="استعلام")
    officer = office["officer"].user
    counts = selectors.dashboard_counts(user=officer)
    assert counts["inbox"] == selectors.inbox(user=officer).count() == 1
    assert counts["on_hold"] == selectors.inbox(user=officer).filter(state=RequestStage.State.ON_HOLD).count() == 1


def test_all_requests_of_an_officer_stay_cheap(client, office, django_assert_max_num_queries):
    for _ in range(5):
        sr = services.service_request_register(
            service=office["sr"].service, unit=office["desk"], by=office["clerk"], documents=[],
            applicant=services.Applicant(national_code="4032152314", full_name="رضا", mobile="09121234568"),
        )
        services.stage_complete(stage_id=_stage(sr, 1).pk, by=office["clerk"])
    client.force_login(office["officer"].user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("desk:request_list"))
    assert len(page.context["requests"]) == 6  # the five and the fixture's, all touched by estates


def test_staff_search_finds_by_code_national_code_mobile_and_name_and_names_a_mistyped_code(client, office):
    sr = office["sr"]
    client.force_login(office["clerk"].user)

    def found(q):
        page = client.get(reverse("desk:request_list"), {"q": q})
        return [r.pk for r in page.context["requests"]], page.context["search_error"]

    assert found(sr.tracking_code) == ([sr.pk], "")
    assert found("۰۴۹۹۳۷۰۸۹۹") == ([sr.pk], "")
    assert found("+98 912 123 4567") == ([sr.pk], "")
    assert found("0912-123-4567") == ([sr.pk], "")
    assert found("سارا") == ([sr.pk], "")
    wrong = sr.tracking_code[:-1] + str((int(sr.tracking_code[-1]) + 1) % 10)
    requests, error = found(wrong)
    assert requests == []
    assert "رقم کنترل" in error  # the check-digit message of the public tracking page
