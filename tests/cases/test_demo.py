"""The demo shows every part of people's communication (issue 12 point 11)."""

import io

import pytest
from django.core.management import call_command

from apps.cases.models import Case, CaseEvent, CaseType, IdeaReview, MeetingBooking
from apps.orgs.models import Body

pytestmark = pytest.mark.django_db


def test_seed_demo_has_every_type_and_level_a_routed_complaint_an_idea_through_the_group_and_a_meeting(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert set(Case.objects.values_list("type", flat=True)) == set(CaseType.values)
    assert set(Case.objects.values_list("level", flat=True)) == set(Case.Level.values)
    against_director = Case.objects.get(type=CaseType.COMPLAINT, official__post_kind="prov_director")
    assert against_director.handling_unit.head_office
    assert against_director.handling_unit.body.kind == Body.Kind.GOVERNORATE
    objected = Case.objects.get(type=CaseType.COMPLAINT, objected_at__isnull=False)
    assert objected.events.filter(kind=CaseEvent.Kind.OBJECTED, referral_kind="objection").exists()
    assert objected.handling_unit.name == "دفتر استاندار مازندران"
    assert IdeaReview.objects.filter(state=IdeaReview.State.REVIEWED, result="planned").count() == 1
    assert IdeaReview.objects.filter(state=IdeaReview.State.PENDING).exists()
    assert MeetingBooking.objects.filter(state=MeetingBooking.State.BOOKED).count() == 1
    count = Case.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Case.objects.count() == count
