"""Reads of imports, for the archivist (the only role that imports)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from customers.matching.reasons import reason_text
from customers.models import Customer, ImportBatch, ImportMapping, ImportRow
from dealercrm import roles
from dealercrm.security import not_found

from .mapping import FIELD_BY_KEY

_OWN_REASONS = {
    "import_same_ref": _("same reference %(ref)s"),
    "import_identical": _("same name and phones as in the archive"),
    "import_identical_row": _("written exactly like that row"),
}


def batch_list(*, user: roles.Actor) -> QuerySet[ImportBatch]:
    if not roles.can_import_customers(user):
        return ImportBatch.objects.none()
    return ImportBatch.objects.select_related("created_by").defer("source")


def batch_get(*, user: roles.Actor, pk: Any) -> ImportBatch:
    try:
        return batch_list(user=user).get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(ImportBatch, pk, "import") from exc


def batch_rows(*, batch: ImportBatch, verdict: str = "") -> QuerySet[ImportRow]:
    """The dry-run table in file order (index import_row_verdict_idx)."""
    rows = batch.rows.select_related("match_customer", "customer").order_by("number")
    if verdict in ImportRow.Verdict.values:
        rows = rows.filter(verdict=verdict)
    return rows


def batch_created_customers(*, batch: ImportBatch) -> QuerySet[Customer]:
    """The customers this import created: the trace from an import to its rows."""
    return Customer.objects.filter(
        import_rows__batch=batch, import_rows__outcome=ImportRow.Outcome.CREATED
    ).order_by("name_pinyin", "pk")


def previous_imports(*, batch: ImportBatch) -> QuerySet[ImportBatch]:
    """Committed imports of the very same file (same SHA-256)."""
    return (
        ImportBatch.objects.filter(sha256=batch.sha256, status=ImportBatch.Status.COMMITTED)
        .exclude(pk=batch.pk)
        .select_related("committed_by")
        .defer("source")
    )


def saved_mappings() -> QuerySet[ImportMapping]:
    return ImportMapping.objects.all()


def row_reasons(row: ImportRow) -> list[str]:
    out = []
    for reason in row.reasons:
        template = _OWN_REASONS.get(reason.get("code", ""))
        if template:
            out.append(str(template) % reason.get("params", {}))
        else:
            out.append(reason_text(reason))
    return out


def row_summary(row: ImportRow) -> dict[str, Any]:
    """What the dry-run table shows of a row's values."""
    c = row.data.get("customer", {})
    place = "".join(c.get(k, "") for k in ("province", "city", "county"))
    machines = [
        " ".join(x for x in (m.get("brand", ""), m.get("model_raw", "")) if x)
        + (f" ×{m['quantity']}" if m.get("quantity", 1) > 1 else "")
        for m in row.data.get("machines", [])
    ]
    return {
        "name": c.get("name", ""),
        "phones": ", ".join(row.data.get("phones", [])),
        "place": place,
        "address": c.get("address", ""),
        "machines": ", ".join(machines),
        "shareholders": ", ".join(s["name"] for s in row.data.get("shareholders", [])),
    }


def field_choices() -> list[tuple[str, str]]:
    return [(key, str(field.label)) for key, field in FIELD_BY_KEY.items()]
