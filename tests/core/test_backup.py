"""Backup and restore: the database and the uploads come back whole in a new database and folder."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from apps.desk.models import RequestDocument
from tests.factories import registered_request
from tests.files import PDF

ROOT = Path(django_settings.BASE_DIR)


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_database_with_the_same_rows_and_uploads(settings, tmp_path, capsys):
    """GIVEN a portal with requests and an uploaded scan WHEN it is backed up and restored into a new
    PostgreSQL database and an empty uploads folder THEN every table has the same rows and the scan
    the same checksum."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump / pg_restore: the restore test runs on PostgreSQL")
    sr = registered_request()
    doc = RequestDocument.objects.create(request=sr, title="سند", received=True, content_type="application/pdf")
    from django.core.files.base import ContentFile

    doc.file.save("scan.pdf", ContentFile(PDF))
    scan_sum = hashlib.sha256(PDF).hexdigest()

    call_command("backup", output=str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["rows"]["desk_servicerequest"] == 1
    assert manifest["uploads"][doc.file.name] == scan_sum

    target = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        # The uploads come back into a storage of their own: a new folder, or a new prefix of the bucket.
        restored = f"restored-{uuid.uuid4().hex[:6]}"
        env = {**os.environ, "DATABASE_URL": _url(target), "PRIVATE_MEDIA_ROOT": str(tmp_path / restored),
               "S3_PREFIX": f"{settings.STORAGES['default'].get('OPTIONS', {}).get('location', '')}/{restored}"}
        done = subprocess.run(  # noqa: S603 - this interpreter, manage.py, fixed arguments
            [sys.executable, "manage.py", "restore", "--input", str(tmp_path / "backup")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        with capsys.disabled():  # the figures belong in CI's output
            print(f"\n[restore] {done.stdout.strip()}")
        assert f"{len(manifest['rows'])} tables" in done.stdout
        with _storage_at(settings, tmp_path / restored, restored).open(doc.file.name, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == scan_sum
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def _storage_at(settings, folder: Path, prefix: str):
    """The storage a restore with PRIVATE_MEDIA_ROOT=folder or S3_PREFIX=…/prefix wrote into."""
    from django.core.files.storage import FileSystemStorage, storages

    default = settings.STORAGES["default"]
    if "OPTIONS" not in default:
        return FileSystemStorage(location=folder)
    options = {**default["OPTIONS"], "location": f"{default['OPTIONS']['location']}/{prefix}"}
    return storages.create_storage({**default, "OPTIONS": options})


@pytest.mark.django_db
def test_a_restore_that_does_not_match_its_manifest_fails():
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from apps.core.backups import BackupError, backup_verify, media_checksums, row_counts

    name = default_storage.save("scans/a.pdf", ContentFile(PDF))
    manifest = {"rows": row_counts(), "uploads": media_checksums()}
    assert manifest["uploads"] == {name: hashlib.sha256(PDF).hexdigest()}
    assert backup_verify(manifest)["uploads"] == 1

    default_storage.delete(name)
    default_storage.save(name, ContentFile(PDF + b"tampered"))
    with pytest.raises(BackupError, match="uploads missing or changed"):
        backup_verify(manifest)
    default_storage.delete(name)
    with pytest.raises(BackupError, match="uploads missing or changed"):
        backup_verify(manifest)
    default_storage.save(name, ContentFile(PDF))
    manifest["rows"]["desk_servicerequest"] += 1
    with pytest.raises(BackupError, match="row counts differ"):
        backup_verify(manifest)
