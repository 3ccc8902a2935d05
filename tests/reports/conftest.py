"""A small world with known numbers for the periodic reports of 1405-Q2 (1405/04/01 – 1405/06/31).

Mazandaran (the province under report) has two bodies: the roads directorate (a provincial unit U1
with an inner department D1, and a county unit U2 in Sari) and the registry directorate (U3).
Gilan has a third body (U4), which only the national figures see. Requests are registered through
the real service, then their dates are moved (.update) to known Tehran times and the daily request
rollups rebuilt; answers and ratings are
written directly with their timestamps. Every expected figure in the tests is worked out from here.
"""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from apps.catalog.models import ServiceState, SubService
from apps.core.jalali import jalali_to_gregorian
from apps.desk.models import RequestStage, ServiceRequest
from apps.desk.rollups import request_rollups_rebuild
from apps.orgs.models import OrgUnit
from tests.factories import (
    BodyFactory,
    CountyFactory,
    DepartmentFactory,
    OrgUnitFactory,
    ProvinceFactory,
    StaffFactory,
    StaffQRCodeFactory,
    StaffRatingFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    registered_request,
    report_answers_at,
)

TEHRAN = ZoneInfo("Asia/Tehran")
PERIOD = "1405-Q2"


def at(month: int, day: int, hour: int = 9, *, year: int = 1405) -> dt.datetime:
    """An aware datetime from a Jalali date of 1405 and a Tehran hour."""
    return dt.datetime.combine(jalali_to_gregorian(year, month, day), dt.time(hour), tzinfo=TEHRAN)


def _request(service, unit, *, received, promised=None, answered=None, delivered=None, channel="desk"):
    sr = registered_request(service=service, unit=unit)
    ServiceRequest.objects.filter(pk=sr.pk).update(
        received_at=received,
        first_stage_at=received,
        promised_at=promised or received + dt.timedelta(days=10),
        answered_at=answered,
        delivered_at=delivered,
        channel=channel,
    )
    sr.refresh_from_db()
    return sr


def _stage(sr, order, *, handed, due, finished=None):
    RequestStage.objects.filter(request=sr, order=order).update(
        handed_over_at=handed, due_at=due, finished_at=finished
    )


def build_world() -> SimpleNamespace:
    """Create the world described above and return its parts."""
    mazandaran = ProvinceFactory(code="IR-02", name_fa="مازندران")
    gilan = ProvinceFactory(code="IR-01", name_fa="گیلان")
    sari = CountyFactory(province=mazandaran, name_fa="ساری")
    ministry = BodyFactory(name_fa="وزارت راه و شهرسازی")
    roads = BodyFactory(name_fa="اداره کل راه و شهرسازی مازندران", parent=ministry)
    registry = BodyFactory(name_fa="اداره کل ثبت اسناد مازندران")
    other = BodyFactory(name_fa="اداره کل راه و شهرسازی گیلان", parent=ministry)
    hq = OrgUnitFactory(name="ستاد وزارت راه و شهرسازی", body=ministry, level=OrgUnit.Level.HQ, province=None)
    u1 = OrgUnitFactory(name="میز خدمت اداره کل راه مازندران", body=roads, province=mazandaran)
    d1 = DepartmentFactory(name="اداره املاک", parent=u1)
    u2 = OrgUnitFactory(
        name="اداره راه شهرستان ساری",
        body=roads,
        province=mazandaran,
        county=sari,
        level=OrgUnit.Level.COUNTY,
    )
    u3 = OrgUnitFactory(name="میز خدمت ثبت اسناد ساری", body=registry, province=mazandaran)
    u4 = OrgUnitFactory(name="میز خدمت اداره کل راه گیلان", body=other, province=gilan)

    # The catalog: roads has one service per channel; registry an in-person and an electronic one.
    roads_service = SubServiceFactory(body=roads, title="صدور پروانه ساخت", channel="in_person")
    WorkflowStageFactory(service=roads_service, order=1, title="بررسی مدارک", responsible_unit=u1)
    WorkflowStageFactory(service=roads_service, order=2, title="صدور پاسخ", responsible_unit=d1)
    for channel in ("electronic", "hybrid", "outside"):
        SubServiceFactory(body=roads, channel=channel, service_type="G2B" if channel == "outside" else "G2C")
    registry_service = SubServiceFactory(body=registry, title="صدور سند", channel="in_person")
    WorkflowStageFactory(service=registry_service, order=1, title="بررسی مدارک", responsible_unit=u3)
    WorkflowStageFactory(service=registry_service, order=2, title="صدور پاسخ", responsible_unit=u3)
    SubServiceFactory(body=registry, channel="electronic")
    other_service = SubServiceFactory(body=other, channel="electronic")
    WorkflowStageFactory(service=other_service, order=1, title="بررسی مدارک", responsible_unit=u4)
    SubServiceFactory(body=ministry, channel="in_person")
    # In the catalog since the start of the year (a report counts the catalog of the period's last day).
    SubService.objects.update(created_at=at(1, 15), valid_from=at(1, 15).date())
    ServiceState.objects.update(effective_from=at(1, 15).date())

    r1 = _request(
        roads_service, u1, received=at(4, 10), promised=at(4, 20), answered=at(4, 15), delivered=at(4, 16)
    )
    r2 = _request(roads_service, u1, received=at(4, 12), promised=at(4, 20), answered=at(4, 25))
    r3 = _request(roads_service, u1, received=at(4, 14))
    r4 = _request(
        roads_service, u1, received=at(3, 25), promised=at(4, 10), answered=at(4, 5), delivered=at(4, 6)
    )
    r5 = _request(roads_service, u1, received=at(6, 30), promised=at(7, 10), answered=at(7, 2))
    r6 = _request(
        roads_service,
        u2,
        received=at(5, 1),
        promised=at(5, 10),
        answered=at(5, 8),
        delivered=at(5, 9),
        channel="online",
    )
    r7 = _request(registry_service, u3, received=at(5, 5), promised=at(5, 6), answered=at(5, 7))
    r8 = _request(other_service, u4, received=at(5, 5), promised=at(5, 20), answered=at(5, 10))
    # A request of the next quarter: in no figure of 1405-Q2.
    _request(roads_service, u1, received=at(7, 5), promised=at(7, 15), answered=at(7, 8), delivered=at(7, 9))

    # Stages: registration stamped "now"; only the times below exist.
    RequestStage.objects.update(handed_over_at=None, due_at=None, finished_at=None)
    _stage(r1, 1, handed=at(4, 10), due=at(4, 12), finished=at(4, 11))  # on time
    _stage(r1, 2, handed=at(4, 11), due=at(4, 13), finished=at(4, 14))  # 24 h late
    _stage(r2, 1, handed=at(4, 12), due=at(4, 14), finished=at(4, 16))  # 48 h late
    _stage(r2, 2, handed=at(4, 16), due=at(4, 18), finished=at(4, 25))  # 168 h late
    _stage(r3, 1, handed=at(4, 14), due=at(4, 16))  # open, overdue at the end
    _stage(r4, 1, handed=at(3, 25), due=at(3, 27), finished=at(3, 26))  # before the period
    _stage(r7, 1, handed=at(5, 5), due=at(5, 6), finished=at(5, 6, 8))  # on time
    _stage(r7, 2, handed=at(5, 6), due=at(5, 6, 12), finished=at(5, 7, 12))  # 24 h late
    _stage(r8, 1, handed=at(5, 5), due=at(5, 6), finished=at(5, 6, 19))  # Gilan: 10 h late

    # Questionnaires: r1 all "very much" (5), r6 all "much" (4); r4's before the period; r8's in Gilan.
    report_answers_at(r1, at=at(4, 17), value=5)
    report_answers_at(r6, at=at(5, 10), value=4)
    report_answers_at(r4, at=at(3, 30), value=1)
    report_answers_at(r8, at=at(5, 12), value=1)

    # Staff ratings: at U1 5 and 4 counted, a 1 held (flagged), a 2 before the period; at U3 a 3.
    clerk1 = StaffQRCodeFactory(staff=StaffFactory(unit=u1))
    clerk3 = StaffQRCodeFactory(staff=StaffFactory(unit=u3))
    clerk4 = StaffQRCodeFactory(staff=StaffFactory(unit=u4))
    for code, score, when, flagged in (
        (clerk1, 5, at(4, 10), False),
        (clerk1, 4, at(5, 10), False),
        (clerk1, 1, at(5, 11), True),
        (clerk1, 2, at(3, 20), False),
        (clerk3, 3, at(6, 1), False),
        (clerk4, 1, at(6, 1), False),
    ):
        StaffRatingFactory(code=code, score=score, created_at=when, flagged=flagged)

    # The requests' moments were moved in bulk: count them again, as `manage.py rollups_rebuild` does.
    request_rollups_rebuild()
    return SimpleNamespace(
        mazandaran=mazandaran,
        gilan=gilan,
        sari=sari,
        ministry=ministry,
        roads=roads,
        registry=registry,
        other=other,
        hq=hq,
        u1=u1,
        d1=d1,
        u2=u2,
        u3=u3,
        u4=u4,
        requests=[r1, r2, r3, r4, r5, r6, r7, r8],
    )


@pytest.fixture
def world(db):
    return build_world()
