"""Settings for the service desk portal, read from the environment.

With nothing set the portal runs for development: SQLite beside manage.py, an in-process cache and
Celery tasks executed eagerly. `DATABASE_URL` moves it to PostgreSQL, `REDIS_URL` (or
`CELERY_BROKER_URL`) to Redis for the cache and a real Celery worker + beat. With `DEBUG=0` the
portal refuses to start without `SECRET_KEY` and `ALLOWED_HOSTS`.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("PORTAL_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    # Only for a developer's machine; a deployment sets DEBUG=0 and its own key.
    SECRET_KEY = SECRET_KEY or "dev-only-not-secret-service-desk-portal-key"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Where links printed on paper and sent by SMS point (receipt, QR codes, tracking). Unset, it is the
# development server's own address, on PORT as `make run` serves it.
SITE_URL = (os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}").rstrip("/")

INSTALLED_APPS = [
    "apps.core.admin_site.PortalAdminConfig",  # django.contrib.admin with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_jalali",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "apps.core",
    "apps.orgs",
    "apps.catalog",
    "apps.desk",
    "apps.feedback",
    "apps.audits",
    "apps.reports",
    "apps.cases",
    "apps.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.PersianFirstLocaleMiddleware",
    # Before anything reads the form: refuses bad bytes and oversized input with a 400 in the
    # person's language.
    "apps.core.middleware.InputLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.core.audit_trail.ActorMiddleware",
    "apps.core.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # A view that cannot reach the S3 bucket answers 503 with a page that says so.
    "apps.core.storage.StorageOutageMiddleware",
]

if not DEBUG:
    # Static files from the app server in production (compressed, far-future cache headers on the
    # hashed names); runserver and tests serve them from finders.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.core.context_processors.portal",
            ],
            "builtins": ["apps.core.templatetags.portal"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers while a writer commits: the embedded default serves a small office.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    # The rollups' covering indexes (apps.feedback.models.by_place_and_day) are plain indexes here:
    # SQLite has no INCLUDE, and the embedded default holds one office's rows.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis, answered from process memory while Redis is unreachable (apps/core/cache.py): a cache
    # outage must not stop the desks.
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
            "OPTIONS": {"RETRY_SECONDS": float(os.environ.get("CACHE_RETRY_SECONDS", "5"))},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Parallel test processes (pytest-xdist gw0, gw1…) each clear the cache between tests: each gets
    # a Redis database of its own (1, 2…) so one never wipes the other's rate-limit counters.
    _db = 1 + int(os.environ["PYTEST_XDIST_WORKER"][2:])
    CACHES["default"]["LOCATION"] = REDIS_URL.rsplit("/", 1)[0] + f"/{_db}" if REDIS_URL.count("/") > 2 else f"{REDIS_URL}/{_db}"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
# One beat schedules for the whole deployment (apps.core.beatlock): a second one waits as a standby.
BEAT_LOCK_SECONDS = int(os.environ.get("BEAT_LOCK_SECONDS", "60"))
# No task result is ever read (progress lives in the database rows), and a result backend that is
# down makes every apply_async wait ~20 s and raise: none unless one is asked for.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
# Publishing while the broker is down fails within a second instead of blocking the web request;
# apps.core.jobs logs it and the beat sweeps pick the work up later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.3}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 3, "retry_on_timeout": False}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# No broker: tasks run in the web process as they are queued, so one command gives a working portal.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Tehran"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues by the kind of work, so a deployment gives each its own pool of worker processes (a burst
# of report compilations never holds an SMS back): `celery worker -Q notifications`. A worker
# started without -Q consumes every queue below, as the embedded stack and docker-compose.yml do.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name) for name in ("celery", "notifications", "reports", "printing")]
CELERY_TASK_ROUTES = {
    "apps.*.tasks.notify_*": {"queue": "notifications"},
    "apps.*.tasks.*notifications_resend*": {"queue": "notifications"},
    "apps.cases.tasks.meeting_booked_notify": {"queue": "notifications"},
    "apps.audits.tasks.audit_form_notify": {"queue": "notifications"},
    "apps.audits.tasks.audit_deadlines_notify": {"queue": "notifications"},
    "apps.api.tasks.webhook*": {"queue": "notifications"},
    "apps.reports.tasks.*": {"queue": "reports"},
    "apps.core.tasks.file_job_run": {"queue": "printing"},  # QR card sheets, large exports and imports
    "apps.feedback.tasks.qr_card_images_draw": {"queue": "printing"},
}
# Long jobs someone waits for (report compilations) run in a thread of the web process when no
# broker takes them (none configured, or down), so the page that asked shows their progress
# (apps.core.jobs). Tests run them inline instead.
JOBS_BACKGROUND_THREADS = env_bool("JOBS_BACKGROUND_THREADS", True)
# Files made in the background (apps.core.filejobs: a unit's QR cards, large Excel exports) are kept
# this long for the one who asked, then deleted. An Excel export of more rows than
# FILE_JOBS_XLSX_ROWS is made that way instead of within the request, and so is the import of a
# catalog workbook of more services than CATALOG_IMPORT_INLINE_SERVICES (about 20 ms a service).
FILE_JOBS_KEEP_HOURS = int(os.environ.get("FILE_JOBS_KEEP_HOURS", "24"))
FILE_JOBS_XLSX_ROWS = int(os.environ.get("FILE_JOBS_XLSX_ROWS", "10000"))
CATALOG_IMPORT_INLINE_SERVICES = int(os.environ.get("CATALOG_IMPORT_INLINE_SERVICES", "50"))

# Audit rounds (SPEC §6): the default deadlines of a new round in working days (an administrator may
# change them per round), the window a returned form gets, and how many working days before a due
# date the reminder goes out.
AUDIT_DECLARATION_DAYS = int(os.environ.get("AUDIT_DECLARATION_DAYS", "10"))
AUDIT_EVALUATION_DAYS = int(os.environ.get("AUDIT_EVALUATION_DAYS", "10"))
AUDIT_RETURN_DAYS = int(os.environ.get("AUDIT_RETURN_DAYS", "5"))
AUDIT_REMINDER_DAYS = int(os.environ.get("AUDIT_REMINDER_DAYS", "2"))

NOTIFICATIONS_RESEND_AFTER_MINUTES = int(os.environ.get("NOTIFICATIONS_RESEND_AFTER_MINUTES", "5"))

# Each entry says when it runs and why; the capabilities that need a schedule add theirs here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Every 10 minutes: applicant SMS/email that failed (gateway down) or were never sent (a worker
    # lost) go out again; each message is still sent at most once.
    # NOTIFICATIONS_RESEND_AFTER_MINUTES (5): how old a pending message must be before the sweep
    # takes it over from the task that was queued for it.
    "desk-notifications-resend": {
        "task": "apps.desk.tasks.notifications_resend_failed",
        "schedule": crontab(minute=os.environ.get("CRON_NOTIFICATIONS_RESEND", "*/10")),
    },
    # Every 10 minutes, beside it: the same for messages about people's communication cases.
    "cases-notifications-resend": {
        "task": "apps.cases.tasks.case_notifications_resend",
        "schedule": crontab(minute=os.environ.get("CRON_NOTIFICATIONS_RESEND", "*/10")),
    },
    # Every minute: webhook deliveries whose pause after a failed try is over (or whose task was
    # lost with a broker outage) are tried again; each event keeps its id on every try.
    "webhooks-deliver-due": {
        "task": "apps.api.tasks.webhooks_deliver_due",
        "schedule": crontab(minute=os.environ.get("CRON_WEBHOOKS", "*")),
    },
    # Daily at 04:30 Tehran: uploads kept for a form shown again (intake, e-desk) that was never sent
    # again; their tokens expire after a day.
    "uploads-kept-purge": {
        "task": "apps.core.tasks.uploads_kept_purge",
        "schedule": crontab(minute=30, hour=os.environ.get("CRON_UPLOADS_PURGE_HOUR", "4")),
    },
    # Every hour at :45: files made in the background (QR cards, large exports) whose
    # FILE_JOBS_KEEP_HOURS are over are deleted with their rows; private storage keeps no download
    # longer than that.
    "file-jobs-purge": {
        "task": "apps.core.tasks.file_jobs_purge",
        "schedule": crontab(minute=os.environ.get("CRON_FILE_JOBS_PURGE_MINUTE", "45")),
    },
    # Every 5 minutes: a file job left queued is queued again, one whose worker died is failed.
    "file-jobs-sweep": {
        "task": "apps.core.tasks.file_jobs_sweep",
        "schedule": crontab(minute=os.environ.get("CRON_FILE_JOBS_SWEEP", "*/5")),
    },
    # Daily at 01:00 Tehran: open the audit round of the current Jalali bimonth (SPEC §6), a pre-filled
    # draft form per HQ and provincial unit. Jalali months do not line up with cron's Gregorian ones,
    # so it runs every night; once the round is open a run only adds forms for units created since.
    "audits-round-open": {
        "task": "apps.audits.tasks.audit_rounds_open_current",
        "schedule": crontab(minute=0, hour=os.environ.get("CRON_AUDIT_ROUND_OPEN_HOUR", "1")),
    },
    # Daily at 08:00 Tehran (office hours, so an SMS is read at work): reminders of audit forms due
    # within AUDIT_REMINDER_DAYS working days, notices of forms past due, and any audit notice that
    # failed before; each message goes out once (apps.audits.notices).
    "audits-deadlines": {
        "task": "apps.audits.tasks.audit_deadlines_notify",
        "schedule": crontab(minute=0, hour=os.environ.get("CRON_AUDIT_DEADLINES_HOUR", "8")),
    },
    # Periodic reports (SPEC §7). Crontab cannot name a Jalali month boundary, so each entry runs
    # every night and compiles only the reports of the period that has just ended and are not done
    # yet: the first night after the period it compiles them, every other night it finds nothing to
    # do — and after nights the workers were down it catches up. Running twice never compiles twice.
    #
    # 01:30 Tehran: the quarterly desk reports of the Jalali quarter that ended (after 1 Tir, 1 Mehr,
    # 1 Dey and 1 Farvardin) for every body, county and province — each body's report to its head and
    # the governors' reports upward (seed 004 items 9–11, seed 001 item 17, seed 003 §11).
    "reports-quarterly": {
        "task": "apps.reports.tasks.reports_compile_due",
        "schedule": crontab(minute="30", hour=os.environ.get("CRON_REPORTS_QUARTERLY_HOUR", "1")),
        "kwargs": {"kinds": ["quarterly_body", "quarterly_county", "quarterly_province"]},
    },
    # 02:30 Tehran: the bimonthly audit summaries (annex 3: table 1 per province, table 2 for the
    # country; guide 1 stage 3) of the last bimonth, REPORTS_AUDIT_GRACE_DAYS (10) days after it ends
    # so that the evaluators have verified the round's forms first.
    "reports-bimonthly-audit": {
        "task": "apps.reports.tasks.reports_compile_due",
        "schedule": crontab(minute="30", hour=os.environ.get("CRON_REPORTS_AUDIT_HOUR", "2")),
        "kwargs": {
            "kinds": ["bimonthly_audit"],
            "audit_grace_days": int(os.environ.get("REPORTS_AUDIT_GRACE_DAYS", "10")),
        },
    },
    # 03:30 Tehran: the six-monthly national compilation (seed 003 §11, guide 1 stage 3: for the High
    # Administrative Council) after each half of the Jalali year ends (after 1 Mehr and 1 Farvardin).
    "reports-halfyear-national": {
        "task": "apps.reports.tasks.reports_compile_due",
        "schedule": crontab(minute="30", hour=os.environ.get("CRON_REPORTS_NATIONAL_HOUR", "3")),
        "kwargs": {"kinds": ["halfyear_national"]},
    },
}

# --- Authentication -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = ["apps.orgs.backends.StaffBackend"]
# Roles that must log in with a second factor (an authenticator app; apps/core/twofactor.py). In
# production administrators and national roles by default; the `make run` demo asks it of no one,
# so its printed logins keep working. Anyone may turn it on for themselves at /accounts/2fa/.
TWO_FACTOR_REQUIRED_ROLES = env_list(
    "TWO_FACTOR_REQUIRED_ROLES", "" if DEBUG else "administrator,national_auditor"
)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "میز خدمت")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"
# Login attempts allowed per address and per username before the form answers 429.
LOGIN_RATE = os.environ.get("LOGIN_RATE", "10/5m")
# Public tracking: lookups per address, and national-code checks per address and per tracking code
# (the second limit stops guessing the national code that unlocks a request's personal data).
TRACK_RATE = os.environ.get("TRACK_RATE", "60/m")
TRACK_VERIFY_RATE = os.environ.get("TRACK_VERIFY_RATE", "10/10m")
# The e-desk per address, each step counted apart (a few typos of the code never block the form):
# codes sent (each mobile also has OTP_MAX_SENDS), codes checked, forms submitted.
EDESK_SEND_RATE = os.environ.get("EDESK_SEND_RATE", "10/h")
EDESK_VERIFY_RATE = os.environ.get("EDESK_VERIFY_RATE", "30/10m")
EDESK_SUBMIT_RATE = os.environ.get("EDESK_SUBMIT_RATE", "30/h")
# Public meeting bookings per address (the mobile is confirmed by the e-desk's code first).
MEETINGS_BOOK_RATE = os.environ.get("MEETINGS_BOOK_RATE", "20/h")
# Queue numbers taken at the hall kiosk per address (the kiosk needs no login).
QUEUE_KIOSK_RATE = os.environ.get("QUEUE_KIOSK_RATE", "30/m")
# Searches of the public catalog allowed per address (offices share one address behind NAT).
PUBLIC_SEARCH_RATE = os.environ.get("PUBLIC_SEARCH_RATE", "120/m")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True
# Office hours used when a workflow stage is agreed in hours (Iranian government offices).
WORKDAY_START = os.environ.get("WORKDAY_START", "07:30")
WORKDAY_END = os.environ.get("WORKDAY_END", "14:30")
# django-jalali's admin date picker (apps.core.admin_persian), started by the portal's script instead
# of the package's admin/main.js, which writes 1405-09-01 and lays the calendar out left to right.
JALALI_SETTINGS = {
    "ADMIN_JS_STATIC_FILES": [
        "admin/jquery.ui.datepicker.jalali/scripts/jquery-1.10.2.min.js",
        "admin/jquery.ui.datepicker.jalali/scripts/jquery.ui.core.js",
        "admin/jquery.ui.datepicker.jalali/scripts/jquery.ui.datepicker-cc.js",
        "admin/jquery.ui.datepicker.jalali/scripts/calendar.all.js",
        "admin/jquery.ui.datepicker.jalali/scripts/calendar.js",
        "admin/jquery.ui.datepicker.jalali/scripts/jquery.ui.datepicker-cc-fa.js",
        "js/admin-jalali-datepicker.js",
    ],
}

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (scans of documents, staff photos) are private: never served by the web server,
# only by views that check the viewer's scope.
MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
MEDIA_URL = "/private-media-is-not-served/"
# With S3_BUCKET set, every upload and generated file (receipts, reports, QR sheets, exports) goes to
# that S3-compatible bucket instead, so any web node or worker reads what another wrote. The bucket
# stays private: the portal streams each file after its scope check, as it does from disk.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
S3_OPTIONS = {
    "bucket_name": S3_BUCKET,
    "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,  # empty: AWS itself
    "region_name": os.environ.get("S3_REGION") or None,
    "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,  # empty: boto3's own chain (role, env)
    "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
    "location": os.environ.get("S3_PREFIX", ""),  # a folder of a shared bucket
    "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path"),  # MinIO, Ceph, ArvanCloud
    "signature_version": "s3v4",
    "default_acl": None,  # the bucket's own policy: private
    "querystring_auth": True,  # a URL of a file is never public
    "file_overwrite": False,  # a second upload of the same name gets a new name, as on disk
    "object_parameters": {"CacheControl": "private, no-store"},
}
if S3_BUCKET:
    from botocore.config import Config as S3Config

    # A bucket that does not answer fails a page within seconds (a 503 that says so), not gunicorn's 60.
    S3_OPTIONS["client_config"] = S3Config(
        connect_timeout=2, read_timeout=20, retries={"max_attempts": 2, "mode": "standard"}
    )
STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_OPTIONS}
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The fields of one request, files not counted (each file has its own limit, apps.core.uploads):
# the largest form of the portal (a catalog service with all its rows) is well under this.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(512 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1500
DATA_UPLOAD_MAX_NUMBER_FILES = 30

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the cache and written through to the database: a citizen's or a clerk's page
# costs no session query while Redis is up, and nothing is lost when it is not.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy (nginx) that sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

RATELIMIT_VIEW = "apps.core.views.ratelimited"
# How many reverse proxies in front of gunicorn append to X-Forwarded-For (nginx alone: 1; a load
# balancer and nginx: 2). The client address is the entry that many places from the right
# (apps.core.net.client_ip); 0 reads REMOTE_ADDR only. TRUSTED_PROXY=1 is the older name for 1 hop.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "1" if env_bool("TRUSTED_PROXY", False) else "0"))
RATELIMIT_IP_META_KEY = "apps.core.net.client_ip"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)

# --- API --------------------------------------------------------------------------------------
# /api/v1/ and /open311/v2/ (apps.api): integrating systems call with an API key issued in the admin;
# the Open311 reads need none. Throttles count on the cache per key and per client address.
API_KEY_RATE = os.environ.get("API_KEY_RATE", "600/min")
API_ADDRESS_RATE = os.environ.get("API_ADDRESS_RATE", "300/min")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.auth.ApiKeyThrottle", "apps.api.auth.ApiAddressThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": API_KEY_RATE, "api_address": API_ADDRESS_RATE},
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend",
                                "rest_framework.filters.OrderingFilter"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "EXCEPTION_HANDLER": "apps.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Service Desk Portal API",
    "DESCRIPTION": "Open311 GeoReport v2 at /open311/v2/ and the integration API at /api/v1/. "
                   "Calls that write need an API key: `Authorization: Api-Key <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get names of their own (stable component names for clients).
    "ENUM_NAME_OVERRIDES": {
        "RequestChannelEnum": "apps.desk.models.ServiceRequest.Channel",
        "ServiceChannelEnum": "apps.catalog.models.Channel",
        "CaseChannelEnum": "apps.cases.models.Case.Channel",
        "CaseStateEnum": "apps.cases.models.Case.State",
        "StageStateEnum": "apps.desk.models.RequestStage.State",
        "RequestOutcomeEnum": "apps.desk.models.ServiceRequest.Outcome",
        "CaseOutcomeEnum": "apps.cases.models.CaseResponse.Outcome",
        "ReferralKindEnum": "apps.cases.models.CaseEvent.ReferralKind",
        "ReportKindEnum": "apps.reports.models.Report.Kind",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "apps.api.schema.add_error_responses"],
}
# Who answers integrators' questions, as Open311's discovery document names it.
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "")
# Webhook receivers and Open311 media_url: only public http(s) addresses in production; development
# and the tests call receivers on 127.0.0.1.
OUTBOUND_PRIVATE_URLS_ALLOWED = env_bool("OUTBOUND_PRIVATE_URLS_ALLOWED", DEBUG)
# Webhook deliveries: seconds to wait for a receiver, tries before giving up, and the first pause
# between tries (doubled after each failure: 30 s, 1 min, 2 min, … capped at an hour).
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "5"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_BACKOFF_SECONDS = int(os.environ.get("WEBHOOK_BACKOFF_SECONDS", "30"))

# --- Messaging --------------------------------------------------------------------------------
# SMS and email go through apps.core.messaging only. The console backend sends nothing (it logs and
# keeps messages in memory), so a checkout works offline; a deployment sets a real gateway.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "apps.core.messaging.ConsoleSMSBackend")
SMS_SENDER = os.environ.get("SMS_SENDER", "")
# For apps.core.messaging.FileSMSBackend (staging, the soak test): where the messages are written.
SMS_FILE = os.environ.get("SMS_FILE", str(BASE_DIR / "sms-outbox.jsonl"))  # the gateway line number; empty = the account's default
KAVENEGAR_API_KEY = os.environ.get("KAVENEGAR_API_KEY", "")
# Seconds to wait for the gateway: a stalled gateway must fail (and be retried), not hang a worker.
SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))
if SMS_BACKEND.endswith("KavenegarSMSBackend") and not KAVENEGAR_API_KEY:
    raise ImproperlyConfigured("SMS_BACKEND is Kavenegar but KAVENEGAR_API_KEY is not set.")

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
# Console unless an SMTP host is given (or EMAIL_BACKEND names another backend explicitly).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "میز خدمت <no-reply@localhost>")

# One-time codes that verify an applicant's mobile on the e-desk (apps.desk.otp).
OTP_TTL_SECONDS = int(os.environ.get("OTP_TTL_SECONDS", "300"))
OTP_MAX_ATTEMPTS = int(os.environ.get("OTP_MAX_ATTEMPTS", "5"))  # wrong guesses allowed per code
# Codes sent to one mobile per window: every SMS costs money and a flood is harassment.
OTP_MAX_SENDS = int(os.environ.get("OTP_MAX_SENDS", "3"))
OTP_SEND_WINDOW_SECONDS = int(os.environ.get("OTP_SEND_WINDOW_SECONDS", "900"))

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Staff ratings ----------------------------------------------------------------------------
# Ratings posted from one address (an office's NAT shares one, so not too tight).
RATING_RATE = os.environ.get("RATING_RATE", "20/h")
# A burst: this many ratings of one employee within this many minutes are all held for a
# supervisor's review instead of being counted (a colleague rating themselves from many phones).
RATING_BURST_COUNT = int(os.environ.get("RATING_BURST_COUNT", "10"))
RATING_BURST_MINUTES = int(os.environ.get("RATING_BURST_MINUTES", "5"))
