from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "apps.audits"
    label = "audits"
    verbose_name = _("Service desk audits")
