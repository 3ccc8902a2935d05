"""The public catalog at /services/ (no login). These URLs are printed on brochures: keep them."""

from apps.catalog.views import public

app_name = "services"

urlpatterns = public.urlpatterns
