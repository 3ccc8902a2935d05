"""Catalog views: manage."""

urlpatterns: list = []
