"""Catalog views: printables."""

urlpatterns: list = []
