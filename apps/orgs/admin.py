from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ScopedAdmin
from apps.core.scoping import scope_queryset
from apps.orgs import roles
from apps.orgs.models import Body, BodyDuty, Counter, County, OrgUnit, Province, Staff


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "name_en", "weekly_off_days"]
    search_fields = ["name_fa", "name_en", "code"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name_fa", "name_en", "province"]
    list_filter = ["province"]
    search_fields = ["name_fa", "name_en"]
    list_select_related = ["province"]


class BodyDutyInline(admin.TabularInline):
    """The body's duties: what its desks register cases on besides its services (charter 3-8)."""

    model = BodyDuty
    extra = 1
    fields = ["title", "keywords"]


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["name_fa", "name_en", "kind", "parent", "head_name"]
    list_filter = ["kind"]
    search_fields = ["name_fa", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    inlines = [BodyDutyInline]


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdmin):
    unit_field = None
    list_display = ["indented_name", "level", "body", "province", "county", "head_office"]
    list_filter = ["level", "head_office", "body", "province"]
    search_fields = ["name"]
    list_select_related = ["body", "province", "county"]
    autocomplete_fields = ["parent", "body", "county"]
    inlines = [CounterInline]

    @admin.display(description=OrgUnit._meta.get_field("name").verbose_name, ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        depth = obj.path.count("/") - 2
        return f"{'— ' * depth}{obj.name}"


@admin.register(Counter)
class CounterAdmin(ScopedAdmin):
    list_display = ["number", "title", "unit", "active"]
    list_filter = ["active"]
    list_select_related = ["unit"]


@admin.register(Staff)
class StaffAdmin(ScopedAdmin):
    list_display = ["last_name", "first_name", "personnel_code", "post", "post_kind", "unit", "active", "user"]
    list_filter = ["active", "post_kind", "body"]
    search_fields = ["first_name", "last_name", "personnel_code", "post"]
    list_select_related = ["unit", "user"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]


class StaffInline(admin.StackedInline):
    model = Staff
    fk_name = "user"
    extra = 0
    max_num = 1
    can_delete = False
    autocomplete_fields = ["unit"]


class RoleChoiceField(forms.ModelMultipleChoiceField):
    """The role groups of a user, by their Persian names."""

    def label_from_instance(self, obj: Group) -> str:
        return roles.role_label(obj.name)


class RoleListFilter(admin.SimpleListFilter):
    """Users by role, as `apps.orgs.roles.user_roles` counts them: superusers are administrators."""

    title = _("Role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(code, label) for code, label in roles.ROLE_LABELS.items()]

    def queryset(self, request, queryset):
        if self.value() not in roles.ROLE_LABELS:
            return queryset
        condition = Q(pk__in=User.groups.through.objects.filter(group__name=self.value()).values("user_id"))
        if self.value() == roles.ADMINISTRATOR:
            condition |= Q(is_superuser=True)
        return queryset.filter(condition)


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """Users with their staff record inline: a login without a staff record cannot sign in.
    Found by their staff name too, and listed with their roles by the roles' Persian names."""

    inlines = [StaffInline]
    list_display = ["username", "staff", "role_names", "is_active", "is_superuser"]
    # No "staff status" filter: the admin opens by role (apps.core.admin_site), not by that flag.
    list_filter = [RoleListFilter, "is_active", "is_superuser"]
    search_fields = [*UserAdmin.search_fields, "staff__first_name", "staff__last_name", "staff__personnel_code"]
    list_select_related = ["staff"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("groups")
        return scope_queryset(queryset, request.user, unit_field="staff__unit")

    @admin.display(description=_("Roles"))
    def role_names(self, user) -> str:
        names = {group.name for group in user.groups.all()}
        if user.is_superuser:
            names.add(roles.ADMINISTRATOR)
        labels = [label for code, label in roles.ROLE_LABELS.items() if code in names]
        return "، ".join(map(str, labels)) or self.get_empty_value_display()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs.setdefault("form_class", RoleChoiceField)
            kwargs.setdefault("label", _("Roles"))
            kwargs.setdefault("widget", FilteredSelectMultiple(_("Roles"), is_stacked=False))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    """The role groups by their Persian names. Their permissions are set from apps.orgs.roles on every
    migrate, and the code is what the portal looks a role up by, so a role's name is not editable."""

    list_display = ["role", "name"]
    fields = ["role", "name", "permissions"]

    @admin.display(description=_("Role"), ordering="name")
    def role(self, group: Group | None) -> str:
        return roles.role_label(group.name) if group is not None and group.pk else self.get_empty_value_display()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.name in roles.ROLE_LABELS:
            return ["role", "name"]
        return ["role"]
