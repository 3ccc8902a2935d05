"""A clerk's day is 200 intakes: the clicks and page loads of one two-document intake, counted.

From the receipt of the applicant before, the clerk registers the next one (same service, two
documents scanned) and prints the receipt. The long way is how it had to be done before the desk was
reworked: home, the intake tile, the service list, the form with a tick and a file per document, the
submit button, the print link. Measured on main before the rework (commit bb1eb09, same journey):
9 clicks and 5 page loads.
"""

import re

import pytest

from apps.desk.models import ServiceRequest
from apps.orgs import roles
from tests.e2e.conftest import DESKTOP
from tests.factories import (
    CounterFactory,
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)
from tests.files import JPEG, PDF

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT = 20_000
BEFORE = {"clicks": 9, "page_loads": 5}


class Counted:
    """The page, with every click and every page load (tabs included) counted; typing is free."""

    def __init__(self, page):
        self.page, self.clicks, self.loads = page, 0, 0
        page.on("load", lambda _p: self._loaded())
        page.context.on("page", lambda popup: popup.on("load", lambda _p: self._loaded()))

    def _loaded(self):
        self.loads += 1

    def click(self, selector, **kwargs):
        self.clicks += 1
        self.page.click(selector, **kwargs)

    def attach(self, selector, path):
        self.clicks += 1  # choosing a file is one click on the field
        self.page.set_input_files(selector, str(path))


@pytest.fixture
def desk(db, tmp_path):
    unit = OrgUnitFactory(name="اداره ثبت اسناد و املاک ساری")
    service = SubServiceFactory(body=unit.body, code="11450", title="صدور گواهی پایان کار ساختمان")
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    docs = [RequiredDocumentFactory(service=service, order=1, title="کارت ملی مالک", upload_required=True),
            RequiredDocumentFactory(service=service, order=2, title="سند مالکیت", upload_required=True)]
    clerk = staff_user(roles.DESK_CLERK, unit=unit, first_name="مریم", last_name="احمدی")
    CounterFactory(unit=unit, number=1)
    (tmp_path / "card.jpg").write_bytes(JPEG)
    (tmp_path / "deed.pdf").write_bytes(PDF)
    return {"service": service, "docs": docs, "clerk": clerk, "files": (tmp_path / "card.jpg", tmp_path / "deed.pdf")}


def _first_receipt(page, live_server, desk, login):
    """The receipt of the applicant before (registered through the form, not counted)."""
    login(page, desk["clerk"].user)
    page.goto(f"{live_server.url}/desk/intake/{desk['service'].pk}/")
    page.fill("#id_national_code", "4032152314")
    page.fill("#id_full_name", "رضا کریمی")
    page.fill("#id_mobile", "09121112233")
    page.select_option("#id_counter", index=1)  # chosen once, remembered for the session
    for doc, path in zip(desk["docs"], desk["files"], strict=True):
        page.set_input_files(f"#id_doc_{doc.pk}_file", str(path))
    page.press("#id_mobile", "Enter")
    page.wait_for_url(re.compile(r"/receipt/$"), timeout=WAIT)


def _applicant(page):
    # Typed, not clicked: the cursor starts in the national code and Tab moves on.
    page.keyboard.type("0499370899")
    page.keyboard.press("Tab")
    page.keyboard.type("سارا محمدی")
    page.keyboard.press("Tab")
    page.keyboard.type("09121234567")


def test_the_next_two_document_intake_takes_fewer_clicks_and_pages(page, live_server, desk, login, shot):
    page.set_viewport_size(DESKTOP)
    _first_receipt(page, live_server, desk, login)
    counted = Counted(page)

    counted.click("#next-applicant")
    page.wait_for_url(re.compile(rf"/desk/intake/{desk['service'].pk}/$"), timeout=WAIT)
    assert page.evaluate("document.activeElement.id") == "id_national_code"  # autofocus
    assert page.input_value("#id_counter") != ""  # the counter is remembered
    _applicant(page)
    for doc, path in zip(desk["docs"], desk["files"], strict=True):
        counted.attach(f"#id_doc_{doc.pk}_file", path)
    shot(page, "intake-two-documents")
    page.press("#id_mobile", "Enter")  # Enter submits: no click
    page.wait_for_url(re.compile(r"/receipt/$"), timeout=WAIT)
    shot(page, "intake-receipt")
    with page.context.expect_page() as tab:
        counted.click("a[href$='/receipt.pdf']")
    tab.value.wait_for_load_state()

    sr = ServiceRequest.objects.order_by("-id").first()
    assert sr.full_name == "سارا محمدی"
    assert sr.documents.filter(received=True).exclude(file="").count() == 2
    now = {"clicks": counted.clicks, "page_loads": counted.loads}
    print(f"\n[intake] two-document intake, before: {BEFORE['clicks']} clicks, {BEFORE['page_loads']} page loads; "
          f"now: {now['clicks']} clicks, {now['page_loads']} page loads")
    assert now["clicks"] <= 4
    assert now["page_loads"] <= 3
    assert now["clicks"] < BEFORE["clicks"]
    assert now["page_loads"] < BEFORE["page_loads"]


def test_the_header_search_and_new_request_link_are_on_every_staff_page(page, live_server, desk, login):
    page.set_viewport_size(DESKTOP)
    _first_receipt(page, live_server, desk, login)
    page.goto(f"{live_server.url}/desk/inbox/")
    page.fill("#top-q", "09121112233")
    page.press("#top-q", "Enter")
    page.wait_for_url(re.compile(r"/desk/requests/\?q="), timeout=WAIT)
    assert page.locator("table.table tbody tr a").count() == 1
    page.click("a.top-intake")
    page.wait_for_url(re.compile(r"/desk/intake/$"), timeout=WAIT)
    page.goto(f"{live_server.url}/desk/requests/")
    width = page.evaluate("document.querySelector('#q').offsetWidth")
    assert width >= 250  # was 24 px beside a 926 px status select
