from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.core import views as core_views
from apps.desk.views import public as desk_public
from apps.feedback.views import qr as feedback_qr

# Public URLs printed on paper and sent by SMS (/healthz, /accounts/login/, /services/, /track/,
# /q/<token>) are a contract: keep them short and never change them.
urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/2fa/", core_views.twofactor_manage, name="twofactor_manage"),
    path("accounts/2fa/setup/", core_views.twofactor_setup, name="twofactor_setup"),
    path("accounts/2fa/verify/", core_views.twofactor_verify, name="twofactor_verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("org/", include("apps.orgs.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("services/", include("apps.catalog.public_urls")),
    path("desk/", include("apps.desk.urls")),
    path("track/", include("apps.desk.public_urls")),
    path("e/", include(desk_public.edesk_urlpatterns)),
    path("feedback/", include("apps.feedback.urls")),
    path("q/", include(feedback_qr.public_urlpatterns)),
    path("audits/", include("apps.audits.urls")),
    path("reports/", include("apps.reports.urls")),
    # People's communication cases: /cases/new/, /ideas/ and /meetings/ are public and stable.
    path("cases/", include("apps.cases.urls_public")),
    path("cases/", include("apps.cases.urls_staff")),
    path("ideas/", include("apps.cases.urls_ideas")),
    path("meetings/", include("apps.cases.urls_meetings")),
    # Integration: Open311 GeoReport v2, the REST API, its OpenAPI schema and documentation (stable).
    path("open311/v2/", include("apps.api.open311.urls")),
    path("api/v1/", include("apps.api.v1.urls")),
    path("api/", include("apps.api.urls")),
    path("", include("apps.core.urls")),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.error_403"
handler404 = "apps.core.views.error_404"
handler500 = "apps.core.views.error_500"

