"""Annex 3 opens on the round being worked: the latest round with a form in the reader's scope that
is not verified yet, else the current bimonth — not the last finished bimonth."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from apps.audits.models import AuditForm
from apps.audits.services import audit_round_open
from apps.core.jalali import Period
from apps.orgs import roles
from apps.reports.selectors import annex3_working_period
from apps.reports.services import last_finished
from tests.factories import staff_user


def _bimonth_before(period: Period) -> Period:
    return Period.containing(period.start - dt.timedelta(days=1), "B")


def test_annex3_tables_open_on_the_round_being_worked_in_the_readers_scope(client, world):
    """GIVEN a round two bimonths back whose forms are still being evaluated
    WHEN an auditor of Mazandaran opens table 1 and a national auditor table 2 without a period
    THEN both open on that round; once Mazandaran's forms are verified its auditor gets the current
    bimonth while Gilan's open form keeps the national auditor on the round."""
    today = timezone.localdate()
    current = Period.containing(today, "B")
    worked = _bimonth_before(last_finished("B", today))
    round_ = audit_round_open(year=worked.year, number=worked.number)
    assert round_.forms.filter(unit=world.u4).exists()  # Gilan's unit has a form too
    provincial = staff_user(roles.PROVINCIAL_AUDITOR, unit=world.u3).user
    national = staff_user(roles.NATIONAL_AUDITOR, unit=world.hq).user

    client.force_login(provincial)
    table1 = client.get(reverse("reports:annex3_table1"))
    assert table1.status_code == 200
    assert table1.context["table"]["period"] == str(worked)
    client.force_login(national)
    assert client.get(reverse("reports:annex3_table2")).context["table"]["period"] == str(worked)

    AuditForm.objects.filter(round=round_, unit__province=world.mazandaran).update(
        state=AuditForm.State.VERIFIED
    )

    client.force_login(provincial)
    assert client.get(reverse("reports:annex3_table1")).context["table"]["period"] == str(current)
    client.force_login(national)
    assert client.get(reverse("reports:annex3_table2")).context["table"]["period"] == str(worked)
    # A period asked for is still honoured.
    assert (
        client.get(reverse("reports:annex3_table2"), {"period": "1405-B3"}).context["table"]["period"]
        == "1405-B3"
    )


def test_without_any_open_form_annex3_opens_on_the_current_bimonth(world, django_assert_max_num_queries):
    user = staff_user(roles.NATIONAL_AUDITOR, unit=world.hq).user
    with django_assert_max_num_queries(2):  # the role, then one read of the forms
        period = annex3_working_period(user, today=dt.date(2026, 12, 6))
    assert period == Period(1405, "B", 5)  # 1405/09/15: Azar–Dey
