"""Security baseline: production settings, headers, login throttling, health check."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse

from apps.orgs import roles
from tests.factories import UserFactory, staff_user

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {"DEBUG": "0", "SECRET_KEY": "x" * 60 + "-prod-key-for-check", "ALLOWED_HOSTS": "desk.example.ir"}


def _manage(*args, env_extra: dict) -> subprocess.CompletedProcess:
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_extra)
    # A fixed argv (this interpreter, manage.py, the test's own arguments) and no shell.
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secret_key_or_hosts(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = _manage("check", env_extra=env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_check_deploy_is_clean_in_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_csp_and_no_framing(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_login_is_throttled_per_username(client, settings):
    settings.LOGIN_RATE = "3/h"  # an hour window: a minute one can roll over mid-test
    staff_user(roles.DESK_CLERK).user  # noqa: B018
    codes = [
        client.post(reverse("login"), {"username": "victim", "password": f"guess{i}"}).status_code for i in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_passwords_are_hashed_with_argon2(settings):
    from django.contrib.auth.hashers import make_password

    # Tests swap in a fast hasher per test; the configured list is what a deployment uses.
    from config import settings as configured

    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    assert make_password("secret").startswith("argon2$")


@pytest.mark.django_db
def test_login_user_without_staff_record_cannot_log_in(client):
    UserFactory(username="orphan")
    assert not client.login(username="orphan", password="pass-1234-word")
    member = staff_user(roles.DESK_CLERK)
    assert client.login(username=member.user.username, password="pass-1234-word")


@pytest.mark.django_db
def test_deactivated_staff_cannot_log_in(client):
    member = staff_user(roles.DESK_CLERK, active=False)
    assert not client.login(username=member.user.username, password="pass-1234-word")


@pytest.mark.django_db
def test_healthz_reports_each_service(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["cache"] in {"ok", "local"}
    assert body["broker"] in {"ok", "eager"}
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_stays_ready_but_degraded_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "apps.core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/healthz")
    assert response.status_code == 200  # a load balancer keeps the node
    assert response.json()["cache"] == "down"
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db
def test_healthz_stays_ready_but_degraded_when_the_broker_is_down(client, settings):
    from config.celery import app

    with (
        mock.patch("apps.core.views._broker_is_eager", return_value=False),
        mock.patch.object(app, "connection_for_write", side_effect=OSError("refused")),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "down"
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch("apps.core.views.connection.cursor", side_effect=OSError("database gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["status"] == "error"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8080", "SITE_URL": "https://desk.example.ir/"}, "https://desk.example.ir"),
    ],
)
def test_site_url_follows_the_port_unless_set(env, expected):
    """`PORT=8080 make run` prints receipts, QR cards and SMS links that point at :8080."""
    clean = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", "import os,django;os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
         "django.setup();from django.conf import settings;print(settings.SITE_URL)"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60, check=True,
    )
    assert result.stdout.strip() == expected


def test_make_run_passes_the_port_to_the_portal():
    makefile = (ROOT / "Makefile").read_text()
    assert "export PORT" in makefile
    assert "runserver 127.0.0.1:$(PORT)" in makefile


@pytest.mark.django_db
def test_pages_are_gzipped_but_pdfs_are_not(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_ENCODING="gzip, br")
    assert page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    from django.http import HttpResponse
    from django.test import RequestFactory

    from apps.core.middleware import TextGZipMiddleware

    request = RequestFactory().get("/x", HTTP_ACCEPT_ENCODING="gzip")
    pdf = TextGZipMiddleware(lambda r: HttpResponse(b"%PDF-1.7 " + b"x" * 1000, content_type="application/pdf"))
    html = TextGZipMiddleware(lambda r: HttpResponse(b"<p>" + b"x" * 1000, content_type="text/html; charset=utf-8"))
    assert not pdf(request).has_header("Content-Encoding")
    assert html(request)["Content-Encoding"] == "gzip"


def test_the_production_static_build_resolves_every_stylesheet_reference(tmp_path):
    """collectstatic with the manifest storage, as scripts/build.sh runs it: a url() in any stylesheet
    that points at a missing file (a removed font, a theme image) fails here, not as a 500 in production."""
    result = _manage("collectstatic", "--noinput", "-v", "0",
                     env_extra={**PROD_ENV, "STATIC_ROOT": str(tmp_path / "static")})
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
