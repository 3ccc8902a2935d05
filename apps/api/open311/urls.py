"""Open311 GeoReport v2 at /open311/v2/ (apps.api.open311.views)."""

urlpatterns: list = []
