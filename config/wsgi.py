import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Import every view, load both languages' catalogues and compile the public templates once, in
    gunicorn's master (config/gunicorn.py preloads the app): each worker it forks — at start and
    whenever one is recycled — answers its first request at full speed instead of spending a second
    on imports while requests queue behind it; WeasyPrint's fonts are loaded too. Touches neither the
    database nor the cache: a connection opened here would be shared by every forked worker."""
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation
    from django.utils.module_loading import import_string

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
    for backend in {cache["BACKEND"] for cache in settings.CACHES.values()} | {settings.SESSION_ENGINE + ".SessionStore"}:
        import_string(backend)  # the Redis client library is a third of a second to import
    for language in ("fa", "en"):
        with translation.override(language):
            translation.gettext("Service desk")
    for name in ("base.html", "desk/track.html", "catalog/public_list.html", "catalog/public_detail.html",
                 "feedback/rate_form.html", "feedback/survey_form.html", "desk/edesk_mobile.html"):
        get_template(name)
    from apps.core import pdf

    pdf.warm_up()


if os.environ.get("WSGI_WARM_UP", "1") == "1":
    warm_up()
