"""Reads of cards and ledgers, scoped like customers: the archivist and executives see
every gold customer, a manager his own; another manager's card or ledger answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

from customers.models import Customer
from customers.selectors import search_customers, visible_customers
from dealercrm import roles
from dealercrm.money import ZERO, to_fen
from dealercrm.security import not_found
from parts.models import PartsOrder

from ..models import GoldCard, LedgerEntry, Referral

MONEY = DecimalField(max_digits=14, decimal_places=2)


def balance_subquery(customer_ref: Any = None) -> Coalesce:
    """A customer's credit balance as a correlated subquery (index ledger_customer_idx)."""
    summed = (
        LedgerEntry.objects.filter(customer=customer_ref or OuterRef("customer"))
        .order_by()
        .values("customer")
        .annotate(s=Sum("amount"))
        .values("s")[:1]
    )
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _visible(user: roles.Actor) -> QuerySet[Customer] | None:
    """None: every customer (no filter needed)."""
    if roles.can_view_all_gold_programme(user):
        return None
    return visible_customers(user=user)


def card_list(*, user: roles.Actor, state: str = "", search: str = "") -> QuerySet[GoldCard]:
    if not roles.can_view_gold_programme(user):
        return GoldCard.objects.none()
    qs = GoldCard.objects.all()
    scope = _visible(user)
    if scope is not None:
        qs = qs.filter(customer__in=scope)
    if state:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(
            Q(customer__in=search_customers(Customer.objects.all(), search))
            | Q(number__icontains=search.strip())
        )
    return (
        qs.select_related("customer", "customer__manager")
        .annotate(balance=balance_subquery())
        .order_by("state", "-issued_on", "-id")
    )


def card_get(*, user: roles.Actor, pk: Any) -> GoldCard:
    try:
        return card_list(user=user).get(pk=pk)
    except (GoldCard.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(GoldCard, pk, "card") from exc


def card_events(card: GoldCard) -> list[Any]:
    return list(card.events.select_related("actor").order_by("on", "id"))


def live_card(customer: Customer) -> GoldCard | None:
    """The customer's active or suspended card, if any."""
    return GoldCard.objects.filter(customer=customer).exclude(state=GoldCard.State.REVOKED).first()


def may_earn_credits(customer_id: int) -> bool:
    """Whether a purchase by the customer can earn anyone credits: he or his referrer has
    held a card (one query; credits_sync decides the rest)."""
    referrer = Referral.objects.filter(referred_id=customer_id).values("referrer")
    return GoldCard.objects.filter(
        Q(customer_id=customer_id) | Q(customer_id__in=Subquery(referrer))
    ).exists()


# --- the ledger ----------------------------------------------------------------------------


def balance_of(customer_id: int) -> Decimal:
    """A customer's credit balance: the sum of his rows (the redemption service reads it
    with the customer's row locked)."""
    total = LedgerEntry.objects.filter(customer_id=customer_id).aggregate(s=Sum("amount"))["s"]
    return to_fen(total) if total is not None else ZERO


def ledger_entries(*, user: roles.Actor) -> QuerySet[LedgerEntry]:
    """Every ledger row the user may read (API list)."""
    if not (roles.can_view_gold_programme(user) and roles.can_view_money(user)):
        return LedgerEntry.objects.none()
    qs = LedgerEntry.objects.all()
    scope = _visible(user)
    if scope is not None:
        qs = qs.filter(customer__in=scope)
    return qs.select_related("rule", "buyer", "parts_order", "created_by").order_by(
        "customer_id", "id"
    )


def ledger_entry_get(*, user: roles.Actor, pk: Any) -> LedgerEntry:
    try:
        return ledger_entries(user=user).select_related("customer").get(pk=pk)
    except (LedgerEntry.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(LedgerEntry, pk, "ledger entry") from exc


@dataclass
class Statement:
    customer: Customer
    card: GoldCard | None
    balance: Decimal
    rows: QuerySet[LedgerEntry]
    hidden_buyers: set[int]


def ledger_statement(*, user: roles.Actor, customer: Customer) -> Statement:
    """The customer's rows with a running balance, oldest first. The caller got `customer`
    from a scoped selector; buyers the user may not see are named only as "a customer"."""
    rows = (
        LedgerEntry.objects.filter(customer=customer)
        .select_related("rule", "buyer", "parts_order", "created_by", "reverses", "reversed_by")
        .annotate(
            running=Window(Sum("amount"), order_by=["id"]),
        )
        .order_by("id")
    )
    buyer_ids = set(
        LedgerEntry.objects.filter(customer=customer, buyer__isnull=False).values_list(
            "buyer_id", flat=True
        )
    )
    scope = _visible(user)
    hidden = (
        buyer_ids - set(scope.filter(pk__in=buyer_ids).values_list("pk", flat=True))
        if scope is not None and buyer_ids
        else set()
    )
    return Statement(
        customer=customer,
        card=live_card(customer),
        balance=balance_of(customer.pk),
        rows=rows,
        hidden_buyers=hidden,
    )


def redeemable_orders(customer: Customer) -> QuerySet[Any]:
    """The customer's parts orders not paid with credits (or whose redemption was reversed)."""
    standing = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.REDEEM, parts_order=OuterRef("pk"), reversed_by__isnull=True
    )
    return (
        PartsOrder.objects.filter(customer=customer)
        .annotate(redeemed=Subquery(standing.values("amount")[:1]))
        .filter(redeemed__isnull=True)
        .order_by("-ordered_on", "-id")
    )


# --- the dossier's gold-card line ------------------------------------------------------------


@dataclass
class GoldSection:
    card: GoldCard | None  # the live card, else the latest revoked one, else None
    balance: Decimal
    can_manage: bool


def dossier_gold(*, user: roles.Actor, customer: Customer) -> GoldSection | None:
    """The dossier's card, state and credit balance in one query; None for readers who
    see no money (service staff)."""
    if not (roles.can_view_gold_programme(user) and roles.can_view_money(user)):
        return None
    card = (
        GoldCard.objects.filter(customer=customer)
        .annotate(
            balance=balance_subquery(),
            revoked_last=Case(When(state=GoldCard.State.REVOKED, then=Value(1)), default=Value(0)),
        )
        .order_by("revoked_last", "-issued_on", "-id")
        .first()
    )
    return GoldSection(
        card=card,
        balance=card.balance if card is not None else ZERO,
        can_manage=roles.can_manage_gold_cards(user),
    )
