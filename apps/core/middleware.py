from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PersianFirstLocaleMiddleware(LocaleMiddleware):
    """Persian unless the person chose English with the language switch.

    The browser's Accept-Language is ignored on purpose: many phones and office PCs in Iran are set
    to English, and their users still expect the portal of a government office in Persian.
    """

    def process_request(self, request) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class TwoFactorMiddleware:
    """Keeps every page closed to a logged-in user who needs a second factor and has not given it in
    this session: they are sent to enrol (first time) or to type a code. Citizens never log in, so
    public pages are unaffected. Must come after django_otp's OTPMiddleware."""

    OPEN_PREFIXES = ("/accounts/logout/", "/accounts/2fa/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.OPEN_PREFIXES)
            and not user.is_verified()
        ):
            from django.shortcuts import redirect
            from django.urls import reverse
            from django.utils.http import urlencode

            from apps.core import twofactor

            if twofactor.two_factor_needed(user, session=request.session):
                step = "twofactor_verify" if twofactor.two_factor_enabled(user) else "twofactor_setup"
                target = request.get_full_path() if len(request.get_full_path()) <= 500 else request.path
                return redirect(f"{reverse(step)}?{urlencode({'next': target})}")
        return self.get_response(request)


class InputLimitsMiddleware:
    """Refuses, with a clear 400 in the person's language, what no form of the portal takes: a query
    string longer than MAX_QUERY_BYTES, a value longer than MAX_VALUE_CHARS, bytes that are not UTF-8
    (Django would store them as "�") and NUL characters (PostgreSQL refuses them with a 500).
    Requests over DATA_UPLOAD_MAX_MEMORY_SIZE are refused the same way. Each field's own, smaller
    limit is its form's job (apps.core.limits), with the message beside the field."""

    MAX_QUERY_BYTES = 4096
    MAX_VALUE_CHARS = 20_000

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
        from django.http.multipartparser import MultiPartParserError

        from apps.core.views import bad_request

        if len(request.META.get("QUERY_STRING", "")) > self.MAX_QUERY_BYTES:
            return bad_request(request, reason="too_long")
        try:
            data = [request.GET]
            if request.method == "POST":
                data.append(request.POST)
            for querydict in data:
                for key, values in querydict.lists():
                    for value in (key, *values):
                        if "\ufffd" in value or "\x00" in value:
                            return bad_request(request, reason="characters")
                        if len(value) > self.MAX_VALUE_CHARS:
                            return bad_request(request, reason="too_long")
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return bad_request(request, reason="too_long")
        except MultiPartParserError:
            return bad_request(request, reason="characters")
        return self.get_response(request)


class TextGZipMiddleware:
    """Django's gzip for text (pages, JSON, XML) only: PDFs, images and workbooks are compressed
    already, and squeezing them again costs CPU for nothing. Django's GZipMiddleware pads each
    response with random bytes against BREACH, so pages with CSRF tokens may be compressed."""

    COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/javascript")

    def __init__(self, get_response):
        from django.middleware.gzip import GZipMiddleware

        self.get_response = get_response
        self._gzip = GZipMiddleware(get_response)

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith(self.COMPRESSIBLE):
            return self._gzip.process_response(request, response)
        return response
