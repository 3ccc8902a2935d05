"""The integration API at /api/v1/ (apps.api.v1.views)."""

urlpatterns: list = []
