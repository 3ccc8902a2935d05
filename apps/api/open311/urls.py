"""Open311 GeoReport v2 at /open311/v2/ (apps.api.open311.views): one path per endpoint and format,
and every other path a 404 in the spec's error shape."""

from django.urls import path, re_path

from apps.api.open311 import views

app_name = "open311"

urlpatterns = []
for fmt in ("json", "xml"):
    urlpatterns += [
        path(f"discovery.{fmt}", views.DISCOVERY[fmt].as_view(), {"format": fmt}, name=f"discovery_{fmt}"),
        path(f"services.{fmt}", views.SERVICES[fmt].as_view(), {"format": fmt}, name=f"services_{fmt}"),
        path(f"services/<str:service_code>.{fmt}", views.SERVICE_DEFINITION[fmt].as_view(), {"format": fmt},
             name=f"service_definition_{fmt}"),
        path(f"requests.{fmt}", views.REQUESTS[fmt].as_view(), {"format": fmt}, name=f"requests_{fmt}"),
        path(f"requests/<str:service_request_id>.{fmt}", views.REQUEST[fmt].as_view(), {"format": fmt},
             name=f"request_{fmt}"),
        path(f"tokens/<str:token>.{fmt}", views.TOKEN[fmt].as_view(), {"format": fmt}, name=f"token_{fmt}"),
    ]
urlpatterns.append(re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"))
