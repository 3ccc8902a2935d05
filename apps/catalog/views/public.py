"""Catalog views: public."""

urlpatterns: list = []
