"""Webhook deliveries in the worker: the try queued after commit, a delayed retry, the beat sweep."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.api.models import WebhookDelivery

logger = logging.getLogger(__name__)


@shared_task
def webhook_deliver_task(delivery_id: int) -> bool:
    from apps.api.webhooks import webhook_deliver

    delivered = webhook_deliver(delivery_id)
    if delivered or settings.CELERY_TASK_ALWAYS_EAGER:
        # Without a broker the retry waits for the sweep: an eager countdown would not wait at all.
        return delivered
    due = WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING).values_list(
        "next_attempt_at", flat=True
    ).first()
    if due is not None:
        try:
            webhook_deliver_task.apply_async(kwargs={"delivery_id": delivery_id},
                                             countdown=max((due - timezone.now()).total_seconds(), 1))
        except Exception:
            logger.exception("Could not queue the next try of webhook delivery %s; the sweep will.", delivery_id)
    return delivered


@shared_task
def webhooks_deliver_due(limit: int = 500) -> int:
    """Every due delivery gets its try (beat, every minute); returns how many were delivered."""
    from apps.api.webhooks import webhook_deliver

    ids = list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    return sum(webhook_deliver(pk) for pk in ids)
