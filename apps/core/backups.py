"""Backup and restore of a portal: the database and the private uploads, with a manifest that
proves a restore complete (row counts of every table, a checksum of every upload).

A backup is a folder:
    db.dump          PostgreSQL: pg_dump's custom format (pg_restore reads it, any table at a time)
    db.sqlite3       the embedded default: SQLite's online backup of the live file
    media.tar.gz     the private uploads (scans, stage files, photos, generated reports)
    manifest.json    when, which database, rows per table, sha256 of every upload

The uploads are read and written through the storage API: the folder on the embedded default, the
S3 bucket when S3_BUCKET is set (a restore fills the bucket, or the prefix, it is configured with).

The database is dumped first, the uploads second: uploads are only ever added, never changed in
place, so every row of the dump finds its file (a file added in between is merely extra).
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

MANIFEST = "manifest.json"


class BackupError(Exception):
    """The backup or restore could not be made or does not match its manifest."""


def _pg_env() -> tuple[dict, list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    return env, args


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[-2000:]}")


def row_counts() -> dict[str, int]:
    """Rows per table of every installed model (the portal's and Django's own)."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.db_table] = model._base_manager.using("default").count()
    return dict(sorted(counts.items()))


def _storage_files(storage, folder: str = "") -> list[str]:
    """Every file's name in `storage`, walked through listdir (a folder on disk, keys of a bucket)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:  # the uploads folder of a portal that has none yet
        return []
    prefix = f"{folder}/" if folder else ""
    names = [prefix + name for name in files]
    for name in dirs:
        names += _storage_files(storage, prefix + name)
    return names


def media_checksums(storage=None) -> dict[str, str]:
    """sha256 of every upload, by its name in the storage (default_storage unless given)."""
    storage = storage or default_storage
    sums = {}
    for name in sorted(_storage_files(storage)):
        digest = hashlib.sha256()
        with storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        sums[name] = digest.hexdigest()
    return sums


def backup_create(*, output: Path) -> dict:
    """Write a backup of the database and the uploads into `output` (created); returns the manifest."""
    output.mkdir(parents=True, exist_ok=False)
    vendor = connection.vendor
    counts = row_counts()
    if vendor == "postgresql":
        env, args = _pg_env()
        _run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", "-f", str(output / "db.dump"),
              connection.settings_dict["NAME"]], env)
    elif vendor == "sqlite":
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        target = sqlite3.connect(str(output / "db.sqlite3"))
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        raise BackupError(f"no backup method for the {vendor} database")

    sums = media_checksums()
    with tarfile.open(output / "media.tar.gz", "w:gz") as archive:
        for name in sums:
            with default_storage.open(name, "rb") as handle:
                member = tarfile.TarInfo(name)
                member.size = default_storage.size(name)
                archive.addfile(member, handle)
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "rows": counts,
        "uploads": sums,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def backup_restore(*, source: Path) -> dict:
    """Restore a backup into the configured (empty) database and storage, then check both against
    the manifest; returns {"rows": n, "tables": n, "uploads": n}. Raises BackupError."""
    manifest = json.loads((source / MANIFEST).read_text())
    vendor = connection.vendor
    if manifest["database"] != vendor:
        raise BackupError(f"the backup is of a {manifest['database']} database, this portal runs on {vendor}")
    if vendor == "postgresql":
        env, args = _pg_env()
        connection.close()
        _run(["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "-d",
              connection.settings_dict["NAME"], str(source / "db.dump")], env)
    else:
        connection.close()
        shutil.copyfile(source / "db.sqlite3", connection.settings_dict["NAME"])

    with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
        for member in archive:
            if not member.isfile() or member.name not in manifest["uploads"]:
                raise BackupError(f"{member.name}: not an upload of the manifest")  # links, devices, strays
            if default_storage.exists(member.name):  # a restore run again
                default_storage.delete(member.name)
            kept = default_storage.save(member.name, File(archive.extractfile(member), name=member.name))
            if kept != member.name:  # a name outside the storage's rules
                raise BackupError(f"{member.name} was stored as {kept}")

    return backup_verify(manifest)


def backup_verify(manifest: dict, *, storage=None) -> dict:
    """Check the configured database and storage against a backup's manifest; raises BackupError."""
    restored, expected = row_counts(), manifest["rows"]
    wrong = {t: (n, restored.get(t)) for t, n in expected.items() if restored.get(t) != n}
    if wrong:
        raise BackupError(f"row counts differ after restore (table: backup, restored): {wrong}")
    sums = media_checksums(storage)
    bad = [name for name, digest in manifest["uploads"].items() if sums.get(name) != digest]
    if bad:
        raise BackupError(f"{len(bad)} uploads missing or changed after restore, e.g. {bad[:3]}")
    return {"rows": sum(expected.values()), "tables": len(expected), "uploads": len(manifest["uploads"])}
