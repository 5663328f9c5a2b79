"""Recording who brought whom (seed 000's snowball). The referred customer's purchases
are then attributed to the referrer by credits_sync — nothing more for anyone to do."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import customer_lock_for_write
from dealercrm import roles
from dealercrm.validators import validate_event_date

from ..models import Referral
from .ledger import credits_sync


def _ancestors(customer_id: int) -> list[int]:
    """Who referred the customer, who referred him, … (one query; the table is small)."""
    parent = dict(Referral.objects.values_list("referred_id", "referrer_id"))
    chain: list[int] = []
    current = parent.get(customer_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = parent.get(current)
    return chain


@transaction.atomic
def referral_create(
    *,
    actor: roles.Actor,
    referrer: Customer,
    referred: Customer,
    referred_on: dt.date | None = None,
    note: str = "",
) -> Referral:
    roles.require(roles.can_manage_gold_cards, actor)
    if referrer.pk == referred.pk:
        raise ValidationError({"referrer": _("A customer cannot refer himself.")})
    referred_on = referred_on or timezone.localdate()
    try:
        validate_event_date(referred_on)  # the field's rule: the founding to today
    except ValidationError as exc:
        raise ValidationError({"referred_on": exc.messages}) from exc
    # Both rows locked in primary-key order (as a merge locks them): two referrals recorded
    # at once (A→B and B→A) cannot both pass the loop check, and neither customer can be
    # merged away under the new row.
    locked = {
        pk: customer_lock_for_write(pk, actor=actor) for pk in sorted([referrer.pk, referred.pk])
    }
    referrer, referred = locked[referrer.pk], locked[referred.pk]
    existing = Referral.objects.filter(referred=referred).select_related("referrer").first()
    if existing is not None:
        raise ValidationError(
            {
                "referred": _("%(new)s was already referred by %(by)s.")
                % {"new": referred.name, "by": existing.referrer.name}
            }
        )
    if referred.pk in _ancestors(referrer.pk):
        raise ValidationError(
            {
                "referrer": _(
                    "%(new)s already (directly or through others) referred %(by)s: this "
                    "referral would close a loop."
                )
                % {"new": referred.name, "by": referrer.name}
            }
        )
    referral = Referral(
        referrer=referrer,
        referred=referred,
        referred_on=referred_on,
        note=(note or "").strip(),
        recorded_by=roles.signed_in(actor),
    )
    referral._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:
        raise ValidationError({"referred": _("This customer already has a referrer.")}) from exc
    # Purchases the new customer made since the referral now count for the referrer.
    credits_sync(actor=actor, customer=referred)
    return referral
