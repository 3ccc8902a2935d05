from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from apps.core import audit_trail, signals

        audit_trail.connect()
        signals.page_versions_connect()
