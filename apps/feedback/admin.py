"""Admin of the satisfaction questionnaire: versions with their axes and questions inline.

A version that people have answered is shown read-only: its answers must keep meaning what they
meant when they were given. "Revise as a new version" copies it (apps.feedback.services
.questionnaire_revise) into an inactive version that can be edited and then put in use.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.feedback.models import Axis, Question, Questionnaire
from apps.feedback.services import questionnaire_activate, questionnaire_revise


def _answered(obj: Questionnaire | None) -> bool:
    if obj is None or obj.pk is None:
        return False
    if not hasattr(obj, "_has_responses"):
        obj._has_responses = obj.responses.exists()
    return obj._has_responses


class _VersionPartInline(admin.TabularInline):
    """Rows of a version: frozen with it once it has answers."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return not _answered(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _answered(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _answered(obj) and super().has_delete_permission(request, obj)


class AxisInline(_VersionPartInline):
    model = Axis
    fields = ["grouping", "order", "title"]
    ordering = ["grouping", "order"]


class QuestionInline(_VersionPartInline):
    model = Question
    fields = ["number", "text", "axis", "audit_axis", "reverse_scored"]
    ordering = ["number"]

    def get_formset(self, request, obj=None, **kwargs):
        # The axis choices are the axes of this version only, each grouping in its own column.
        request._feedback_questionnaire = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("axis", "audit_axis"):
            grouping = Axis.Grouping.TABLE5 if db_field.name == "axis" else Axis.Grouping.ANNEX2
            parent = getattr(request, "_feedback_questionnaire", None)
            kwargs["queryset"] = (
                Axis.objects.filter(questionnaire=parent, grouping=grouping).order_by("order")
                if parent is not None and parent.pk
                else Axis.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "active", "question_count", "response_count", "created_at"]
    list_display_links = ["title", "version"]
    readonly_fields = ["version", "active", "created_at", "revise"]
    fields = ["revise", "title", "version", "active", "scale_labels", "created_at"]
    inlines = [AxisInline, QuestionInline]
    actions = ["revise_selected", "activate_selected"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _questions=Count("questions", distinct=True), _responses=Count("responses", distinct=True)
            )
        )

    @admin.display(description=_("questions"), ordering="_questions")
    def question_count(self, obj: Questionnaire) -> int:
        return obj._questions

    @admin.display(description=_("responses"), ordering="_responses")
    def response_count(self, obj: Questionnaire) -> int:
        return obj._responses

    @admin.display(description=_("Editing"))
    def revise(self, obj: Questionnaire) -> str:
        if obj is None or obj.pk is None:
            return gettext("Add the axes after saving the version; then the questions.")
        note = (
            gettext("People have answered this version, so it can no longer be edited.")
            if _answered(obj)
            else gettext("Nobody has answered this version yet; it can be edited in place.")
        )
        # formaction sends the change form (and its CSRF token) to the revise view instead.
        return format_html(
            '{} <button type="submit" class="button" formaction="{}" formmethod="post" name="_revise">{}</button>',
            note,
            reverse("admin:feedback_questionnaire_revise", args=[obj.pk]),
            gettext("Revise as a new version"),
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return not _answered(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _answered(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj: Questionnaire, form, change) -> None:
        if not change:
            obj.version = (Questionnaire.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            obj.active = False
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revise/",
                self.admin_site.admin_view(self.revise_view),
                name="feedback_questionnaire_revise",
            ),
            *super().get_urls(),
        ]

    def _revise(self, request: HttpRequest, questionnaire: Questionnaire) -> Questionnaire:
        copy = questionnaire_revise(questionnaire=questionnaire, actor=request.user)
        self.message_user(
            request,
            gettext("Version %(new)s was created from version %(old)s. Edit it, then put it in use.")
            % {"new": copy.version, "old": questionnaire.version},
            messages.SUCCESS,
        )
        return copy

    def revise_view(self, request: HttpRequest, object_id: str):
        return require_POST(self._revise_view)(request, object_id)

    def _revise_view(self, request: HttpRequest, object_id: str):
        if not self.has_add_permission(request):
            raise PermissionDenied
        questionnaire = get_object_or_404(Questionnaire, pk=object_id)
        copy = self._revise(request, questionnaire)
        return HttpResponseRedirect(reverse("admin:feedback_questionnaire_change", args=[copy.pk]))

    @admin.action(description=_("Revise as a new version"), permissions=["add"])
    def revise_selected(self, request, queryset):
        copies = [self._revise(request, q) for q in queryset.order_by("version")]
        if len(copies) == 1:
            return HttpResponseRedirect(reverse("admin:feedback_questionnaire_change", args=[copies[0].pk]))
        return None

    @admin.action(description=_("Put in use (offer this version from now on)"), permissions=["change"])
    def activate_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("Choose exactly one version to put in use."), messages.ERROR)
            return
        questionnaire = queryset.get()
        try:
            questionnaire_activate(questionnaire=questionnaire, actor=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Version %(v)s is now offered to applicants.") % {"v": questionnaire.version},
                messages.SUCCESS,
            )


# --- staff QR codes and ratings -----------------------------------------------------------------
# Codes are issued and replaced on the portal's QR page (apps.feedback.views.qr), which records
# each change; the admin looks them up and never writes them. Ratings are read, and held ones
# reviewed, the same way.
from apps.core.admin import ScopedAdmin  # noqa: E402
from apps.feedback.models import StaffQRCode, StaffRating  # noqa: E402


class _ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffQRCode)
class StaffQRCodeAdmin(_ReadOnlyAdmin):
    unit_field = "staff__unit"
    list_display = ["staff", "token", "issued_at", "issued_by", "revoked_at"]
    list_filter = ["issued_at", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["token", "staff__first_name", "staff__last_name", "staff__personnel_code"]
    list_select_related = ["staff", "issued_by"]


@admin.register(StaffRating)
class StaffRatingAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "staff", "score", "flagged", "reviewed_by", "unit"]
    list_filter = ["created_at", "flagged", "score", ("reviewed_at", admin.EmptyFieldListFilter)]
    search_fields = ["staff__first_name", "staff__last_name", "tracking_code"]
    list_select_related = ["staff", "unit", "reviewed_by"]
    # The mobile and device fingerprint are for the once-a-day rule, not for reading.
    exclude = ["mobile", "device_key"]
