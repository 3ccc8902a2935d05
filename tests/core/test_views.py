import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from apps.orgs import roles
from apps.orgs.demo import DEMO_LOGINS
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

OVERDUE = "audits:form_list?round=&overdue=1"  # the tile of overdue audit forms


@pytest.mark.parametrize(
    ("role", "expected_links"),
    [
        (roles.DESK_CLERK, {"desk:intake_start", "desk:dashboard", "desk:inbox", "desk:queue_home",
                            "desk:daily_report", "feedback:qr_list", "orgs:staff_list", "orgs:counter_list",
                            "orgs:unit_list", "admin:index", "cases:register", "cases:inbox"}),
        (roles.UNIT_OFFICER, {"desk:dashboard", "desk:inbox", "feedback:dashboard", "orgs:staff_list",
                              "orgs:unit_list"}),
        (roles.BODY_SUPERVISOR, {"desk:intake_start", "desk:dashboard", "desk:inbox", "desk:queue_home",
                                 "desk:daily_report", "catalog:service_list", "feedback:qr_list",
                                 "feedback:rating_review", "feedback:dashboard", "audits:form_list", OVERDUE, "reports:list",
                                 "reports:annex3_table2", "orgs:staff_list", "orgs:counter_list", "orgs:unit_list",
                                 "admin:index", "cases:register", "cases:inbox", "cases:list", "ideas:body_list", "meetings:office"}),
        (roles.PROVINCIAL_AUDITOR, {"desk:daily_report", "feedback:dashboard", "audits:form_list", OVERDUE, "reports:list",
                                    "reports:annex3_table2", "orgs:unit_list"}),
        (roles.NATIONAL_AUDITOR, {"desk:daily_report", "feedback:dashboard", "audits:form_list", OVERDUE, "reports:list",
                                  "reports:annex3_table2", "orgs:unit_list"}),
    ],
)
def test_home_shows_unit_role_and_next_actions_for_each_role(client, role, expected_links):
    member = staff_user(role)
    client.force_login(member.user)
    page = client.get(reverse("core:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert member.unit.name in html
    assert f'class="role-{role}"' in html
    assert {_reverse(name) for name in expected_links} == {a.url for a in page.context["actions"]}


@pytest.mark.parametrize("role", sorted(roles.ROLE_LABELS))
def test_every_home_tile_opens_for_the_role_that_sees_it(client, role):
    """A tile is only worth showing if the page behind it lets that role in."""
    member = staff_user(role)
    client.force_login(member.user)
    actions = client.get(reverse("core:home")).context["actions"]
    assert actions
    for action in actions:
        assert client.get(action.url).status_code == 200, (role, action.url)
        # Uptime monitors and link checkers ask with HEAD.
        assert client.head(action.url).status_code == 200, (role, action.url, "HEAD")


@pytest.mark.parametrize("url", ["/", "/services/", "/track/", "/track/?code=12345678901", "/accounts/login/",
                                 "/healthz", "/help/"])
def test_public_pages_answer_head_like_get(client, url):
    get, head = client.get(url), client.head(url)
    assert head.status_code == get.status_code
    assert head.status_code in (200, 302)
    assert head.content == b""


def _reverse(name: str) -> str:
    name, _sep, query = name.partition("?")
    return reverse(name) + (f"?{query}" if query else "")


def test_portal_speaks_persian_right_to_left_by_default(client):
    page = client.get(reverse("login"))
    html = page.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert "ورود" in html  # "Log in", from the committed Persian catalogue


def test_english_is_switchable(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Log in to the service desk" in html


def test_unknown_page_answers_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]


def test_seed_demo_is_idempotent_and_prints_logins(settings, capsys, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-demo-pass")
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username in DEMO_LOGINS:
        assert username in out
    assert "chosen-demo-pass" in out
    from apps.orgs.demo import DEMO_OFFICIALS, DEMO_STAFF
    from apps.orgs.models import OrgUnit, Staff

    assert OrgUnit.objects.filter(name="اداره کل راه و شهرسازی مازندران").count() == 1
    assert Staff.objects.count() == len(DEMO_LOGINS) + len(DEMO_STAFF) + len(DEMO_OFFICIALS)


def test_each_demo_login_lands_on_its_role_home(client, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-demo-pass")
    call_command("seed_demo")
    for username, (_f, _l, _p, role, _u, _d) in DEMO_LOGINS.items():
        response = client.post(reverse("login"), {"username": username, "password": "chosen-demo-pass"}, follow=True)
        assert response.context["role"] == role, username
        client.post(reverse("logout"))


def test_seed_demo_refuses_with_debug_off_unless_told_explicitly(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="clerk").exists()
    call_command("seed_demo", allow_production=True)
    assert get_user_model().objects.filter(username="clerk").exists()


def test_browser_language_does_not_override_persian(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="fa" dir="rtl">' in html


def test_admin_site_opens_by_role_not_by_the_staff_flag(client):
    clerk = staff_user(roles.DESK_CLERK)
    assert not clerk.user.is_staff
    client.force_login(clerk.user)
    assert client.get(reverse("admin:index")).status_code == 200
    officer = staff_user(roles.UNIT_OFFICER)
    officer.user.is_staff = True  # a stray flag alone does not open the admin
    officer.user.save()
    client.force_login(officer.user)
    assert client.get(reverse("admin:index")).status_code == 302


def test_help_explains_the_account_to_everyone_and_the_change_log_to_administrators(client):
    clerk = staff_user(roles.DESK_CLERK)
    client.force_login(clerk.user)
    page = client.get(reverse("core:help")).content.decode()
    assert page.count('id="security"') == 1
    assert "<title>راهنما · " in page
    assert "ورود دومرحله‌ای" in page
    assert "manage.py backup" not in page
    admin = staff_user(roles.ADMINISTRATOR)
    client.force_login(admin.user)
    assert "manage.py backup" in client.get(reverse("core:help")).content.decode()


def test_a_first_visit_cannot_lose_its_csrf_cookie_to_a_request_beside_the_page(client, settings):
    """A browser fetches /favicon.ico beside the first page it shows. When that answer (once a 404
    page with the language form) minted a CSRF cookie of its own, it replaced the login page's, and
    the first login failed with "CSRF token incorrect"."""
    settings.DEBUG = False
    csrf_client = client.__class__(enforce_csrf_checks=True)
    login_page = csrf_client.get(reverse("login"))
    token = login_page.context["csrf_token"]

    # The icon, and any other missing address fetched beside it, set no cookie.
    icon = csrf_client.__class__().get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert settings.CSRF_COOKIE_NAME not in icon.cookies
    missing = csrf_client.__class__().get("/no-such-asset.png")
    assert missing.status_code == 404
    assert settings.CSRF_COOKIE_NAME not in missing.cookies
    assert 'name="language"' not in missing.content.decode()

    # A visitor who has the cookie keeps the language switch on a 404 page.
    assert 'name="language"' in csrf_client.get("/no-such-page/").content.decode()

    member = staff_user(roles.DESK_CLERK)
    answer = csrf_client.post(reverse("login"), {
        "username": member.user.username, "password": "pass-1234-word", "csrfmiddlewaretoken": token,
    })
    assert answer.status_code == 302


def test_every_page_a_browser_may_open_first_names_its_icon(client):
    """Without a <link rel=icon> the browser asks for /favicon.ico beside the page."""
    admin = staff_user(roles.ADMINISTRATOR).user
    for url in ("/", reverse("login"), reverse("track"), "/no-such-page/"):
        assert 'rel="icon"' in client.get(url).content.decode(), url
    client.force_login(admin)
    assert 'rel="icon"' in client.get("/admin/", follow=True).content.decode()
