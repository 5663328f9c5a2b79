"""The demo's gold-card programme, written through loyalty.services as the archivist: a card
for every customer the generator flagged gold, a few referrals (so the snowball and its
credits show), a tender per key account; after the activity, a redemption on a parts order
and last year's gold user. Every step skips what is already there, so a second run writes
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from customers.models import Customer, Machine
from dealercrm import roles
from demo.spec import REF_PREFIX
from loyalty import selectors, services
from loyalty.models import GoldAward, GoldCard, LedgerEntry, Referral, Tender

# Traits the generator's notes state for its gold customers (generate.DemoData._flags).
NOTED = {
    "early": "入行早（档案备注）",
    "buys_often": "多次在我司购机、买配件（档案备注）",
    "informant": "常给我们介绍项目信息（档案备注）",
}
REFERRALS = 6  # how many demo customers were brought by a gold customer


@dataclass
class GoldStats:
    cards: int = 0
    referrals: int = 0
    redemptions: int = 0
    tenders: int = 0
    award: bool = False


def _issued_on(customer: Customer, today: date) -> date:
    # Spread over the year before today (as far back as the archivist may date a card,
    # GOLD_CARD_BACKDATE_DAYS), so that later purchases earn credits and the ranking varies.
    # The demo's today is frozen (generate.LATEST_DATE); the window counts from the real one.
    window = max(min(int(settings.DEALERCRM["GOLD_CARD_BACKDATE_DAYS"]), 365), 1)
    return today - timedelta(days=(customer.pk * 37) % window)


def _traits(actor: roles.Actor, customer: Customer) -> dict[str, str]:
    found = {
        t.code: t.form_evidence
        for t in selectors.customer_traits(user=actor, customer=customer)
        if t.met and t.form_evidence
    }
    for code, evidence in NOTED.items():
        if len(found) >= 3:
            break
        found.setdefault(code, evidence)
    return found


def _cards(actor: roles.Actor, demo: Any, today: date) -> int:
    flagged = demo.filter(is_gold_card=True, manager__isnull=False).exclude(
        gold_cards__in=GoldCard.objects.exclude(state=GoldCard.State.REVOKED)
    )
    created = 0
    for customer in flagged.order_by("external_ref"):
        with transaction.atomic():
            services.gold_card_register(
                actor=actor,
                customer=customer,
                manager=customer.manager,
                traits=_traits(actor, customer),
                issued_on=max(_issued_on(customer, today), services.earliest_issue_date(actor)),
                note="演示数据：按档案中的金卡客户登记",
            )
        created += 1
    return created


def _first_purchase(customer: Customer) -> date | None:
    machine = (
        Machine.objects.filter(customer=customer, source=Machine.Source.FROM_US)
        .exclude(purchase_date__isnull=True)
        .order_by("purchase_date")
        .first()
    )
    return machine.purchase_date if machine else None


def _referrals(actor: roles.Actor, demo: Any, today: date) -> int:
    """Gold customers bring customers of their own region who bought from us after 2022."""
    holders = list(
        demo.filter(gold_cards__state=GoldCard.State.ACTIVE).order_by("external_ref")[:REFERRALS]
    )
    created = 0
    for referrer in holders:
        if Referral.objects.filter(referrer=referrer).exists():
            continue
        candidates = (
            demo.filter(
                manager=referrer.manager,
                is_gold_card=False,
                is_key_account=False,
                referrals_received__isnull=True,
                machines__source=Machine.Source.FROM_US,
                machines__purchase_date__gte=date(2022, 6, 1),
            )
            .exclude(pk=referrer.pk)
            .distinct()
            .order_by("external_ref")
        )
        referred = candidates.first()
        first = _first_purchase(referred) if referred else None
        if referred is None or first is None:
            continue
        card = referrer.gold_cards.exclude(state=GoldCard.State.REVOKED).first()
        issued_on = card.issued_on if card is not None else today
        services.referral_create(
            actor=actor,
            referrer=referrer,
            referred=referred,
            referred_on=min(max(first - timedelta(days=45), issued_on), today),
            note="演示数据：老客户介绍来的",
        )
        created += 1
    return created


def _redemptions(actor: roles.Actor, demo: Any) -> int:
    """Two gold customers spend part of their credits on a parts order, if orders exist."""
    done = 0
    for card in GoldCard.objects.filter(customer__in=demo, state=GoldCard.State.ACTIVE).order_by(
        "number"
    ):
        if done >= 2:
            break
        customer = card.customer
        if LedgerEntry.objects.filter(customer=customer, kind=LedgerEntry.Kind.REDEEM).exists():
            done += 1
            continue
        balance = selectors.balance_of(customer.pk)
        order = selectors.redeemable_orders(customer).first()
        if order is None or balance <= 0 or order.total <= 0:
            continue
        services.ledger_redeem(
            actor=actor,
            customer=customer,
            parts_order=order,
            amount=min(balance, order.total, max(balance / 2, 1)),
            note="演示数据：配件款抵扣",
        )
        done += 1
    return done


TENDERS = ("{year}年装载机集中采购招标", "{year}年挖掘机租赁服务招标")


def _tenders(actor: roles.Actor, demo: Any, today: date) -> int:
    created = 0
    for index, customer in enumerate(demo.filter(is_key_account=True).order_by("external_ref")):
        if Tender.objects.filter(customer=customer).exists():
            continue
        services.tender_create(
            actor=actor,
            customer=customer,
            data={
                "title": TENDERS[index % 2].format(year=today.year + 1),
                "due_on": today + timedelta(days=20 + 7 * index),
                "notes": "演示数据：设备物资部已发招标公告，准备投标文件",
            },
        )
        created += 1
    return created


def _award(actor: roles.Actor, today: date) -> bool:
    year = today.year - 1
    if GoldAward.objects.filter(year=year).exists():
        return False
    rows = selectors.ranking(user=actor, year=year)
    if not rows:
        return False
    scoring = selectors.scoring()
    services.gold_award_create(
        actor=actor,
        year=year,
        customer=rows[0].customer,
        prize=scoring.default_prize,
        prize_value=scoring.default_prize_value,
        note="演示数据",
    )
    return True


def write_gold_programme(*, actor: roles.Actor, today: date) -> GoldStats:
    demo = Customer.objects.filter(external_ref__startswith=REF_PREFIX)
    stats = GoldStats()
    stats.cards = _cards(actor, demo, today)
    with transaction.atomic():
        stats.referrals = _referrals(actor, demo, today)
        stats.tenders = _tenders(actor, demo, today)
    return stats


def write_gold_rewards(*, actor: roles.Actor, today: date, stats: GoldStats) -> GoldStats:
    """What needs the activity first: redemptions spend credits on parts orders, and last
    year's gold user is ranked on what the gold customers bought."""
    demo = Customer.objects.filter(external_ref__startswith=REF_PREFIX)
    with transaction.atomic():
        stats.redemptions = _redemptions(actor, demo)
        stats.award = _award(actor, today)
    return stats
