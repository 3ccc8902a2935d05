"""Writes of people's communication cases: every case is registered through these functions."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.cases.models import Case, CaseEvent
from apps.cases.selectors import case_type_due_working_days
from apps.core import worktime
from apps.core.validators import normalize_mobile, normalize_national_code
from apps.desk.services import Applicant
from apps.desk.tracking import case_code_new
from apps.orgs.models import Body, OrgUnit, Staff

TRACKING_CODE_ATTEMPTS = 8


def _normalized(field: str, normalize, value) -> str:
    # The validators' messages, tied to the field so that a form shows them beside it.
    try:
        return normalize(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


@transaction.atomic
def case_register(
    *,
    case_type: str,
    level: str,
    unit: OrgUnit,
    applicant: Applicant,
    subject: str,
    description: str,
    channel: str = Case.Channel.DESK,
    by: Staff | None = None,
    body: Body | None = None,
    complained_body: Body | None = None,
    complained_unit: OrgUnit | None = None,
    official_name: str = "",
    official_post: str = "",
    place: str = "",
    happened_at: dt.datetime | None = None,
    employee: Staff | None = None,
) -> Case:
    """Register a case: validated per type, a case tracking code, the due time in working days of
    the unit's province, and the first line of its timeline. Raises ValidationError on bad input."""
    now = timezone.now()
    case = Case(
        type=case_type, level=level, channel=channel, unit=unit, body=body or unit.body, registered_by=by,
        national_code=_normalized("national_code", normalize_national_code, applicant.national_code), full_name=applicant.full_name.strip(),
        mobile=_normalized("mobile", normalize_mobile, applicant.mobile), email=applicant.email.strip(),
        subject=subject.strip(), description=description.strip(),
        complained_body=complained_body, complained_unit=complained_unit,
        official_name=official_name.strip(), official_post=official_post.strip(),
        place=place.strip(), happened_at=happened_at, employee=employee,
        created_at=now,
        due_at=worktime.add_working_days(now, case_type_due_working_days(case_type), province=unit.province),
    )
    # The code is drawn below; its uniqueness is the database's to check.
    case.full_clean(exclude=["tracking_code"])
    for _attempt in range(TRACKING_CODE_ATTEMPTS):
        case.tracking_code = case_code_new()
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            case.pk = None  # a collision of random codes: draw again
    else:
        raise RuntimeError("Could not draw a free case tracking code.")
    CaseEvent.objects.create(case=case, at=now, kind=CaseEvent.Kind.REGISTERED, actor=by)
    return case
