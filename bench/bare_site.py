"""The floor of bench/public_pages.py: a Django project of one view that answers the bytes of a saved
page (BARE_PAGE, the portal's /services/ as fetched) with no middleware, no apps and no database.
Settings, URLs and the WSGI application in one module:

    BARE_PAGE=/tmp/services.html DJANGO_SETTINGS_MODULE=bench.bare_site \\
        .venv/bin/gunicorn bench.bare_site:application -c config/gunicorn.py --bind 127.0.0.1:8001
"""

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_I18N = False

PAGE = Path(os.environ["BARE_PAGE"]).read_bytes()


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("", page)]

application = get_wsgi_application()
