"""parts.services: amounts in Decimal to the fen, the gold-card discount, the catalogue,
and bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from parts import services
from parts.models import Part, PartsOrder, PartsOrderLine
from tests.factories import CustomerFactory, PartFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ORDER = {"ordered_on": TODAY - dt.timedelta(days=1), "invoice_number": "NO.00012345"}
OIL = {"name": "美孚液压油 18L", "category": "oil", "quantity": "2", "unit_price": "680.00"}


@pytest.fixture
def gold(manager):
    return CustomerFactory(name="金卡王老板", manager=manager, is_gold_card=True)


def create(actor, customer, *lines, **data):
    return services.parts_order_create(
        actor=actor, customer=customer, data={**ORDER, **data}, lines=list(lines)
    )


def test_amounts_are_decimals_to_the_fen_half_up(archivist, customer):
    order = create(
        archivist,
        customer,
        {**OIL, "quantity": "1.5", "unit_price": "19.99"},  # 29.985 → 29.99
        {"name": "滤芯", "category": "filter", "quantity": "3", "unit_price": "33.33"},  # 99.99
        {"name": "销轴", "category": "part", "quantity": "1", "unit_price": "10.05",
         "discount_percent": "10"},  # 9.045 → 9.05
    )  # fmt: skip
    amounts = list(order.lines.order_by("position").values_list("amount", flat=True))
    assert amounts == [Decimal("29.99"), Decimal("99.99"), Decimal("9.05")]
    assert all(isinstance(a, Decimal) for a in amounts)
    assert order.subtotal == order.total == Decimal("139.03")
    assert order.discount_rate == 0 and order.discount_amount == 0
    order.refresh_from_db()
    assert order.total == Decimal("139.03")  # what the database kept, not a float


def test_a_gold_customer_gets_the_configured_discount_shown_on_the_order(archivist, gold):
    order = create(archivist, gold, {**OIL, "quantity": "1", "unit_price": "333.33"})
    # 5% of 333.33 = 16.6665 → 16.67; total = 333.33 − 16.67 exactly
    assert order.discount_rate == Decimal("0.05") and order.discount_percent == "5"
    assert (order.subtotal, order.discount_amount, order.total) == (
        Decimal("333.33"),
        Decimal("16.67"),
        Decimal("316.66"),
    )


def test_the_discount_is_for_gold_customers_only(archivist, customer, gold):
    plain = create(archivist, customer, OIL, invoice_number="A-1")
    golden = create(archivist, gold, OIL, invoice_number="A-2")
    assert plain.total == Decimal("1360.00") and plain.discount_amount == 0
    assert golden.total == Decimal("1292.00") and golden.discount_amount == Decimal("68.00")


def test_the_recorded_rate_is_kept_when_the_order_is_corrected(archivist, gold, settings):
    order = create(archivist, gold, OIL)
    gold.is_gold_card = False
    gold.save()
    settings.DEALERCRM = {**settings.DEALERCRM, "GOLD_DISCOUNT": Decimal("0.10")}
    order = services.parts_order_update(
        actor=archivist, order=order, data={}, lines=[{**OIL, "quantity": "1"}]
    )
    assert order.discount_rate == Decimal("0.05")
    assert (order.subtotal, order.total) == (Decimal("680.00"), Decimal("646.00"))
    assert order.lines.count() == 1


def test_a_catalogue_part_number_fills_in_the_line(archivist, customer):
    PartFactory(part_number="LG-860-1105", name="机油滤芯", category="filter", list_price=85)
    order = create(archivist, customer, {"part_number": "lg-860-1105", "quantity": "4"})
    line = order.lines.get()
    assert (line.part_number, line.name, line.category) == ("LG-860-1105", "机油滤芯", "filter")
    assert line.part is not None and line.unit_price == Decimal("85.00")
    assert line.amount == Decimal("340.00")


def test_a_typed_price_wins_over_the_list_price_and_free_lines_need_no_catalogue(
    archivist, customer
):
    PartFactory(part_number="LG-1", list_price=85)
    order = create(
        archivist,
        customer,
        {"part_number": "LG-1", "quantity": "1", "unit_price": "80.00"},
        {"part_number": "XYZ-9", "name": "副厂滤芯", "category": "filter", "quantity": "1",
         "unit_price": "40"},
    )  # fmt: skip
    lines = list(order.lines.order_by("position"))
    assert lines[0].unit_price == Decimal("80.00")
    assert lines[1].part is None and lines[1].part_number == "XYZ-9"
    assert order.total == Decimal("120.00")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ({**OIL, "quantity": "-1"}, "more than 0"),
        ({**OIL, "quantity": "0"}, "more than 0"),
        ({**OIL, "unit_price": "-5"}, "negative"),
        ({**OIL, "unit_price": "1.005"}, "2 decimals"),
        ({**OIL, "discount_percent": "120"}, "between 0 and 100"),
        ({**OIL, "name": ""}, "name the part"),
        ({"part_number": "NOT-IN-CATALOGUE", "quantity": "1"}, "unit price"),
    ],
)
def test_a_bad_line_is_refused_with_its_number_and_nothing_written(
    archivist, customer, line, words
):
    with pytest.raises(ValidationError) as exc:
        create(archivist, customer, OIL, line)
    messages = exc.value.message_dict["lines"]
    assert len(messages) == 1 and messages[0].startswith("Line 2:") and words in messages[0]
    assert not PartsOrder.objects.exists() and not PartsOrderLine.objects.exists()


def test_an_order_without_lines_or_date_is_refused(archivist, customer):
    with pytest.raises(ValidationError) as exc:
        services.parts_order_create(
            actor=archivist, customer=customer, data={"ordered_on": None}, lines=[{}]
        )
    assert {"lines", "ordered_on"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        create(archivist, customer, OIL, ordered_on=TODAY + dt.timedelta(days=1))
    assert not PartsOrder.objects.exists()


def test_invoice_numbers_are_unique(archivist, customer):
    create(archivist, customer, OIL)
    with pytest.raises(ValidationError) as exc:
        create(archivist, customer, OIL)
    assert "invoice_number" in exc.value.message_dict
    assert PartsOrder.objects.count() == 1
    create(archivist, customer, OIL, invoice_number="")  # no invoice: allowed, any number
    create(archivist, customer, OIL, invoice_number="")


def test_a_refused_update_changes_nothing(archivist, customer):
    order = create(archivist, customer, OIL)
    with pytest.raises(ValidationError):
        services.parts_order_update(
            actor=archivist,
            order=order,
            data={"note": "改"},
            lines=[OIL, {**OIL, "quantity": "-2"}],
        )
    order.refresh_from_db()
    assert order.note == "" and order.total == Decimal("1360.00") and order.lines.count() == 1


@pytest.mark.parametrize("role", ["service_user", "manager", "executive", "outsider"])
def test_only_the_archivist_writes_parts_orders(request, role, customer):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        create(actor, customer, OIL)
    assert not PartsOrder.objects.exists()


def test_service_staff_may_not_set_a_parts_price(archivist, service_user, customer):
    order = create(archivist, customer, OIL)
    with pytest.raises(PermissionDenied):
        services.parts_order_update(
            actor=service_user, order=order, data={}, lines=[{**OIL, "unit_price": "1.00"}]
        )
    with pytest.raises(PermissionDenied):
        services.part_save(actor=service_user, part=None, data={"part_number": "X", "name": "x"})
    assert order.lines.get().unit_price == Decimal("680.00") and not Part.objects.exists()


def test_history_records_who_changed_an_order(archivist, customer):
    order = create(archivist, customer, OIL)
    services.parts_order_update(actor=archivist, order=order, data={}, lines=[OIL, OIL])
    assert order.history.first().history_user == archivist
    line_history = PartsOrderLine.history.all()
    assert {h.history_type for h in line_history} == {"+", "-"}
    assert {h.history_user for h in line_history} == {archivist}


def test_deleting_an_order_is_the_archivists(archivist, manager, customer):
    order = create(archivist, customer, OIL)
    with pytest.raises(PermissionDenied):
        services.parts_order_delete(actor=manager, order=order)
    services.parts_order_delete(actor=archivist, order=order)
    assert not PartsOrder.objects.exists()


def test_the_catalogue_keeps_part_numbers_upper_case(archivist):
    part = services.part_save(
        actor=archivist,
        part=None,
        data={"part_number": " lg-1 ", "name": "滤芯", "category": "filter", "list_price": 9},
    )
    assert part.part_number == "LG-1"


def test_order_cost_is_known_only_when_every_line_has_one(archivist, customer):
    costed = create(
        archivist,
        customer,
        {**OIL, "unit_cost": "500.00"},  # 2 × 500
        {"name": "滤芯", "category": "filter", "quantity": "3", "unit_price": "40",
         "unit_cost": "12.50"},  # 3 × 12.50
        invoice_number="NO.COST1",
    )  # fmt: skip
    assert costed.cost_total == Decimal("1037.50")
    partly = create(
        archivist,
        customer,
        {**OIL, "unit_cost": "500.00"},
        {"name": "销轴", "category": "part", "quantity": "1", "unit_price": "10"},
        invoice_number="NO.COST2",
    )
    assert partly.cost_total is None  # a partly costed order would overstate the profit


def test_a_catalogue_cost_price_fills_the_line_cost(archivist, customer):
    PartFactory(
        part_number="860110", name="滤芯", list_price=Decimal("45"), cost_price=Decimal("30")
    )
    order = create(archivist, customer, {"part_number": "860110", "quantity": "2"})
    line = order.lines.get()
    assert (line.unit_price, line.unit_cost) == (Decimal("45.00"), Decimal("30.00"))
    assert order.cost_total == Decimal("60.00")


@pytest.mark.parametrize("cost", ["-1", "1.005"])
def test_a_bad_unit_cost_is_refused_and_nothing_written(archivist, customer, cost):
    with pytest.raises(ValidationError) as err:
        create(archivist, customer, {**OIL, "unit_cost": cost})
    assert "unit cost" in str(err.value)
    assert not PartsOrder.objects.exists()
