"""Logins: one throttled door for the portal and the admin, lock-outs on record, and two-step login
(TOTP and recovery codes) for the roles that must use it."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.core import twofactor
from apps.core.models import ChangeRecord
from apps.orgs import roles
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_admin_login_is_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/orgs/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Forgs%2Fstaff%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_post_to_the_admin_login_never_logs_in(client):
    admin = staff_user(roles.ADMINISTRATOR)
    response = client.post("/admin/login/", {"username": admin.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_eleventh_wrong_admin_password_is_refused_even_when_right(client, settings):
    """GIVEN an administrator's account WHEN someone tries ten wrong passwords through the admin's login
    THEN the eleventh try is refused although it is right, and the lock-out is on the account's record."""
    settings.LOGIN_RATE = "10/h"
    admin = staff_user(roles.ADMINISTRATOR)
    login = client.get("/admin/login/?next=/admin/", follow=True).request["PATH_INFO"]
    assert login == reverse("login")
    codes = [
        client.post(reverse("login"), {"username": admin.user.username, "password": f"wrong{i}", "next": "/admin/"}).status_code
        for i in range(10)
    ]
    assert codes == [200] * 10

    right = client.post(reverse("login"), {"username": admin.user.username, "password": PASSWORD, "next": "/admin/"})

    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    (record,) = ChangeRecord.objects.filter(action="login_locked", object_id=str(admin.user.pk))
    assert record.note.startswith("127.0.0.1 ")


def test_the_username_throttle_ignores_case_and_spaces(client, settings):
    settings.LOGIN_RATE = "3/h"
    names = ["Victim", "victim ", " VICTIM", "victim"]
    codes = [client.post(reverse("login"), {"username": n, "password": "x"}).status_code for n in names]
    assert codes == [200, 200, 200, 429]


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = [roles.ADMINISTRATOR, roles.NATIONAL_AUDITOR]
    # django-otp also slows a device down after each wrong code (1 s, 2 s, 4 s…); the tests type the
    # right code right after a wrong one, so that pause is off here and the portal's throttle tested.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _login(client, user, next_url="/"):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD, "next": next_url})


def test_a_required_role_enrols_before_anything_else_opens(client, required):
    """GIVEN a national auditor, whose role must use two-step login, without a device WHEN they log in
    THEN every page sends them to enrol; a right code turns it on and shows ten recovery codes."""
    auditor = staff_user(roles.NATIONAL_AUDITOR).user
    _login(client, auditor, "/reports/")
    for page in ("/", "/reports/", "/admin/", "/desk/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("twofactor_setup")), page

    setup = client.get(reverse("twofactor_setup") + "?next=/reports/")
    assert setup.status_code == 200
    assert setup.context["qr"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=auditor, confirmed=False)
    wrong = client.post(reverse("twofactor_setup"), {"token": "000000", "next": "/reports/"})
    assert wrong.context["error"]
    done = client.post(reverse("twofactor_setup"), {"token": _code(device), "next": "/reports/"})

    assert len(done.context["codes"]) == 10
    assert TOTPDevice.objects.get(user=auditor).confirmed
    assert client.get("/reports/").status_code == 200
    assert ChangeRecord.objects.filter(action="two_factor_enabled", object_id=str(auditor.pk)).exists()


def test_an_enrolled_user_types_a_code_after_the_password(client, required):
    admin = staff_user(roles.ADMINISTRATOR).user
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    codes = twofactor.recovery_codes_new(user=admin)

    _login(client, admin, "/admin/")
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("twofactor_verify"))
    assert client.post(reverse("twofactor_verify"), {"token": "123456", "next": "/admin/"}).context["error"]
    # Persian digits typed on a Persian keyboard work too.
    persian = _code(device).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    verified = client.post(reverse("twofactor_verify"), {"token": persian, "next": "/admin/"})
    assert verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    # A recovery code opens a new session once, then never again.
    client.logout()
    _login(client, admin)
    assert client.post(reverse("twofactor_verify"), {"token": codes[0]})["Location"] == "/"
    client.logout()
    _login(client, admin)
    assert client.post(reverse("twofactor_verify"), {"token": codes[0]}).status_code == 200
    assert twofactor.recovery_codes_left(admin) == 9


def test_wrong_codes_are_throttled(client, required, settings):
    settings.LOGIN_RATE = "3/h"
    admin = staff_user(roles.ADMINISTRATOR).user
    TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    _login(client, admin)
    codes = [client.post(reverse("twofactor_verify"), {"token": "000000"}).status_code for _ in range(5)]
    assert codes[-1] == 429


def test_roles_not_required_log_in_with_the_password_alone_and_may_opt_in(client, required):
    clerk = staff_user(roles.DESK_CLERK).user
    _login(client, clerk)
    assert client.get("/").status_code == 200
    page = client.get(reverse("twofactor_manage"))
    assert not page.context["enabled"]
    assert not page.context["required"]


def test_the_demo_requires_no_second_step(settings):
    """`make run` (DEBUG on) asks it of no one, so the printed demo logins keep working."""
    from config import settings as configured

    assert configured.DEBUG
    assert configured.TWO_FACTOR_REQUIRED_ROLES == []


def test_production_requires_it_of_administrators_and_national_roles():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "x"}
    env.pop("TWO_FACTOR_REQUIRED_ROLES", None)
    out = subprocess.run(
        [sys.executable, "-c", "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
         "django.setup();from django.conf import settings;print(','.join(settings.TWO_FACTOR_REQUIRED_ROLES))"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )
    assert out.stdout.strip() == "administrator,national_auditor"


def test_an_administrator_resets_a_lost_phone(client, required):
    admin = staff_user(roles.ADMINISTRATOR).user
    lost = staff_user(roles.NATIONAL_AUDITOR).user
    TOTPDevice.objects.create(user=lost, name="authenticator", confirmed=True)
    twofactor.two_factor_reset(user=lost, by=admin)
    assert not TOTPDevice.objects.filter(user=lost).exists()
    record = ChangeRecord.objects.get(action="two_factor_reset")
    assert record.actor == admin
