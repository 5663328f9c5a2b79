"""Parts supply (seed 000 item 4): every purchase of parts (oil included) with its lines and
amounts, and the part catalogue used to fill lines in.

Amounts are Decimal to the fen and computed by `parts.services`, never typed: a line's
amount from quantity × unit price less its discount, the order's subtotal from its lines,
the gold-card discount from the rate recorded on the order when it was created.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from customers.models import Customer
from dealercrm.models import TimeStampedModel
from dealercrm.money import percent
from dealercrm.validators import (
    MAX_PARTS_QUANTITY,
    MAX_UNIT_PRICE,
    validate_event_date,
    validate_visible_name,
)


class Category(models.TextChoices):
    PART = "part", _("Part")
    OIL = "oil", _("Oil / lubricant")
    FILTER = "filter", pgettext_lazy("part category", "Filter")
    TYRE = "tyre", _("Tyre")
    OTHER = "other", _("Other")


class Part(TimeStampedModel):
    """A catalogue entry: typing its part number on an order line fills in the rest."""

    part_number = models.CharField(_("part number"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[validate_visible_name])
    category = models.CharField(_("category"), max_length=16, choices=Category)
    list_price = models.DecimalField(
        _("list price (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
    )
    cost_price = models.DecimalField(
        _("cost price (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
        help_text=_("What one unit costs us; fills in the cost of order lines."),
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True, help_text=_("e.g. 件, L, 桶"))
    is_active = models.BooleanField(_("in the catalogue"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["part_number"]
        verbose_name = _("part")
        verbose_name_plural = _("part catalogue")
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="parts_part_list_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(cost_price__isnull=True) | Q(cost_price__gte=0),
                name="parts_part_cost_price_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(part_number=""), name="parts_part_number_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"


class PartsOrder(TimeStampedModel):
    """One purchase of parts by a customer (an invoice)."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,  # a money record keeps its customer's dossier alive
        related_name="parts_orders",
    )
    ordered_on = models.DateField(_("date"), validators=[validate_event_date])
    invoice_number = models.CharField(_("invoice number"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Computed by parts.services from the lines; stored so that money totals (dossier,
    # tiering) are one SUM over orders instead of a join over every line.
    subtotal = models.DecimalField(
        _("subtotal (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0"), editable=False
    )
    discount_rate = models.DecimalField(
        _("gold-card discount rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        editable=False,
        help_text=_("Recorded when the order was created; later changes do not rewrite it."),
    )
    discount_amount = models.DecimalField(
        _("gold-card discount (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        editable=False,
    )
    total = models.DecimalField(
        _("total (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0"), editable=False
    )
    # Σ quantity × unit cost when every line has a cost; empty otherwise, because a
    # partly costed order would overstate its gross profit.
    cost_total = models.DecimalField(
        _("our cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-ordered_on", "-id"]
        verbose_name = _("parts order")
        verbose_name_plural = _("parts orders")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_number"],
                condition=~Q(invoice_number=""),
                name="parts_partsorder_invoice_unique",
                violation_error_message=_("Another order already has this invoice number."),
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, discount_amount__gte=0, total__gte=0),
                name="parts_partsorder_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0, discount_rate__lt=1),
                name="parts_partsorder_discount_rate_0_1",
            ),
        ]
        indexes = [
            # dossier_parts(), parts_order_list(customer=…) and the money totals.
            models.Index(fields=["customer", "-ordered_on"], name="partsorder_customer_idx"),
            # parts_order_list(): every order, newest first.
            models.Index(fields=["-ordered_on", "-id"], name="partsorder_date_idx"),
        ]

    def __str__(self) -> str:
        label = self.invoice_number or f"#{self.pk}"
        return f"{label} · {self.ordered_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("parts:order_detail", args=[self.pk])

    @property
    def discount_percent(self) -> str:
        return percent(self.discount_rate)


class PartsOrderLine(TimeStampedModel):
    """One line of an order: from the catalogue or typed freely."""

    order = models.ForeignKey(
        PartsOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"), default=1)
    part = models.ForeignKey(
        Part,
        verbose_name=_("catalogue part"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    part_number = models.CharField(_("part number"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=200, validators=[validate_visible_name])
    category = models.CharField(_("category"), max_length=16, choices=Category)
    # Bounded so that one mistyped line cannot outweigh every real order (tiering sums
    # them): 9,999 units at up to ¥999,999.99 still fits the amount's column.
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0.01")),
            MaxValueValidator(
                MAX_PARTS_QUANTITY,
                message=_("A line holds at most %(limit_value)s units; split a larger order."),
            ),
        ],
    )
    unit_price = models.DecimalField(
        _("unit price (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0")),
            MaxValueValidator(
                MAX_UNIT_PRICE,
                message=_("A unit price is at most ¥%(limit_value)s; check the number."),
            ),
        ],
    )
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("This line's own discount, before the gold-card discount of the order."),
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2, editable=False)
    unit_cost = models.DecimalField(
        _("unit cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_UNIT_PRICE)],
        help_text=_("What one unit cost us; empty when not known."),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["order_id", "position", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="parts_partsorderline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, amount__gte=0),
                name="parts_partsorderline_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0),
                name="parts_partsorderline_unit_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="parts_partsorderline_discount_0_100",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="parts_partsorderline_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}".strip()
