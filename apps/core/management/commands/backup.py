"""`manage.py backup [--output DIR]`: the database and the private uploads, with a manifest."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the private uploads into a new folder, with row counts and checksums."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the folder to create (default: backups/<UTC time>)")

    def handle(self, *args, output=None, **options):
        target = Path(output or f"backups/{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
        try:
            manifest = backup_create(output=target)
        except (BackupError, FileExistsError) as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["rows"].values())
        size = sum(f.stat().st_size for f in target.iterdir())
        self.stdout.write(
            f"backup: {target} — {manifest['database']}, {len(manifest['rows'])} tables, {rows} rows, "
            f"{len(manifest['uploads'])} uploads, {size / 1024:.0f} KiB"
        )
