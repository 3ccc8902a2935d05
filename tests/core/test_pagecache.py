"""Public pages from the page cache (apps.core.pagecache): a repeat visit without a session costs no
query, a change shows on the next visit, the CSRF token of every form is the visitor's own, and
everything per visitor — sessions, rate limits, language, a device that rated — stays as it was."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core import pagecache
from apps.desk import services as desk_services
from apps.desk.models import ServiceRequest
from tests.factories import (
    StaffFactory,
    StaffQRCodeFactory,
    SubServiceFactory,
    WorkflowStageFactory,
    registered_request,
)
from tests.i18n import fa
from tests.outages import redis_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
TOKEN_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _queries(client: Client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


@pytest.fixture
def sr() -> ServiceRequest:
    return registered_request(stages=2)


def test_a_repeat_visit_to_a_tracking_page_costs_no_query_and_a_stage_change_shows_at_once(sr):
    url = f"/track/?code={sr.tracking_code}"
    first, built = _queries(Client(), url)
    again, cached = _queries(Client(), url)
    assert first.status_code == again.status_code == 200
    assert built >= 2
    assert cached == 0
    assert again.content.decode().count(sr.tracking_code[:3]) >= 1

    stage = sr.stages.order_by("order").first()
    desk_services.stage_complete(stage_id=stage.pk, by=StaffFactory(unit=sr.unit))
    after, queries = _queries(Client(), url)
    assert queries >= 2  # rendered again, not the kept page
    assert after.content != again.content


def test_each_visitor_gets_a_csrf_token_of_their_own_that_the_form_accepts(sr):
    url = f"/track/?code={sr.tracking_code}"
    Client().get(url)  # kept
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    tokens = set(TOKEN_INPUT.findall(page.content.decode()))
    assert pagecache.CSRF_PLACEHOLDER not in page.content.decode()
    assert len(tokens) == 1
    assert "csrftoken" in page.cookies
    other = set(TOKEN_INPUT.findall(Client().get(url).content.decode()))
    assert tokens != other  # masked per visitor, never the token of whoever filled the cache

    (token,) = tokens
    confirmed = visitor.post("/track/", {"code": sr.tracking_code, "national_code": sr.national_code,
                                         "csrfmiddlewaretoken": token})
    assert confirmed.status_code == 200
    assert sr.full_name in confirmed.content.decode()
    # Now the visitor has a session: their pages are the view's own, with their details.
    assert visitor.cookies.get("sessionid")
    mine, queries = _queries(visitor, url)
    assert queries > 0
    assert sr.full_name in mine.content.decode()
    # …and nobody else sees them.
    assert sr.full_name not in Client().get(url).content.decode()


def test_the_rate_limit_still_counts_visits_answered_from_the_cache(sr, settings):
    settings.TRACK_RATE = "3/m"
    url = f"/track/?code={sr.tracking_code}"
    assert [Client().get(url).status_code for _ in range(5)] == [200, 200, 200, 429, 429]


def test_english_and_persian_are_kept_apart(sr):
    url = f"/track/?code={sr.tracking_code}"
    persian = Client().get(url).content.decode()
    english_client = Client()
    english_client.cookies["django_language"] = "en"
    english = english_client.get(url).content.decode()
    assert 'lang="fa"' in persian
    assert 'lang="en"' in english
    assert 'lang="fa"' in Client().get(url).content.decode()


def test_a_catalog_change_shows_on_the_list_and_the_service_page():
    service = SubServiceFactory(title="صدور پروانه کسب")
    WorkflowStageFactory(service=service, order=1)
    detail = reverse("services:detail", args=[service.pk])
    assert "صدور پروانه کسب" in Client().get("/services/?q=پروانه").content.decode()
    assert "صدور پروانه کسب" in Client().get(detail).content.decode()
    assert _queries(Client(), detail)[1] == 0

    service.title = "تمدید پروانه کسب"
    service.save()
    assert "تمدید پروانه کسب" in Client().get("/services/?q=پروانه").content.decode()
    assert "تمدید پروانه کسب" in Client().get(detail).content.decode()


def test_a_rating_page_is_kept_for_first_visits_and_a_revoked_card_stops_at_once():
    code = StaffQRCodeFactory()
    url = reverse("rate", args=[code.token])
    first = Client().get(url)
    assert first.status_code == 200
    assert "rate_device" in first.cookies
    second, queries = _queries(Client(), url)
    assert queries == 0
    assert "rate_device" in second.cookies
    assert second.cookies["rate_device"].value != first.cookies["rate_device"].value

    code.revoked_at = code.issued_at
    code.save()
    assert Client().get(url).status_code == 404


def test_a_device_that_rated_today_is_told_so_although_the_form_is_kept():
    code = StaffQRCodeFactory()
    url = reverse("rate", args=[code.token])
    phone = Client()
    phone.get(url)  # the form, kept; the device cookie set
    response = phone.post(url, {"score": 5})
    assert response.status_code == 302
    assert fa("You have already rated this colleague today.") in phone.get(url).content.decode()
    other = Client().get(url).content.decode()  # another phone still gets the form
    assert fa("You have already rated this colleague today.") not in other
    assert 'name="score"' in other


def test_a_page_that_sets_a_message_or_the_session_is_not_kept(sr, rf):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore
    from django.http import HttpResponse

    calls = []

    @pagecache.public_page(lambda request: ["public"], seconds=60)
    def view(request):
        calls.append(1)
        request.session["seen"] = True
        return HttpResponse("page")

    for _ in range(2):
        request = rf.get("/x")
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        assert view(request).content == b"page"
    assert len(calls) == 2


# --- the Redis cache's round trips ----------------------------------------------------------------


@pytest.fixture
def redis_cache(settings, redis_server):  # noqa: F811
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "apps.core.cache.ResilientRedisCache", "LOCATION": redis_server.url}}
    return cache


def test_a_rate_limit_counts_in_one_round_trip_and_still_holds(redis_cache, rf, monkeypatch):
    import redis
    from django_ratelimit.core import is_ratelimited

    sent = []
    plain = redis.Redis.execute_command
    monkeypatch.setattr(redis.Redis, "execute_command", lambda self, *args, **kw: sent.append(args[0]) or plain(self, *args, **kw))
    request = rf.get("/track/")

    def hit() -> bool:
        return is_ratelimited(request, group="track", key="ip", rate="3/m", increment=True)

    outcomes = [hit()]  # the first call also loads the script into this Redis
    for _ in range(4):
        sent.clear()
        outcomes.append(hit())
        assert sent == ["EVALSHA"]  # one script: INCR and, for a new window, EXPIRE
    assert outcomes == [False, False, False, True, True]
    (key,) = redis_cache._cache.get_client().keys("*rl:*")
    assert 0 < redis_cache._cache.get_client().ttl(key) <= 60 + 5  # the window and django_ratelimit's fudge
    assert redis_cache._cache.get_client() is redis_cache._cache.get_client()  # one client per process


def test_incr_keeps_djangos_contract_in_one_round_trip(redis_cache):
    with pytest.raises(ValueError, match="not found"):
        redis_cache.incr("missing")
    redis_cache.set("counter", 1)
    assert redis_cache.incr("counter", 2) == 3
    assert redis_cache.get("counter") == 3
