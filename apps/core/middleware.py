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
