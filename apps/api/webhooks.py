"""Webhooks: integrating systems are told when something happens in the units their key covers.

`webhooks_emit` is called by the service functions inside their transaction: it writes one
WebhookDelivery row per subscribed webhook (an outbox, so an event is never lost with a broker
outage) and queues the sending after commit. `webhook_deliver` makes one try; a failure waits
WEBHOOK_BACKOFF_SECONDS × 2^(tries − 1) (capped at an hour) before the next, WEBHOOK_MAX_ATTEMPTS
tries in all. The beat job `webhooks-deliver-due` tries again whatever is due.

What the receiver gets (README "Webhooks"):
    POST <url>   Content-Type: application/json; charset=utf-8
    X-ServiceDesk-Event: request.stage_done
    X-ServiceDesk-Event-Id: <uuid, the same on every try and on a replay: deduplicate on it>
    X-ServiceDesk-Timestamp: <unix seconds of this try>
    X-ServiceDesk-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
    {"id": "<uuid>", "event": "...", "created": "<ISO 8601>", "data": {...}}
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from apps.api.models import Webhook, WebhookDelivery
from apps.core.scoping import unit_in_key_scope

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ServiceDesk-Signature"
MAX_BACKOFF_SECONDS = 3600


def webhooks_emit(event: str, *, units, data) -> list[WebhookDelivery]:
    """Record `event` for every active webhook that wants it and whose key covers one of `units`.
    `data`: the payload, or a function making it (called only when some webhook wants the event)."""
    from apps.api.tasks import webhook_deliver_task
    from apps.core.jobs import enqueue_on_commit

    hooks = [
        hook
        for hook in Webhook.objects.filter(active=True, key__active=True, key__revoked_at__isnull=True)
        .select_related("key__unit")
        if event in (hook.events or []) and any(unit_in_key_scope(hook.key, unit) for unit in units if unit)
    ]
    if not hooks:
        return []
    payload = data() if callable(data) else data
    deliveries = [WebhookDelivery.objects.create(webhook=hook, event=event, payload=payload) for hook in hooks]
    for delivery in deliveries:
        # A slow receiver must not hold up the clerk: without a broker the try runs in a thread.
        enqueue_on_commit(webhook_deliver_task, background=True, delivery_id=delivery.pk)
    return deliveries


def request_payload(request, **extra) -> dict:
    """What an event about a service request says: codes, places and states, never personal data."""
    return {
        "tracking_code": request.tracking_code,
        "service_code": request.service.code,
        "service": request.service_id,
        "unit": request.unit_id,
        "status": request.status,
        "version": request.version,
        "promised_at": request.promised_at.isoformat(),
        **extra,
    }


def emit_request(event: str, request, **extra) -> None:
    webhooks_emit(event, units=[request.unit], data=lambda: request_payload(request, **extra))


def emit_case_referred(case, *, from_unit, to_unit, kind: str) -> None:
    """Both ends hear of a referral: the unit that sent the case and the one that has it now."""
    webhooks_emit(
        "case.referred", units=[from_unit, to_unit],
        data=lambda: {"tracking_code": case.tracking_code, "type": case.type, "state": case.state,
                      "referral_kind": kind, "from_unit": from_unit.pk, "to_unit": to_unit.pk,
                      "body": case.body_id, "due_at": case.due_at.isoformat()},
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_valid(secret: str, timestamp: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    """The receiver's check (also used by the tests): a fresh timestamp and a matching signature."""
    try:
        fresh = abs(time.time() - int(timestamp)) <= tolerance
    except (TypeError, ValueError):
        return False
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), header or "")


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(settings.WEBHOOK_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (3xx, a failure), never followed: it could point inside the network."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> int:
    from apps.core.net import outbound_url_problem

    problem = outbound_url_problem(url)
    if problem:
        raise ValueError(problem)
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) checked above
    try:
        with _opener.open(req, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def webhook_deliver(delivery_id: int) -> bool:
    """One try of one delivery, if it is due and no one else is trying it; True when delivered."""
    now = timezone.now()
    # Claim it: whoever moves next_attempt_at forward owns this try (a task and the sweep never both send).
    lease = now + dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT * 3)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease, attempts=F("attempts") + 1)
    if not claimed:
        return False
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    hook = delivery.webhook
    body = json.dumps(
        {"id": str(delivery.event_id), "event": delivery.event, "created": delivery.created_at.isoformat(),
         "data": delivery.payload},
        ensure_ascii=False, separators=(",", ":"),
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "ServiceDeskPortal-Webhooks/1",
        "X-ServiceDesk-Event": delivery.event,
        "X-ServiceDesk-Event-Id": str(delivery.event_id),
        "X-ServiceDesk-Timestamp": stamp,
        "X-ServiceDesk-Attempt": str(delivery.attempts),
        SIGNATURE_HEADER: signature(hook.secret, stamp, body),
    }
    status, error = None, ""
    try:
        status = _post(hook.url, body, headers)
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, a refused address
        error = str(getattr(exc, "reason", exc))[:300]
    delivery.last_status, delivery.last_error = status, error
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at = WebhookDelivery.State.DELIVERED, timezone.now()
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.FAILED
    else:
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.save(update_fields=["state", "delivered_at", "next_attempt_at", "last_status", "last_error"])
    if delivery.state != WebhookDelivery.State.DELIVERED:
        logger.warning("Webhook %s: %s try %s failed (%s).", hook.pk, delivery.event_id, delivery.attempts,
                       status or error)
    return delivery.state == WebhookDelivery.State.DELIVERED


def webhook_replay(delivery: WebhookDelivery) -> None:
    """Send a delivery again (the administrator's "send again"): same event id, tries start over."""
    from apps.api.tasks import webhook_deliver_task
    from apps.core.jobs import enqueue_on_commit

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    )
    enqueue_on_commit(webhook_deliver_task, delivery_id=delivery.pk)
