"""The Django admin of the portal: open to the roles that work there, not to a separate staff flag."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("Service desk portal — administration")
    site_title = _("Service desk portal")
    index_title = _("Administration")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin registered here, the portal's or another app's, is made Persian: Jalali dates
        in and out, normalised search and saving (apps.core.admin_persian)."""
        from apps.core.admin_persian import persian_admin  # imports forms and models: not at load time

        super().register(model_or_iterable, persian_admin(admin_class or admin.ModelAdmin), **options)

    def has_permission(self, request) -> bool:
        """Active users whose role may use the admin (ADMIN_SITE_ROLES) get in; what they see there is
        still limited by their model permissions and scoped querysets. Giving someone the role is enough:
        nobody has to remember to tick "staff status" as well."""
        from apps.orgs import roles  # not at import time: this module loads with the app registry

        user = request.user
        return bool(user.is_active and (user.is_superuser or roles.has_role(user, *roles.ADMIN_SITE_ROLES)))

    def login(self, request, extra_context=None):
        """The admin has no login form of its own: the portal's (throttled, with the second step) serves
        it, so there is one door to guard. Nothing posted here is ever checked."""
        from django.contrib.auth import REDIRECT_FIELD_NAME
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target[:500]})}")


class PortalAdminConfig(AdminConfig):
    default_site = "apps.core.admin_site.PortalAdminSite"
