"""Benchmark customers (标杆客户: influential, not yet ours — court them) and key accounts
(大客户: keep in touch with the equipment department, bid for every tender), each with
the last contact and the next step from the contact log."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from contacts.models import ContactLog
from customers.models import Customer
from customers.selectors import visible_customers, with_last_contact
from dealercrm import roles
from dealercrm.security import not_found

from ..models import GoldCard, Tender


def _with_next_step(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """The next step and follow-up date written on the latest contact (contactlog_customer_idx)."""
    latest = ContactLog.objects.filter(customer=OuterRef("pk")).order_by("-occurred_at", "-id")
    return with_last_contact(qs).annotate(
        next_step=Subquery(latest.values("next_step")[:1]),
        follow_up_on=Subquery(latest.values("follow_up_on")[:1]),
    )


def benchmark_list(*, user: roles.Actor) -> QuerySet[Customer]:
    if not roles.can_view_account_lists(user):
        return Customer.objects.none()
    active_card = GoldCard.objects.filter(customer=OuterRef("pk"), state=GoldCard.State.ACTIVE)
    return (
        _with_next_step(visible_customers(user=user).filter(is_benchmark=True))
        .annotate(won=Exists(active_card))
        .select_related("manager", "sales_region")
        .order_by("won", "name_pinyin", "pk")
    )


def key_account_list(*, user: roles.Actor) -> QuerySet[Customer]:
    if not roles.can_view_account_lists(user):
        return Customer.objects.none()
    return (
        _with_next_step(visible_customers(user=user).filter(is_key_account=True))
        .select_related("manager", "sales_region")
        .prefetch_related(
            Prefetch(
                "tenders",
                queryset=Tender.objects.order_by("status", "due_on", "id"),
                to_attr="tender_rows",
            )
        )
        .order_by("name_pinyin", "pk")
    )


def tender_get(*, user: roles.Actor, pk: Any) -> Tender:
    if not roles.can_view_account_lists(user):
        raise Http404("No such tender")
    try:
        return Tender.objects.select_related("customer").get(
            pk=pk, customer__in=visible_customers(user=user)
        )
    except (Tender.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(Tender, pk, "tender") from exc
