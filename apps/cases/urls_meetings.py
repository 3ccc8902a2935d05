"""Public meetings: published times, booking online (/meetings/) or at the desk, and the office's outcome."""

from django.urls import path  # noqa: F401

app_name = "meetings"

urlpatterns: list = []
