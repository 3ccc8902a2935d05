"""Read-only admin of the stored reports: they change only by compiling (pages, schedule, command)."""

from django.contrib import admin

from apps.reports.models import Report
from apps.reports.selectors import report_list


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["period", "kind", "scope_key", "status", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status", "period"]
    search_fields = ["period", "scope_key"]
    readonly_fields = [f.name for f in Report._meta.fields if not f.auto_created]  # not the meaningless "ID"

    def get_queryset(self, request):
        return report_list(user=request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
