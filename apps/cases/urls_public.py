"""Citizens' pages of cases: online registration (/cases/new/), rating and objection from the closing SMS, the response PDF."""

from django.urls import path  # noqa: F401

app_name = "cases_public"

urlpatterns: list = []
