"""import_customers FILE: the browser's import from the command line — the same dry run
(with the duplicate engine) and the same all-or-nothing commit, acting as an archivist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from customers.importing import services
from customers.importing.mapping import FIELD_BY_KEY
from customers.models import ImportMapping, ImportRow


class Command(BaseCommand):
    help = (
        "Import customers from an .xlsx or .csv file (UTF-8 or GBK). Runs the dry run, prints "
        "the errors and what each row probably is, then imports all or nothing. Columns are "
        "recognised from their headers, or taken from a mapping saved in the browser."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", help="name of a saved column mapping")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--decide",
            choices=["attach", "create", "skip"],
            default="attach",
            help="rows that are probably an existing customer or repeat an earlier row: "
            "attach them (default), create them anyway, or skip them",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the other rows even when some rows have errors (they are skipped)",
        )
        parser.add_argument("--user", default="archivist", help="the archivist acting")
        parser.add_argument("--language", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"] or settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        User = get_user_model()
        actor = User.objects.filter(username=options["user"]).first()
        if actor is None:
            raise CommandError(f"no user {options['user']!r}")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        saved = None
        if options["mapping"]:
            saved = ImportMapping.objects.filter(name=options["mapping"]).first()
            if saved is None:
                raise CommandError(f"no saved mapping {options['mapping']!r}")
        try:
            batch = services.import_upload(
                actor=actor, file_name=path.name, content=path.read_bytes(), saved=saved
            )
            columns = ", ".join(
                f"{batch.headers[int(i)]}→{FIELD_BY_KEY[k].key}"
                for i, k in batch.mapping.items()
                if k
            )
            self.stdout.write(f"Import #{batch.pk} of {path.name} ({batch.encoding}): {columns}")
            batch = services.import_map(actor=actor, batch=batch, mapping=batch.mapping)
        except PermissionDenied as exc:
            raise CommandError(f"{actor} may not import customers") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if batch.status != batch.Status.CHECKED:
            raise CommandError(f"the dry run failed: {batch.error}")
        self._report(batch)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing written.")
            return
        if batch.rows_invalid and not options["skip_invalid"]:
            raise CommandError(
                f"{batch.rows_invalid} rows have errors; fix the file, or pass --skip-invalid "
                "to import the other rows. Nothing written."
            )
        if options["decide"] != "attach":
            for verdict in (ImportRow.Verdict.EXISTING, ImportRow.Verdict.DUPLICATE):
                services.import_decide_all(
                    actor=actor, batch=batch, verdict=verdict, decision=options["decide"]
                )
        batch = services.import_start_commit(actor=actor, batch=batch)
        if batch.status != batch.Status.COMMITTED:
            raise CommandError(f"nothing was imported: {batch.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {batch.created_count} created, {batch.attached_count} attached, "
                f"{batch.skipped_count} skipped (import #{batch.pk})."
            )
        )

    def _report(self, batch: Any) -> None:
        from customers.importing.selectors import row_reasons

        for row in batch.rows.exclude(verdict=ImportRow.Verdict.NEW).select_related(
            "match_customer"
        ):
            if row.verdict == ImportRow.Verdict.INVALID:
                for error in row.errors:
                    self.stdout.write(f"row {row.number}, {error['column']}: {error['message']}")
            elif row.verdict == ImportRow.Verdict.EXISTING:
                who = row.match_customer or "?"
                why = "; ".join(row_reasons(row))
                self.stdout.write(f"row {row.number}: probably existing customer {who} ({why})")
            else:
                self.stdout.write(f"row {row.number}: duplicate of row {row.match_row}")
        self.stdout.write(
            f"{batch.rows_total} rows: {batch.rows_new} new, {batch.rows_existing} probably "
            f"existing, {batch.rows_duplicate} duplicates within the file, "
            f"{batch.rows_invalid} with errors."
        )
