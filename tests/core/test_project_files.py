"""The check behind "nothing is written under the project folder" (tests/conftest.py) sees a write."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.files import PDF, project_files, project_files_changed


def test_a_file_written_under_the_project_folder_is_seen_and_an_upload_is_not():
    before = project_files()
    name = default_storage.save("request-docs/scan.pdf", ContentFile(PDF))  # a folder of the test, or the bucket
    assert default_storage.exists(name)
    assert project_files_changed(before) == []

    stray = Path(settings.BASE_DIR, f"stray-{uuid.uuid4().hex[:8]}.pdf")
    stray.write_bytes(PDF)
    try:
        assert project_files_changed(before) == [stray.name]
    finally:
        stray.unlink()
    assert project_files_changed(before) == []
