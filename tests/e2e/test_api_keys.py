"""Browser journey: the administrator issues an API key for a province's automation system in the
admin (shown once), the system files a request over Open311 with it, the key is revoked and refused;
the API's documentation page renders from the portal's own assets under its CSP."""

import re

import pytest
import requests

from apps.api.models import ApiKey
from apps.catalog.models import Channel
from apps.desk.models import ServiceRequest
from apps.orgs import roles
from tests.factories import (
    OrgUnitFactory,
    RequiredDocumentFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    staff_user,
)

WAIT = 20_000
SCREEN = {"width": 1366, "height": 768}


@pytest.fixture
def administrator(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    user = staff_user(roles.ADMINISTRATOR, first_name="مهدی", last_name="صالحی").user
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def service():
    unit = OrgUnitFactory(name="اداره کل راه و شهرسازی گیلان")
    service = SubServiceFactory(body=unit.body, channel=Channel.ELECTRONIC, eservice_url="https://e.example.ir/x",
                                non_electronic_reason="", code="10070012000")
    service.units.add(unit)
    WorkflowStageFactory(service=service, order=1, responsible_unit=unit)
    service.doc = RequiredDocumentFactory(service=service, title="کارت ملی", upload_required=False)
    return service


def _file(live_server, raw: str, service) -> requests.Response:
    return requests.post(f"{live_server.url}/open311/v2/requests.json", timeout=30, data={
        "api_key": raw, "service_code": service.code, "attribute[national_code]": "0499370899",
        "first_name": "سارا", "last_name": "محمدی", "phone": "09121234567",
        f"attribute[doc_{service.doc.pk}]": "desk",
    })


def test_an_administrator_issues_a_key_that_files_requests_until_revoked(
    page, live_server, login, shot, administrator, service
):
    page.set_viewport_size(SCREEN)
    login(page, administrator, next_path="/admin/")

    # GIVEN the add form: a name, the unit it is bound to (search by name), the scopes.
    page.goto(f"{live_server.url}/admin/api/apikey/add/")
    page.fill("#id_name", "اتوماسیون اداری راه و شهرسازی گیلان")
    page.click("#id_unit + .select2 .select2-selection")
    page.keyboard.type("گیلان")
    page.locator(".select2-results__option", has_text="گیلان").first.click()
    page.check("input[name=scopes][value='requests:file']")
    page.check("input[name=scopes][value='catalog:read']")
    shot(page, "api-key-add")
    page.click("input[name=_save]")

    # THEN the key is shown once, in the message after saving.
    message = page.locator(".messagelist .warning")
    message.wait_for(timeout=WAIT)
    raw = re.search(r"sdk_[0-9a-f]{8}_[\w-]+", message.inner_text()).group(0)
    shot(page, "api-key-issued")
    key = ApiKey.objects.get()
    assert key.unit == service.units.get()
    assert raw not in page.goto(f"{live_server.url}/admin/api/apikey/{key.pk}/change/").text()

    # WHEN the system files a request with it, as Open311 says: one real online request at the unit.
    filed = _file(live_server, raw, service)
    assert filed.status_code == 200, filed.text
    code = filed.json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(tracking_code=code)
    assert (request.channel, request.unit_id) == ("online", key.unit_id)
    key.refresh_from_db()
    assert key.last_used_at is not None

    # AND the administrator revokes it from the list: the next filing is refused with 403.
    page.goto(f"{live_server.url}/admin/api/apikey/")
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "revoke")
    page.click("button[name=index]")
    page.locator(".messagelist .success, .messagelist .info").first.wait_for(timeout=WAIT)
    shot(page, "api-key-revoked")
    refused = _file(live_server, raw, service)
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403


def test_the_documentation_page_lists_every_api_from_the_portals_own_assets(page, live_server, shot):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_viewport_size(SCREEN)
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock-summary-path", has_text="/open311/v2/requests.json").first.wait_for(timeout=WAIT)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any(p.startswith("/api/v1/requests/") for p in paths)
    assert "/open311/v2/services.xml" in [p.strip() for p in paths]
    shot(page, "api-docs")
    assert outside == [], "the documentation page loaded assets from outside the portal"
    assert blocked == [], blocked
