"""A merge said as the archivist reads it: rows per kind next to each dossier, the dry run's
moves, a table's label, a row left with the merged customer, the sentence of what moves."""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from customers.models import Customer

from .plan import MergePlan
from .rows import _is_history, _is_permission, references


def related_counts(customer: Customer) -> list[tuple[str, int]]:
    """How many rows of each kind refer to a customer (history and access permissions left
    out): what the archivist sees next to each dossier before merging."""
    out = []
    for ref in references():
        if _is_history(ref.model) or _is_permission(ref.model):
            continue
        count = ref.rows(customer.pk).count()
        if count:
            out.append((str(ref.model._meta.verbose_name_plural), count))
    return out


def plan_rows(plan: MergePlan) -> list[tuple[str, int]]:
    """The dry run's moves as people read them: rows per kind, then history and access."""
    rows: list[tuple[str, int]] = []
    history = permissions = 0
    for move in plan.moves:
        if _is_history(move.ref.model):
            history += len(move.pks)
        elif _is_permission(move.ref.model):
            permissions += len(move.pks)
        else:
            rows.append((str(move.ref.model._meta.verbose_name_plural), len(move.pks)))
    if history:
        rows.append((_("history entries"), history))
    if permissions:
        rows.append((_("access permissions"), permissions))
    return rows


def thing_label(label: str) -> str:
    """A table's label (customers.HistoricalMachine) as the archivist says it."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    if _is_history(model):
        return str(_("history entries"))
    if _is_permission(model):
        return str(_("access permissions"))
    return str(model._meta.verbose_name_plural)


def kept_label(thing: str, label: str, field_name: str) -> str:
    """`thing`, a row left with the merged customer as the archivist reads it; a column that
    only mentions the customer (a credit's buyer) is named, for the row itself moved."""
    try:
        column = apps.get_model(label)._meta.get_field(field_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return thing
    if column.is_relation and getattr(column, "null", False):
        return _("%(thing)s (%(field)s)") % {"thing": thing, "field": column.verbose_name}
    return thing


def moves_sentence(rows: Iterable[tuple[str, int]], name: str) -> str:
    """ "电话 3 条、设备 2 条、联系记录 14 条将转到 刘文才": what moves, history and access
    aside (they follow the rows). `rows` are (model label or plain label, count)."""
    skip = {str(_("history entries")), str(_("access permissions"))}
    counts: dict[str, int] = {}
    for label, n in rows:
        thing = thing_label(label) if "." in label else label
        if thing not in skip:
            counts[thing] = counts.get(thing, 0) + n
    if not counts:
        return str(_("Nothing moves to %(name)s.") % {"name": name})
    parts = [str(_("%(count)s %(things)s") % {"count": n, "things": t}) for t, n in counts.items()]
    separator = pgettext("list separator", ", ")
    return str(_("%(rows)s will move to %(name)s.") % {"rows": separator.join(parts), "name": name})
