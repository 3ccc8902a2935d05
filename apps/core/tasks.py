"""Celery tasks of the core app: thin, idempotent."""

from celery import shared_task


@shared_task
def uploads_kept_purge() -> int:
    """Delete the uploads kept for forms that were never submitted again; returns how many."""
    from apps.core.uploads import uploads_kept_purge as purge

    return purge()
