"""The integration API at /api/v1/ (apps.api.v1.views). `router` is what the permission tests walk."""

from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter

from apps.api.v1 import views


class ApiRootView(APIRootView):
    """The list of endpoints, for anyone: the schema at /api/schema/ says as much."""

    permission_classes = [AllowAny]


class ApiRouter(DefaultRouter):
    APIRootView = ApiRootView


router = ApiRouter(trailing_slash=True)
router.include_format_suffixes = False
router.register("catalog/services", views.ServiceViewSet, basename="api-service")
router.register("requests", views.RequestViewSet, basename="api-request")
router.register("cases", views.CaseViewSet, basename="api-case")
router.register("satisfaction/indices", views.SatisfactionViewSet, basename="api-satisfaction")
router.register("reports", views.ReportViewSet, basename="api-report")

urlpatterns = router.urls
