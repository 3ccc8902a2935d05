"""The catalog as of a day: the days a service is in the catalog and its dated states (channel,
type, offered), answered by apps.catalog.selectors.services_on."""

import io

import pytest
from openpyxl import load_workbook

from apps.catalog.excel import export_catalog, import_catalog
from apps.catalog.models import ServiceState, SubService
from apps.catalog.selectors import service_states_on, services_on
from apps.core.jalali import jalali_to_gregorian
from tests.factories import BodyFactory, SubServiceFactory

pytestmark = pytest.mark.django_db


def day(month: int, d: int, year: int = 1405):
    return jalali_to_gregorian(year, month, d)


def _change(service: SubService, on, **fields) -> None:
    """Edit a service as the form does: the change takes effect on the day the editor gives."""
    for name, value in fields.items():
        setattr(service, name, value)
    service.changes_from = on
    service.save()


@pytest.fixture
def catalog():
    """GIVEN body X with
    - A in person since 1405/01/10;
    - B electronic since 1405/03/01;
    - C in person from 1405/01/01 to 1405/02/31 (then withdrawn);
    - D in person since 1405/01/01, moved to the electronic desk from 1405/04/01;
    - E in person since 1405/01/01, no longer offered from 1405/05/01;
    and a service of another body."""
    x = BodyFactory(name_fa="اداره کل آزمایشی")
    s = {
        "A": SubServiceFactory(body=x, code="A", valid_from=day(1, 10)),
        "B": SubServiceFactory(
            body=x,
            code="B",
            channel="electronic",
            non_electronic_reason="",
            eservice_url="https://x.ir/b",
            valid_from=day(3, 1),
        ),
        "C": SubServiceFactory(body=x, code="C", valid_from=day(1, 1), valid_until=day(2, 31)),
        "D": SubServiceFactory(body=x, code="D", eservice_url="https://x.ir/d", valid_from=day(1, 1)),
        "E": SubServiceFactory(body=x, code="E", valid_from=day(1, 1)),
    }
    _change(s["D"], day(4, 1), channel="electronic", non_electronic_reason="")
    _change(s["E"], day(5, 1), active=False)
    SubServiceFactory(valid_from=day(1, 1))
    return x, s


def _on(when, body):
    return {s.code: s.channel_on for s in services_on(when, bodies=[body.pk])}


def test_services_of_a_body_on_a_past_date_come_from_the_catalog_history(catalog):
    x, s = catalog
    assert _on(day(12, 1, year=1404), x) == {}
    assert _on(day(2, 15), x) == {"A": "in_person", "C": "in_person", "D": "in_person", "E": "in_person"}
    assert _on(day(4, 15), x) == {"A": "in_person", "B": "electronic", "D": "electronic", "E": "in_person"}
    assert _on(day(6, 1), x) == {"A": "in_person", "B": "electronic", "D": "electronic"}
    # The counting form of the same question, one query.
    assert service_states_on(day(2, 15), bodies=[x.pk]).count() == 4
    assert service_states_on(day(6, 1)).count() == 4  # with the other body's service
    # Today's row says electronic; the history keeps when it became so.
    assert list(s["D"].states.values_list("effective_from", "channel")) == [
        (day(1, 1), "in_person"),
        (day(4, 1), "electronic"),
    ]


def test_a_change_dated_earlier_supersedes_later_states_and_one_day_keeps_one_state(catalog):
    _x, s = catalog
    d = s["D"]
    _change(d, day(4, 1), channel="hybrid", non_electronic_reason="digitisation")  # same day: replaced
    assert list(d.states.values_list("effective_from", "channel")) == [
        (day(1, 1), "in_person"),
        (day(4, 1), "hybrid"),
    ]
    _change(d, day(3, 1), channel="outside", non_electronic_reason="internal")
    assert list(d.states.values_list("effective_from", "channel")) == [
        (day(1, 1), "in_person"),
        (day(3, 1), "outside"),
    ]
    d.title = "عنوان تازه"
    d.save()  # no tracked field changed: no new state
    assert d.states.count() == 2


def test_moving_the_first_day_earlier_moves_the_first_state(catalog):
    _x, s = catalog
    a = s["A"]
    a.valid_from = day(1, 2)
    a.save()
    assert list(a.states.values_list("effective_from", flat=True)) == [day(1, 2)]
    assert "A" in _on(day(1, 5), a.body)


def test_the_workbook_carries_the_catalog_days_in_jalali_and_round_trips(catalog, supervisor):
    x, s = catalog
    content = export_catalog(x)
    sheet = load_workbook(io.BytesIO(content))["services"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    start, end = header.index("در فهرست خدمات از"), header.index("در فهرست خدمات تا")
    assert (rows["C"][start], rows["C"][end]) == ("1405/01/01", "1405/02/31")
    assert (rows["A"][start], rows["A"][end]) == ("1405/01/10", None)

    report = import_catalog(body=x, file=content, by=supervisor.user)
    assert (report.errors, report.updated, report.unchanged) == ([], 0, 5)
    states = ServiceState.objects.filter(service__body=x).count()

    sheet.cell(row=list(rows).index("A") + 2, column=start + 1, value="۱۴۰۴/۱۲/۰۱")
    out = io.BytesIO()
    sheet.parent.save(out)
    report = import_catalog(body=x, file=out.getvalue(), by=supervisor.user)
    assert (report.errors, report.updated) == ([], 1)
    s["A"].refresh_from_db()
    assert s["A"].valid_from == day(12, 1, year=1404)
    assert ServiceState.objects.filter(service__body=x).count() == states  # the first state moved


def test_the_admin_shows_the_catalog_days_in_jalali_and_the_states_by_date(client, catalog):
    from django.urls import reverse

    from apps.orgs import roles
    from tests.factories import staff_user

    user = staff_user(roles.ADMINISTRATOR).user
    user.is_superuser = True
    user.save()
    client.force_login(user)
    _x, s = catalog
    page = client.get(reverse("admin:catalog_subservice_change", args=[s["D"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="valid_from" value="۱۴۰۵/۰۱/۰۱"' in html  # typed in Jalali
    assert "۱۴۰۵/۰۴/۰۱" in html  # the state from which it is electronic
    listing = client.get(reverse("admin:catalog_subservice_changelist"))
    assert "۱۴۰۵/۰۱/۱۰" in listing.content.decode()
