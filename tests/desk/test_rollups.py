"""The daily request rollup the reports read (apps.desk.rollups): kept by every registration, response
and delivery equal to the raw requests counted again, report figures from it equal to those counted
from the raw requests, and a rebuild that repairs what a bulk change left behind."""

import datetime as dt
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.rollups import rollup_rows
from apps.desk import rollups
from apps.desk import services as desk_services
from apps.desk.models import RequestDay, ServiceRequest
from apps.reports.figures import request_figures
from apps.reports.scopes import Scope
from tests.factories import (
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    SubServiceFactory,
    WorkflowStageFactory,
)

pytestmark = pytest.mark.django_db

TEHRAN = timezone.get_default_timezone()
DAYS = 30


def _at(rng: random.Random, start: dt.datetime) -> dt.datetime:
    """A random instant of the DAYS days from `start`; one in five a few minutes before a Tehran midnight."""
    day = timezone.localtime(start, TEHRAN).date() + dt.timedelta(days=rng.randrange(0, DAYS))
    wall = dt.time(23, rng.randrange(50, 60)) if rng.random() < 0.2 else dt.time(rng.randrange(7, 15), rng.randrange(60))
    return dt.datetime.combine(day, wall, tzinfo=TEHRAN)


class _Clock:
    """The services' "now", set by the test (they read django.utils.timezone.now)."""

    def __init__(self, monkeypatch) -> None:
        self.moment = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.moment)


def _register(service, unit, channel: str) -> ServiceRequest:
    applicant = desk_services.Applicant(national_code="0499370899", full_name="سارا محمدی", mobile="09121234567")
    return desk_services.service_request_register(
        service=service, unit=unit, applicant=applicant, documents=[], channel=channel
    )


def _raw_counts(scope: Scope, start: dt.datetime, end: dt.datetime) -> dict:
    """What the report should say, counted one request at a time."""
    requests = list(ServiceRequest.objects.filter(scope.unit_q()))

    def within(moment) -> bool:
        return moment is not None and start <= moment < end

    received = [r for r in requests if within(r.received_at)]
    answered = [r for r in requests if within(r.answered_at)]
    return {
        "received": len(received),
        "online": sum(r.channel == ServiceRequest.Channel.ONLINE for r in received),
        "answered": len(answered),
        "on_time": sum(r.answered_at <= r.promised_at for r in answered),
        "delivered": sum(within(r.delivered_at) for r in requests),
    }


@pytest.fixture
def world():
    """Two provinces, two desks in each, two one-stage sub-services at each desk."""
    units = [OrgUnitFactory(province=province) for province in (ProvinceFactory(), ProvinceFactory()) for _ in range(2)]
    services = {}
    for unit in units:
        services[unit.pk] = []
        for _ in range(2):
            service = SubServiceFactory(body=unit.body)
            WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
            services[unit.pk].append(service)
    return units, services


def test_kept_on_write_equal_the_raw_requests_and_give_the_report_figures(world, monkeypatch):
    """GIVEN 60 requests registered, answered (late or in time) and delivered at random moments of a
    month, some minutes before a Tehran midnight, through the real services WHEN the rollup is compared
    with the raw requests counted again THEN no row differs, and the report's request figures of any
    range of days, for the country and a province, equal those counted request by request."""
    units, services = world
    clock = _Clock(monkeypatch)
    rng = random.Random(1405)
    start = dt.datetime(2026, 9, 1, tzinfo=TEHRAN)
    for _ in range(60):
        unit = rng.choice(units)
        clock.moment = _at(rng, start)
        channel = rng.choice([ServiceRequest.Channel.DESK, ServiceRequest.Channel.ONLINE])
        sr = _register(rng.choice(services[unit.pk]), unit, channel)
        if rng.random() < 0.3:
            continue
        by = StaffFactory(unit=unit)
        clock.moment += dt.timedelta(days=rng.choice([0, 1, 3, 12, 25]), minutes=rng.randrange(60))
        desk_services.stage_complete(stage_id=sr.stages.get().pk, by=by)
        desk_services.response_issue(request_id=sr.pk, by=by, outcome="granted", content="پاسخ", legal_basis="ماده ۵")
        if rng.random() < 0.6:
            clock.moment += dt.timedelta(days=rng.choice([0, 1, 4]), minutes=rng.randrange(60))
            desk_services.request_deliver(request_id=sr.pk, by=by)

    assert rollups.request_rollups_differences() == {"requestday": 0}
    kept = ServiceRequest.objects.filter(answered_at__gt=F("promised_at")).count()
    assert kept, "the data should hold late responses"
    assert RequestDay.objects.filter(on_time__lt=F("answered")).exists()

    first_day = timezone.localtime(start, TEHRAN).date()
    province = units[0].province
    for offset, length in ((0, DAYS + 40), (3, 7), (10, 1), (20, 15)):
        day = first_day + dt.timedelta(days=offset)
        begin = dt.datetime.combine(day, dt.time.min, tzinfo=TEHRAN)
        end = begin + dt.timedelta(days=length)
        for scope in (Scope(Scope.NATIONAL), Scope(Scope.PROVINCE, province.pk)):
            figures = request_figures(scope, begin, end)
            expected = _raw_counts(scope, begin, end)
            assert {name: figures[name] for name in expected} == expected, (scope, day, length)
    assert request_figures(Scope(Scope.NATIONAL), start, start + dt.timedelta(days=DAYS + 40))["received"] == 60


def test_a_rebuild_gives_the_rows_kept_on_write_and_repairs_a_bulk_change(world, monkeypatch):
    units, services = world
    clock = _Clock(monkeypatch)
    clock.moment = dt.datetime(2026, 10, 5, 10, tzinfo=TEHRAN)
    sr = _register(services[units[0].pk][0], units[0], ServiceRequest.Channel.ONLINE)
    _register(services[units[1].pk][1], units[1], ServiceRequest.Channel.DESK)
    kept = rollup_rows(RequestDay)
    assert kept == {
        (dt.date(2026, 10, 5), units[0].pk, services[units[0].pk][0].pk, 1, 1, 0, 0, 0),
        (dt.date(2026, 10, 5), units[1].pk, services[units[1].pk][1].pk, 1, 0, 0, 0, 0),
    }
    out = open("/dev/null", "w")  # noqa: SIM115
    call_command("rollups_rebuild", stdout=out)
    assert rollup_rows(RequestDay) == kept
    call_command("rollups_rebuild", "--check", stdout=out)

    # A correction in bulk (no service, no rollup): the check sees it, a rebuild of that day repairs it.
    ServiceRequest.objects.filter(pk=sr.pk).update(received_at=dt.datetime(2026, 10, 6, 9, tzinfo=TEHRAN))
    with pytest.raises(CommandError):
        call_command("rollups_rebuild", "--check", stdout=out)
    call_command("rollups_rebuild", "--from", "2026-10-05", "--to", "2026-10-06", stdout=out)
    assert rollups.request_rollups_differences() == {"requestday": 0}
    assert RequestDay.objects.get(unit=units[0]).day == dt.date(2026, 10, 6)


def test_a_registration_that_is_rolled_back_leaves_the_rollup_as_it_was(world):
    units, services = world
    counted = []

    def register_then_fail() -> None:
        with transaction.atomic():
            _register(services[units[0].pk][0], units[0], ServiceRequest.Channel.DESK)
            counted.append(RequestDay.objects.filter(Q(received=1)).count())
            raise RuntimeError("the clerk's page failed after the registration")

    with pytest.raises(RuntimeError):
        register_then_fail()
    assert counted == [1]
    assert not RequestDay.objects.exists()
