"""API keys: issued once in the admin, kept only as a hash, refused once revoked; webhooks registered
there refuse private receivers in production settings."""

import re

import pytest
from django.contrib.messages import get_messages

from apps.api.keys import api_key_find
from apps.api.models import ApiKey, Webhook
from apps.core.scoping import scope_queryset
from apps.orgs import roles
from apps.orgs.models import OrgUnit
from tests.factories import OrgUnitFactory, api_key, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = staff_user(roles.ADMINISTRATOR)
    admin.user.is_superuser = True
    admin.user.save()
    client.force_login(admin.user)
    return client


def test_only_a_hash_is_kept_and_the_key_is_found_by_it():
    key, raw = api_key(scopes=["catalog:read"])
    row = ApiKey.objects.values().get(pk=key.pk)
    assert raw not in str(row)
    assert row["hashed"] != raw
    assert api_key_find(raw).pk == key.pk
    assert api_key_find(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert api_key_find("sdk_" + key.prefix) is None
    assert api_key_find("x" * 5000) is None


def test_a_revoked_key_is_refused():
    key, raw = api_key(scopes=["catalog:read"])
    key.revoke()
    assert api_key_find(raw) is None


def test_the_administrator_sees_a_new_key_once(admin_client):
    unit = OrgUnitFactory()
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {"name": "اتوماسیون اداری استان", "unit": unit.pk, "scopes": ["catalog:read", "requests:read"],
         "active": "on", "note": "", "webhooks-TOTAL_FORMS": "0", "webhooks-INITIAL_FORMS": "0",
         "webhooks-MIN_NUM_FORMS": "0", "webhooks-MAX_NUM_FORMS": "1000"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    raw = re.search(r"sdk_[0-9a-f]{8}_[\w-]+", shown).group(0)
    key = ApiKey.objects.get()
    assert api_key_find(raw) == key
    assert key.scopes == ["catalog:read", "requests:read"]
    admin_client.get("/admin/api/apikey/")  # where the message is shown, the one time
    page = admin_client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert key.prefix in page
    assert raw not in page


def test_a_key_is_bound_to_exactly_one_place(admin_client):
    unit = OrgUnitFactory()
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {"name": "x", "unit": unit.pk, "body": unit.body_id, "scopes": ["catalog:read"], "active": "on",
         "webhooks-TOTAL_FORMS": "0", "webhooks-INITIAL_FORMS": "0", "webhooks-MIN_NUM_FORMS": "0",
         "webhooks-MAX_NUM_FORMS": "1000"},
    )
    assert response.status_code == 200
    assert not ApiKey.objects.exists()


def test_acting_scopes_need_an_acting_officer(admin_client):
    unit = OrgUnitFactory()
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {"name": "x", "unit": unit.pk, "scopes": ["stages:act"], "active": "on",
         "webhooks-TOTAL_FORMS": "0", "webhooks-INITIAL_FORMS": "0", "webhooks-MIN_NUM_FORMS": "0",
         "webhooks-MAX_NUM_FORMS": "1000"},
    )
    assert response.status_code == 200
    assert "staff" in response.context["adminform"].form.errors


def test_revoking_in_the_admin_refuses_the_key(admin_client):
    key, raw = api_key(scopes=["catalog:read"])
    admin_client.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api_key_find(raw) is None


def test_the_webhook_admin_refuses_a_private_receiver_in_production(admin_client, settings):
    settings.OUTBOUND_PRIVATE_URLS_ALLOWED = False
    key, _raw = api_key(scopes=["requests:read"])
    response = admin_client.post(
        "/admin/api/webhook/add/",
        {"key": key.pk, "url": "http://192.168.1.10/hook", "events": ["request.registered"], "active": "on"},
    )
    assert response.status_code == 200
    assert not Webhook.objects.exists()


def test_keys_are_scoped_by_the_one_scoping_function():
    here = OrgUnitFactory()
    below = OrgUnitFactory(parent=here, body=here.body, province=here.province)
    other = OrgUnitFactory()
    by_unit, _ = api_key(scopes=["requests:read"], unit=here)
    by_body, _ = api_key(scopes=["requests:read"], body=other.body)
    national, _ = api_key(scopes=["requests:read"], national=True)

    def seen(key):
        from apps.api.auth import ApiClient

        return set(scope_queryset(OrgUnit.objects.all(), ApiClient(key), unit_field=None))

    assert seen(by_unit) == {here, below}
    assert seen(by_body) == set(OrgUnit.objects.filter(body=other.body))
    assert other not in seen(by_unit)
    assert seen(national) == set(OrgUnit.objects.all())
