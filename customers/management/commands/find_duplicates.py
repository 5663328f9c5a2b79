"""find_duplicates: refresh the archivist's review queue from the database, or match a CSV
file without touching the database (ARCHITECTURE.md "Dedup on a file")."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from customers.matching.candidates import DEFAULT_THRESHOLD
from customers.matching.files import FileFormatError, match_file, no_cyclic_gc, write_matches


class Command(BaseCommand):
    help = (
        "Find duplicate customers. Without --csv: refresh the review queue (only customers "
        "changed since the last run are re-blocked; --full redoes all). With --csv IN --out "
        "OUT: write the pairs of a CSV file (id,name,phones,address,birth_date,id_number,"
        "models) to OUT (left_id,right_id,score,reasons) without touching the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, help="input file (UTF-8, header row)")
        parser.add_argument("--out", type=Path, help="output file for --csv")
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help=f"score from which a pair is a duplicate (default {DEFAULT_THRESHOLD})",
        )
        parser.add_argument("--full", action="store_true", help="database: re-block everyone")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="--csv: processes to prepare and score with (default 1)",
        )
        parser.add_argument(
            "--partitions",
            type=int,
            default=None,
            help="database: partitions scored on the Celery workers (default: the setting "
            "MATCHING_FANOUT_PARTITIONS; 1 scores here)",
        )
        parser.add_argument(
            "--language",
            default=None,
            help=f"language of the reasons (default {settings.LANGUAGE_CODE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["threshold"] < 1:
            raise CommandError("--threshold must be between 0 and 1")
        if options["partitions"] is not None and options["partitions"] < 1:
            raise CommandError("--partitions must be at least 1")
        language = options["language"] or settings.LANGUAGE_CODE
        self.started = time.monotonic()
        with translation.override(language):
            if options["csv"]:
                self.file_run(options)
            else:
                if options["out"]:
                    raise CommandError("--out goes with --csv")
                self.database_run(options)

    def progress(self, step: str, done: int, total: int) -> None:
        # stderr, so that nothing but results reaches stdout.
        elapsed = time.monotonic() - self.started
        of = f"/{total:,}" if total else ""
        noun = "records" if step == "prepare" else "pairs"
        sys.stderr.write(f"[{elapsed:6.1f} s] {step}: {done:,}{of} {noun}\n")
        sys.stderr.flush()

    def file_run(self, options: dict[str, Any]) -> None:
        source: Path = options["csv"]
        target: Path | None = options["out"]
        if target is None:
            raise CommandError("--csv needs --out")
        if not source.is_file():
            raise CommandError(f"{source} is not a file")
        with no_cyclic_gc():
            try:
                result = match_file(
                    source,
                    threshold=options["threshold"],
                    progress=self.progress,
                    workers=options["workers"],
                )
            except FileFormatError as exc:
                raise CommandError(f"{source}: {exc}") from exc
            except UnicodeDecodeError as exc:
                raise CommandError(f"{source} is not UTF-8: {exc}") from exc
            write_matches(target, result.matches)
            duplicates = sum(m.is_duplicate for m in result.matches)
            sys.stderr.write(
                f"{result.records:,} records, {result.stats.pairs:,} pairs compared, "
                f"{duplicates:,} possible duplicates and {len(result.matches) - duplicates:,} "
                f"possible relatives written to {target} in {time.monotonic() - self.started:.1f} s"
                + (
                    f" ({result.stats.skipped_blocks} over-full blocks skipped)"
                    if result.stats.skipped_blocks
                    else ""
                )
                + "\n"
            )
            if getattr(self, "_called_from_command_line", False):
                _exit_now()

    def database_run(self, options: dict[str, Any]) -> None:
        from customers.matching.fanout import fanout_partitions, fanout_start
        from customers.matching.refresh import duplicates_refresh
        from dealercrm.jobs import system_actor

        partitions = options["partitions"] or fanout_partitions()
        if partitions > 1:
            run = fanout_start(
                actor=system_actor(),
                partitions=partitions,
                full=options["full"],
                threshold=options["threshold"],
                progress=self.progress,
            )
            run.refresh_from_db()
            self.stdout.write(
                f"run {run.pk}: {run.partitions} partitions queued on the Celery workers; "
                f"the last to finish writes the queue (state now: {run.state})"
            )
            return
        result = duplicates_refresh(
            actor=system_actor(),
            full=options["full"],
            threshold=options["threshold"],
            progress=self.progress,
        )
        mode = "full" if result.full else "incremental"
        self.stdout.write(
            f"{mode} run: {result.customers:,} customers, {result.changed:,} changed, "
            f"{result.neighbours:,} neighbours, {result.pairs_compared:,} pairs compared; "
            f"queue: {result.proposed:,} possible duplicates, {result.relatives:,} possible "
            f"relatives, {result.reopened:,} reopened, {result.removed:,} withdrawn "
            f"({result.seconds:.1f} s)"
        )


def _exit_now() -> None:
    """End a file run typed at the command line without freeing what it built: a million
    records leave ~10 million objects, and releasing them one by one took ~4 s after the
    output file was already complete and closed. Output streams and log handlers are
    flushed first; nothing else is pending (a file run opens no database connection).
    Not when called from code (call_command: tests, other commands)."""
    import logging
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)
