"""The yearly gold user award (年度金牌用户) and the weights of its ranking."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import customer_lock_for_write
from dealercrm import roles

from ..models import AwardScoring, GoldAward
from ..selectors.awards import ranking


@transaction.atomic
def gold_award_create(
    *,
    actor: roles.Actor,
    year: int,
    customer: Customer,
    prize: str,
    prize_value: Decimal | None = None,
    note: str = "",
) -> GoldAward:
    """One gold user per year, chosen from that year's ranking; the row keeps the score
    and its components as they stood, so the award can always be explained."""
    roles.require(roles.can_manage_gold_cards, actor)
    customer = customer_lock_for_write(customer, actor=actor)
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("A year that has not begun cannot be awarded.")})
    if GoldAward.objects.filter(year=year).exists():
        raise ValidationError(
            {"year": _("The gold user of %(year)s is already chosen.") % {"year": year}}
        )
    row = next((r for r in ranking(user=actor, year=year) if r.customer.pk == customer.pk), None)
    if row is None:
        raise ValidationError(
            {
                "customer": _("%(name)s held no gold card in %(year)s.")
                % {"name": customer.name, "year": year}
            }
        )
    prize = (prize or "").strip()
    if not prize:
        raise ValidationError({"prize": _("Name the prize.")})
    award = GoldAward(
        year=year,
        customer=customer,
        score=row.score,
        score_details={
            "rank": row.rank,
            "purchases": str(row.purchases),
            "referrals": row.referrals,
            "information": row.information,
            "points": row.parts,
        },
        prize=prize,
        prize_value=prize_value,
        note=(note or "").strip(),
        awarded_by=roles.signed_in(actor),
    )
    award.full_clean()
    award._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            award.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"year": _("The gold user of %(year)s is already chosen.") % {"year": year}}
        ) from exc
    return award


@transaction.atomic
def award_scoring_save(*, actor: roles.Actor, scoring: AwardScoring) -> AwardScoring:
    """The ranking's weights are dealer policy, changed in the admin."""
    roles.require(roles.can_manage_gold_cards, actor)
    scoring.pk = 1
    scoring.full_clean()
    scoring._history_user = actor  # type: ignore[attr-defined]
    scoring.save()
    return scoring
