from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.cases.models import DEFAULT_DUE_WORKING_DAYS, Case, CaseEvent, CaseTypeSetting
from apps.core.admin import ScopedAdmin


class CaseEventInline(admin.TabularInline):
    """The timeline is append-only: shown, never edited."""

    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    """Cases change only through apps.cases.services; the admin shows them, scoped like the portal."""

    list_display = ["tracking_code", "type", "level", "channel", "unit", "state", "created_at", "due_at"]
    list_filter = ["type", "level", "channel", "state"]
    search_fields = ["tracking_code", "national_code"]
    list_select_related = ["unit"]
    inlines = [CaseEventInline]
    readonly_fields = [f.name for f in Case._meta.fields if not f.auto_created]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseTypeSetting)
class CaseTypeSettingAdmin(admin.ModelAdmin):
    """The administrator's due time per case type; a type without a row keeps the default."""

    list_display = ["type", "due_working_days", "default_days"]

    @admin.display(description=_("default in working days"))
    def default_days(self, obj: CaseTypeSetting) -> int:
        return DEFAULT_DUE_WORKING_DAYS[obj.type]
