"""API keys: issued once, kept as a hash, found by their prefix.

A key reads `sdk_<prefix>_<secret>`. The prefix (8 hex digits) finds the row; the SHA-256 of the
whole key is compared in constant time. A key is 160 random bits, so a fast hash is enough (a slow
password hash protects guessable secrets, which these are not).
"""

import hashlib
import secrets

from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.api.models import ApiKey

KEY_PREFIX = "sdk"
# last_used_at is written at most this often per key, not on every call.
LAST_USED_EVERY_SECONDS = 60


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_issue(key: ApiKey) -> str:
    """Give `key` (unsaved or saved) a new secret; returns the key to show once. Saves the row."""
    while True:
        prefix = secrets.token_hex(4)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(20)}"
    key.prefix, key.hashed = prefix, _hash(raw)
    key.save()
    return raw


def api_key_find(raw: str) -> ApiKey | None:
    """The usable key `raw` stands for, or None. Marks it used (at most once a minute)."""
    raw = (raw or "").strip()
    parts = raw.split("_", 2)  # the secret (token_urlsafe) may itself contain "_"
    if len(raw) > 100 or len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = (
        ApiKey.objects.select_related("unit", "body", "staff__user", "staff__unit")
        .filter(prefix=parts[1], active=True, revoked_at__isnull=True)
        .first()
    )
    if key is None or not constant_time_compare(key.hashed, _hash(raw)):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_EVERY_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
