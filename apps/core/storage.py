"""Where the portal's files live, and what to do when that place cannot be reached.

On the embedded default the uploads and generated files are in a folder (PRIVATE_MEDIA_ROOT); with
S3_BUCKET set they are in an S3-compatible bucket, shared by every web node and worker. Code reads
and writes them only through Django's storage API (default_storage, a FileField's storage), never by
a path, so the same code runs on both.

When the bucket cannot be reached, a page that reads or writes a file answers 503 with a page that
says so (StorageOutageMiddleware); every other page goes on working, and /healthz reports it.
"""

import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)


def storage_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the file storage could not be reached or refused to answer."""
    if not settings.S3_BUCKET:
        return ()
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def storage_check() -> str:
    """"local" for a folder, "ok" when the bucket answers, "down" when it does not."""
    if not settings.S3_BUCKET:
        return "local"
    try:
        bucket = default_storage.bucket
        bucket.meta.client.head_bucket(Bucket=bucket.name)
    except storage_errors():
        logger.warning("file storage: the bucket %s does not answer", settings.S3_BUCKET, exc_info=True)
        return "down"
    return "ok"


class StorageOutageMiddleware:
    """A view that failed to reach the bucket answers 503 with a page saying files cannot be read or
    kept right now (and that nothing was registered), instead of a bare server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        errors = storage_errors()
        if not errors or not isinstance(exception, errors):
            return None
        logger.error("file storage unreachable during %s %s", request.method, request.path, exc_info=exception)
        response = HttpResponse(loader.get_template("errors/503_storage.html").render({}, request), status=503)
        response["Retry-After"] = "60"
        return response
