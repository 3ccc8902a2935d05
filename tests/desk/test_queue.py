"""The waiting-hall queue: numbers per Tehran day that never repeat, "call next" in order and in
scope, the served / not-come transitions, the day's figures against a hand count, and the public
kiosk, ticket and board pages (no login, throttled, not enumerable)."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.core import jalali
from apps.core.models import ChangeRecord
from apps.desk import queue
from apps.desk.models import QueueTicket
from apps.orgs import roles
from tests.factories import CounterFactory, OrgUnitFactory, SubServiceFactory, staff_user

pytestmark = pytest.mark.django_db

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes one writer at a time (IMMEDIATE transactions), so threads cannot race there; "
    "set DATABASE_URL to a PostgreSQL database to run this",
)


def _fa(message: str, **values) -> str:
    with translation.override("fa"):
        return gettext(message) % values if values else gettext(message)


def tehran(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=TEHRAN)


@pytest.fixture
def desk(unit):
    """A desk with two counters; counter 2 also serves a sub-service people may queue for."""
    first = CounterFactory(unit=unit, number=1, title="پذیرش")
    second = CounterFactory(unit=unit, number=2, title="پاسخ")
    service = SubServiceFactory(body=unit.body, title="صدور گواهی")
    service.counters.add(second)
    return {"unit": unit, "c1": first, "c2": second, "service": service}


def _ticket_url(ticket: QueueTicket) -> str:
    return reverse("desk:queue_ticket", args=[queue.ticket_token(ticket)])


# --- numbering ------------------------------------------------------------------------------------


def test_numbers_start_at_one_and_restart_at_tehran_midnight_not_utc(desk):
    unit, counter = desk["unit"], desk["c1"]
    # 23:50 and 23:59 in Tehran are 20:20 and 20:29 UTC; 00:05 the next Tehran day is still the same UTC date.
    evening = [queue.ticket_issue(unit=unit, counter=counter, now=tehran(20, 23, m)) for m in (50, 59)]
    after_midnight = queue.ticket_issue(unit=unit, counter=counter, now=tehran(21, 0, 5))
    assert [t.number for t in evening] == [1, 2]
    assert after_midnight.number == 1
    assert (
        after_midnight.issued_at.astimezone(dt.UTC).date() == evening[0].issued_at.astimezone(dt.UTC).date()
    )
    assert [t.day for t in evening] == [dt.date(2026, 11, 20)] * 2
    assert after_midnight.day == dt.date(2026, 11, 21)


def test_each_unit_counts_its_own_numbers(desk):
    other_unit = OrgUnitFactory()
    other_counter = CounterFactory(unit=other_unit)
    now = tehran(20, 9)
    assert queue.ticket_issue(unit=desk["unit"], counter=desk["c1"], now=now).number == 1
    assert queue.ticket_issue(unit=other_unit, counter=other_counter, now=now).number == 1
    assert queue.ticket_issue(unit=desk["unit"], service=desk["service"], now=now).number == 2


def test_sequential_tickets_are_consecutive_and_unique(desk):
    numbers = [queue.ticket_issue(unit=desk["unit"], counter=desk["c1"]).number for _ in range(25)]
    assert numbers == list(range(1, 26))


def test_a_number_taken_between_read_and_insert_is_retried_not_duplicated(desk, monkeypatch):
    """GIVEN another kiosk committed number 1 after we read the day's last number
    WHEN our insert hits the unique constraint THEN we read again and take 2."""
    unit = desk["unit"]
    queue.ticket_issue(unit=unit, counter=desk["c1"])
    real = queue._last_number
    stale = [0]  # what we read before the other kiosk's commit

    def last_number(u, d):
        return stale.pop() if stale else real(u, d)

    monkeypatch.setattr(queue, "_last_number", last_number)
    second = queue.ticket_issue(unit=unit, counter=desk["c1"])
    assert second.number == 2
    assert QueueTicket.objects.filter(unit=unit).count() == 2


def test_a_ticket_needs_a_counter_or_a_service_this_desk_serves(desk):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        queue.ticket_issue(unit=desk["unit"])
    with pytest.raises(ValidationError):
        queue.ticket_issue(unit=desk["unit"], service=SubServiceFactory())  # no counter here serves it
    with pytest.raises(ValidationError):
        queue.ticket_issue(unit=desk["unit"], counter=CounterFactory())  # another unit's counter


@POSTGRES
@pytest.mark.django_db(transaction=True)
def test_kiosks_pressed_at_once_never_share_a_number():
    """GIVEN 8 kiosks of one desk WHEN each issues 6 tickets at the same instant THEN the 48 numbers are 1..48."""
    unit = OrgUnitFactory()
    counter = CounterFactory(unit=unit)
    start = threading.Barrier(8)
    numbers, errors = [], []

    def kiosk():
        try:
            start.wait()
            for _ in range(6):
                numbers.append(queue.ticket_issue(unit=unit, counter=counter).number)
        except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=kiosk) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 49))


# --- calling --------------------------------------------------------------------------------------


def test_call_next_takes_the_oldest_ticket_the_counter_may_serve(desk, clerk):
    unit, c1, c2, service = desk["unit"], desk["c1"], desk["c2"], desk["service"]
    other_service = SubServiceFactory(body=unit.body)
    other_service.counters.add(c1)
    yesterday = queue.ticket_issue(unit=unit, counter=c2, now=tehran(19, 9))
    for_c1 = queue.ticket_issue(unit=unit, counter=c1, now=tehran(20, 8, 0))
    for_service = queue.ticket_issue(unit=unit, service=service, now=tehran(20, 8, 1))
    for_other_service = queue.ticket_issue(unit=unit, service=other_service, now=tehran(20, 8, 2))
    for_c2 = queue.ticket_issue(unit=unit, counter=c2, now=tehran(20, 8, 3))

    order = []
    for minute in range(10, 14):
        ticket = queue.ticket_call_next(counter=c2, by=clerk, now=tehran(20, 9, minute))
        order.append(ticket)
        if ticket:
            queue.ticket_mark_served(ticket=ticket, by=clerk)
    assert order == [for_service, for_c2, None, None]  # never c1's ticket, another service's, or yesterday's
    for_service.refresh_from_db()
    assert (for_service.state, for_service.called_to, for_service.called_by) == ("served", c2, clerk)
    assert for_service.called_at == tehran(20, 9, 10)
    assert QueueTicket.objects.get(pk=yesterday.pk).state == "waiting"
    assert queue.ticket_call_next(counter=c1, by=clerk, now=tehran(20, 9, 20)) == for_c1
    assert QueueTicket.objects.get(pk=for_other_service.pk).state == "waiting"


def test_call_next_waits_until_the_current_number_is_closed(desk, clerk):
    queue.ticket_issue(unit=desk["unit"], counter=desk["c1"])
    queue.ticket_issue(unit=desk["unit"], counter=desk["c1"])
    first = queue.ticket_call_next(counter=desk["c1"], by=clerk)
    with pytest.raises(queue.QueueError):
        queue.ticket_call_next(counter=desk["c1"], by=clerk)
    queue.ticket_mark_no_show(ticket=first, by=clerk)
    assert queue.ticket_call_next(counter=desk["c1"], by=clerk).number == 2


@POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_ticket_another_clerk_is_calling_is_skipped_not_waited_for():
    """GIVEN clerk A's transaction holds the oldest ticket WHEN clerk B calls next at another counter
    for the same service THEN B gets the second ticket at once, and A's stays A's."""
    unit = OrgUnitFactory()
    c1, c2 = CounterFactory(unit=unit, number=1), CounterFactory(unit=unit, number=2)
    service = SubServiceFactory(body=unit.body)
    service.counters.add(c1, c2)
    clerk_b = staff_user(roles.DESK_CLERK, unit=unit)
    first = queue.ticket_issue(unit=unit, service=service)
    second = queue.ticket_issue(unit=unit, service=service)
    locked, release = threading.Event(), threading.Event()

    def clerk_a_holds_the_first():
        from django.db import transaction

        try:
            with transaction.atomic():
                QueueTicket.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=clerk_a_holds_the_first)
    holder.start()
    try:
        assert locked.wait(10)
        assert queue.ticket_call_next(counter=c2, by=clerk_b) == second
    finally:
        release.set()
        holder.join()
    assert QueueTicket.objects.get(pk=first.pk).state == "waiting"


@POSTGRES
@pytest.mark.django_db(transaction=True)
def test_clerks_calling_at_once_never_get_the_same_ticket():
    unit = OrgUnitFactory()
    service = SubServiceFactory(body=unit.body)
    counters = [CounterFactory(unit=unit, number=n) for n in range(1, 7)]
    service.counters.add(*counters)
    clerk = staff_user(roles.DESK_CLERK, unit=unit)
    for _ in range(6):
        queue.ticket_issue(unit=unit, service=service)
    start = threading.Barrier(6)
    called, errors = [], []

    def call(counter):
        try:
            start.wait()
            called.append(queue.ticket_call_next(counter=counter, by=clerk).number)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call, args=(c,)) for c in counters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(called) == [1, 2, 3, 4, 5, 6]


def test_served_and_not_come_close_only_a_called_ticket_and_are_recorded(desk, clerk):
    unit, c1 = desk["unit"], desk["c1"]
    waiting = queue.ticket_issue(unit=unit, counter=c1)
    with pytest.raises(queue.QueueError):
        queue.ticket_mark_served(ticket=waiting, by=clerk)
    called = queue.ticket_call_next(counter=c1, by=clerk)
    queue.ticket_mark_served(ticket=called, by=clerk)
    with pytest.raises(queue.QueueError):
        queue.ticket_mark_no_show(ticket=called, by=clerk)  # served stays served
    called.refresh_from_db()
    assert called.state == "served"

    queue.ticket_issue(unit=unit, counter=c1)
    absent = queue.ticket_call_next(counter=c1, by=clerk)
    queue.ticket_mark_no_show(ticket=absent, by=clerk)
    absent.refresh_from_db()
    assert absent.state == "no_show"

    log = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(QueueTicket), object_id=str(called.pk)
    )
    assert sorted(log.values_list("action", flat=True)) == ["queue_call", "queue_served"]
    assert set(log.values_list("actor", flat=True)) == {clerk.user_id}


# --- clerk pages ----------------------------------------------------------------------------------


def test_clerk_calls_next_and_closes_from_the_counter_page(client, desk, clerk):
    ticket = queue.ticket_issue(unit=desk["unit"], counter=desk["c1"])
    client.force_login(clerk.user)
    page = client.get(reverse("desk:queue_counter", args=[desk["c1"].pk]))
    assert page.status_code == 200
    assert page.context["waiting"] == 1
    response = client.post(reverse("desk:queue_call_next", args=[desk["c1"].pk]))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.called_to, ticket.called_by) == ("called", desk["c1"], clerk)
    page = client.get(reverse("desk:queue_counter", args=[desk["c1"].pk]))
    assert page.context["current"] == ticket
    assert "۱" in page.content.decode()
    client.post(reverse("desk:queue_mark_served", args=[desk["c1"].pk, ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.state == "served"


def test_clerk_of_another_unit_gets_404_and_the_ticket_stays_waiting(client, desk):
    ticket = queue.ticket_issue(unit=desk["unit"], counter=desk["c1"])
    stranger = staff_user(roles.DESK_CLERK, unit=OrgUnitFactory())
    client.force_login(stranger.user)
    assert client.post(reverse("desk:queue_call_next", args=[desk["c1"].pk])).status_code == 404
    assert client.get(reverse("desk:queue_counter", args=[desk["c1"].pk])).status_code == 404
    assert client.get(reverse("desk:queue_figures", args=[desk["unit"].pk])).status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == "waiting"


def test_closing_a_ticket_of_another_unit_is_404(client, desk, clerk):
    elsewhere = OrgUnitFactory()
    their_counter = CounterFactory(unit=elsewhere)
    their_clerk = staff_user(roles.DESK_CLERK, unit=elsewhere)
    queue.ticket_issue(unit=elsewhere, counter=their_counter)
    theirs = queue.ticket_call_next(counter=their_counter, by=their_clerk)
    client.force_login(clerk.user)
    # Neither through their counter nor by pairing their ticket with our own counter.
    assert (
        client.post(reverse("desk:queue_mark_no_show", args=[their_counter.pk, theirs.pk])).status_code == 404
    )
    assert client.post(reverse("desk:queue_mark_no_show", args=[desk["c1"].pk, theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "called"


def test_only_clerks_and_supervisors_call(client, desk, officer, supervisor):
    url = reverse("desk:queue_call_next", args=[desk["c1"].pk])
    assert client.post(url).status_code == 302  # anonymous: to the login page
    assert "/accounts/login/" in client.post(url)["Location"]
    client.force_login(officer.user)
    assert client.post(url).status_code == 403
    client.force_login(supervisor.user)
    assert client.post(url).status_code == 302
    assert client.get(url).status_code == 405


def test_queue_home_lists_counters_in_scope(client, desk, clerk):
    CounterFactory(unit=OrgUnitFactory())
    desk["c2"].staff.add(clerk)
    client.force_login(clerk.user)
    page = client.get(reverse("desk:queue_home"))
    assert page.status_code == 200
    assert {c.pk for c in page.context["counters"]} == {desk["c1"].pk, desk["c2"].pk}
    assert page.context["mine"] == {desk["c2"].pk}


# --- figures --------------------------------------------------------------------------------------


@pytest.fixture
def a_day_of_queue(desk, clerk):
    """Five tickets on 1405/08/29 (2026-11-20) with waits counted by hand:
    c1: #1 waits 4 min, served; #2 waits 10 min, did not come.
    c2: #3 (service) waits 3 min, served; #5 waits 1 min, served.
    #4 for a service only counter 3 serves, never called."""
    unit, c1, c2, service = desk["unit"], desk["c1"], desk["c2"], desk["service"]
    c3 = CounterFactory(unit=unit, number=3)
    rare = SubServiceFactory(body=unit.body)
    rare.counters.add(c3)
    queue.ticket_issue(unit=unit, counter=c1, now=tehran(20, 9, 0))
    queue.ticket_issue(unit=unit, counter=c1, now=tehran(20, 9, 1))
    queue.ticket_issue(unit=unit, service=service, now=tehran(20, 9, 2))
    queue.ticket_issue(unit=unit, service=rare, now=tehran(20, 9, 3))
    queue.ticket_mark_served(
        ticket=queue.ticket_call_next(counter=c1, by=clerk, now=tehran(20, 9, 4)), by=clerk
    )
    queue.ticket_mark_served(
        ticket=queue.ticket_call_next(counter=c2, by=clerk, now=tehran(20, 9, 5)), by=clerk
    )
    queue.ticket_issue(unit=unit, counter=c2, now=tehran(20, 9, 6))
    queue.ticket_mark_served(
        ticket=queue.ticket_call_next(counter=c2, by=clerk, now=tehran(20, 9, 7)), by=clerk
    )
    queue.ticket_mark_no_show(
        ticket=queue.ticket_call_next(counter=c1, by=clerk, now=tehran(20, 9, 11)), by=clerk
    )
    return desk


def test_figures_equal_the_hand_count(a_day_of_queue):
    rows, total = queue.queue_waiting_figures(unit=a_day_of_queue["unit"], day=dt.date(2026, 11, 20))
    table = {
        (r.counter.number if r.counter else None): (
            r.issued,
            r.served,
            r.no_show,
            r.waiting,
            r.avg_wait_minutes,
            r.max_wait_minutes,
        )
        for r in rows
    }
    assert table == {
        1: (2, 1, 1, 0, 7.0, 10.0),
        2: (2, 2, 0, 0, 2.0, 3.0),
        None: (1, 0, 0, 1, None, None),
    }
    assert [r.counter.number if r.counter else None for r in rows] == [1, 2, None]
    assert (total.issued, total.served, total.no_show, total.waiting) == (5, 3, 1, 1)
    assert (total.avg_wait_minutes, total.max_wait_minutes) == (4.5, 10.0)  # (4 + 10 + 3 + 1) / 4


def test_figures_are_aggregated_in_sql_whatever_the_number_of_tickets(
    desk, clerk, django_assert_max_num_queries
):
    for minute in range(60):
        queue.ticket_issue(
            unit=desk["unit"], counter=desk["c1" if minute % 2 else "c2"], now=tehran(20, 8, minute)
        )
    with django_assert_max_num_queries(3):  # per counter, counters, total
        _rows, total = queue.queue_waiting_figures(unit=desk["unit"], day=dt.date(2026, 11, 20))
    assert total.issued == 60


def test_figures_page_takes_a_jalali_day_in_persian_digits(client, a_day_of_queue, supervisor):
    day = jalali.format_date(dt.date(2026, 11, 20), persian_digits=True)
    assert day == "۱۴۰۵/۰۸/۲۹"
    client.force_login(supervisor.user)
    page = client.get(reverse("desk:queue_figures", args=[a_day_of_queue["unit"].pk]), {"day": day})
    assert page.status_code == 200
    assert page.context["day"] == dt.date(2026, 11, 20)
    html = page.content.decode()
    assert "۴٫۵" in html  # Persian decimal separator, not a point that reads as ۰
    assert "۱۰" in html
    bad = client.get(reverse("desk:queue_figures", args=[a_day_of_queue["unit"].pk]), {"day": "1405/13/40"})
    assert bad.status_code == 400


# --- the hall -------------------------------------------------------------------------------------


def test_kiosk_needs_no_login_and_issues_a_ticket_behind_a_signed_link(client, desk):
    kiosk = reverse("desk:queue_kiosk", args=[desk["unit"].pk])
    page = client.get(kiosk)
    assert page.status_code == 200
    html = page.content.decode()
    assert desk["service"].title in html
    assert f'name="counter" value="{desk["c1"].pk}"' in html
    response = client.post(kiosk, {"service": desk["service"].pk})
    assert response.status_code == 302
    ticket = QueueTicket.objects.get()
    assert (ticket.number, ticket.service, ticket.counter) == (1, desk["service"], None)
    location = response["Location"]
    assert location == _ticket_url(ticket)
    assert not location.rstrip("/").endswith(f"/{ticket.pk}")
    shown = client.get(location)
    assert shown.status_code == 200
    assert shown.context["ticket"] == ticket
    assert '<p class="q-ticket-number">۱</p>' in shown.content.decode()


def test_the_ticket_page_cannot_be_reached_by_id_or_a_forged_token(client, desk):
    ticket = queue.ticket_issue(unit=desk["unit"], counter=desk["c1"])
    other = queue.ticket_issue(unit=desk["unit"], counter=desk["c1"])
    assert client.get(f"/desk/queue/ticket/{ticket.pk}/").status_code == 404
    token = queue.ticket_token(ticket)
    forged = token.replace(token.split(":")[0], queue.ticket_token(other).split(":")[0], 1)
    assert client.get(reverse("desk:queue_ticket", args=[forged])).status_code == 404
    assert client.get(reverse("desk:queue_ticket", args=[token])).status_code == 200


def test_kiosk_refuses_a_service_of_another_desk(client, desk):
    stranger = SubServiceFactory()
    stranger.counters.add(CounterFactory())
    response = client.post(reverse("desk:queue_kiosk", args=[desk["unit"].pk]), {"service": stranger.pk})
    assert response.status_code == 400
    assert not QueueTicket.objects.exists()


def test_kiosk_is_rate_limited_per_address(client, desk, settings):
    settings.QUEUE_KIOSK_RATE = "3/h"  # an hour window: a minute one can roll over mid-test
    kiosk = reverse("desk:queue_kiosk", args=[desk["unit"].pk])
    codes = [client.post(kiosk, {"counter": desk["c1"].pk}).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert QueueTicket.objects.count() == 3
    # Another address is not held back by the first one.
    assert client.post(kiosk, {"counter": desk["c1"].pk}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_ticket_shows_people_ahead_then_where_to_go(client, desk, clerk):
    unit, c2, service = desk["unit"], desk["c2"], desk["service"]
    queue.ticket_issue(unit=unit, counter=c2)  # counter 2 would call this first
    queue.ticket_issue(unit=unit, counter=desk["c1"])  # another counter's: not ahead
    mine = queue.ticket_issue(unit=unit, service=service)
    assert queue.ticket_people_ahead(ticket=mine) == 1
    page = client.get(_ticket_url(mine))
    assert page.context["ahead"] == 1
    assert '<meta http-equiv="refresh" content="30">' in page.content.decode()
    queue.ticket_mark_served(ticket=queue.ticket_call_next(counter=c2, by=clerk), by=clerk)
    queue.ticket_call_next(counter=c2, by=clerk)
    page = client.get(_ticket_url(mine))
    assert page.context["ticket"].called_to == c2
    assert _fa("Please go to counter %(number)s", number="۲") in page.content.decode()
    assert page.context["refresh"] == 30  # still refreshing: the person may be walking over


def test_board_needs_no_login_refreshes_itself_and_shows_called_numbers(client, desk, clerk):
    unit = desk["unit"]
    for _ in range(3):
        queue.ticket_issue(unit=unit, counter=desk["c2"])
    queue.ticket_mark_served(ticket=queue.ticket_call_next(counter=desk["c2"], by=clerk), by=clerk)
    queue.ticket_call_next(counter=desk["c2"], by=clerk)
    page = client.get(reverse("desk:queue_board", args=[unit.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="10">' in html
    assert "<script" not in html  # CSP allows no inline script, and the board needs none
    assert [t.number for t in page.context["board"].called] == [2, 1]
    assert page.context["board"].waiting == 1
    assert '<p class="q-now-number">۲</p>' in html


def test_unknown_desk_pages_are_404(client):
    assert client.get(reverse("desk:queue_kiosk", args=[999999])).status_code == 404
    assert client.get(reverse("desk:queue_board", args=[999999])).status_code == 404


def test_queue_day_is_tehran_local():
    assert queue.queue_day(dt.datetime(2026, 11, 20, 20, 31, tzinfo=dt.UTC)) == dt.date(2026, 11, 21)
    assert queue.queue_day(timezone.now()) == timezone.localdate()


def test_hall_pages_cost_the_same_few_queries_however_long_the_queue(
    client, desk, clerk, django_assert_max_num_queries
):
    """The board is reloaded every 10 s by every screen in the hall; its cost must not grow with the day."""
    for _ in range(30):
        queue.ticket_issue(unit=desk["unit"], counter=desk["c2"])
    for _ in range(12):
        queue.ticket_mark_served(ticket=queue.ticket_call_next(counter=desk["c2"], by=clerk), by=clerk)
    with django_assert_max_num_queries(3):  # unit, last called, waiting count
        client.get(reverse("desk:queue_board", args=[desk["unit"].pk]))
    with django_assert_max_num_queries(3):  # unit, counters, services
        client.get(reverse("desk:queue_kiosk", args=[desk["unit"].pk]))
