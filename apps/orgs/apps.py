from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "apps.orgs"
    label = "orgs"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from apps.orgs.roles import role_groups_sync

        # Permissions exist only after every app migrated, so groups are synced then.
        post_migrate.connect(lambda **kwargs: role_groups_sync(), dispatch_uid="orgs_role_groups_sync", weak=False)
