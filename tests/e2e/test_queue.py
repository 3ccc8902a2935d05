"""GIVEN a desk with three counters WHEN a citizen takes a number at the kiosk on a 360 px phone, a
clerk logs in and calls next, and the hall's TV shows the board THEN the ticket reads in huge
Persian digits and prints on an 80 mm roll, the clerk sees who to serve, and the board shows the
called number beside its counter — with no page scrolling sideways."""

import re

import pytest

from apps.desk.models import QueueTicket
from apps.orgs import roles
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.factories import CounterFactory, OrgUnitFactory, SubServiceFactory, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

MM = 96 / 25.4  # CSS pixels per millimetre
TV = {"width": 1280, "height": 720}


@pytest.fixture
def hall(db):
    unit = OrgUnitFactory(name="اداره کل ثبت اسناد و املاک استان مازندران")
    counters = [
        CounterFactory(unit=unit, number=1, title="پذیرش و راهنمایی"),
        CounterFactory(unit=unit, number=2, title="اسناد رسمی"),
        CounterFactory(unit=unit, number=3, title="تحویل مدارک"),
    ]
    titles = [
        "صدور سند مالکیت تک‌برگ",
        "استعلام وضعیت ثبتی ملک و گواهی عدم بازداشت",
        "ثبت تقاضای افراز و تفکیک",
        "تحویل پاسخ درخواست",
    ]
    services = [SubServiceFactory(body=unit.body, title=t) for t in titles]
    services[0].counters.add(counters[1])
    services[1].counters.add(counters[1], counters[2])
    services[2].counters.add(counters[2])
    services[3].counters.add(counters[0])
    clerk = staff_user(roles.DESK_CLERK, unit=unit, first_name="مریم", last_name="احمدی")
    counters[1].staff.add(clerk)
    return {"unit": unit, "counters": counters, "services": services, "clerk": clerk}


def test_citizen_takes_a_number_on_a_phone(page, live_server, hall, shot, no_horizontal_overflow):
    page.set_viewport_size(PHONE)
    unit = hall["unit"]
    page.goto(f"{live_server.url}/desk/queue/{unit.pk}/kiosk/")
    assert page.get_attribute("html", "dir") == "rtl"
    no_horizontal_overflow(page)
    buttons = page.locator("button.q-choice")
    assert buttons.count() == 4 + 3
    # Thumb-sized: every choice is at least 72 px tall and spans the phone's width.
    for box in (buttons.nth(i).bounding_box() for i in range(buttons.count())):
        assert box["height"] >= 72
        assert box["width"] >= PHONE["width"] - 40
    shot(page, "queue-kiosk-360")

    # The longest title: the printed slip must still be one page.
    page.click("button.q-choice >> text=استعلام وضعیت ثبتی ملک و گواهی عدم بازداشت")
    page.wait_for_url(re.compile(r"/desk/queue/ticket/[^/]+/$"))
    ticket = QueueTicket.objects.get()
    assert not page.url.rstrip("/").endswith(f"/{ticket.pk}")
    assert page.inner_text(".q-ticket-number") == "۱"
    assert "گواهی عدم بازداشت" in page.inner_text(".q-ticket-for")
    number_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.q-ticket-number')).fontSize)"
    )
    assert number_px >= 88  # huge on screen
    assert page.locator("[data-print]").is_visible()  # board.js revealed the print button
    no_horizontal_overflow(page)
    shot(page, "queue-ticket-360")

    # What the thermal printer gets: one 80 mm page, the ticket inside 72 mm, nothing else.
    page.emulate_media(media="print")
    width_mm = page.locator(".q-ticket").bounding_box()["width"] / MM
    assert width_mm <= 72.5
    assert not page.locator(".q-actions").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    (ARTIFACTS / "queue-ticket-80mm.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert [tuple(round(float(v) / 72 * 25.4) for v in box) for box in boxes] == [(80, 110)]  # one slip
    page.emulate_media(media="screen")


def test_clerk_calls_next_and_the_board_shows_it(
    page, live_server, login, hall, shot, no_horizontal_overflow
):
    from apps.desk import queue

    unit, (c1, c2, c3) = hall["unit"], hall["counters"]
    # The morning so far: numbers 1–6 already served at counters 1 and 3, so the board is full.
    colleague = staff_user(roles.DESK_CLERK, unit=unit)
    for counter in (c1, c3, c1, c3, c1, c3):
        queue.ticket_issue(unit=unit, counter=counter)
        queue.ticket_mark_served(ticket=queue.ticket_call_next(counter=counter, by=colleague), by=colleague)
    for service in hall["services"]:
        queue.ticket_issue(unit=unit, service=service)
    queue.ticket_issue(unit=unit, counter=c2)

    page.set_viewport_size(DESKTOP)
    login(page, hall["clerk"].user, next_path=f"/desk/queue/counter/{c2.pk}/")
    # Counter 2 serves the first two services and its own tickets: 3 of the 5 waiting are for it.
    assert page.inner_text(".q-waiting-count") == "۳"
    page.click("button.q-call")
    page.wait_for_load_state()
    assert page.inner_text(".q-current-number") == "۷"
    assert page.locator("button.q-call").is_disabled()
    no_horizontal_overflow(page)
    shot(page, "queue-counter-1280")
    page.click(".q-close form:first-child button")  # served
    page.wait_for_load_state()
    page.click("button.q-call")
    page.wait_for_load_state()
    assert page.inner_text(".q-current-number") == "۸"
    at_counter_2 = QueueTicket.objects.filter(called_to=c2).values_list("number", "state", "called_by")
    assert sorted(at_counter_2) == [(7, "served", hall["clerk"].pk), (8, "called", hall["clerk"].pk)]

    page.goto(f"{live_server.url}/desk/queue/{unit.pk}/figures/")
    total = page.locator(".table tfoot tr")
    assert total.locator("td").nth(0).inner_text() == "۱۱"  # issued
    assert total.locator("td").nth(1).inner_text() == "۷"  # served
    no_horizontal_overflow(page)
    shot(page, "queue-figures-1280")

    board = page.context.browser.new_page(viewport=TV)
    board.goto(f"{live_server.url}/desk/queue/{unit.pk}/board/")
    assert board.get_attribute('meta[http-equiv="refresh"]', "content") == "10"
    assert board.inner_text(".q-now-number") == "۸"
    assert "۲" in board.inner_text(".q-now-counter")
    assert board.inner_text(".q-recent tbody tr:first-child td:first-child") == "۷"
    assert board.locator(".q-recent tbody tr").count() == 7
    assert board.inner_text(".q-board-waiting strong") == "۳"
    now_px = board.evaluate("parseFloat(getComputedStyle(document.querySelector('.q-now-number')).fontSize)")
    assert now_px >= 160  # read from across the hall
    shot(board, "queue-board-1280")
    # The whole board fits the TV: nothing below the fold, nothing sideways.
    assert board.evaluate("document.documentElement.scrollHeight") <= TV["height"]
    no_horizontal_overflow(board)
    board.close()
