"""Every write of the parts ledger: orders with their lines, and the part catalogue.

Amounts are computed here, in Decimal to the fen (half up), never typed and never float:
line amount = quantity × unit price × (1 − line discount %), subtotal = Σ line amounts,
gold-card discount = subtotal × the rate recorded on the order, total = subtotal − discount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from customers.models import Customer
from customers.services import customer_lock_for_write
from dealercrm import roles
from dealercrm.money import ZERO, discounted, gold_discount_rate, to_fen

from .models import Category, Part, PartsOrder, PartsOrderLine

ORDER_FIELDS = ("ordered_on", "invoice_number", "note")
LINE_FIELDS = (
    "part_number",
    "name",
    "category",
    "quantity",
    "unit_price",
    "discount_percent",
    "unit_cost",
)
HUNDRED = Decimal("100")


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    return to_fen(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _build_line(data: Mapping[str, Any], catalogue: Mapping[str, Part]) -> PartsOrderLine:
    """A line from what was typed; a catalogue part number fills in what was left empty."""
    number = str(data.get("part_number") or "").strip()
    part = catalogue.get(number.upper()) if number else None
    line = PartsOrderLine(
        part=part,
        part_number=part.part_number if part else number,
        name=str(data.get("name") or "").strip() or (part.name if part else ""),
        category=data.get("category") or (part.category if part else Category.PART),
        # None until _check_line() has said what is missing.
        quantity=_decimal(data.get("quantity")),  # type: ignore[misc]
        unit_price=_decimal(data.get("unit_price")),
        discount_percent=_decimal(data.get("discount_percent")) or ZERO,
        unit_cost=_decimal(data.get("unit_cost")),
    )
    if line.unit_price is None and part is not None:
        line.unit_price = part.list_price
    if line.unit_cost is None and part is not None:
        line.unit_cost = part.cost_price
    return line


def _check_line(line: PartsOrderLine) -> list[str]:
    problems = []
    if not line.name:
        problems.append(_("name the part (or give a catalogue part number)"))
    if line.category not in Category.values:
        problems.append(_("unknown category"))
    if line.quantity is None:
        problems.append(_("give a quantity"))
    elif line.quantity <= 0:
        problems.append(
            _("the quantity must be more than 0 (a return is a separate credit, not a line)")
        )
    elif line.quantity != line.quantity.quantize(Decimal("0.01")):
        problems.append(_("the quantity has at most 2 decimals"))
    if line.unit_price is None:
        problems.append(_("give a unit price"))
    elif line.unit_price < 0:
        problems.append(_("the unit price cannot be negative"))
    elif line.unit_price != to_fen(line.unit_price):
        problems.append(_("the unit price is in yuan and fen (2 decimals)"))
    if not ZERO <= line.discount_percent <= HUNDRED:
        problems.append(_("the line discount is between 0 and 100%"))
    if line.unit_cost is not None:
        if line.unit_cost < 0:
            problems.append(_("the unit cost cannot be negative"))
        elif line.unit_cost != to_fen(line.unit_cost):
            problems.append(_("the unit cost is in yuan and fen (2 decimals)"))
    if not problems:
        # The fields' own bounds (dealercrm.validators: quantity, prices, a visible name),
        # said in the line's words like the problems above.
        try:
            line.clean_fields(exclude=["order", "amount", "part", "position"])
        except ValidationError as exc:
            problems.extend(
                message.rstrip("。.")
                for messages in exc.message_dict.values()
                for message in messages
            )
    return problems


def _lines(rows: Iterable[Mapping[str, Any]]) -> list[PartsOrderLine]:
    """Validated, priced lines; every problem of every line in one error."""
    rows = [row for row in rows if any(str(row.get(f) or "").strip() for f in LINE_FIELDS)]
    numbers = {str(r.get("part_number") or "").strip().upper() for r in rows} - {""}
    # part_save() stores numbers upper-case, so one IN lookup finds them as typed.
    catalogue = {
        p.part_number: p for p in Part.objects.filter(part_number__in=numbers, is_active=True)
    }
    lines, errors = [], []
    for index, row in enumerate(rows, start=1):
        line = _build_line(row, catalogue)
        problems = _check_line(line)
        if problems:
            errors.append(
                _("Line %(n)s: %(problems)s.") % {"n": index, "problems": "; ".join(problems)}
            )
            continue
        line.position = index
        line.amount = line_amount(line.quantity, line.unit_price, line.discount_percent)
        lines.append(line)
    if errors:
        raise ValidationError({"lines": errors})
    if not lines:
        raise ValidationError({"lines": [_("An order needs at least one line.")]})
    return lines


def _apply_order(order: PartsOrder, data: Mapping[str, Any]) -> None:
    for name in ORDER_FIELDS:
        if name in data:
            value = data[name]
            setattr(order, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, str] = {}
    if order.ordered_on is None:
        errors["ordered_on"] = _("Give the date of the order.")
    elif order.ordered_on > timezone.localdate():
        errors["ordered_on"] = _("An order cannot be dated in the future.")
    if (
        order.invoice_number
        and PartsOrder.objects.filter(invoice_number=order.invoice_number)
        .exclude(pk=order.pk)
        .exists()
    ):
        # The unique constraint backs this up; checked here so the error names the field.
        errors["invoice_number"] = _("Another order already has this invoice number.")
    if errors:
        raise ValidationError(errors)


def order_cost(lines: list[PartsOrderLine]) -> Decimal | None:
    """Σ quantity × unit cost, or None when any line's cost is unknown."""
    if not lines:
        return None
    total = ZERO
    for line in lines:
        if line.unit_cost is None:
            return None
        total += line.quantity * line.unit_cost
    return to_fen(total)


def _total(order: PartsOrder, lines: list[PartsOrderLine]) -> None:
    order.subtotal = sum((line.amount for line in lines), ZERO)
    order.discount_amount, order.total = discounted(order.subtotal, order.discount_rate)
    order.cost_total = order_cost(lines)


def _save_lines(order: PartsOrder, lines: list[PartsOrderLine], actor: roles.Actor) -> None:
    for line in lines:
        line.order = order
        line.full_clean(exclude=["order"])
    bulk_create_with_history(lines, PartsOrderLine, default_user=actor)


@transaction.atomic
def parts_order_create(
    *,
    actor: roles.Actor,
    customer: Customer,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]],
) -> PartsOrder:
    """A purchase as invoiced. A gold-card customer gets the configured discount
    automatically, and the rate is recorded on the order."""
    roles.require(roles.can_write_parts_order, actor)
    customer = customer_lock_for_write(customer, actor=actor)
    roles.require(roles.can_view_customer(actor, customer))
    order = PartsOrder(
        customer=customer,
        created_by=roles.signed_in(actor),
        discount_rate=gold_discount_rate(customer),
    )
    errors: dict[str, Any] = {}
    try:
        _apply_order(order, data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        built = _lines(lines)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    _total(order, built)
    order.full_clean()
    order._history_user = actor  # type: ignore[attr-defined]
    order.save()
    _save_lines(order, built, actor)
    return order


@transaction.atomic
def parts_order_update(
    *,
    actor: roles.Actor,
    order: PartsOrder,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> PartsOrder:
    """Correct an order; `lines`, when given, replace all lines. The gold-card rate stays
    the one recorded at creation."""
    roles.require(roles.can_write_parts_order, actor)
    order = PartsOrder.objects.select_for_update().get(pk=order.pk)
    errors: dict[str, Any] = {}
    try:
        _apply_order(order, data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    built: list[PartsOrderLine] | None = None
    if lines is not None:
        try:
            built = _lines(lines)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if built is not None:
        for old in order.lines.all():
            old._history_user = actor  # type: ignore[attr-defined]
            old.delete()
        _total(order, built)
    order.full_clean()
    order._history_user = actor  # type: ignore[attr-defined]
    order.save()
    if built is not None:
        _save_lines(order, built, actor)
    return order


@transaction.atomic
def parts_order_delete(*, actor: roles.Actor, order: PartsOrder) -> None:
    roles.require(roles.can_write_parts_order, actor)
    try:
        with transaction.atomic():
            for line in order.lines.all():
                line._history_user = actor  # type: ignore[attr-defined]
                line.delete()
            order._history_user = actor  # type: ignore[attr-defined]
            order.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationError(
            _("This order cannot be deleted: these records refer to it: %(kinds)s.")
            % {"kinds": ", ".join(kinds)}
        ) from exc


# --- the catalogue --------------------------------------------------------------------------


@transaction.atomic
def part_save(*, actor: roles.Actor, part: Part | None, data: Mapping[str, Any]) -> Part:
    """Add or change a catalogue entry. Orders keep the price they were invoiced at."""
    roles.require(roles.can_configure_service, actor)
    part = part or Part()
    for name in (
        "part_number",
        "name",
        "category",
        "list_price",
        "cost_price",
        "unit",
        "is_active",
    ):
        if name in data:
            value = data[name]
            setattr(part, name, value.strip() if isinstance(value, str) else value)
    part.part_number = part.part_number.upper()
    part.full_clean()
    part._history_user = actor  # type: ignore[attr-defined]
    part.save()
    return part


@transaction.atomic
def part_delete(*, actor: roles.Actor, part: Part) -> None:
    """Old lines keep their copied number, name and price (the link becomes empty)."""
    roles.require(roles.can_configure_service, actor)
    part._history_user = actor  # type: ignore[attr-defined]
    part.delete()
