"""What every admin page does for a Persian administrator, in one place.

The portal's admin site (apps.core.admin_site) mixes `PersianAdminMixin` into every ModelAdmin it
registers — the portal's, Django's and django-otp's alike — and into their inlines, so no admin
can leave it out:

- dates are typed in Jalali: date fields get django-jalali's admin date picker with the portal's
  `JalaliDateField` behind it, date-times the same picker beside Django's time box; the database
  keeps Gregorian dates and UTC datetimes;
- dates in change lists and read-only fields are shown as ۱۴۰۵/۰۹/۰۱ (۰۹:۳۰ for date-times);
- list filters on dates count Jalali months and years (`JalaliDateFieldListFilter`);
- search ignores ی/ي, ک/ك, ZWNJ and digit style, as the portal's own search does;
- typed text is normalised on save as in the portal's forms (`NormalizedFormMixin`).
"""

import datetime as dt
import functools
import re

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, lookup_spawns_duplicates
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.functions import Replace
from django.db.models.lookups import IContains, IExact, IStartsWith
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from django_jalali.admin.widgets import AdminjDateWidget

from apps.core import jalali
from apps.core.forms import (
    JalaliDateField,
    JalaliSplitDateTimeField,
    JalaliSplitDateTimeMixin,
    NormalizedFormMixin,
)
from apps.core.templatetags.portal import digits
from apps.core.text import ZWNJ, search_key

# --- input ----------------------------------------------------------------------------------------


class AdminJalaliDateWidget(AdminjDateWidget):
    """django-jalali's date picker box (class vjDateField, its scripts as media), holding the Jalali
    date that `JalaliDateField` prepares; left to right, like every digit box of the portal."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"dir": "ltr", "autocomplete": "off", "placeholder": "1405/09/01", **(attrs or {})})


class AdminJalaliSplitDateTime(JalaliSplitDateTimeMixin, admin_widgets.AdminSplitDateTime):
    """The admin's "Date: … Time: …" pair with the Jalali date picker in place of the Gregorian one."""

    def __init__(self, attrs=None):
        forms.MultiWidget.__init__(self, [AdminJalaliDateWidget, admin_widgets.AdminTimeWidget], attrs)


JALALI_FORMFIELDS = {
    models.DateField: {"form_class": JalaliDateField, "widget": AdminJalaliDateWidget},
    models.DateTimeField: {"form_class": JalaliSplitDateTimeField, "widget": AdminJalaliSplitDateTime},
}


# --- display --------------------------------------------------------------------------------------


class JalaliColumn:
    """A date field of the model as a change-list column or read-only field, shown in Jalali.

    The admin finds a model field by name before any display function, so the field is replaced by
    this callable; it keeps the field's name (CSS classes, help text), label and ordering."""

    def __init__(self, field: models.DateField, empty_value_display: str):
        self.field = field
        self.__name__ = field.name
        self.short_description = field.verbose_name
        self.admin_order_field = field.name
        self.empty_value_display = empty_value_display

    def __call__(self, obj) -> str:
        value = getattr(obj, self.field.attname, None) if obj is not None else None
        if value is None:
            return self.empty_value_display
        text = jalali.format_datetime(value) if isinstance(value, dt.datetime) else jalali.format_date(value)
        return text.replace(" ", "\u00a0")  # a date-time is one unit: never split over two lines

    def __str__(self) -> str:
        return self.field.name


def _date_field(model, name) -> models.DateField | None:
    if not isinstance(name, str):
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.DateField) else None


# --- list filter ----------------------------------------------------------------------------------


class JalaliDateFieldListFilter(admin.DateFieldListFilter):
    """Django's date filter (any date, today, past 7 days, this month…) with the month and year
    counted in Jalali, followed by one link for each Jalali year that has rows.

    The links are still `field__gte` / `field__lt` pairs of Gregorian values, so filtering is
    Django's own. (django-jalali's JDateFieldListFilter sends Jalali values, which is right only for
    its jDateField columns: a Gregorian column would read 1405-01-01 as the Gregorian year 1405.)"""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        with_time = isinstance(field, models.DateTimeField)
        today = timezone.localdate()
        j_today = jalali.to_jalali(today)

        def bounds(first: dt.date, after: dt.date) -> dict:
            if with_time:
                first, after = jalali.tehran_bounds(first, after - dt.timedelta(days=1))
            return {self.lookup_kwarg_since: first, self.lookup_kwarg_until: after}

        month_start = jalali.jalali_to_gregorian(j_today.year, j_today.month, 1)
        next_month = jalali.to_jalali(month_start + dt.timedelta(days=31)).replace(day=1).togregorian()
        links = [
            (_("Any date"), {}),
            (_("Today"), bounds(today, today + dt.timedelta(days=1))),
            (_("Past 7 days"), bounds(today - dt.timedelta(days=7), today + dt.timedelta(days=1))),
            (_("This month"), bounds(month_start, next_month)),
        ]
        span = model_admin.get_queryset(request).aggregate(first=models.Min(field_path), last=models.Max(field_path))
        if span["first"] and span["last"]:
            for year in range(jalali.to_jalali(span["last"]).year, jalali.to_jalali(span["first"]).year - 1, -1):
                links.append((digits(year), bounds(jalali.jalali_to_gregorian(year, 1, 1),
                                                   jalali.jalali_to_gregorian(year + 1, 1, 1))))
        self.links = (*links, *self.links[5:])  # Django's "No date" / "Has date" for nullable fields


admin.FieldListFilter.register(lambda f: isinstance(f, models.DateField), JalaliDateFieldListFilter, take_priority=True)


# --- search ---------------------------------------------------------------------------------------

_SEARCH_LOOKUPS = {"^": IStartsWith, "=": IExact, "@": IContains}


def _folded(path: str):
    """A text column as search compares it: Arabic yeh and kaf as Persian, ZWNJ dropped (stored text
    is normalised on save, so this only catches rows written around the forms)."""
    expression = models.F(path)
    for old, new in (("ي", "ی"), ("ى", "ی"), ("ك", "ک"), (ZWNJ, "")):
        expression = Replace(expression, models.Value(old), models.Value(new), output_field=models.TextField())
    return expression


# --- the mixin ------------------------------------------------------------------------------------


# Names of text columns that hold a code or a number rather than words.
CODE_FIELD = re.compile(r"(^|_)(code|id|number|phone|mobile|token|account|iban)$")


class PersianAdminMixin:
    """Jalali dates in and out, normalised search and saving, for a ModelAdmin or an inline."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What an admin asked for itself still wins over the Jalali defaults.
        own = type(self).formfield_overrides
        for db_class, options in JALALI_FORMFIELDS.items():
            self.formfield_overrides[db_class] = {**options, **own.get(db_class, {})}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Codes and numbers (personnel code, national code, telephone…) are typed left to right and
        stored with ASCII digits, as in the portal's own forms; other text keeps its digits as typed."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.CharField) and CODE_FIELD.search(db_field.name):
            field.widget.attrs.setdefault("dir", "ltr")
        return field

    # Dates shown read-only: replaced by Jalali columns in the fields, fieldsets and read-only
    # fields, and left out of the form.

    def _jalali_columns(self) -> dict:
        if "_jalali_column_cache" not in self.__dict__:
            self._jalali_column_cache = {}
        return self._jalali_column_cache

    def _jalali_column(self, field) -> JalaliColumn:
        columns = self._jalali_columns()
        if field.name not in columns:
            columns[field.name] = JalaliColumn(field, self.get_empty_value_display())
        return columns[field.name]

    def _own_read_only_dates(self, request, obj) -> set[str]:
        return {n for n in super().get_readonly_fields(request, obj) if _date_field(self.model, n)}

    def _read_only_dates(self, request, obj) -> set[str]:
        names = self._own_read_only_dates(request, obj)
        if self._view_only(request, obj):  # Django shows every field read-only then
            names |= {f.name for f in self.model._meta.concrete_fields if isinstance(f, models.DateField)}
        return names

    def _view_only(self, request, obj) -> bool:
        if isinstance(self, admin.options.InlineModelAdmin):
            return not (self.has_change_permission(request, obj) or self.has_add_permission(request, obj))
        return obj is not None and not self.has_change_permission(request, obj)

    def _with_jalali_columns(self, names, shown: set[str]) -> list:
        result = []
        for name in names:
            if isinstance(name, list | tuple):
                result.append(type(name)(self._with_jalali_columns(name, shown)))
            elif isinstance(name, str) and name in shown:
                result.append(self._jalali_column(self.model._meta.get_field(name)))
            else:
                result.append(name)
        return result

    def get_readonly_fields(self, request, obj=None):
        return self._with_jalali_columns(super().get_readonly_fields(request, obj), self._read_only_dates(request, obj))

    def get_fieldsets(self, request, obj=None):
        shown = self._read_only_dates(request, obj)
        return [
            (title, {**options, "fields": self._with_jalali_columns(options["fields"], shown)})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_exclude(self, request, obj=None):
        # Only the admin's own read-only dates: Django keeps them out of the form by their names in
        # the read-only fields, which are now columns (a view-only page needs nothing: its form
        # holds only what its fieldsets name, and they name the columns).
        exclude = super().get_exclude(request, obj)
        shown = self._own_read_only_dates(request, obj)
        if not shown:
            return exclude
        if exclude is None:  # Django adds the form's own exclude only when the admin has none
            exclude = getattr(getattr(self.form, "_meta", None), "exclude", None) or ()
        return [*exclude, *sorted(shown)]

    # Change lists (ModelAdmin only).

    def get_list_display(self, request):
        return [
            self._jalali_column(field) if (field := _date_field(self.model, name)) else name
            for name in super().get_list_display(request)
        ]

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if not links:
            return links
        return [self._jalali_column(field) if (field := _date_field(self.model, name)) else name for name in links]

    def get_inlines(self, request, obj):
        return [persian_admin(inline) for inline in super().get_inlines(request, obj)]

    def get_search_results(self, request, queryset, search_term):
        """Every word of the term, normalised like the portal's search keys, must be in one of the
        search fields; text columns are compared folded (see `_folded`). This runs before the
        admin's own methods (the mixin comes first), so an admin that searches in its own way is
        handed the normalised term instead."""
        term = search_key(search_term or "")
        own_search = super().get_search_results
        if own_search.__func__ is not admin.ModelAdmin.get_search_results:
            return own_search(request, queryset, term)  # an admin's own search, given the normalised term
        search_fields = self.get_search_fields(request)
        if not (term and search_fields):
            return super().get_search_results(request, queryset, "")
        lookups = []
        for spec in map(str, search_fields):
            lookup = _SEARCH_LOOKUPS.get(spec[0], IContains)
            path = spec.lstrip("^=@")
            try:
                text = isinstance(get_fields_from_path(self.model, path)[-1], models.CharField | models.TextField)
            except (FieldDoesNotExist, NotRelationField):
                text = False
            lookups.append((lookup, _folded(path) if text else models.F(path), path))
        for bit in smart_split(term):
            if bit[:1] in "\"'" and bit[-1:] == bit[:1] and len(bit) > 1:
                bit = unescape_string_literal(bit)
            condition = models.Q()
            for lookup, expression, _path in lookups:
                condition |= models.Q(lookup(expression, bit))
            queryset = queryset.filter(condition)
        may_have_duplicates = any(lookup_spawns_duplicates(self.model._meta, path) for *_rest, path in lookups)
        return queryset, may_have_duplicates


@functools.cache
def persian_admin(admin_class: type) -> type:
    """`admin_class` with PersianAdminMixin and its forms normalising typed text (once per class)."""
    if issubclass(admin_class, PersianAdminMixin):
        return admin_class
    attrs = {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__}
    for name in ("form", "add_form"):  # add_form: UserAdmin's form for a new user
        form = getattr(admin_class, name, None)
        if form is not None and not issubclass(form, NormalizedFormMixin):
            attrs[name] = type(form)(form.__name__, (NormalizedFormMixin, form), {"__module__": form.__module__})
    return type(admin_class)(admin_class.__name__, (PersianAdminMixin, admin_class), attrs)
