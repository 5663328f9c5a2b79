"""The commit: the archivist's decisions applied in ONE transaction. Either every row is
written (customers with their phones, machines and shareholders, history rows naming the
archivist and the import, the manager's read permission) or, on any error, none is.

Rows are written in bulk (50,000 rows in a couple of minutes, not an hour of one service
call each); each row was validated by the models' own rules in the dry run, and the rules
that span rows (a number already on the dossier, the shares of its shareholders, a serial
number) are checked here again against the database as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from customers.matching.normalise import clean_text, name_grams, normalize_model, normalize_phone
from customers.matching.records import _name_keys
from customers.models import (
    Customer,
    CustomerUserObjectPermission,
    ImportBatch,
    ImportRow,
    Machine,
    Phone,
    Shareholder,
)
from dealercrm import roles

from . import progress as live
from .parse import customer_instance, machine_instance, shareholder_instance

CHUNK = 2000
Progress = Callable[[str, int, int], None]
Outcome = ImportRow.Outcome


class _Targets:
    """What each dossier already holds, so attaching a row adds only what is new."""

    def __init__(self) -> None:
        self.phones: dict[int, set[str]] = {}
        self.machines: dict[int, set[tuple[str, str]]] = {}
        self.shareholders: dict[int, set[str]] = {}
        self.shares: dict[int, Decimal] = {}

    def load(self, ids: set[int]) -> None:
        ids = {i for i in ids if i not in self.phones}
        if not ids:
            return
        for i in ids:
            self.phones[i], self.machines[i], self.shareholders[i] = set(), set(), set()
            self.shares[i] = Decimal(0)
        for cid, e164 in Phone.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "e164"
        ):
            self.phones[cid].add(e164)
        for cid, key, serial in Machine.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "model_key", "serial_number"
        ):
            self.machines[cid].add((key, serial))
        for cid, name in Shareholder.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "name"
        ):
            self.shareholders[cid].add(name)
        for row in (
            Shareholder.objects.filter(customer_id__in=ids, left_on__isnull=True)
            .values("customer_id")
            .annotate(total=Sum("share_percent"))
        ):
            self.shares[row["customer_id"]] = row["total"] or Decimal(0)

    def new(self, customer_id: int) -> None:
        self.phones[customer_id], self.machines[customer_id] = set(), set()
        self.shareholders[customer_id], self.shares[customer_id] = set(), Decimal(0)


def import_commit(
    *, actor: roles.Actor, batch: ImportBatch, progress: Progress | None = None
) -> ImportBatch:
    """Write the decided rows of a checked batch, all or nothing."""
    roles.require(roles.can_import_customers, actor)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.COMMITTING)
    if not claimed.exists():
        raise ValidationError(_("This import is not waiting to be committed."))
    try:
        with transaction.atomic():
            counts = _write(actor, batch, progress)
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.COMMITTED,
                committed_by=actor,
                committed_at=timezone.now(),
                created_count=counts[Outcome.CREATED],
                attached_count=counts[Outcome.ATTACHED] + counts[Outcome.UNCHANGED],
                skipped_count=counts[Outcome.SKIPPED],
                source=b"",  # the rows are kept in ImportRow; the file is not needed
                phase="",
                error="",
            )
    except Exception as exc:
        # Nothing was written; the batch goes back to its decisions with the reason.
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else repr(exc)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.CHECKED, phase="", error=message[:2000]
        )
        live.clear(batch.pk)
        raise
    live.clear(batch.pk)
    batch.refresh_from_db()
    from dealercrm.security import log_event

    log_event(
        "import",
        user=actor,
        outcome=f"committed #{batch.pk}",
        detail={
            "batch": batch.pk,
            "file": batch.file_name,
            "sha256": batch.sha256,
            "rows": batch.rows_total,
            "created": batch.created_count,
            "attached": batch.attached_count,
            "skipped": batch.skipped_count,
        },
    )
    return batch


def _write(actor: roles.Actor, batch: ImportBatch, progress: Progress | None) -> dict[str, int]:
    # Lock the batch row: a second commit of the same batch waits, then finds it done.
    ImportBatch.objects.select_for_update().filter(pk=batch.pk).exists()
    reason = f"import #{batch.pk} ({batch.file_name})"[:100]
    view_perm = Permission.objects.get(
        content_type__app_label="customers", codename="view_customer"
    )
    targets = _Targets()
    results: dict[int, int | None] = {}  # row number -> the customer it became or joined
    counts = dict.fromkeys(Outcome.values, 0)
    total = batch.rows.count()
    done = 0
    rows = batch.rows.all()
    last_pk = 0
    while True:
        chunk = list(rows.filter(pk__gt=last_pk).order_by("pk")[:CHUNK])
        if not chunk:
            break
        last_pk = chunk[-1].pk
        _write_chunk(actor, chunk, targets, results, counts, reason, view_perm)
        done += len(chunk)
        live.report(batch.pk, "commit", done, total)
        if progress:
            progress("commit", done, total)
    return counts


def _lock_targets(ids: set[int]) -> dict[int, int]:
    """Lock the dossiers rows attach to, in primary-key order as a merge locks them, so
    none is merged away under the rows added to it; one merged away since the dry run
    lives on in the one it was merged into (followed, and locked, to the live one)."""
    into: dict[int, int | None] = {}
    todo = set(ids)
    while todo:
        locked = (
            Customer.all_objects.select_for_update()
            .filter(pk__in=todo)
            .order_by("pk")
            .values_list("pk", "merged_into_id")
        )
        into.update(locked)
        todo = {m for m in into.values() if m is not None and m not in into}
    merged: dict[int, int] = {}
    for pk, target in into.items():
        seen = {pk}
        while target is not None and into.get(target) is not None and target not in seen:
            seen.add(target)
            target = into[target]
        if target is not None:
            merged[pk] = target
    return merged


def _resolve(row: ImportRow, results: dict[int, int | None], merged: dict[int, int]) -> int | None:
    if row.verdict == ImportRow.Verdict.DUPLICATE and row.match_row is not None:
        return results.get(row.match_row)
    if row.match_customer_id is None:
        return None
    return merged.get(row.match_customer_id, row.match_customer_id)


def _write_chunk(
    actor: roles.Actor,
    chunk: list[ImportRow],
    targets: _Targets,
    results: dict[int, int | None],
    counts: dict[str, int],
    reason: str,
    view_perm: Permission,
) -> None:
    Decision = ImportRow.Decision
    match_ids = {r.match_customer_id for r in chunk if r.match_customer_id}
    merged = _lock_targets(match_ids)
    creates: list[tuple[ImportRow, Customer]] = []
    for row in chunk:
        if row.decision == Decision.CREATE and row.verdict != ImportRow.Verdict.INVALID:
            customer = customer_instance(row.data["customer"])
            _derive_keys(customer)
            if customer.birth_date:
                customer.birth_year = customer.birth_date.year
            creates.append((row, customer))
    if creates:
        objs = [c for _, c in creates]
        bulk_create_with_history(
            objs, Customer, batch_size=500, default_user=actor, default_change_reason=reason
        )
        CustomerUserObjectPermission.objects.bulk_create(
            [
                CustomerUserObjectPermission(
                    content_object=c, user_id=c.manager_id, permission=view_perm
                )
                for c in objs
                if c.manager_id
            ],
            batch_size=1000,
        )
        for row, customer in creates:
            targets.new(customer.pk)
            row.customer_id = customer.pk
            row.outcome = Outcome.CREATED
            results[row.number] = customer.pk

    # In file order: a row may join the dossier an earlier row of this chunk joined.
    attaches = []
    for row in chunk:
        if row.outcome == Outcome.CREATED:
            continue
        if row.decision == Decision.ATTACH:
            row.customer_id = _resolve(row, results, merged)
            attaches.append(row)
        else:
            row.customer_id = None
        results[row.number] = row.customer_id
    targets.load({r.customer_id for r in attaches if r.customer_id})

    phones: list[Phone] = []
    machines: list[Machine] = []
    shareholders: list[Shareholder] = []
    for row in chunk:
        if row.outcome == Outcome.CREATED:
            # customer_id is the pk of the customer created for the row above
            customer_id = cast(int, row.customer_id)
            added = _related(row, customer_id, targets, phones, machines, shareholders)
        elif row.decision == Decision.ATTACH and row.customer_id:
            added = _related(row, row.customer_id, targets, phones, machines, shareholders)
            row.outcome = Outcome.ATTACHED if added else Outcome.UNCHANGED
        else:
            row.outcome = Outcome.SKIPPED
        counts[row.outcome] += 1
    for model, queued in ((Phone, phones), (Machine, machines), (Shareholder, shareholders)):
        if queued:
            bulk_create_with_history(
                queued, model, batch_size=1000, default_user=actor, default_change_reason=reason
            )
    _save_outcomes(chunk)


def _derive_keys(customer: Customer) -> None:
    """Customer.derive_keys() with the name keys memoised: a file repeats names, and the
    dry run computed the same keys for the matcher moments ago."""
    keys = _name_keys(customer.name)
    customer.name = customer.name.strip()
    customer.id_number = clean_text(customer.id_number).upper()
    customer.name_pinyin = keys.pinyin[:300]
    customer.name_initials = keys.initials[:100]
    customer.name_fuzzy = keys.fuzzy[:300]
    customer.name_grams = name_grams(customer.name)


def _save_outcomes(chunk: list[ImportRow]) -> None:
    """Each row's outcome and customer. One UPDATE … FROM (VALUES …) on PostgreSQL: Django's
    bulk_update builds a CASE per row and per column, the slowest part of a large commit."""
    if connection.vendor != "postgresql":
        ImportRow.objects.bulk_update(chunk, ["outcome", "customer"], batch_size=1000)
        return
    table = connection.ops.quote_name(ImportRow._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(chunk), 1000):
            part = chunk[start : start + 1000]
            values = ", ".join(["(%s, %s, %s::bigint)"] * len(part))
            params: list[Any] = []
            for row in part:
                params += [row.pk, row.outcome, row.customer_id]
            cursor.execute(
                f"UPDATE {table} AS t SET outcome = v.outcome, customer_id = v.customer_id "  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, outcome, customer_id) WHERE t.id = v.id",
                params,
            )


def _related(
    row: ImportRow,
    customer_id: int,
    targets: _Targets,
    phones: list[Phone],
    machines: list[Machine],
    shareholders: list[Shareholder],
) -> int:
    """Queue the row's phones, machines and shareholders the dossier does not have yet;
    returns how many."""
    added = 0
    keys = row.data.get("phone_keys") or [None] * len(row.data["phones"])
    for raw, key in zip(row.data["phones"], keys, strict=True):
        if key is None:  # a row checked before the keys were stored
            result = normalize_phone(raw)
            key = [result.e164, result.national, result.extension[:10], result.valid]
        e164 = key[0]
        if e164 in targets.phones[customer_id]:
            continue
        phones.append(
            Phone(
                customer_id=customer_id,
                raw=raw.strip(),
                e164=e164,
                national=key[1],
                extension=key[2],
                is_valid=key[3],
            )
        )
        targets.phones[customer_id].add(e164)
        added += 1
    for data in row.data["machines"]:
        key = (normalize_model(data["model_raw"]).key[:60], data["serial_number"])
        if key in targets.machines[customer_id] or (
            data["serial_number"] and any(s == key[1] for _, s in targets.machines[customer_id])
        ):
            continue
        machine = machine_instance(data, customer_id=customer_id)
        machine.derive_keys()
        machines.append(machine)
        targets.machines[customer_id].add(key)
        added += 1
    for data in row.data["shareholders"]:
        if data["name"] in targets.shareholders[customer_id]:
            continue
        share = Decimal(data["share_percent"]) if data.get("share_percent") else Decimal(0)
        total = targets.shares[customer_id] + share
        if total > 100:
            raise ValidationError(
                _(
                    "Row %(row)s: with %(name)s the current shareholders would hold "
                    "%(total)s%%; the total cannot exceed 100%%."
                )
                % {
                    "row": row.number,
                    "name": data["name"],
                    "total": targets.shares[customer_id] + share,
                }
            )
        shareholders.append(shareholder_instance(data, customer_id=customer_id))
        targets.shareholders[customer_id].add(data["name"])
        targets.shares[customer_id] += share
        added += 1
    return added
