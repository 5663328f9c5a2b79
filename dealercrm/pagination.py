"""Paging for the browser lists: one page size and the filters kept across pages."""

from __future__ import annotations

import math
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZE = 25
# A search counts its matches up to here: past it the list says "1,000+" (the API
# `count_capped`) instead of counting every match of a one-letter search a second time
# (the page itself reads them already). Pages past the cap are still served.
SEARCH_COUNT_CAP = 1000


class CappedPage(Page):
    """A page of a capped count: whether another follows is read off the page itself."""

    def __init__(self, object_list: Any, number: int, paginator: Any, *, has_more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class CappedPaginator(Paginator):
    """A Paginator that counts no further than `cap` (None: an exact count, as Paginator).

    Up to the cap everything is as with Paginator. Past it `capped` is true, `count` is the
    cap and `num_pages` the pages the first cap + 1 rows fill (a lower bound); any page number
    is served, one row more than a page is read to tell whether another page follows, and a
    page past the end is EmptyPage as usual. `exact_num_pages()` counts everything.
    """

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        if self.cap is None:
            return int(Paginator.count.func(self))  # type: ignore[attr-defined]
        rows = self.object_list
        if hasattr(rows, "order_by"):
            # SELECT COUNT(*) FROM (SELECT id … LIMIT cap + 1): neither the order nor the
            # annotations change it.
            return int(rows.order_by().values("pk")[: self.cap + 1].count())
        return min(len(rows), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.cap is not None and self._counted > self.cap

    @cached_property
    def count(self) -> int:
        if self.cap is not None and self._counted > self.cap:
            return self.cap
        return self._counted

    @cached_property
    def num_pages(self) -> int:
        if not self.capped:
            return int(Paginator.num_pages.func(self))  # type: ignore[attr-defined]
        return math.ceil(self._counted / self.per_page)

    def exact_num_pages(self) -> int:
        if not self.capped:
            return int(self.num_pages)
        counted = int(Paginator.count.func(self))  # type: ignore[attr-defined]
        return max(1, math.ceil(counted / self.per_page))

    def validate_number(self, number: Any) -> int:
        if not self.capped:
            return int(super().validate_number(number))
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return int(number)

    def page(self, number: Any) -> Page:
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> Page:
        if not self.capped:
            return super().get_page(number)
        try:
            return self.page(self.validate_number(number))
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.exact_num_pages())


def page_of(
    request: HttpRequest, qs: Any, size: int = PAGE_SIZE, *, count_cap: int | None = None
) -> Any:
    return CappedPaginator(qs, size, cap=count_cap).get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    """The current filters, for the pagination links to carry along."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
