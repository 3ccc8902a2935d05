"""Throttles of the API (per key and per client address, on the cache) and the API with Redis down:
limits answer 429 in each API's own error shape, and a cache outage costs precision, not answers."""

import pytest
from rest_framework.test import APIClient

from apps.api.models import Scope
from apps.desk.models import ServiceRequest
from tests.api.test_open311 import ROOT, filing, online  # noqa: F401 - fixtures
from tests.factories import api_key
from tests.outages import redis_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def _call(raw: str, address: str = "198.51.100.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def test_each_key_has_its_own_allowance(settings):
    settings.API_KEY_RATE, settings.API_ADDRESS_RATE = "3/min", "100/min"
    _key, first = api_key(scopes=[Scope.CATALOG_READ])
    _key, second = api_key(scopes=[Scope.CATALOG_READ])
    statuses = [_call(first).get("/api/v1/catalog/services/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = _call(first).get("/api/v1/catalog/services/")
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert _call(second).get("/api/v1/catalog/services/").status_code == 200


def test_one_address_cannot_spread_its_calls_over_many_keys(settings):
    settings.API_KEY_RATE, settings.API_ADDRESS_RATE = "100/min", "4/min"
    raws = [api_key(scopes=[Scope.CATALOG_READ])[1] for _ in range(5)]
    statuses = [_call(raw, "203.0.113.9").get("/api/v1/catalog/services/").status_code for raw in raws]
    assert statuses == [200, 200, 200, 200, 429]
    assert _call(raws[0], "203.0.113.10").get("/api/v1/catalog/services/").status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_reads_without_a_key_are_limited_per_address(client, settings, fmt):
    settings.API_ADDRESS_RATE = "2/min"
    statuses = [client.get(f"{ROOT}/services.{fmt}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get(f"{ROOT}/services.{fmt}")
    assert refused["Content-Type"] == ("application/json" if fmt == "json" else "text/xml") + "; charset=utf-8"
    assert b"429" in refused.content


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_api_answers_and_files(settings, redis_server, online):  # noqa: F811
    settings.CACHES = {"default": {"BACKEND": "apps.core.cache.ResilientRedisCache", "LOCATION": redis_server.url,
                                   "OPTIONS": {"RETRY_SECONDS": 0.5}}}
    settings.API_KEY_RATE = settings.API_ADDRESS_RATE = "100/min"
    _key, raw = api_key(scopes=[Scope.REQUESTS_FILE, Scope.REQUESTS_READ, Scope.CATALOG_READ], unit=online.unit)
    redis_server.stop()
    assert _call(raw).get("/api/v1/catalog/services/").status_code == 200
    assert APIClient().get(f"{ROOT}/services.json").status_code == 200
    filed = APIClient().post(f"{ROOT}/requests.json", filing(online, raw), format="multipart")
    assert filed.status_code == 200, filed.content[:500]
    code = filed.json()[0]["service_request_id"]
    assert ServiceRequest.objects.filter(tracking_code=code, channel="online").exists()
    # The throttles still count, per process, while Redis is away.
    settings.API_KEY_RATE = "1/min"
    _key, fresh = api_key(scopes=[Scope.REQUESTS_READ], unit=online.unit)
    statuses = [_call(fresh).get("/api/v1/requests/").status_code for _ in range(2)]
    assert statuses == [200, 429]
