"""What every loyalty page needs: paging, and a customer picked by id or by a search."""

from __future__ import annotations

from django.http import HttpRequest

from customers import selectors as customer_selectors
from customers.models import Customer
from dealercrm.pagination import page_of
from dealercrm.pagination import querystring_without_page as querystring

__all__ = ["page_of", "querystring", "resolve_customer"]


def resolve_customer(
    request: HttpRequest, pk: int | None, query: str
) -> tuple[Customer | None, list[Customer] | None]:
    """(customer, None) when picked or uniquely found; (None, hits) when the search needs a
    choice (hits may be empty); (None, None) when nothing was given."""
    if pk:
        return customer_selectors.customer_get(user=request.user, pk=pk), None
    query = (query or "").strip()
    if not query:
        return None, None
    hits = list(
        customer_selectors.customer_list(
            user=request.user, filters=customer_selectors.CustomerFilters(search=query)
        )[:11]
    )
    if len(hits) == 1:
        return hits[0], None
    return None, hits
