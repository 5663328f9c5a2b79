"""Reads of the parts ledger, scoped like customers (money: never for service staff).

What a customer bought from us altogether (machines, parts and paid service: the figure the
80/20 tiering ranks on) is loyalty's read, loyalty.selectors.purchases: parts and service
are siblings on one floor and never import each other (ARCHITECTURE.md, floors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from customers.models import Customer
from customers.selectors import visible_customers
from dealercrm import roles
from dealercrm.money import PeriodTotals, period_totals
from dealercrm.security import not_found

from .models import PartsOrder, PartsOrderLine

DOSSIER_ORDERS = 10


def parts_orders(*, user: roles.Actor) -> QuerySet[PartsOrder]:
    if not roles.can_view_parts_orders(user):
        return PartsOrder.objects.none()
    if roles.can_view_all_customers(user):
        return PartsOrder.objects.all()
    return PartsOrder.objects.filter(customer__in=visible_customers(user=user))


def parts_order_list(
    *, user: roles.Actor, customer: int | None = None, search: str = ""
) -> QuerySet[PartsOrder]:
    qs = parts_orders(user=user)
    if customer:
        qs = qs.filter(customer_id=customer)
    search = (search or "").strip()
    if search:
        lines = PartsOrderLine.objects.filter(order=OuterRef("pk")).filter(
            Q(part_number__icontains=search) | Q(name__icontains=search)
        )
        qs = qs.filter(Exists(lines) | Q(invoice_number__icontains=search))
    return (
        qs.select_related("customer")
        .annotate(line_count=Count("lines"))
        .order_by("-ordered_on", "-id")
    )


def parts_order_get(*, user: roles.Actor, pk: Any) -> PartsOrder:
    try:
        return parts_orders(user=user).select_related("customer", "created_by").get(pk=pk)
    except (PartsOrder.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(PartsOrder, pk, "parts order") from exc


def lines_of(order: PartsOrder) -> list[PartsOrderLine]:
    return list(order.lines.select_related("part").order_by("position", "id"))


# --- the dossier's section ---------------------------------------------------------------


@dataclass
class PartsSection:
    orders: Sequence[PartsOrder]
    totals: PeriodTotals
    can_write: bool


def dossier_parts(
    *, user: roles.Actor, customer: Customer, today: dt.date | None = None
) -> PartsSection | None:
    """The latest orders and the totals, in two queries however many orders and lines."""
    if not roles.can_view_parts_orders(user):
        return None
    qs = PartsOrder.objects.filter(customer=customer)
    orders = list(
        qs.annotate(line_count=Count("lines")).order_by("-ordered_on", "-id")[:DOSSIER_ORDERS]
    )
    return PartsSection(
        orders=orders,
        totals=period_totals(
            qs, date_field="ordered_on", amount="total", today=today or timezone.localdate()
        ),
        can_write=roles.can_write_parts_order(user),
    )
