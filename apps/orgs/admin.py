from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from apps.core.admin import ScopedAdmin
from apps.core.scoping import scope_queryset
from apps.orgs.models import Body, Counter, County, OrgUnit, Province, Staff


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


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["name_fa", "name_en", "parent", "head_name"]
    search_fields = ["name_fa", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdmin):
    unit_field = None
    list_display = ["indented_name", "level", "body", "province", "county"]
    list_filter = ["level", "body", "province"]
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
    list_display = ["last_name", "first_name", "personnel_code", "post", "unit", "active", "user"]
    list_filter = ["active", "body"]
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


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """Users with their staff record inline: a login without a staff record cannot sign in."""

    inlines = [StaffInline]
    list_display = ["username", "staff", "is_active", "is_superuser"]
    list_select_related = ["staff"]

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, unit_field="staff__unit")
