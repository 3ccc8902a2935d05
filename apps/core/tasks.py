"""Celery tasks of the core app: thin, idempotent."""

from celery import shared_task


@shared_task
def uploads_kept_purge() -> int:
    """Delete the uploads kept for forms that were never submitted again; returns how many."""
    from apps.core.uploads import uploads_kept_purge as purge

    return purge()


@shared_task(acks_late=True)
def file_job_run(*, job_id: int) -> str:
    """Make one file job's file (apps.core.filejobs); a second delivery of a finished job does nothing."""
    from apps.core.filejobs import file_job_run as run

    return run(job_id=job_id)


@shared_task
def file_jobs_sweep() -> tuple[int, int]:
    """Queue again the file jobs whose message was lost; fail those whose worker died."""
    from apps.core.filejobs import file_jobs_sweep as sweep

    return sweep()


@shared_task
def file_jobs_purge() -> int:
    """Delete the files made in the background whose time to be downloaded is over; returns how many."""
    from apps.core.filejobs import file_jobs_purge as purge

    return purge()
