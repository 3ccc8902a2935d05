"""Every uploaded file of the portal: taken in through `upload_clean`, handed out through
`private_file_response`. The type is read from the content, never from the name or the browser.

An upload must never become a page. A file that starts like a PDF or an image and goes on as HTML
(a polyglot) was stored as `text/html` and rendered to the clerk as a fake login form. So:
- the stored type is the detected one, and the stored name is random with the detected extension;
- images are decoded and re-encoded (pixels only): markup after the image data, EXIF with the GPS
  position of the phone that took the photo, comments — all gone;
- a PDF must parse, have a page, and carry no markup and no active content (JavaScript, launch
  actions, embedded files); scans never need them;
- files are served only as PDF, JPEG or PNG (or the office formats of published forms), always with
  Content-Disposition, `nosniff` and a `sandbox` policy. PDFs download: Chromium's PDF viewer does
  not run under a sandbox policy, and a sandbox matters more than a preview.
"""

import io
import re
import uuid
from pathlib import PurePath

import filetype
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

# What each kind of upload may be, by detected MIME type → stored extension.
SCANS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
IMAGES = {"image/jpeg": "jpg", "image/png": "png"}
DOCUMENTS = {
    **SCANS,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
}
SPREADSHEETS = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
# What a file made in the background may be handed out as (apps.core.filejobs).
PDF_AND_SPREADSHEETS = {"application/pdf": "pdf", **SPREADSHEETS}
KINDS = {"scans": SCANS, "images": IMAGES, "documents": DOCUMENTS, "spreadsheets": SPREADSHEETS}

MAX_SCAN_BYTES = 5 * 1024 * 1024
# Larger than any scan at 300 dpi on A3; a "decompression bomb" of a small file is refused.
MAX_IMAGE_PIXELS = 40_000_000
# Office formats are zip archives of XML: markup is what they are made of, so they are not searched
# for it (they are only ever served as downloads).
_MARKUP_EXEMPT = {"docx", "doc", "xlsx"}
# Markup a browser would act on, anywhere in the bytes.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|frame|object|embed|svg|form|meta|link|style|base|img|a\s)"
    rb"|javascript\s*:",
    re.IGNORECASE,
)
# PDF names of active content (also written with #xx escapes, which pypdf decodes: checked there).
_PDF_ACTIVE = {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/XFA", "/RichMedia"}


def _detect(head: bytes) -> tuple[str | None, str]:
    kind = filetype.guess(head)
    return (kind.mime, kind.extension) if kind else (None, "")


def _pdf_check(data: bytes) -> None:
    import pypdf
    from pypdf.generic import DictionaryObject, IndirectObject

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
    except Exception as exc:
        raise ValidationError(_("This PDF is damaged and cannot be opened."), code="damaged") from exc
    if pages < 1:
        raise ValidationError(_("This PDF has no pages."), code="damaged")

    # Walk the objects reachable from the catalog (bounded): any active-content name refuses it.
    seen, stack, budget = set(), [reader.trailer.get("/Root")], 20000
    while stack and budget:
        budget -= 1
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                node = node.get_object()
            except Exception:  # noqa: S112 - a dangling reference holds nothing that could run
                continue
        if isinstance(node, DictionaryObject):
            if _PDF_ACTIVE & {str(k) for k in node} or str(node.get("/S", "")) in _PDF_ACTIVE:
                raise ValidationError(_("This PDF contains scripts or embedded files, which are not accepted."),
                                      code="active")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _reencode(data: bytes, ext: str) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("The image is too large in pixels."), code="too_large")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            # Keep the orientation the phone recorded, then drop every tag (GPS position included).
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if ext == "jpg":
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.save(out, format="JPEG", quality=90, optimize=True)
            else:
                if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA")
                image.save(out, format="PNG", optimize=True)
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(_("This image is damaged and cannot be opened."), code="damaged") from exc
    return out.getvalue()


def upload_clean(upload, *, allowed: dict[str, str], max_bytes: int = MAX_SCAN_BYTES) -> SimpleUploadedFile:
    """Check an uploaded file and return the copy to store: detected type as `content_type`, a random
    name with the detected extension, images re-encoded without metadata. Raises ValidationError."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (at most %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)}, code="too_large"
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    mime, _ext = _detect(data[:8192])
    if mime not in allowed:
        names = ", ".join(sorted(set(allowed.values())))
        raise ValidationError(_("This file type is not accepted. Allowed: %(types)s.") % {"types": names}, code="type")
    ext = allowed[mime]
    if ext == "pdf":
        if _MARKUP.search(data):
            raise ValidationError(_("This PDF contains web page code and is not accepted. Scan or save it again."),
                                  code="polyglot")
        _pdf_check(data)
    elif ext in ("jpg", "png"):
        data = _reencode(data, ext)
    elif ext not in _MARKUP_EXEMPT and _MARKUP.search(data):
        raise ValidationError(_("This file contains web page code and is not accepted."), code="polyglot")
    original = PurePath(getattr(upload, "name", "") or "file").stem[:60]
    clean = SimpleUploadedFile(f"{uuid.uuid4().hex}.{ext}", data, content_type=mime)
    clean.original_name = original
    clean.detected_type = ext
    return clean


def validate_upload(upload, *, allowed: dict[str, str], max_bytes: int = MAX_SCAN_BYTES) -> str:
    """Check an upload that is read and thrown away (an import workbook); returns the detected extension."""
    return upload_clean(upload, allowed=allowed, max_bytes=max_bytes).detected_type


class UploadField(forms.FileField):
    """A form field whose cleaned value is the checked copy from `upload_clean`."""

    def __init__(self, *args, kind: str = "scans", max_bytes: int = MAX_SCAN_BYTES, **kwargs):
        self.allowed, self.max_bytes = KINDS[kind], max_bytes
        kwargs.setdefault("widget", forms.ClearableFileInput)
        super().__init__(*args, **kwargs)
        # The browser's file picker offers only what would be accepted.
        self.widget.attrs.setdefault("accept", ",".join(f".{e}" for e in sorted(set(self.allowed.values()))))

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial and hasattr(upload, "read") and not getattr(upload, "_committed", False):
            return upload_clean(upload, allowed=self.allowed, max_bytes=self.max_bytes)
        return upload


class PrivateFileField(models.FileField):
    """A model file field whose forms (portal and admin alike) take uploads through `upload_clean`."""

    def __init__(self, *args, kind: str = "scans", **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": UploadField, "kind": self.kind, **kwargs})


def private_file_response(file, *, allowed: dict[str, str] = SCANS, filename: str = "file") -> FileResponse:
    """Hand out a stored upload as the type its bytes show (404 if not an allowed one): images in the
    tab, everything else as a download, never sniffable, never able to run as a page."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    head = handle.read(8192)
    handle.seek(0)
    mime, _ext = _detect(head)
    if mime not in allowed:
        handle.close()
        raise Http404
    ext = allowed[mime]
    inline = mime in IMAGES
    response = FileResponse(handle, content_type=mime, as_attachment=not inline, filename=f"{filename}.{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- Uploads kept while a form is shown again -----------------------------------------------------
# A form that fails on one field must not make the person attach every file again (or lose a scan
# without saying so): the files that passed their checks are kept in private storage for a day, and
# the form carries a signed token per file. The token names its owner (a user or a session), so it
# is worth nothing to anyone else. Beat's `uploads-kept-purge` removes what was never used.
KEPT_DIR = "kept-uploads"
KEPT_SECONDS = 24 * 3600
_KEPT_SALT = "apps.core.uploads.kept"


def upload_keep(upload, *, owner: str) -> str:
    """Store an already checked upload for a later submission of the same form; returns its token."""
    from django.core import signing
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    ext = PurePath(upload.name).suffix.lstrip(".") or "bin"
    upload.seek(0)
    path = default_storage.save(f"{KEPT_DIR}/{timezone.now():%Y%m%d}/{uuid.uuid4().hex}.{ext}", ContentFile(upload.read()))
    upload.seek(0)
    return signing.dumps(
        {"path": path, "owner": owner, "type": upload.content_type, "name": getattr(upload, "original_name", "")},
        salt=_KEPT_SALT, compress=True,
    )


def upload_kept(token: str, *, owner: str) -> SimpleUploadedFile | None:
    """The upload a token stands for, if it is the owner's and still kept; else None."""
    from django.core import signing
    from django.core.files.storage import default_storage

    try:
        kept = signing.loads(token, salt=_KEPT_SALT, max_age=KEPT_SECONDS)
    except signing.BadSignature:
        return None
    if kept.get("owner") != owner or not str(kept.get("path", "")).startswith(f"{KEPT_DIR}/"):
        return None
    try:
        with default_storage.open(kept["path"], "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return None
    upload = SimpleUploadedFile(PurePath(kept["path"]).name, data, content_type=kept.get("type", ""))
    upload.original_name = kept.get("name", "")
    upload.detected_type = PurePath(kept["path"]).suffix.lstrip(".")
    return upload


def uploads_kept_purge(*, older_than_seconds: int = KEPT_SECONDS) -> int:
    """Delete kept uploads older than a day (their tokens have expired); returns how many."""
    import datetime as dt

    from django.core.files.storage import default_storage
    from django.utils import timezone

    cutoff = (timezone.now() - dt.timedelta(seconds=older_than_seconds)).strftime("%Y%m%d")
    removed = 0
    try:
        days, _files = default_storage.listdir(KEPT_DIR)
    except (FileNotFoundError, OSError):
        return 0
    for day in days:
        if day < cutoff:
            _dirs, files = default_storage.listdir(f"{KEPT_DIR}/{day}")
            for name in files:
                default_storage.delete(f"{KEPT_DIR}/{day}/{name}")
                removed += 1
    return removed
