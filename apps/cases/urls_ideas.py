"""The ideas working group's queue, the competent body's result, and the public list of accepted ideas (/ideas/)."""

from apps.cases.views.ideas import urlpatterns  # noqa: F401

app_name = "ideas"
