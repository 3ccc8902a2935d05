"""The audit form on a phone (auditors work on site): at 360 px each service row of the checklist is
a card with its controls visible and labelled, nothing scrolls sideways, the sticky action bar stays
low, and the evaluator attaches a photo taken on the visit."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from apps.audits.models import AuditEvidence, AuditForm
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.test_audit import WAIT, audited  # noqa: F401 - the fixture of the desktop journey
from tests.i18n import fa as _fa

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MAX_BAR_PX = 64
TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def photo(tmp_path):
    """A real JPEG as a phone would take it (with EXIF), written where the file picker reads it."""
    image = Image.new("RGB", (1200, 900), (180, 200, 215))
    for x in range(300, 900):
        for y in range(300, 320):
            image.putpixel((x, y), (40, 90, 140))
    path = tmp_path / "IMG_20261206_101500.jpg"
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


def _phone(browser, login, staff, viewport=PHONE):
    context = browser.new_context(viewport=viewport, locale="fa-IR", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    login(page, staff.user)
    return context, page


def _bar_height(page) -> float:
    return page.evaluate("document.querySelector('.au-actions').getBoundingClientRect().height")


def _cards_fit(page) -> None:
    """Every service card lies inside the viewport's width and shows its controls."""
    widths = page.evaluate(
        """() => [...document.querySelectorAll('.au-s1 tbody tr, .au-s3b tbody tr')].map(
            tr => tr.getBoundingClientRect().right - tr.getBoundingClientRect().left)"""
    )
    assert widths, "no service card on the page"
    assert max(widths) <= page.viewport_size["width"]


def test_on_a_phone_the_supervisor_declares_and_the_evaluator_attaches_a_photo_and_verifies(
    browser,
    live_server,
    login,
    audited,  # noqa: F811
    shot,
    no_horizontal_overflow,
    axe_check,
    photo,
):
    """GIVEN a round opened with the directorate's form
    WHEN at 360 px the supervisor corrects a channel and rates §2 and submits, then the province's
    auditor starts the evaluation, rates §2 B, attaches a photo of the waiting room to §2 and verifies
    THEN the form is verified with the photo attached to §2 (re-encoded, served as JPEG), and at no
    step does the page scroll sideways or the action bar grow above 64 px."""
    expect.set_options(timeout=WAIT)
    form = audited["form"]
    url = f"{live_server.url}/audits/forms/{form.pk}/"

    # --- the body's supervisor, on a phone --------------------------------------------------------
    context, page = _phone(browser, login, audited["supervisor"])
    page.goto(url)
    no_horizontal_overflow(page)
    _cards_fit(page)
    # The channel of a service is a labelled radio, visible without scrolling sideways.
    hybrid = page.locator("tr[data-code='11450'] input[name$='-channel'][value='hybrid']")
    expect(hybrid).to_be_visible()
    hybrid.check()
    page.select_option("tr[data-code='11450'] select[name$='-reason']", "digitisation")
    for n in range(4):
        page.check(f"input[name='space-{n}-body_rating'][value='good']")
    assert _bar_height(page) <= MAX_BAR_PX
    no_horizontal_overflow(page)
    shot(page, "audit-phone-1-declaring")
    with page.expect_navigation():
        page.click("#submit-declaration")
    expect(page.locator("#form-state")).to_have_text(_fa("Submitted"))
    no_horizontal_overflow(page)
    context.close()

    # --- the province's auditor, on site --------------------------------------------------------
    context, page = _phone(browser, login, audited["auditor"])
    page.goto(url)
    with page.expect_navigation():
        page.click("#save-evaluation")  # start the evaluation
    expect(page.locator("#form-state")).to_have_text(_fa("Under evaluation"))
    for n, rating in enumerate(["good", "average", "good", "weak"]):
        page.check(f"input[name='space-{n}-evaluator_rating'][value='{rating}']")
    page.fill("#id_space-0-evaluator_note", "سالن انتظار کوچک است؛ ۱۲ صندلی")
    page.set_input_files("#id_evidence-file", str(photo))
    page.select_option("#id_evidence-section", "2")
    page.fill("#id_evidence-caption", "سالن انتظار، ساعت ۱۰")
    assert _bar_height(page) <= MAX_BAR_PX
    no_horizontal_overflow(page)
    shot(page, "audit-phone-2-evaluating")
    # As the auditor sees it: the bar stuck to the bottom of the screen over the §2 B cards.
    page.locator("#id_space-2-evaluator_note").scroll_into_view_if_needed()
    bar = page.locator(".au-actions").bounding_box()
    assert bar["y"] + bar["height"] <= PHONE["height"] + 1
    page.screenshot(path=str(ARTIFACTS / "audit-phone-2-viewport.png"))
    with page.expect_navigation():
        page.click("#verify-form")
    expect(page.locator("#form-state")).to_have_text(_fa("Verified"))
    expect(page.locator(".au-evidence-item img")).to_have_count(1)
    no_horizontal_overflow(page)
    axe_check(page)
    page.locator("#evidence").scroll_into_view_if_needed()
    shot(page, "audit-phone-3-verified")

    form.refresh_from_db()
    assert form.state == AuditForm.State.VERIFIED
    assert list(form.space_items.values_list("evaluator_rating", flat=True)) == [
        "good",
        "average",
        "good",
        "weak",
    ]
    evidence = AuditEvidence.objects.get(form=form)
    assert (evidence.section, evidence.caption, evidence.uploaded_by) == (
        2,
        "سالن انتظار، ساعت ۱۰",
        audited["auditor"],
    )
    src = page.get_attribute(".au-evidence-item img", "src")
    served = page.request.get(f"{live_server.url}{src}")
    assert served.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.body())) as image:
        assert image.size == (1200, 900)
        assert 0x010F not in image.getexif()  # re-encoded: the phone's tags are gone
    context.close()


def test_on_a_tablet_the_form_does_not_scroll_sideways_either(
    browser,
    live_server,
    login,
    audited,  # noqa: F811
    shot,
    no_horizontal_overflow,
):
    context, page = _phone(browser, login, audited["supervisor"], viewport=TABLET)
    page.goto(f"{live_server.url}/audits/forms/{audited['form'].pk}/")
    no_horizontal_overflow(page)
    _cards_fit(page)
    assert _bar_height(page) <= MAX_BAR_PX
    shot(page, "audit-tablet-1-declaring")
    context.close()
