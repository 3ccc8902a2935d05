"""Staff pages of cases: registration at the desk or by phone, the inbox, a case's page and its actions."""

from django.urls import path  # noqa: F401

app_name = "cases"

urlpatterns: list = []
