from django.contrib import admin

from apps.catalog.models import (
    FAQ,
    Fee,
    Inquiry,
    LawReference,
    RequiredDocument,
    ServiceForm,
    ServiceState,
    SubService,
    WorkflowStage,
)
from apps.core.scoping import scope_by_body


class StageInline(admin.TabularInline):
    model = WorkflowStage
    extra = 0
    autocomplete_fields = ["responsible_unit"]


class DocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


class InquiryInline(admin.TabularInline):
    model = Inquiry
    extra = 0


class LawInline(admin.TabularInline):
    model = LawReference
    extra = 0


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0


class FormInline(admin.TabularInline):
    model = ServiceForm
    extra = 0


class StateInline(admin.TabularInline):
    """The dated history of channel, type and publication: written by SubService.save, read here."""

    model = ServiceState
    extra = 0
    can_delete = False
    fields = ["effective_from", "channel", "service_type", "active", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SubService)
class SubServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "body", "service_type", "channel", "active", "valid_from", "valid_until"]
    list_filter = ["service_type", "channel", "active", "valid_from", "body"]
    search_fields = ["code", "title", "search_text"]
    list_select_related = ["body"]
    filter_horizontal = ["units", "counters"]
    inlines = [StageInline, DocumentInline, InquiryInline, FeeInline, LawInline, FAQInline, FormInline, StateInline]

    def get_queryset(self, request):
        return scope_by_body(super().get_queryset(request), request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        from django.http import Http404

        raise Http404
