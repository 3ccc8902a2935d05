"""Citizen URLs of the desk. /track/ and /track/?code=… are printed on receipts and sent by SMS."""

from apps.desk.views.public import urlpatterns  # noqa: F401
