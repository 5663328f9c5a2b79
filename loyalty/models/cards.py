"""Gold cards (客户贵宾卡) and the seven traits of a gold customer (seed 000).

A card is issued through the registration form (金卡客户登记表), which records the traits
with their evidence. Its state changes (suspend, reactivate, revoke) are events with a
date and a reason; `Customer.is_gold_card` is True exactly while the customer holds an
active card (kept in step by `loyalty.services`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import Customer
from dealercrm.models import TimeStampedModel
from dealercrm.validators import validate_event_date


class Trait(models.TextChoices):
    """The seven traits of a gold-card customer, in the order of seed 000."""

    EARLY = "early", _("Entered the trade early and grew")
    BUYS_OFTEN = "buys_often", _("Buys machines and parts from us repeatedly")
    TRUST = "trust", _("Trusts our people, frequent contact")
    BIG_FLEET = "big_fleet", _("Owns many machines, takes on large projects")
    INFLUENTIAL = "influential", _("Respected or influential among peers")
    POTENTIAL = "potential", _("Has growth potential in the trade")
    INFORMANT = "informant", _("Often gives us project, demand and market information")


class GoldCard(TimeStampedModel):
    """One VIP card. Revoked cards stay as history; a customer holds one live card at most."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,  # a card is a money-bearing record: it keeps the dossier
        related_name="gold_cards",
    )
    number = models.CharField(_("card number"), max_length=20)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.ACTIVE)
    issued_on = models.DateField(_("issued on"), validators=[validate_event_date])
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    # The registration form: {trait: evidence} for each trait the archivist recorded.
    traits = models.JSONField(_("traits and evidence"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("gold card")
        verbose_name_plural = _("gold cards")
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                name="loyalty_goldcard_number_unique",
                violation_error_message=_("Another card already has this number."),
            ),
            # Also serves the card-of-a-customer lookups (dossier, ledger, registration).
            models.UniqueConstraint(
                fields=["customer"],
                condition=~Q(state="revoked"),
                name="loyalty_goldcard_one_live_card",
                violation_error_message=_("This customer already holds a card."),
            ),
            models.CheckConstraint(
                condition=~Q(number=""), name="loyalty_goldcard_number_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(state="revoked", revoked_on__isnull=False)
                | (~Q(state="revoked") & Q(revoked_on__isnull=True)),
                name="loyalty_goldcard_revoked_has_date",
            ),
        ]
        indexes = [
            # card_list(state=…): the cards of one state, newest first.
            models.Index(fields=["state", "-issued_on"], name="goldcard_state_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("loyalty:card_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def trait_labels(self) -> list[tuple[str, str]]:
        """(label, evidence) in the order of seed 000."""
        labels = dict(Trait.choices)
        return [(str(labels[t]), self.traits[t]) for t in Trait.values if t in self.traits]


class GoldCardEvent(models.Model):
    """A card's life: issued, suspended, reactivated, revoked — each with a date and reason."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        SUSPENDED = "suspended", _("Suspended")
        REACTIVATED = "reactivated", _("Reactivated")
        REVOKED = "revoked", _("Revoked")

    card = models.ForeignKey(
        GoldCard, verbose_name=_("card"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=16, choices=Kind)
    on = models.DateField(_("date"), validators=[validate_event_date])
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("card event")
        verbose_name_plural = _("card events")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="issued") | ~Q(reason=""),
                name="loyalty_goldcardevent_reason_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.kind} {self.on}"


class CustomerTrait(TimeStampedModel):
    """A trait the archivist ticked by hand, with the note that supports it."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="gold_traits"
    )
    trait = models.CharField(_("trait"), max_length=16, choices=Trait)
    note = models.TextField(_("note"))
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ticked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["customer_id", "trait"]
        verbose_name = _("ticked trait")
        verbose_name_plural = _("ticked traits")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "trait"], name="loyalty_customertrait_once"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="loyalty_customertrait_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.trait}"
