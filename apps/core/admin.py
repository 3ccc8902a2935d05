"""Admin for the holiday calendar and change log, and the scoped base every unit-bound admin uses."""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.core.models import ChangeRecord, Holiday
from apps.core.scoping import scope_queryset


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows, choices and object pages obey the org-unit scope.

    `unit_field` is the lookup from the model to its OrgUnit (None for OrgUnit itself). An
    object outside the scope answers 404 instead of the admin's usual redirect, so that its
    existence does not leak.
    """

    unit_field: str | None = "unit"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, unit_field=self.unit_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from apps.orgs.models import OrgUnit

        if db_field.related_model is OrgUnit:
            kwargs["queryset"] = scope_queryset(OrgUnit.objects.all(), request.user, unit_field=None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The holiday calendar; dates typed and shown in Jalali, filtered by Jalali year (admin_persian)."""

    list_display = ["date", "title", "kind", "province"]
    list_filter = ["date", "kind", "province"]
    search_fields = ["title"]
    list_select_related = ["province"]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """The change log, read-only: who changed users, roles, units, holidays, questionnaires, the
    catalog… when, and the values before and after (apps.core.audit_trail, apps.core.services)."""

    list_display = ["at", "content_type", "object_id", "action", "actor_name"]
    list_filter = ["at", "content_type", "action"]
    search_fields = ["object_id", "note", "actor__username"]
    list_select_related = ["content_type", "actor"]
    fields = ["at", "content_type", "object_id", "target_name", "action", "actor_name", "changes", "note"]
    readonly_fields = fields

    @admin.display(description=_("actor"), ordering="actor__username")
    def actor_name(self, obj: ChangeRecord) -> str:
        return obj.actor.username if obj.actor else _("system")

    @admin.display(description=_("object"))
    def target_name(self, obj: ChangeRecord) -> str:
        model = obj.content_type.model_class()
        target = model._default_manager.filter(pk=obj.object_id).first() if model else None
        return str(target) if target is not None else "—"

    @admin.display(description=_("before → after"))
    def changes(self, obj: ChangeRecord):
        from django.utils.html import format_html, format_html_join

        before, after = obj.before or {}, obj.after or {}
        keys = sorted(set(before) | set(after))
        if not keys:
            return "—"
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
                                ((k, before.get(k, "—"), after.get(k, "—")) for k in keys))
        return format_html('<table><thead><tr><th></th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>',
                           _("before"), _("after"), rows)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
