"""Backup and restore of a portal: the database and the private uploads, with a manifest that
proves a restore complete (row counts of every table, a checksum of every upload).

A backup is a folder:
    db.dump          PostgreSQL: pg_dump's custom format (pg_restore reads it, any table at a time)
    db.sqlite3       the embedded default: SQLite's online backup of the live file
    media.tar.gz     the private uploads (scans, stage files, photos, generated reports)
    manifest.json    when, which database, rows per table, sha256 of every upload

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
from django.conf import settings
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


def media_checksums(root: Path) -> dict[str, str]:
    """sha256 of every file under the uploads root, by its path relative to the root."""
    sums = {}
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            sums[path.relative_to(root).as_posix()] = digest.hexdigest()
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

    media_root = Path(settings.MEDIA_ROOT)
    sums = media_checksums(media_root)
    with tarfile.open(output / "media.tar.gz", "w:gz") as archive:
        for name in sums:
            archive.add(media_root / name, arcname=name)
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "rows": counts,
        "uploads": sums,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def backup_restore(*, source: Path, media_root: Path) -> dict:
    """Restore a backup into the configured (empty) database and `media_root`, then check both
    against the manifest; returns {"rows": n, "tables": n, "uploads": n}. Raises BackupError."""
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

    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # no paths outside the root, no devices

    return backup_verify(manifest, media_root=media_root)


def backup_verify(manifest: dict, *, media_root: Path) -> dict:
    """Check the configured database and `media_root` against a backup's manifest; raises BackupError."""
    restored, expected = row_counts(), manifest["rows"]
    wrong = {t: (n, restored.get(t)) for t, n in expected.items() if restored.get(t) != n}
    if wrong:
        raise BackupError(f"row counts differ after restore (table: backup, restored): {wrong}")
    sums = media_checksums(media_root)
    bad = [name for name, digest in manifest["uploads"].items() if sums.get(name) != digest]
    if bad:
        raise BackupError(f"{len(bad)} uploads missing or changed after restore, e.g. {bad[:3]}")
    return {"rows": sum(expected.values()), "tables": len(expected), "uploads": len(manifest["uploads"])}
