"""Tiering on gross profit (setting TIER_BASIS): amounts less recorded costs; items
without a recorded cost count in full, and the tier page says how much that is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from dealercrm.jobs import system_actor
from loyalty.models import TierSnapshot
from loyalty.selectors.purchases import purchase_totals, uncosted_revenue
from loyalty.services.tiers import tiers_compute
from parts.models import PartsOrder
from service.models import ServiceRecord
from tests.factories import CustomerFactory, MachineFactory

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)
DAY = dt.date(2026, 6, 15)


@pytest.fixture
def two_buyers():
    """Big revenue, thin margin vs. smaller revenue, fat margin."""
    volume = CustomerFactory(name="薄利")
    MachineFactory(
        customer=volume,
        source="from_us",
        purchase_price=Decimal("1000000"),
        purchase_cost=Decimal("980000"),
        purchase_date=DAY,
    )
    margin = CustomerFactory(name="厚利")
    PartsOrder.objects.create(
        customer=margin, ordered_on=DAY, total=Decimal("100000"), cost_total=Decimal("40000")
    )
    return volume, margin


def ranks() -> dict[str, int]:
    return dict(TierSnapshot.objects.filter(month=MONTH).values_list("customer__name", "rank"))


def test_revenue_ranks_the_big_buyer_first(two_buyers):
    result = tiers_compute(actor=system_actor(), month=MONTH, basis="revenue")
    assert result.basis == "revenue"
    assert ranks() == {"薄利": 1, "厚利": 2}
    assert set(TierSnapshot.objects.values_list("basis", flat=True)) == {"revenue"}


def test_gross_profit_ranks_the_fat_margin_first(two_buyers):
    tiers_compute(actor=system_actor(), month=MONTH, basis="gross_profit")
    assert ranks() == {"厚利": 1, "薄利": 2}
    volume, margin = two_buyers
    snaps = {s.customer_id: s for s in TierSnapshot.objects.filter(month=MONTH)}
    assert snaps[volume.pk].machines_total == Decimal("20000.00")
    assert snaps[margin.pk].parts_total == Decimal("60000.00")
    assert snaps[margin.pk].contribution == Decimal("60000.00")
    assert {s.basis for s in snaps.values()} == {"gross_profit"}


def test_the_setting_chooses_the_basis(two_buyers, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "TIER_BASIS": "gross_profit"}
    assert tiers_compute(actor=system_actor(), month=MONTH).basis == "gross_profit"
    assert ranks() == {"厚利": 1, "薄利": 2}


def test_an_unknown_basis_is_refused_and_writes_nothing(two_buyers):
    with pytest.raises(ValueError):
        tiers_compute(actor=system_actor(), month=MONTH, basis="profit")
    assert not TierSnapshot.objects.exists()
    with pytest.raises(ValueError):
        purchase_totals(basis="margin")


def test_items_without_a_cost_count_in_full_on_gross_profit():
    customer = CustomerFactory(name="无成本")
    MachineFactory(
        customer=customer, source="from_us", purchase_price=Decimal("500"), purchase_date=DAY
    )
    PartsOrder.objects.create(customer=customer, ordered_on=DAY, total=Decimal("200"))
    ServiceRecord.objects.create(
        customer=customer,
        kind="repair",
        subject="修",
        status="closed",
        opened_on=DAY,
        closed_on=DAY,
        labour_charge=Decimal("300"),
        total_charge=Decimal("300"),
        cost_total=Decimal("100"),
    )
    row = purchase_totals(basis="gross_profit").get(pk=customer.pk)
    assert (row.machines_total, row.parts_total, row.service_total) == (
        Decimal("500"),
        Decimal("200"),
        Decimal("200"),
    )
    assert row.purchases_total == Decimal("900")
    split = uncosted_revenue(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    assert (split.revenue, split.uncosted) == (Decimal("1000"), Decimal("700"))
    assert split.share == pytest.approx(0.7)


def test_a_sale_below_cost_is_never_a_or_b():
    loss = CustomerFactory(name="亏本")
    MachineFactory(
        customer=loss,
        source="from_us",
        purchase_price=Decimal("100"),
        purchase_cost=Decimal("150"),
        purchase_date=DAY,
    )
    CustomerFactory(name="正常")
    PartsOrder.objects.create(
        customer=CustomerFactory(name="盈利"), ordered_on=DAY, total=Decimal("10")
    )
    tiers_compute(actor=system_actor(), month=MONTH, basis="gross_profit")
    snap = TierSnapshot.objects.get(customer=loss)
    assert snap.contribution == Decimal("-50.00") and snap.tier == "C"
    assert TierSnapshot.objects.get(customer__name="盈利").tier == "A"


def test_command_takes_a_basis(two_buyers, capsys):
    call_command("compute_tiers", "--month", "2026-10", "--basis", "gross_profit")
    assert "gross_profit" in capsys.readouterr().out
    assert ranks() == {"厚利": 1, "薄利": 2}


def test_tier_page_shows_the_basis_and_what_has_no_cost(client, executive, two_buyers):
    PartsOrder.objects.create(
        customer=two_buyers[1], ordered_on=DAY, total=Decimal("5000")
    )  # no cost recorded
    tiers_compute(actor=system_actor(), month=MONTH, basis="gross_profit")
    client.force_login(executive)
    response = client.get(reverse("loyalty:tiers"), {"month": "2026-10"})
    assert response.status_code == 200
    note = response.content.decode()
    assert "Ranked on gross profit" in note
    assert "5,000 CNY of the period" in note


def test_tier_list_exports_with_filters(client, executive, two_buyers):
    import io

    from openpyxl import load_workbook

    tiers_compute(actor=system_actor(), month=MONTH)
    client.force_login(executive)
    response = client.get(
        reverse("loyalty:tiers"), {"month": "2026-10", "tier": "A", "export": "xlsx"}
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["薄利"]  # only tier A, as filtered
    assert rows[1][8] == "A"
