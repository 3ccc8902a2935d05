"""Pagination for archives that grow to millions of rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows: an exact count(*) over a million-row archive on every list
    page costs more than the page itself, and nobody pages past the ten-thousandth request."""

    @cached_property
    def count(self) -> int:
        # Without the ORDER BY: the database stops at the cap in whatever index order is cheapest.
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP
