"""The ideas working group's queue, the competent body's result, and the public list of accepted ideas (/ideas/)."""

from django.urls import path  # noqa: F401

app_name = "ideas"

urlpatterns: list = []
