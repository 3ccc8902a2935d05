"""Query parameters of the /api/v1/ lists (django-filter). Dates take ISO or Jalali (dates.py)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.api.v1.dates import MomentFilter
from apps.cases.models import Case, CaseType
from apps.catalog.models import Channel, ServiceType, SubService
from apps.catalog.selectors import service_search
from apps.core import limits
from apps.desk.models import ServiceRequest


class _BoundedCharFilter(django_filters.CharFilter):
    """A text parameter cut to what a search box holds: longer input is refused, never searched."""

    def __init__(self, *args, max_length: int = limits.SEARCH, **kwargs):
        kwargs.setdefault("max_length", max_length)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number the database can hold (a huge one is a 400, not an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class ServiceFilter(django_filters.FilterSet):
    code = _BoundedCharFilter(field_name="code", help_text=_("The code of the national service catalog."))
    body = IdFilter(field_name="body_id", help_text=_("Id of the executive body."))
    service_type = django_filters.ChoiceFilter(choices=ServiceType.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    q = _BoundedCharFilter(method="search", help_text=_("Words of the code, title or description (any spelling)."))

    class Meta:
        model = SubService
        fields = ["code", "body", "service_type", "channel", "q"]

    def search(self, queryset, name, value):
        return service_search(queryset, value) if value else queryset


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ServiceRequest.Status.choices)
    service = IdFilter(field_name="service_id", help_text=_("Id of the sub-service."))
    service_code = _BoundedCharFilter(field_name="service__code", help_text=_("Code of the sub-service."))
    unit = IdFilter(field_name="unit_id", help_text=_("Id of the desk unit."))
    channel = django_filters.ChoiceFilter(choices=ServiceRequest.Channel.choices)
    received_after = MomentFilter(field_name="received_at", bound="after")
    received_before = MomentFilter(field_name="received_at", bound="before")
    updated_after = MomentFilter(field_name="updated_at", bound="after")
    promised_before = MomentFilter(field_name="promised_at", bound="before")

    class Meta:
        model = ServiceRequest
        fields = ["status", "service", "service_code", "unit", "channel", "received_after", "received_before",
                  "updated_after", "promised_before"]


class CaseFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=CaseType.choices)
    state = django_filters.ChoiceFilter(choices=Case.State.choices)
    level = django_filters.ChoiceFilter(choices=Case.Level.choices)
    created_after = MomentFilter(field_name="created_at", bound="after")
    created_before = MomentFilter(field_name="created_at", bound="before")

    class Meta:
        model = Case
        fields = ["type", "state", "level", "created_after", "created_before"]
