"""The file run of find_duplicates (ARCHITECTURE.md): a CSV of dossiers in, the pairs the
archivist would be shown out. No database access: the same engine as the database run."""

from __future__ import annotations

import csv
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .candidates import (
    DEFAULT_THRESHOLD,
    BlockStats,
    Match,
    Progress,
    Record,
    find_matches,
    prepare_all,
)
from .reasons import Reason, format_reason, translated_templates
from .records import PARALLEL_MIN

IN_COLUMNS = ("id", "name", "phones", "address", "birth_date", "id_number", "models")
OUT_COLUMNS = ("left_id", "right_id", "score", "reasons")


class FileFormatError(ValueError):
    pass


@dataclass
class FileResult:
    records: int
    matches: list[Match]
    stats: BlockStats


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split(";") if part.strip())


def read_records(handle: IO[str]) -> Iterator[Record]:
    # csv.reader and the columns' positions: a dict per row costs seconds on a million rows.
    reader = csv.reader(handle)
    header = next(reader, None) or []
    missing = [c for c in IN_COLUMNS if c not in header]
    if missing:
        raise FileFormatError(
            f"missing column(s) {', '.join(missing)}; expected header {','.join(IN_COLUMNS)}"
        )
    # The last of repeated column names wins, as with csv.DictReader.
    where = {name: k for k, name in enumerate(header)}
    columns = [where[c] for c in IN_COLUMNS]
    width = max(columns) + 1
    seen: set[str] = set()
    line = 1  # counted as csv.DictReader counts: rows, blank lines skipped
    for row in reader:
        if not row:
            continue
        line += 1
        if len(row) < width:
            row = row + [""] * (width - len(row))
        rid, name, phones, address, birth, number, models = (row[k] for k in columns)
        rid = rid.strip()
        if not rid:
            raise FileFormatError(f"line {line}: empty id")
        if rid in seen:
            raise FileFormatError(f"line {line}: id {rid!r} appears twice")
        seen.add(rid)
        yield Record(
            id=rid,
            name=name.strip(),
            phones=_split(phones),
            address=address.strip(),
            birth_date=birth.strip(),
            id_number=number.strip(),
            models=_split(models),
        )


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """A run builds millions of long-lived objects and no reference cycles worth collecting:
    the cyclic collector would only walk them again and again (half the time of a run of
    a million records). Hold it across the whole run (match_file and write_matches): turned
    on in between, its first collection walks all of them at once (~9 s at a million)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def match_file(
    source: Path,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Progress | None = None,
    workers: int | None = None,
) -> FileResult:
    """`workers` > 1 prepares and scores in forked processes (a gain only on an idle machine
    with as many free cores; measured slower on a loaded one, so one is the default)."""
    workers = workers or 1
    with no_cyclic_gc():
        # utf-8-sig: files saved by spreadsheet programs start with a byte-order mark.
        with source.open(encoding="utf-8-sig", newline="") as handle:
            features = prepare_all(read_records(handle), progress=progress, workers=workers)
        stats = BlockStats()
        matches = find_matches(
            features,
            threshold=threshold,
            progress=progress,
            stats=stats,
            workers=workers if len(features) >= PARALLEL_MIN else 1,
        )
    return FileResult(len(features), matches, stats)


def write_matches(target: Path, matches: list[Match]) -> None:
    templates = translated_templates()
    # A reason that names no value ("same address", "no model in common": about half of
    # them) reads the same every time: written once per code, not formatted a million times.
    fixed = {code: format_reason(Reason(code, 0.0), text) for code, text in templates.items()}
    get = templates.get

    def text(r: Reason) -> str:
        return format_reason(r, get(r.code)) if r.params else fixed.get(r.code, r.code)

    with no_cyclic_gc(), target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(OUT_COLUMNS)
        writer.writerows(
            (m.left_id, m.right_id, f"{m.score:.4f}", "; ".join(map(text, m.reasons)))
            for m in matches
        )
