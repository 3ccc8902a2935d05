"""Catalog views: excel."""

urlpatterns: list = []
