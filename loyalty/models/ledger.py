"""The benefit ledger: parts credits earned by rule, redeemed against parts orders.

Rows are append-only: a mistake is corrected by a reversing row with a reason, never by
an edit or a delete. The balance is the sum of a customer's rows and never goes below
zero (redemptions and reversals check it with the customer's row locked).

"Exactly once" lives in the database: an earned credit is keyed by (rule, beneficiary,
buyer, n) — the buyer's n-th machine bought from us — so saving a purchase twice, editing
it, or reordering purchases by date can never pay the same credit twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Customer, Machine
from dealercrm.models import TimeStampedModel


class _Money(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _Money = {"max_digits": 12, "decimal_places": 2}

# Seed 000's benefits, as the defaults the data migration writes (amounts per dealer policy,
# changed in the admin). (code, beneficiary, first machine, last machine, amount, name)
DEFAULT_BENEFIT_RULES = (
    ("purchase", "buyer", 1, 1, Decimal("1000.00"), "购机后1000元配件赠送"),
    ("own_repeat", "buyer", 2, 3, Decimal("1500.00"), "自购第二台、第三台各奖励1500元配件"),
    ("referral", "referrer", 1, 1, Decimal("1000.00"), "介绍新用户购机奖励1000元配件"),
    (
        "referral_repeat",
        "referrer",
        2,
        3,
        Decimal("1500.00"),
        "介绍的用户购第二台、第三台各奖励1500元配件",
    ),
)


class BenefitRule(TimeStampedModel):
    """A credit earned when a buyer's n-th machine bought from us falls in [first, last]."""

    class Beneficiary(models.TextChoices):
        BUYER = "buyer", _("The buyer himself (gold card holder)")
        REFERRER = "referrer", _("Who referred the buyer (gold card holder)")

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    beneficiary = models.CharField(_("credited to"), max_length=16, choices=Beneficiary)
    first_machine = models.PositiveSmallIntegerField(
        _("from the buyer's machine no."), default=1, validators=[MinValueValidator(1)]
    )
    last_machine = models.PositiveSmallIntegerField(
        _("to machine no."),
        null=True,
        blank=True,
        help_text=_("Empty: every machine from the first one on."),
    )
    amount = models.DecimalField(
        _("parts credit (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    is_active = models.BooleanField(
        _("in force"),
        default=True,
        help_text=_("A rule out of force earns nothing new; credits already earned stay."),
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["beneficiary", "first_machine", "code"]
        verbose_name = _("benefit rule")
        verbose_name_plural = _("benefit rules")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="loyalty_benefitrule_code_unique"),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="loyalty_benefitrule_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(first_machine__gte=1)
                & (Q(last_machine__isnull=True) | Q(last_machine__gte=models.F("first_machine"))),
                name="loyalty_benefitrule_machine_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, number: int) -> bool:
        return number >= self.first_machine and (
            self.last_machine is None or number <= self.last_machine
        )


class LedgerEntry(models.Model):
    """One row of a customer's parts-credit ledger (positive: credit; negative: spent)."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Credit earned")
        REDEEM = "redeem", _("Redeemed on a parts order")
        REVERSAL = "reversal", _("Reversal")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,  # a money record keeps its customer's dossier alive
        related_name="ledger_entries",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    occurred_on = models.DateField(_("date"))
    # earn: which rule, whose purchase (the buyer) and which of his machines from us.
    rule = models.ForeignKey(
        BenefitRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    buyer = models.ForeignKey(
        Customer,
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    machine_number = models.PositiveSmallIntegerField(
        _("buyer's machine no."), null=True, blank=True
    )
    machine = models.ForeignKey(
        Machine,
        verbose_name=_("machine"),
        on_delete=models.SET_NULL,  # the credit stays when a fleet row is deleted
        null=True,
        blank=True,
        related_name="+",
    )
    # redeem: the parts order, and which attempt on it (a reversed redemption may be redone).
    parts_order = models.ForeignKey(
        "parts.PartsOrder",
        verbose_name=_("parts order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gold_redemptions",
    )
    redemption_attempt = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # reversal: the row it cancels (at most one reversal per row).
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    reason = models.TextField(_("reason / note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            # Seed 000's credits are paid once per (rule, beneficiary, buyer's n-th machine).
            models.UniqueConstraint(
                fields=["rule", "customer", "buyer", "machine_number"],
                condition=Q(kind="earn"),
                name="loyalty_ledgerentry_earn_once",
            ),
            # A parts order is paid with credits once; again only after a reversal.
            models.UniqueConstraint(
                fields=["parts_order", "redemption_attempt"],
                condition=Q(kind="redeem"),
                name="loyalty_ledgerentry_redeem_once",
            ),
            models.CheckConstraint(
                condition=Q(kind="earn", amount__gt=0)
                | Q(kind="redeem", amount__lt=0)
                | (Q(kind="reversal") & ~Q(amount=0)),
                name="loyalty_ledgerentry_amount_sign",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="earn",
                    rule__isnull=False,
                    buyer__isnull=False,
                    machine_number__isnull=False,
                )
                | Q(kind="redeem", parts_order__isnull=False, redemption_attempt__isnull=False)
                | (Q(kind="reversal", reverses__isnull=False) & ~Q(reason="")),
                name="loyalty_ledgerentry_shape",
            ),
        ]
        indexes = [
            # ledger_statement() and balance(): a customer's rows in entry order.
            models.Index(fields=["customer", "id"], name="ledger_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Ledger rows are append-only: reverse a row instead of editing it.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Ledger rows are append-only: reverse a row instead of deleting it.")
