"""Validation of every uploaded file: the type is read from the content, never from the name."""

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What each kind of upload may be, by detected MIME type.
SCANS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
IMAGES = {"image/jpeg": "jpg", "image/png": "png"}
DOCUMENTS = {
    **SCANS,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
}
SPREADSHEETS = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}

MAX_SCAN_BYTES = 5 * 1024 * 1024


def validate_upload(upload, *, allowed: dict[str, str], max_bytes: int = MAX_SCAN_BYTES) -> str:
    """Check size and sniffed type of an uploaded file; returns the detected extension."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (at most %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)}, code="too_large"
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    # Office files are zip archives; filetype names docx/xlsx by their inner parts.
    mime = kind.mime if kind else None
    if mime not in allowed:
        names = ", ".join(sorted(set(allowed.values())))
        raise ValidationError(_("This file type is not accepted. Allowed: %(types)s.") % {"types": names}, code="type")
    return allowed[mime]
