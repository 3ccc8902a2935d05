"""Browser journey: an administrator whose role must use two-step login enrols with an authenticator
app at the first login, keeps the recovery codes, and later logs in with a code."""

import base64
import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.orgs import roles
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE
from tests.factories import staff_user

WAIT = 20_000


def test_an_administrator_enrols_in_two_step_login_and_logs_in_with_a_code(
    page, live_server, settings, shot, no_horizontal_overflow
):
    settings.TWO_FACTOR_REQUIRED_ROLES = [roles.ADMINISTRATOR]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    admin = staff_user(roles.ADMINISTRATOR).user
    admin.is_superuser = True
    admin.save()
    page.set_viewport_size(DESKTOP)

    # GIVEN the administrator's first login: the password alone opens nothing.
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_url(re.compile(r"/accounts/login/"), timeout=WAIT)
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/setup/"), timeout=WAIT)
    assert page.locator(".qr-box img").is_visible()
    shot(page, "twofactor-setup")

    # WHEN they add the key to their app and type the code it shows.
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("#id_token", f"{totp(base64.b32decode(secret)):06d}")
    page.press("#id_token", "Enter")

    # THEN ten recovery codes are shown once, and the admin opens.
    page.wait_for_selector("#recovery-codes", timeout=WAIT)
    assert page.locator("#recovery-codes li").count() == 10
    shot(page, "twofactor-recovery-codes")
    page.click("main a.btn.primary")
    page.wait_for_url(re.compile(r"/admin/$"), timeout=WAIT)

    # A later login asks for the code after the password; on a phone as well.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/verify/"), timeout=WAIT)
    no_horizontal_overflow(page)
    shot(page, "twofactor-verify-phone")
    device = TOTPDevice.objects.get(user=admin)
    # The next 30-second step's code (the app's clock may run ahead; a code is never accepted twice,
    # and the enrolment may have used this step's).
    page.fill("#id_token", f"{totp(device.bin_key, drift=1):06d}")
    page.press("#id_token", "Enter")
    page.wait_for_url(f"{live_server.url}/", timeout=WAIT)
    assert page.locator("a[href='/accounts/2fa/']").count() == 1
