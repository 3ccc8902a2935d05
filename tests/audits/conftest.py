"""A provincial directorate under its ministry's HQ with a catalog whose figures the tests know.

Catalog of the directorate (totals a = 5, b = 2, c = 1, d = 1, e = 1):
- IN1 in person, the full information document, a counter at the unit's desk;
- IN2 in person, only table 1;
- EL1 electronic with its own e-service page and one document;
- HY1 hybrid, no e-service page of its own, no documents;
- OUT outside the desk;
plus an inactive service and another body's service, which no form lists.
"""

import datetime as dt
from dataclasses import dataclass

import pytest

from apps.catalog.models import FAQ, LawReference
from apps.desk.models import Notification
from apps.orgs import roles
from apps.orgs.models import Body, OrgUnit, Staff
from tests.factories import (
    BodyFactory,
    CounterFactory,
    DepartmentFactory,
    FeeFactory,
    OrgUnitFactory,
    ProvinceFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    hq_unit,
    staff_user,
)
from tests.strict_templates import templates_strict

TITLES = {
    "IN1": "صدور گواهی پایان کار ساختمان",
    "IN2": "تمدید پروانه اشتغال مهندسی",
    "EL1": "استعلام وضعیت پرونده مسکن",
    "HY1": "ثبت درخواست زمین مسکونی",
    "OUT": "رسیدگی به اعتراض کمیسیون ماده صد",
}


@dataclass
class AuditOrg:
    ministry: Body
    body: Body
    hq: OrgUnit
    unit: OrgUnit
    department: OrgUnit
    services: dict
    supervisor: Staff
    auditor: Staff
    other_auditor: Staff
    national: Staff


def _service(body, code, channel, reason="", stages=1, unit=None, **fields):
    fields = {"complaint_procedure": "", "responsible_name": "", **fields}
    service = SubServiceFactory(
        body=body,
        code=code,
        title=TITLES.get(code, f"خدمت {code}"),
        channel=channel,
        non_electronic_reason=reason,
        # In the catalog long before any round a test opens (a round lists the catalog of its
        # bimonth's last day).
        **{"valid_from": dt.date(2024, 3, 20), **fields},
    )
    for order in range(1, stages + 1):
        WorkflowStageFactory(service=service, order=order, **({"responsible_unit": unit} if unit else {}))
    return service


@pytest.fixture
def audit_org(db) -> AuditOrg:
    province, other_province = ProvinceFactory(), ProvinceFactory()
    ministry = BodyFactory(name_fa="وزارت آزمایشی")
    body = BodyFactory(name_fa="اداره کل آزمایشی استان", parent=ministry)
    hq = hq_unit(body=ministry, name="ستاد وزارت آزمایشی", phone="021-88880000")
    unit = OrgUnitFactory(
        body=body, parent=hq, province=province, name="اداره کل آزمایشی", phone="011-33360000"
    )
    department = DepartmentFactory(parent=unit, name="اداره املاک")

    full = _service(
        body,
        "IN1",
        "in_person",
        "law",
        unit=unit,
        responsible_name="زهرا رضایی",
        complaint_procedure="شکایت در سامانه سامد ثبت می‌شود.",
    )
    RequiredDocumentFactory(service=full, order=1, title="کارت ملی")
    RequiredDocumentFactory(service=full, order=2, title="سند مالکیت")
    FeeFactory(service=full)
    LawReference.objects.create(service=full, title="قانون مدیریت خدمات کشوری")
    FAQ.objects.create(service=full, question="چطور پیگیری کنم؟", answer="با کد رهگیری.")
    CounterFactory(unit=unit, number=1).services.add(full)
    services = {
        "IN1": full,
        "IN2": _service(body, "IN2", "in_person", "internal", unit=unit),
        "EL1": _service(body, "EL1", "electronic", unit=unit, eservice_url="https://example.ir/e/el1"),
        "HY1": _service(body, "HY1", "hybrid", "digitisation", unit=unit),
        "OUT": _service(body, "OUT", "outside", "internal", unit=unit),
    }
    RequiredDocumentFactory(service=services["EL1"], order=1, title="تصویر کارت ملی", upload_required=True)
    _service(body, "OLD", "in_person", "law", unit=unit, active=False)
    _service(BodyFactory(), "ELSE", "in_person", "law", stages=0)

    planning = OrgUnitFactory(province=province, name="سازمان مدیریت و برنامه‌ریزی")
    return AuditOrg(
        ministry=ministry,
        body=body,
        hq=hq,
        unit=unit,
        department=department,
        services=services,
        supervisor=staff_user(roles.BODY_SUPERVISOR, unit=unit, first_name="زهرا", last_name="رضایی"),
        auditor=staff_user(roles.PROVINCIAL_AUDITOR, unit=planning, first_name="حسین", last_name="موسوی"),
        other_auditor=staff_user(roles.PROVINCIAL_AUDITOR, unit=OrgUnitFactory(province=other_province)),
        national=staff_user(roles.NATIONAL_AUDITOR, unit=hq_unit(name="سازمان اداری و استخدامی")),
    )


def delivered_notice(sr) -> Notification:
    """The delivery SMS (it carries the survey link), as the notifier leaves it once sent."""
    return Notification.objects.create(
        request=sr,
        event=Notification.Event.DELIVERED,
        channel=Notification.Channel.SMS,
        recipient=sr.mobile,
        body="لطفاً نظر خود را ثبت کنید",
        state=Notification.State.SENT,
    )


@pytest.fixture(autouse=True)
def _no_missing_template_variables(settings):
    """Every audit page drawn by these tests fails on a missing template variable."""
    templates_strict(settings)
