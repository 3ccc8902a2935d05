"""Read-only admin of the stored reports: they change only by compiling (pages, schedule, command)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.reports.models import Report
from apps.reports.selectors import report_list


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["period_display", "kind", "scope_key", "status", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status", "period"]
    search_fields = ["period", "scope_key"]
    readonly_fields = [f.name for f in Report._meta.fields if not f.auto_created]  # not the meaningless "ID"

    @admin.display(description=_("period"), ordering="period")
    def period_display(self, report: Report) -> str:
        # The code alone in a right-to-left cell would read "B3-1405": the words, then the code isolated.
        return format_html('{} <bdi dir="ltr">{}</bdi>', report.period_label, report.period)

    def get_queryset(self, request):
        return report_list(user=request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
