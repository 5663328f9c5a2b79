"""Paging for the browser lists: one page size and the filters kept across pages."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

PAGE_SIZE = 25


def page_of(request: HttpRequest, qs: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    """The current filters, for the pagination links to carry along."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
