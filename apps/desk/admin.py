from django.contrib import admin

from apps.core.admin import ScopedAdmin
from apps.desk.models import Notification, QueueTicket, RequestEvent, RequestStage, Response, ServiceRequest


class StageInline(admin.TabularInline):
    model = RequestStage
    extra = 0
    can_delete = False
    fields = ["order", "title", "unit", "state", "handed_over_at", "due_at", "finished_at", "finished_by"]
    readonly_fields = fields


class EventInline(admin.TabularInline):
    """The history is append-only: shown, never edited."""

    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "stage", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["event", "channel", "recipient", "state", "attempts", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ScopedAdmin):
    """Requests change only through the workflow (apps.desk.services); the admin shows them."""

    list_display = ["tracking_code", "service", "unit", "status", "received_at", "promised_at"]
    list_filter = ["status", "channel"]
    search_fields = ["tracking_code", "national_code"]
    list_select_related = ["service", "unit"]
    inlines = [StageInline, EventInline, NotificationInline]
    readonly_fields = [f.name for f in ServiceRequest._meta.fields if not f.auto_created]  # not the meaningless "ID"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RequestStage)
class RequestStageAdmin(ScopedAdmin):
    list_display = ["request", "order", "title", "unit", "state", "due_at"]
    list_filter = ["state"]
    list_select_related = ["request", "unit"]
    readonly_fields = [f.name for f in RequestStage._meta.fields if not f.auto_created]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ScopedAdmin):
    unit_field = "request__unit"
    list_display = ["number", "request", "outcome", "issued_at"]
    readonly_fields = [f.name for f in Response._meta.fields if not f.auto_created]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(QueueTicket)
class QueueTicketAdmin(ScopedAdmin):
    list_display = ["day", "number", "unit", "counter", "service", "state", "issued_at", "called_at"]
    list_filter = ["state", "day"]
    list_select_related = ["unit", "counter", "service"]
