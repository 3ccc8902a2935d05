"""Django for a bench script: on the database DATABASE_URL names, or else on a throwaway SQLite file
(with its uploads beside it, never in the project folder) that the script migrates first."""

import os
import tempfile

_folders = []  # kept for the life of the process: the folder goes when its object does


def django_setup() -> bool:
    """Set Django up; True when the database is a throwaway one, which the script must migrate."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    throwaway = not os.environ.get("DATABASE_URL")
    if throwaway:
        folder = tempfile.TemporaryDirectory()
        _folders.append(folder)
        os.environ["DATABASE_URL"] = f"sqlite:///{folder.name}/bench.sqlite3"
        os.environ.setdefault("PRIVATE_MEDIA_ROOT", f"{folder.name}/media")
    import django

    django.setup()
    return throwaway
