"""Every write of an import, each taking the acting user and asking the policy first:
upload, map the columns, decide, and start the dry run or the commit (a Celery task when
a broker is configured, inline otherwise)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers.models import ImportBatch, ImportMapping, ImportRow
from dealercrm import roles

from .check import import_check
from .commit import import_commit
from .mapping import auto_mapping, mapping_by_header, mapping_problems
from .readers import read_table

__all__ = [
    "ALLOWED_DECISIONS",
    "import_check",
    "import_commit",
    "import_decide",
    "import_decide_all",
    "import_map",
    "import_start_commit",
    "import_upload",
]

logger = logging.getLogger(__name__)
Verdict = ImportRow.Verdict
Decision = ImportRow.Decision
ALLOWED_DECISIONS: dict[str, frozenset[str]] = {
    Verdict.NEW: frozenset({Decision.CREATE, Decision.SKIP}),
    Verdict.EXISTING: frozenset({Decision.CREATE, Decision.ATTACH, Decision.SKIP}),
    Verdict.DUPLICATE: frozenset({Decision.CREATE, Decision.ATTACH, Decision.SKIP}),
    Verdict.INVALID: frozenset({Decision.SKIP}),
}


def _run(task: Any, *args: Any) -> None:
    """Queue on the broker once the transaction commits; without one (or when tasks run
    eagerly) run now, in this process."""
    from dealercrm.celery import app

    if app.conf.task_always_eager:
        task.apply(args=args, throw=True)
    else:
        task.delay_on_commit(*args)


@transaction.atomic
def import_upload(
    *, actor: roles.Actor, file_name: str, content: bytes, saved: ImportMapping | None = None
) -> ImportBatch:
    """Store an uploaded file as a new batch with its columns guessed (or taken from a
    saved mapping). Unreadable files raise ValidationError; nothing is stored then."""
    roles.require(roles.can_import_customers, actor)
    try:
        table = read_table(content, file_name)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    mapping = auto_mapping(table.headers, saved.columns if saved else None)
    return ImportBatch.objects.create(
        created_by=roles.signed_in(actor),
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        file_size=len(content),
        source=content,
        encoding=table.encoding,
        headers=table.headers,
        mapping=mapping,
        mapping_name=saved.name if saved else "",
    )


@transaction.atomic
def import_map(
    *,
    actor: roles.Actor,
    batch: ImportBatch,
    mapping: Mapping[str, str],
    save_as: str = "",
    start: bool = True,
) -> ImportBatch:
    """Set the column mapping (optionally saving it under a name) and start the dry run."""
    roles.require(roles.can_import_customers, actor)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in {
        ImportBatch.Status.MAPPING,
        ImportBatch.Status.CHECKED,
        ImportBatch.Status.FAILED,
    }:
        raise ValidationError(_("The columns of this import can no longer be changed."))
    columns = {str(i): mapping.get(str(i), "") for i in range(len(batch.headers))}
    problems = mapping_problems(columns)
    if problems:
        raise ValidationError(problems)
    if save_as.strip():
        ImportMapping.objects.update_or_create(
            name=save_as.strip()[:80],
            defaults={
                "columns": mapping_by_header(batch.headers, columns),
                "created_by": roles.signed_in(actor),
            },
        )
        batch.mapping_name = save_as.strip()[:80]
    batch.mapping = columns
    batch.status = ImportBatch.Status.CHECKING
    batch.phase, batch.progress_done, batch.progress_total, batch.error = "", 0, 0, ""
    batch.save()
    if start:
        from customers.tasks import import_check_task

        _run(import_check_task, batch.pk, actor.pk, get_language())
        batch.refresh_from_db()
    return batch


def import_decide(*, actor: roles.Actor, batch: ImportBatch, decisions: Mapping[int, str]) -> int:
    """Per-row decisions {row id: decision}; returns how many rows changed. A decision the
    row's verdict does not allow (attach a new row, import a row with errors) is refused."""
    roles.require(roles.can_import_customers, actor)
    _require_checked(batch)
    rows = {r.pk: r for r in batch.rows.filter(pk__in=list(decisions))}
    changed = []
    for pk, decision in decisions.items():
        row = rows.get(pk)
        if row is None:
            continue
        if decision not in ALLOWED_DECISIONS[row.verdict]:
            raise ValidationError(
                _("Row %(row)s cannot be set to “%(decision)s”.")
                % {"row": row.number, "decision": decision}
            )
        if row.decision != decision:
            row.decision = decision
            changed.append(row)
    ImportRow.objects.bulk_update(changed, ["decision"])
    return len(changed)


def import_decide_all(
    *, actor: roles.Actor, batch: ImportBatch, verdict: str, decision: str
) -> int:
    """One decision for every row of a verdict ("skip all probable duplicates")."""
    roles.require(roles.can_import_customers, actor)
    _require_checked(batch)
    if verdict not in ALLOWED_DECISIONS or decision not in ALLOWED_DECISIONS[verdict]:
        raise ValidationError(_("That decision is not possible for these rows."))
    return batch.rows.filter(verdict=verdict).exclude(decision=decision).update(decision=decision)


def _require_checked(batch: ImportBatch) -> None:
    if not ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKED).exists():
        raise ValidationError(_("This import is not waiting for decisions."))


def import_start_commit(*, actor: roles.Actor, batch: ImportBatch) -> ImportBatch:
    """Claim the checked batch for its commit and run it (inline or on a worker)."""
    roles.require(roles.can_import_customers, actor)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKED).update(
        status=ImportBatch.Status.COMMITTING, phase="commit", progress_done=0, error=""
    )
    if not claimed:
        raise ValidationError(_("This import is not waiting to be committed."))
    from customers.tasks import import_commit_task

    _run(import_commit_task, batch.pk, actor.pk, get_language())
    batch.refresh_from_db()
    return batch


def import_check_guarded(*, actor: roles.Actor, batch: ImportBatch) -> bool:
    """The task's entry: a dry run that fails leaves the batch FAILED with the reason
    (never stuck "running"); the archivist reads it on the batch page."""
    try:
        import_check(actor=actor, batch=batch)
    except (ValueError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _fail(batch, message)
        return False
    except Exception as exc:
        logger.exception("dry run of import %s failed", batch.pk)
        _fail(batch, repr(exc))
        return False
    return True


def import_commit_guarded(*, actor: roles.Actor, batch: ImportBatch) -> bool:
    """The task's entry: a failed commit has written nothing and put the batch back to its
    decisions with the reason (import_commit does both); here it is only logged."""
    try:
        import_commit(actor=actor, batch=batch)
    except Exception:
        logger.exception("commit of import %s failed; nothing was written", batch.pk)
        return False
    return True


def _fail(batch: ImportBatch, message: str) -> None:
    from . import progress

    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.FAILED, phase="", error=message[:2000]
    )
    progress.clear(batch.pk)
