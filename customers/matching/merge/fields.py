"""Which Customer fields a merge chooses between (the archivist's choices), which follow
rows of another app (DERIVED) and which flags the kept customer keeps (FLAGS); a customer's
values as a merge record stores them (JSON) and back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer

# Fields the archivist chooses between; the rest are derived (pinyin keys), bookkeeping
# (timestamps, the tombstone link) or stay with the survivor (external_ref is unique).
NOT_CHOSEN = {"id", "created_at", "updated_at", "external_ref", "merged_into", "merged_at"}


# Fields that follow rows of another app, with what they follow: not chosen either, but set
# from what that app says once the rows have moved (_derived).
DERIVED = {"is_gold_card": gettext_lazy("follows the customer's gold card")}


# Flags the kept customer holds when either customer held them (never chosen); the undo gives
# each customer his own value back.
FLAGS = {
    "is_key_account": gettext_lazy("kept if either customer is one"),
    "is_benchmark": gettext_lazy("kept if either customer is one"),
}


SURVIVOR = "survivor"


LOSER = "loser"


def merge_fields() -> list[models.Field[Any, Any]]:
    """The fields the archivist chooses between."""
    return [
        f
        for f in Customer._meta.concrete_fields
        if f.editable and f.name not in NOT_CHOSEN and f.name not in DERIVED | FLAGS.keys()
    ]


def derived_fields() -> list[models.Field[Any, Any]]:
    return [f for f in Customer._meta.concrete_fields if f.name in DERIVED]


def flag_fields() -> list[models.Field[Any, Any]]:
    return [f for f in Customer._meta.concrete_fields if f.name in FLAGS]


def flags_kept(survivor: Customer, loser: Customer) -> list[str]:
    """The flags the kept customer holds after the merge, as the preview says them
    ("重点客户：合并后保留"). The preview answers each app's question with its first option,
    which clears none (loyalty: keep the key account)."""
    return [
        _("%(flag)s: kept after the merge") % {"flag": capfirst(f.verbose_name)}
        for f in flag_fields()
        if getattr(survivor, f.attname) or getattr(loser, f.attname)
    ]


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {f.attname: _json(getattr(customer, f.attname)) for f in Customer._meta.concrete_fields}


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def default_choices(survivor: Customer, loser: Customer) -> dict[str, str]:
    """Keep the survivor's value, except where it is empty and the loser's is not.

    The flags (FLAGS) are not among them: either customer's flag stays set. Nor is
    is_gold_card: it follows the cards the survivor holds after the merge
    (DERIVED). But a gold customer stays with the manager who looks after him: when the
    loser is gold and the survivor is not, the loser's active card moves and makes the
    survivor gold, so the loser's manager is proposed. The survivor then takes the loser's
    place under that manager's cap (seed 000: at most 10 gold customers each) and no
    manager's count changes, so the proposed merge always fits. The archivist may choose
    the other manager instead; the merge checks his cap like any reassignment and, when he
    has no place left, refuses with the reason and writes nothing (the dry run says so
    first). A dedupe is never refused for the cap, and the cap is never exceeded.
    """
    choices = {}
    for f in merge_fields():
        mine, theirs = getattr(survivor, f.attname), getattr(loser, f.attname)
        choices[f.name] = LOSER if _is_empty(mine) and not _is_empty(theirs) else SURVIVOR
    if loser.is_gold_card and not survivor.is_gold_card and loser.manager_id is not None:
        choices["manager"] = LOSER
    return choices


def _chosen_values(
    survivor: Customer,
    loser: Customer,
    choices: Mapping[str, str] | None,
    cleared: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The survivor's new values: the chosen fields, and the flags either customer held,
    except those an app's answer cleared (a key account that keeps its gold card)."""
    wanted = default_choices(survivor, loser)
    for name, side in (choices or {}).items():
        if name not in wanted:
            raise ValidationError({name: _("This field cannot be chosen in a merge.")})
        if side not in (SURVIVOR, LOSER):
            raise ValidationError({name: _("Choose the kept or the merged customer's value.")})
        wanted[name] = side
    values = {}
    for f in merge_fields():
        if wanted[f.name] == LOSER and getattr(loser, f.attname) != getattr(survivor, f.attname):
            values[f.attname] = getattr(loser, f.attname)
    for f in flag_fields():
        if f.name in cleared:
            if getattr(survivor, f.attname):
                values[f.attname] = False
        elif getattr(loser, f.attname) and not getattr(survivor, f.attname):
            values[f.attname] = True
    return values


def _typed(values: Mapping[str, Any]) -> dict[str, Any]:
    """Snapshot values (JSON) back into the model's Python types."""
    out = {}
    by_attname = {f.attname: f for f in Customer._meta.concrete_fields}
    for attname, value in values.items():
        f = by_attname[attname]
        out[attname] = None if value is None else f.to_python(value)
    return out
