"""`manage.py restore --input DIR`: a backup into an empty database and the uploads storage, checked."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database (it must be empty: "
        "create it, do not migrate it) and the uploads' storage (PRIVATE_MEDIA_ROOT or S3_BUCKET), then check row counts and upload checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="the backup folder")

    def handle(self, *args, input, **options):
        try:
            result = backup_restore(source=Path(input))
        except (BackupError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restore: {input} — {result['tables']} tables, {result['rows']} rows and "
            f"{result['uploads']} uploads match the manifest"
        )
