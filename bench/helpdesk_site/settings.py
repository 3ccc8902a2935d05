"""django-helpdesk 2.6.1 as its install documentation sets it up, for bench/public_pages.py to compare
the portal's public pages with. Run with the interpreter of the helpdesk's own virtualenv (never the
portal's), from the repository's root:

    HELPDESK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/service_desk_pubbench_helpdesk \\
    HELPDESK_MEDIA_ROOT=/tmp/helpdesk-media SECRET_KEY=… DJANGO_SETTINGS_MODULE=bench.helpdesk_site.settings \\
        ~/.cache/service-desk-bench/helpdesk-venv/bin/gunicorn bench.helpdesk_site.wsgi:application \\
        -c config/gunicorn.py --bind 127.0.0.1:8002

The middleware is the set `startproject` writes; helpdesk's URLs are at "/" (its public ticket view is
/view/?ticket=<queue-slug>-<id>&email=…&key=<secret_key>). Teams (pinax-teams) are an optional extra
and stay off.
"""

import os
from urllib.parse import urlsplit

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.helpdesk_site.urls"
WSGI_APPLICATION = "bench.helpdesk_site.wsgi.application"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk builds its absolute links from the current site
    "django.contrib.humanize",  # elapsed times in its templates
    "rest_framework",  # its API
    "helpdesk",
    "django_cleanup.apps.CleanupConfig",  # attachments removed with their rows
]
SITE_ID = 1
HELPDESK_TEAMS_MODE_ENABLED = False
LOGIN_URL = "helpdesk:login"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_db = urlsplit(os.environ["HELPDESK_DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "",
        "PORT": _db.port or "",
        # As the portal's settings keep them (DB_CONN_MAX_AGE defaults to 60 there).
        "CONN_MAX_AGE": 60,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
MEDIA_ROOT = os.environ["HELPDESK_MEDIA_ROOT"]
USE_TZ = True
TIME_ZONE = "UTC"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
