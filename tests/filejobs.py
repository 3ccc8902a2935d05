"""Files that a page hands out through a file job (apps.core.filejobs), fetched as a person does:
the POST that starts the job, its progress page, then the download."""

from django.urls import reverse

from apps.core.models import FileJob


def job_of(response) -> FileJob:
    assert response.status_code == 302, response.status_code
    path = response["Location"]
    assert path.startswith("/jobs/"), path
    return FileJob.objects.get(pk=path.strip("/").split("/")[1])


def download(client, job: FileJob):
    response = client.get(reverse("core:file_job_file", args=[job.pk]))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def file_by_job(client, url: str, capture, data=None):
    """POST `url`, run the job it queued (`capture`: pytest-django's django_capture_on_commit_callbacks)
    and download the file: (the download response, its bytes)."""
    with capture(execute=True):
        response = client.post(url, data or {})
    return download(client, job_of(response))
