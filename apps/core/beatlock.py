"""One Celery beat for the whole deployment, however many are started.

Two beats would send every scheduled task twice (two report compilations, two reminder SMS to each
official). Each node of a deployment may start a beat all the same (one unit file for every node):
the first to take the lock in the shared cache (Redis) schedules, the others wait as standbys and
one of them takes over within a third of BEAT_LOCK_SECONDS once the lock is left or runs out.

The holder renews the lock every third of its lifetime. If it finds the lock held by another beat
(after a pause longer than the lock's lifetime), it stops scheduling and exits, and its restart
policy brings it back as a standby. While Redis is down the cache answers from memory
(apps.core.cache): the holder goes on, and a standby cannot take over until Redis is back.
"""

import logging
import os
import socket
import threading
import uuid

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "celery-beat:lock"


class BeatLock:
    """The lock, under one owner token (host, process and a random part)."""

    def __init__(self, *, seconds: int | None = None) -> None:
        self.seconds = seconds or settings.BEAT_LOCK_SECONDS
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def take(self) -> bool:
        """True when this beat now holds the lock (it was free)."""
        return cache.add(KEY, self.owner, timeout=self.seconds)

    def renew(self) -> bool:
        """Extend the lock; False when another beat holds it. A lock lost with Redis's memory (a
        restart) is taken again."""
        holder = cache.get(KEY)
        if holder == self.owner:
            cache.touch(KEY, timeout=self.seconds)
            return True
        return holder is None and self.take()

    def release(self) -> None:
        if cache.get(KEY) == self.owner:
            cache.delete(KEY)


def beat_lock_hold(service, *, lock: BeatLock | None = None, stop: threading.Event | None = None) -> BeatLock:
    """Wait until this beat holds the lock, then keep it in a background thread; `service` (Celery's
    beat Service) is stopped if the lock goes to another beat. `stop` ends the waiting and the
    renewing (tests)."""
    lock = lock or BeatLock()
    stop = stop or threading.Event()
    every = max(lock.seconds / 3, 0.05)
    if not lock.take():
        logger.warning("beat lock: another beat schedules; this one waits (%s)", lock.owner)
        while not lock.take():
            if stop.wait(every):
                return lock
    logger.warning("beat lock: this beat schedules (%s)", lock.owner)

    def keep() -> None:
        while not stop.wait(every):
            try:
                held = lock.renew()
            except Exception:  # the cache itself failed: keep scheduling, as one beat alone would
                logger.exception("beat lock: could not renew")
                continue
            if not held:
                logger.error("beat lock: another beat took the lock; this one stops scheduling (%s)", lock.owner)
                service.stop(wait=False)
                return

    threading.Thread(target=keep, name="beat-lock", daemon=True).start()
    return lock
