"""Webhooks against a real HTTP receiver on 127.0.0.1: signed, once per event, retried with back-off,
recognisable on a replay by the event id; refused for private addresses in production settings."""

import datetime as dt
import http.server
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.api.models import Webhook, WebhookDelivery
from apps.api.tasks import webhooks_deliver_due
from apps.api.webhooks import signature_valid, webhook_replay
from apps.desk import services
from apps.orgs import roles
from tests.factories import OrgUnitFactory, api_key, registered_request, staff_user


class Receiver:
    """An integrating system's endpoint: answers 500 to the first `fail` posts, then 200; keeps all."""

    def __init__(self):
        self.fail = 0
        self.posts: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = len(receiver.posts) <= receiver.fail
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/desk"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> list[str]:
        return [headers["x-servicedesk-event-id"] for headers, _body in self.posts]


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_PRIVATE_URLS_ALLOWED = True
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def hooked(db, receiver):
    """A unit with an officer, and an integrating system subscribed to its stage completions."""
    unit = OrgUnitFactory()
    officer = staff_user(roles.UNIT_OFFICER, unit=unit)
    key, _raw = api_key(scopes=["requests:read"], unit=unit)
    hook = Webhook.objects.create(key=key, url=receiver.url, events=["request.stage_done"])
    return unit, officer, hook


def _complete_first_stage(request, officer, capture):
    stage = request.stages.get(order=1)
    with capture(execute=True):
        services.stage_complete(stage_id=stage.pk, by=officer, expected_version=request.version)


def test_a_stage_completion_delivers_one_signed_event(hooked, receiver, django_capture_on_commit_callbacks):
    unit, officer, hook = hooked
    with django_capture_on_commit_callbacks(execute=True):
        request = registered_request(unit=unit)  # "registered" is not subscribed: nothing sent
    assert receiver.posts == []
    _complete_first_stage(request, officer, django_capture_on_commit_callbacks)

    assert len(receiver.posts) == 1
    headers, body = receiver.posts[0]
    assert signature_valid(hook.secret, headers["x-servicedesk-timestamp"], body, headers["x-servicedesk-signature"])
    assert not signature_valid("another secret", headers["x-servicedesk-timestamp"], body,
                               headers["x-servicedesk-signature"])
    event = json.loads(body)
    assert event["event"] == headers["x-servicedesk-event"] == "request.stage_done"
    assert event["id"] == headers["x-servicedesk-event-id"]
    assert event["data"]["tracking_code"] == request.tracking_code
    assert event["data"]["stage"]["order"] == 1
    # Nothing personal goes out with an event.
    assert request.national_code not in body.decode()
    assert request.mobile not in body.decode()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 204)


def test_a_receiver_that_fails_twice_gets_it_on_the_third_try(hooked, receiver, django_capture_on_commit_callbacks):
    unit, officer, _hook = hooked
    receiver.fail = 2
    request = registered_request(unit=unit)
    before = timezone.now()
    _complete_first_stage(request, officer, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    # Back-off: the second try waits 30 s, so a sweep now sends nothing.
    assert dt.timedelta(seconds=29) < delivery.next_attempt_at - before < dt.timedelta(seconds=32)
    assert webhooks_deliver_due() == 0
    assert len(receiver.posts) == 1

    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks_deliver_due() == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 2)
    # …and the third twice as long (exponential).
    assert dt.timedelta(seconds=58) < delivery.next_attempt_at - timezone.now() < dt.timedelta(seconds=61)

    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks_deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 3, 204)
    # Three posts of one event: the same id on every try.
    assert len(receiver.posts) == 3
    assert len(set(receiver.ids())) == 1
    assert [h["x-servicedesk-attempt"] for h, _b in receiver.posts] == ["1", "2", "3"]


def test_a_replayed_delivery_carries_the_same_event_id(hooked, receiver, django_capture_on_commit_callbacks):
    unit, officer, _hook = hooked
    request = registered_request(unit=unit)
    _complete_first_stage(request, officer, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(delivery)
    assert len(receiver.posts) == 2
    first, second = (json.loads(body) for _h, body in receiver.posts)
    assert first["id"] == second["id"] == str(delivery.event_id)
    # The receiver's deduplication: one event, seen twice.
    assert len({e["id"] for e in (first, second)}) == 1


def test_gives_up_after_the_last_try(hooked, receiver, settings, django_capture_on_commit_callbacks):
    unit, officer, _hook = hooked
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.fail = 10
    request = registered_request(unit=unit)
    _complete_first_stage(request, officer, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks_deliver_due()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks_deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("failed", 2)
    assert len(receiver.posts) == 2


def test_events_of_units_outside_the_key_are_not_sent(hooked, receiver, django_capture_on_commit_callbacks):
    _unit, _officer, _hook = hooked
    elsewhere = OrgUnitFactory()
    officer = staff_user(roles.UNIT_OFFICER, unit=elsewhere)
    request = registered_request(unit=elsewhere)
    _complete_first_stage(request, officer, django_capture_on_commit_callbacks)
    assert receiver.posts == []
    assert not WebhookDelivery.objects.exists()


def test_private_addresses_are_refused_in_production(hooked, receiver, settings, django_capture_on_commit_callbacks):
    unit, officer, hook = hooked
    settings.OUTBOUND_PRIVATE_URLS_ALLOWED = False
    for url in (receiver.url, "http://10.0.0.5/hook", "http://169.254.169.254/latest", "ftp://example.org/x",
                "http://[::1]:8000/"):
        with pytest.raises(ValidationError) as error:
            Webhook(key=hook.key, url=url, events=["request.stage_done"]).clean()
        assert "url" in error.value.message_dict
    # A receiver registered before (or whose name now resolves inside) is not called either.
    request = registered_request(unit=unit)
    _complete_first_stage(request, officer, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert receiver.posts == []
    assert delivery.state == "pending"
    assert delivery.last_status is None
    assert delivery.last_error


def test_the_readmes_receiver_check_accepts_a_real_delivery_once(hooked, receiver, django_capture_on_commit_callbacks):
    """The ten lines the README gives integrators work on what the portal really sends."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = re.search(r"<!-- webhook-check.*?-->\s*```python\n(.*?)```", readme, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the project's own README
    accept = namespace["accept"]

    unit, officer, hook = hooked
    request = registered_request(unit=unit)
    _complete_first_stage(request, officer, django_capture_on_commit_callbacks)
    headers, body = receiver.posts[0]
    as_sent = {name: headers[name.lower()] for name in
               ("X-ServiceDesk-Timestamp", "X-ServiceDesk-Signature", "X-ServiceDesk-Event-Id")}
    seen: set = set()
    assert accept(hook.secret, as_sent, body, seen) is True
    assert accept(hook.secret, as_sent, body, seen) is False  # the same event again
    assert accept("another secret", as_sent, body, set()) is False
    assert accept(hook.secret, as_sent, body.replace(b"stage_done", b"stage_gone"), set()) is False
