"""Gold user of the year (年度金牌用户): a ranking anyone can recompute by hand.

score = purchases in the year (¥10,000) × w1 + new customers referred in the year × w2
        + contacts in the year in which he gave us information × w3
with the weights of AwardScoring (admin). The gold group is small (a cap per manager),
so the scores are computed in Decimal in Python from one annotated query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contacts.models import ContactLog, Intent
from customers.models import Customer
from dealercrm import roles
from dealercrm.money import to_fen

from ..models import AwardScoring, GoldAward, GoldCard, Referral
from .purchases import purchase_totals

TEN_THOUSAND = Decimal("10000")


def scoring() -> AwardScoring:
    """The weights (the data migration writes the row; a flushed test database gets it back)."""
    return AwardScoring.objects.get_or_create(pk=1)[0]


@dataclass
class RankRow:
    rank: int
    customer: Customer
    purchases: Decimal
    referrals: int
    information: int
    score: Decimal
    parts: dict[str, str]  # each component's points, for the page and the award record


def _count(qs: Any, key: str) -> Coalesce:
    inner = qs.order_by().values(key).annotate(n=Count("id")).values("n")[:1]
    return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))


def ranking(*, user: roles.Actor, year: int) -> list[RankRow]:
    """Customers who held a gold card at some time in the year, best score first."""
    if not roles.can_view_all_gold_programme(user):
        return []
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    held = GoldCard.objects.filter(customer=OuterRef("pk"), issued_on__lte=end).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gte=start)
    )
    first = timezone.make_aware(dt.datetime(year, 1, 1))  # noqa: DTZ001 - made aware here
    after = timezone.make_aware(dt.datetime(year + 1, 1, 1))  # noqa: DTZ001
    rows = (
        purchase_totals(customers=Customer.objects.filter(Exists(held)), start=start, end=end)
        .annotate(
            referrals_in_year=_count(
                Referral.objects.filter(
                    referrer=OuterRef("pk"), referred_on__gte=start, referred_on__lte=end
                ),
                "referrer",
            ),
            information_in_year=_count(
                ContactLog.objects.filter(
                    customer=OuterRef("pk"),
                    occurred_at__gte=first,
                    occurred_at__lt=after,
                    intents__contains=f",{Intent.INFORMATION},",
                ),
                "customer",
            ),
        )
        .select_related("manager")
    )
    weights = scoring()
    result = []
    for customer in rows:
        purchases = to_fen(customer.purchases_total)
        points = {
            "purchases": to_fen(purchases / TEN_THOUSAND * weights.purchase_weight),
            "referrals": to_fen(customer.referrals_in_year * weights.referral_weight),
            "information": to_fen(customer.information_in_year * weights.information_weight),
        }
        result.append(
            RankRow(
                rank=0,
                customer=customer,
                purchases=purchases,
                referrals=customer.referrals_in_year,
                information=customer.information_in_year,
                score=sum(points.values(), Decimal("0")),
                parts={k: str(v) for k, v in points.items()},
            )
        )
    result.sort(key=lambda r: (-r.score, r.customer.name_pinyin, r.customer.pk))
    for index, row in enumerate(result, start=1):
        row.rank = index
    return result


def award_for(year: int) -> GoldAward | None:
    return GoldAward.objects.filter(year=year).select_related("customer", "awarded_by").first()


def award_list() -> list[GoldAward]:
    return list(GoldAward.objects.select_related("customer").order_by("-year"))
