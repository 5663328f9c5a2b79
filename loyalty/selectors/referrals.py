"""Reads of referrals and the snowball: who a gold customer brought, who they brought in
turn, and what each bought from us since being referred (purchases.purchase_totals: machines,
parts and paid service — the same money figure as the rest of the app)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from customers.models import Customer
from customers.selectors import visible_customers
from dealercrm import roles
from dealercrm.money import ZERO
from dealercrm.security import not_found

from ..models import Referral
from .purchases import purchase_totals

MAX_DEPTH = 12  # loops are refused when recorded; this only bounds a damaged table


def referral_list(*, user: roles.Actor, customer: int | None = None) -> QuerySet[Referral]:
    """Referrals the user may read: for a manager, those between his own customers."""
    if not roles.can_view_gold_programme(user):
        return Referral.objects.none()
    qs = Referral.objects.all()
    if not roles.can_view_all_gold_programme(user):
        mine = visible_customers(user=user)
        qs = qs.filter(referrer__in=mine, referred__in=mine)
    if customer:
        qs = qs.filter(Q(referrer_id=customer) | Q(referred_id=customer))
    return qs.select_related("referrer", "referred", "recorded_by").order_by("-referred_on", "-id")


def referral_get(*, user: roles.Actor, pk: Any) -> Referral:
    try:
        return referral_list(user=user).get(pk=pk)
    except (Referral.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(Referral, pk, "referral") from exc


def referrer_of(customer: Customer) -> Referral | None:
    return Referral.objects.filter(referred=customer).select_related("referrer").first()


@dataclass
class TreeRow:
    customer_id: int
    name: str  # empty when the user may not see this customer
    depth: int
    referral: Referral
    revenue: Decimal = ZERO  # what he bought from us since he was referred
    subtree: Decimal = ZERO  # his revenue plus everyone he brought, in turn
    children: list[TreeRow] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return bool(self.name)


@dataclass
class ReferralTree:
    root: Customer
    rows: list[TreeRow]  # pre-order, for an indented table
    total: Decimal
    direct: int


def _revenue_since(groups: dict[dt.date, list[int]]) -> dict[int, Decimal]:
    """Each customer's purchases from his referral day on: one query per distinct day."""
    result: dict[int, Decimal] = {}
    for day, ids in groups.items():
        totals = purchase_totals(customers=Customer.objects.filter(pk__in=ids), start=day)
        result.update(dict(totals.values_list("pk", "purchases_total")))
    return result


def referral_tree(*, user: roles.Actor, customer: Customer) -> ReferralTree:
    """The customer's referrals, level by level (one query per level), with revenue.
    The caller got `customer` from a scoped selector; customers the user may not see are
    shown without their name."""
    by_parent: dict[int, list[Referral]] = defaultdict(list)
    frontier, seen = [customer.pk], {customer.pk}
    for _level in range(MAX_DEPTH):
        if not frontier:
            break
        level = list(Referral.objects.filter(referrer_id__in=frontier).order_by("referred_on"))
        frontier = []
        for referral in level:
            if referral.referred_id in seen:
                continue
            seen.add(referral.referred_id)
            by_parent[referral.referrer_id].append(referral)
            frontier.append(referral.referred_id)
    ids = seen - {customer.pk}
    names = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))
    if roles.can_view_all_gold_programme(user):
        shown = ids
    else:
        shown = set(visible_customers(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    groups: dict[dt.date, list[int]] = defaultdict(list)
    for referrals in by_parent.values():
        for referral in referrals:
            groups[referral.referred_on].append(referral.referred_id)
    revenue = _revenue_since(groups)

    rows: list[TreeRow] = []

    def walk(parent: int, depth: int) -> list[TreeRow]:
        children = []
        for referral in by_parent.get(parent, []):
            pk = referral.referred_id
            row = TreeRow(
                customer_id=pk,
                name=names.get(pk, "") if pk in shown else "",
                depth=depth,
                referral=referral,
                revenue=revenue.get(pk, ZERO),
            )
            rows.append(row)
            row.children = walk(pk, depth + 1)
            row.subtree = row.revenue + sum((c.subtree for c in row.children), ZERO)
            children.append(row)
        return children

    top = walk(customer.pk, 0)
    return ReferralTree(
        root=customer,
        rows=rows,
        total=sum((r.subtree for r in top), ZERO),
        direct=len(top),
    )
