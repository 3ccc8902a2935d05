"""The Persian a page shows for a message, so tests assert on what a person reads."""

from django.utils import translation
from django.utils.translation import gettext


def fa(message: str) -> str:
    """`message` as the Persian catalogue renders it."""
    with translation.override("fa"):
        return gettext(message)
