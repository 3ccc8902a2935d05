"""GIVEN the demo organisation WHEN each role logs in through the real login form THEN it lands on
its home page in Persian, right to left, with no sideways scrolling at desktop and phone widths."""

import pytest
from django.core.management import call_command

from apps.orgs.demo import DEMO_LOGINS
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "e2e-demo-pass-1405"


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_login_page_is_persian_rtl_and_fits(page, live_server, shot, no_horizontal_overflow, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "fa"
    no_horizontal_overflow(page)
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Vazirmatn" in font
    shot(page, f"login-{viewport['width']}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_demo_login_lands_on_its_home(page, login, demo, shot, no_horizontal_overflow, viewport):
    page.set_viewport_size(viewport)
    for username, (first, last, _post, role, _unit, _duties) in DEMO_LOGINS.items():
        login(page, username, password=PASSWORD)
        assert page.locator(f".role-{role}").count() == 1, username
        assert f"{first} {last}" in page.inner_text("h1")
        no_horizontal_overflow(page)
        if username in ("clerk", "auditor"):
            shot(page, f"home-{username}-{viewport['width']}")
        page.click("text=خروج")
        page.wait_for_url("**/accounts/login/")
