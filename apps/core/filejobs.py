"""Files made in the background: the one way a page hands out a file that takes too long to make
within a web request (a unit's QR cards, an Excel export of tens of thousands of rows).

The page calls `file_job_start` and redirects to the job's progress page (/jobs/<id>/). The task
`apps.core.tasks.file_job_run` looks the kind up in `PRODUCERS` and calls its producer, which writes
the file to a temporary file and reports progress as it goes; the file is then kept in private
storage for the one who asked until `FILE_JOBS_KEEP_HOURS` have passed, when beat's
`file-jobs-purge` deletes it with its row; beat's `file-jobs-sweep` queues again a job whose message
was lost and fails one whose worker died, so no progress page waits for ever. Without a broker the
job runs in a thread of the web process (apps.core.jobs, `background=True`), so the progress page
works the same.

A producer is `produce(*, job, out, progress) -> str`: it reads `job.params`, scopes every read to
`job.requested_by` (the parameters were parsed by the page, but the job checks again), writes the
file's bytes to `out`, calls `progress(done, total)` every batch, and returns the download name. It
raises `FileJobRefused` with a message for the person when there is nothing to make; a summary it
puts in `job.message` is shown beside the download (an import's counts).
(Periodic reports have their own row and progress page, apps.reports: a report is shared, stored
for good and reproducible; a file job is one person's download.)
"""

import datetime as dt
import logging
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import PurePath
from typing import BinaryIO, Protocol

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from apps.core.jobs import enqueue_on_commit
from apps.core.models import FileJob

logger = logging.getLogger(__name__)

PRODUCERS = {
    FileJob.Kind.QR_CARDS: "apps.feedback.qr.qr_cards_produce",
    FileJob.Kind.CATALOG_EXPORT: "apps.catalog.excel.catalog_export_produce",
    FileJob.Kind.DASHBOARD_EXPORT: "apps.feedback.views.dashboards.dashboard_export_produce",
    FileJob.Kind.AUDIT_FORM: "apps.audits.views.audit_forms.audit_form_produce",
    FileJob.Kind.CATALOG_IMPORT: "apps.catalog.excel.catalog_import_produce",
}

# Progress is written at most this often (a row update each time), and always at the end.
PROGRESS_EVERY_SECONDS = 0.3


class FileJobRefused(Exception):
    """Nothing to make (no codes issued, a scope that is gone): the message is shown to the person."""


class Producer(Protocol):
    def __call__(self, *, job: FileJob, out: BinaryIO, progress: Callable[[int, int], None]) -> str: ...


def file_job_start(*, kind: str, user, params: dict) -> FileJob:
    """Record a file to be made for `user` and queue its task (in a thread here when no broker)."""
    from apps.core.tasks import file_job_run

    job = FileJob.objects.create(
        kind=kind,
        requested_by=user,
        params=params,
        expires_at=timezone.now() + dt.timedelta(hours=settings.FILE_JOBS_KEEP_HOURS),
    )
    enqueue_on_commit(file_job_run, background=True, job_id=job.pk)
    return job


def file_job_run(*, job_id: int) -> str:
    """Make the job's file through its kind's producer and keep it; returns the final state. A job
    already finished (the task delivered twice) is left as it is."""
    claimed = FileJob.objects.filter(pk=job_id, state=FileJob.State.PENDING).update(
        state=FileJob.State.RUNNING
    )
    job = FileJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or not claimed:
        return job.state if job else "missing"
    produce: Producer = import_string(PRODUCERS[job.kind])
    written = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - written[0] >= PROGRESS_EVERY_SECONDS or done >= total:
            written[0] = now
            FileJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        with tempfile.TemporaryFile() as out:
            filename = produce(job=job, out=out, progress=progress)
            out.seek(0)
            job.refresh_from_db(fields=["done", "total"])
            job.file.save(uuid.uuid4().hex + PurePath(filename).suffix, File(out), save=False)
    except FileJobRefused as exc:
        return _finish(job, FileJob.State.FAILED, message=str(exc))
    except Exception:
        logger.exception("File job %s (%s) failed.", job.pk, job.kind)
        return _finish(job, FileJob.State.FAILED, message=_("The file could not be made. Ask for it again."))
    job.filename = filename
    return _finish(job, FileJob.State.DONE)


def _finish(job: FileJob, state: str, *, message: str | None = None) -> str:
    job.state = state
    if message is not None or state != FileJob.State.DONE:
        job.message = (message or "")[:300]
    job.finished_at = timezone.now()
    if state == FileJob.State.DONE:
        job.done = job.total = max(job.total, job.done)
    job.save(update_fields=["state", "message", "finished_at", "file", "filename", "done", "total"])
    return state


def file_jobs_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the jobs past their expiry with their files; returns how many."""
    expired = list(FileJob.objects.filter(expires_at__lte=now or timezone.now()))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
        if job.params.get("upload"):  # an input its job never read (the job deletes it otherwise)
            default_storage.delete(job.params["upload"])
    with transaction.atomic():
        FileJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)


# A job still queued after this long lost its message (the broker restarted, or the web process that
# ran it in a thread was recycled before it started): it is queued again. One "being made" after
# REQUEUE × 6 lost its worker: it fails with a message that says to ask again. The largest jobs of
# the portal (a thousand cards, a 2,000-service import) take under a minute.
REQUEUE_AFTER = dt.timedelta(minutes=10)
DEAD_AFTER = dt.timedelta(minutes=60)


def file_jobs_sweep(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Queue again the jobs left queued, fail the ones left "being made"; returns (queued, failed)."""
    from apps.core.tasks import file_job_run

    now = now or timezone.now()
    waiting = list(
        FileJob.objects.filter(state=FileJob.State.PENDING, created_at__lt=now - REQUEUE_AFTER).values_list("pk", flat=True)
    )
    for pk in waiting:
        enqueue_on_commit(file_job_run, background=True, job_id=pk)
    failed = FileJob.objects.filter(state=FileJob.State.RUNNING, created_at__lt=now - DEAD_AFTER).update(
        state=FileJob.State.FAILED,
        message=_("The file could not be made: its work stopped halfway. Ask for it again."),
        finished_at=now,
    )
    return len(waiting), failed
