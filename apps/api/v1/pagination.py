"""Pages of /api/v1/ lists: cursors, so that a system walking a list while rows are added neither
skips nor repeats one (an offset would shift under it)."""

from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """50 rows a page, up to 200 with `page_size`; the order is the view's (`ordering`, or the
    `ordering` parameter, see StableOrderingFilter)."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-pk"


class StableOrderingFilter(OrderingFilter):
    """`ordering` takes one field of the view's `ordering_fields` (its first valid one; the rest are
    ignored) and adds the primary key in the same direction.

    A cursor remembers its position by the first ordering field only; a second field chosen by the
    caller would not be part of it, and rows tied on the first field must come in a fixed order
    for the cursor to count past them. Hence one field, then the key."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        first = ordering[0]
        if first.lstrip("-") == "pk":
            return (first,)
        return (first, "-pk" if first.startswith("-") else "pk")
