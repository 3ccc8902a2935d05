from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.cases.models import (
    DEFAULT_DUE_WORKING_DAYS,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNotification,
    CaseResponse,
    CaseTypeSetting,
    IdeaReview,
    MeetingBooking,
    MeetingSchedule,
)
from apps.core.admin import ScopedAdmin


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by apps.cases.services: shown, never added, edited or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CaseEventInline(ReadOnlyInline):
    """The timeline is append-only."""

    model = CaseEvent
    fields = ["at", "kind", "actor", "from_unit", "to_unit", "referral_kind", "public", "note"]


class CaseResponseInline(ReadOnlyInline):
    model = CaseResponse
    fields = ["at", "outcome", "unit", "by", "text"]


class CaseAttachmentInline(ReadOnlyInline):
    model = CaseAttachment
    fields = ["at", "name"]


class CaseNotificationInline(ReadOnlyInline):
    model = CaseNotification
    fields = ["created_at", "channel", "recipient", "state", "attempts"]


class ReadOnlyAdmin(ScopedAdmin):
    """Shown (scoped like the portal), never changed: these rows change only through the services."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if not f.auto_created]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases change only through apps.cases.services; the admin shows them, scoped like the portal."""

    list_display = ["tracking_code", "type", "level", "channel", "unit", "handling_unit", "state", "created_at", "due_at"]
    list_filter = ["type", "level", "channel", "state"]
    search_fields = ["tracking_code", "national_code"]
    list_select_related = ["unit", "handling_unit"]
    inlines = [CaseEventInline, CaseResponseInline, CaseAttachmentInline, CaseNotificationInline]


@admin.register(CaseResponse)
class CaseResponseAdmin(ReadOnlyAdmin):
    """Responses are written by case_respond; scoped by the unit that answered."""

    list_display = ["case", "outcome", "unit", "by", "at"]
    list_filter = ["outcome"]
    search_fields = ["case__tracking_code"]
    list_select_related = ["case", "unit", "by"]


@admin.register(IdeaReview)
class IdeaReviewAdmin(ReadOnlyAdmin):
    """The working group's decisions are taken on its queue page; here they are looked up."""

    unit_field = "case__unit"
    list_display = ["case", "state", "competent_body", "result", "reviewed_at"]
    list_filter = ["state", "result"]
    search_fields = ["case__tracking_code", "public_title"]
    list_select_related = ["case", "competent_body"]


@admin.register(MeetingSchedule)
class MeetingScheduleAdmin(ScopedAdmin):
    """The weekly public meeting times of heads of bodies and governors (charter 8-3)."""

    list_display = ["official", "unit", "weekday", "start", "end", "place", "active"]
    list_filter = ["active", "weekday"]
    list_select_related = ["official", "unit"]
    autocomplete_fields = ["official", "unit"]


@admin.register(MeetingBooking)
class MeetingBookingAdmin(ReadOnlyAdmin):
    """Bookings are made and their outcome recorded on the meetings pages."""

    unit_field = "schedule__unit"
    list_display = ["schedule", "starts_at", "full_name", "channel", "state"]
    list_filter = ["state", "channel"]
    search_fields = ["national_code", "full_name"]
    list_select_related = ["schedule"]


@admin.register(CaseTypeSetting)
class CaseTypeSettingAdmin(admin.ModelAdmin):
    """The administrator's due time per case type; a type without a row keeps the default."""

    list_display = ["type", "due_working_days", "default_days"]

    @admin.display(description=_("default in working days"))
    def default_days(self, obj: CaseTypeSetting) -> int:
        return DEFAULT_DUE_WORKING_DAYS[obj.type]
