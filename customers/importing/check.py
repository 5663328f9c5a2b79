"""The dry run: every row parsed and validated, then checked with the duplicate engine
against the archive and against the other rows of the file. Writes the batch's ImportRow
records and nothing else: no customer, phone or machine is touched."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.matching.candidates import (
    DEFAULT_THRESHOLD,
    Features,
    Record,
    blocking_keys,
    find_matches,
    prepare,
)
from customers.matching.refresh import customer_record
from customers.models import Customer, ImportBatch, ImportRow, Machine, MatchKey, Phone
from dealercrm import roles

from . import progress as live
from .parse import Lookups, ParsedRow, RowParser
from .readers import nonblank_rows, read_table

CHUNK = 2000
LOOKUP_CHUNK = 5000
Progress = Callable[[str, int, int], None]

Verdict = ImportRow.Verdict
Decision = ImportRow.Decision
DEFAULT_DECISIONS = {
    Verdict.NEW: Decision.CREATE,
    Verdict.EXISTING: Decision.ATTACH,
    Verdict.DUPLICATE: Decision.ATTACH,
    Verdict.INVALID: Decision.SKIP,
}


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in_chunks(values: Iterable[Any]) -> Iterator[Sequence[Any]]:
    return _chunks(sorted(set(values)), LOOKUP_CHUNK)


def _record(row: ParsedRow) -> Record:
    c = row.data["customer"]
    machines = row.data["machines"]
    return Record(
        id=f"r{row.number}",
        name=c.get("name", ""),
        phones=tuple(row.data["phones"]),
        address="".join(c.get(k, "") for k in ("province", "city", "county", "address")),
        birth_date=c.get("birth_date") or str(c.get("birth_year") or ""),
        id_number=c.get("id_number", ""),
        models=tuple(m["model_raw"] for m in machines if m["model_raw"]),
        serials=tuple(m["serial_number"] for m in machines if m["serial_number"]),
    )


def _survivor(customer_id: int, merged: dict[int, int | None]) -> int:
    """A merged tombstone's dossier lives on in the customer it was merged into."""
    seen = set()
    while merged.get(customer_id) and customer_id not in seen:
        seen.add(customer_id)
        customer_id = merged[customer_id]  # type: ignore[assignment]
    return customer_id


class _Archive:
    """The existing customers a file could be about, found by the same keys the matcher
    blocks on (phone, name key, ID number, stored blocking keys, serials, references)."""

    def __init__(self, rows: list[ParsedRow], features: list[Features]) -> None:
        self.ids: set[int] = set()
        phones = {p for f in features for p in f.phones}
        for chunk in _in_chunks(phones):
            self.ids.update(
                Phone.objects.filter(e164__in=chunk).values_list("customer_id", flat=True)
            )
        names = {f.fuzzy for f in features if f.fuzzy}
        for chunk in _in_chunks(names):
            self.ids.update(
                Customer.objects.filter(name_fuzzy__in=chunk).values_list("pk", flat=True)
            )
        id_numbers = {f.id_number for f in features if len(f.id_number) >= 6}
        for chunk in _in_chunks(id_numbers):
            self.ids.update(
                Customer.objects.filter(id_number__in=chunk).values_list("pk", flat=True)
            )
        # The other blocking keys (same surname in the same village, birth dates, …) as the
        # nightly duplicate run stored them.
        keys = {k for f in features for k in blocking_keys(f) if k[0] not in "pn"}
        for chunk in _in_chunks(keys):
            self.ids.update(
                MatchKey.objects.filter(key__in=chunk).values_list("customer_id", flat=True)
            )
        # References and serial numbers must stay unique, tombstones included.
        refs = {r.data["customer"].get("external_ref") for r in rows} - {None, ""}
        self.refs: dict[str, int] = {}
        self.merged: dict[int, int | None] = {}
        for chunk in _in_chunks(refs):
            for pk, ref, into in Customer.all_objects.filter(external_ref__in=chunk).values_list(
                "pk", "external_ref", "merged_into_id"
            ):
                self.refs[ref] = pk
                self.merged[pk] = into
        serials = {m["serial_number"] for r in rows for m in r.data["machines"]} - {""}
        self.serials: dict[tuple[str, str], int] = {}
        for chunk in _in_chunks(serials):
            for brand, serial, owner, owner_into in Machine.objects.filter(
                serial_number__in=chunk
            ).values_list("brand", "serial_number", "customer_id", "customer__merged_into_id"):
                self.serials[(brand, serial)] = owner
                self.merged[owner] = owner_into
        self.refs = {ref: _survivor(pk, self.merged) for ref, pk in self.refs.items()}
        self.serials = {key: _survivor(pk, self.merged) for key, pk in self.serials.items()}
        self.ids.update(self.refs.values())
        self.ids.update(self.serials.values())
        self.names: dict[int, str] = {}

    def features(self, offset: int) -> list[Features]:
        out: list[Features] = []
        for chunk in _chunks(sorted(self.ids), CHUNK):
            qs = Customer.objects.filter(pk__in=chunk).prefetch_related("phones", "machines")
            for customer in qs.order_by("pk"):
                out.append(prepare(customer_record(customer), offset + len(out)))
                self.names[customer.pk] = customer.name
        return out


def _identical(f: Features, a: Features) -> bool:
    """The same person written the same way: same name, and every number of the row (or,
    with none, the same place) already on the dossier. Re-importing a file lands here
    whatever the scores say."""
    if f.name != a.name:
        return False
    if f.phones:
        return set(f.phones) <= set(a.phones)
    return bool(f.address) and f.address == a.address


def _reasons(match: Any) -> list[dict[str, Any]]:
    return [r.as_dict() for r in match.reasons]


def import_check(
    *, actor: roles.Actor, batch: ImportBatch, progress: Progress | None = None
) -> ImportBatch:
    """Run the dry run of a mapped batch and store its rows; the batch ends CHECKED."""
    roles.require(roles.can_import_customers, actor)
    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status != ImportBatch.Status.CHECKING:
        raise ValidationError(_("This import is not waiting for a dry run."))

    def report(phase: str, done: int, total: int) -> None:
        live.report(batch.pk, phase, done, total)
        if progress:
            progress(phase, done, total)

    table = read_table(bytes(batch.source), batch.file_name)
    parser = RowParser(batch.headers, batch.mapping, Lookups.load())
    rows: list[ParsedRow] = []
    for number, cells in nonblank_rows(table):
        rows.append(parser.parse(number, cells))
        if len(rows) % 1000 == 0:
            report("read", len(rows), 0)
    total = len(rows)
    report("match", 0, total)

    _check_unique_within_file(rows, parser)
    valid = [r for r in rows if not r.errors]
    features = [prepare(_record(r), i) for i, r in enumerate(valid)]
    archive = _Archive(valid, features)
    archive_features = archive.features(offset=len(features))
    matches = find_matches(
        [*features, *archive_features],
        only=set(range(len(features))),
        threshold=DEFAULT_THRESHOLD,
    )
    verdicts = _verdicts(valid, features, archive_features, archive, matches)
    _check_serials(valid, verdicts, archive, parser)
    _check_shares(valid, verdicts, parser)

    with transaction.atomic():
        ImportRow.objects.filter(batch=batch).delete()
        done = 0
        for chunk in _chunks(rows, CHUNK):
            objs = []
            for row in chunk:
                v = verdicts.get(row.number) if not row.errors else None
                verdict = v["verdict"] if v else Verdict.INVALID
                objs.append(
                    ImportRow(
                        batch=batch,
                        number=row.number,
                        data=row.data,
                        errors=row.errors,
                        verdict=verdict,
                        match_customer_id=v.get("customer") if v else None,
                        match_row=v.get("row") if v else None,
                        match_score=v.get("score") if v else None,
                        reasons=v.get("reasons", []) if v else [],
                        decision=DEFAULT_DECISIONS[verdict],
                    )
                )
            ImportRow.objects.bulk_create(objs)
            done += len(chunk)
            report("save", done, total)
        counts = {v: 0 for v in Verdict.values}
        for row in rows:
            v = verdicts.get(row.number) if not row.errors else None
            counts[v["verdict"] if v else Verdict.INVALID] += 1
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.CHECKED,
            phase="",
            progress_done=total,
            progress_total=total,
            rows_total=total,
            rows_invalid=counts[Verdict.INVALID],
            rows_new=counts[Verdict.NEW],
            rows_existing=counts[Verdict.EXISTING],
            rows_duplicate=counts[Verdict.DUPLICATE],
            checked_at=timezone.now(),
            error="",
        )
    live.clear(batch.pk)
    batch.refresh_from_db()
    return batch


def _check_unique_within_file(rows: list[ParsedRow], parser: RowParser) -> None:
    """A reference or a machine serial may appear on one row only."""
    refs: dict[str, int] = {}
    serials: dict[tuple[str, str], int] = {}
    for row in rows:
        ref = row.data["customer"].get("external_ref")
        if ref:
            if ref in refs:
                row.error(
                    parser.header("external_ref"),
                    _("Reference %(ref)s is also on row %(row)s.") % {"ref": ref, "row": refs[ref]},
                )
            else:
                refs[ref] = row.number
        for machine in row.data["machines"]:
            key = (machine["brand"], machine["serial_number"])
            if not key[1]:
                continue
            if key in serials:
                row.error(
                    parser.header("serial_number"),
                    _("Serial number %(serial)s is also on row %(row)s.")
                    % {"serial": key[1], "row": serials[key]},
                )
            else:
                serials[key] = row.number


def _verdicts(
    rows: list[ParsedRow],
    features: list[Features],
    archive_features: list[Features],
    archive: _Archive,
    matches: list[Any],
) -> dict[int, dict[str, Any]]:
    n = len(features)
    number = [r.number for r in rows]
    best: dict[int, dict[str, Any]] = {}
    parent = list(range(n))
    pair_reasons: dict[tuple[int, int], Any] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index_of = {f.id: f.index for f in (*features, *archive_features)}
    for match in matches:
        if not match.is_duplicate:
            continue
        i, j = index_of[match.left_id], index_of[match.right_id]
        if j < n:  # two rows of the file
            pair_reasons[(i, j)] = match
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
            continue
        customer_id = int(archive_features[j - n].id)
        if match.score > best.get(i, {}).get("score", -1):
            best[i] = {"customer": customer_id, "score": match.score, "reasons": _reasons(match)}

    # Exact evidence beats any score: a known reference, or the same person written alike.
    by_name: dict[str, list[Features]] = {}
    for archived in archive_features:
        by_name.setdefault(archived.name, []).append(archived)
    for i, row in enumerate(rows):
        ref = row.data["customer"].get("external_ref")
        if ref and ref in archive.refs:
            best[i] = {
                "customer": archive.refs[ref],
                "score": 1.0,
                "reasons": [{"code": "import_same_ref", "weight": 0, "params": {"ref": ref}}],
            }
            continue
        for archived in by_name.get(features[i].name, ()):
            if _identical(features[i], archived):
                if best.get(i, {}).get("customer") != int(archived.id):
                    best[i] = {
                        "customer": int(archived.id),
                        "score": 1.0,
                        "reasons": [{"code": "import_identical", "weight": 0, "params": {}}],
                    }
                break

    # Rows written identically within the file are one person whatever the scores say.
    first: dict[tuple[Any, ...], int] = {}
    for i, f in enumerate(features):
        key = (f.name, tuple(sorted(f.phones)), f.address, f.id_number)
        if key in first:
            a, b = find(first[key]), find(i)
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first[key] = i

    out: dict[int, dict[str, Any]] = {}
    for i in range(n):
        if i in best:
            out[number[i]] = {"verdict": Verdict.EXISTING, **best[i]}
            continue
        root = find(i)
        if root != i:
            pair = pair_reasons.get((root, i))
            if pair is None:
                linked = [m for (a, b), m in pair_reasons.items() if i in (a, b)]
                pair = max(linked, key=lambda m: m.score) if linked else None
            out[number[i]] = {
                "verdict": Verdict.DUPLICATE,
                "row": number[root],
                "score": pair.score if pair else 1.0,
                "reasons": _reasons(pair)
                if pair
                else [{"code": "import_identical_row", "weight": 0, "params": {}}],
            }
            continue
        out[number[i]] = {"verdict": Verdict.NEW}
    return out


def _check_serials(
    rows: list[ParsedRow],
    verdicts: dict[int, dict[str, Any]],
    archive: _Archive,
    parser: RowParser,
) -> None:
    """A serial already in the archive may only come back on its own customer's row."""

    def target(number: int) -> int | None:
        v = verdicts.get(number) or {}
        if v.get("verdict") == Verdict.EXISTING:
            customer: int | None = v["customer"]
            return customer
        if v.get("verdict") == Verdict.DUPLICATE:
            return target(v["row"])
        return None

    for row in rows:
        for machine in row.data["machines"]:
            owner = archive.serials.get((machine["brand"], machine["serial_number"]))
            if owner is not None and target(row.number) != owner:
                row.error(
                    parser.header("serial_number"),
                    _("Serial number %(serial)s already belongs to customer #%(id)s.")
                    % {"serial": machine["serial_number"], "id": owner},
                )
        if row.errors:
            verdicts.pop(row.number, None)


def _check_shares(
    rows: list[ParsedRow], verdicts: dict[int, dict[str, Any]], parser: RowParser
) -> None:
    """Attaching a row adds its new shareholders to the dossier it joins: the current shares
    there (in the archive, or of the earlier row) plus these must stay within 100%."""
    from decimal import Decimal

    from django.db.models import Sum

    from customers.models import Shareholder

    def target(number: int) -> tuple[str, int] | None:
        v = verdicts.get(number) or {}
        if v.get("verdict") == Verdict.EXISTING:
            return ("c", v["customer"])
        if v.get("verdict") == Verdict.DUPLICATE:
            return target(v["row"]) or ("r", v["row"])
        return None

    archive_ids = {t[1] for r in rows if (t := target(r.number)) and t[0] == "c"}
    names: dict[tuple[str, int], set[str]] = {}
    shares: dict[tuple[str, int], Decimal] = {}
    for chunk in _in_chunks(archive_ids):
        for cid, name in Shareholder.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "name"
        ):
            names.setdefault(("c", cid), set()).add(name)
        for summed in (
            Shareholder.objects.filter(customer_id__in=chunk, left_on__isnull=True)
            .values("customer_id")
            .annotate(total=Sum("share_percent"))
        ):
            shares[("c", summed["customer_id"])] = summed["total"] or Decimal(0)
    for row in rows:
        if not row.data["shareholders"] or row.number not in verdicts:
            continue
        key = target(row.number) or ("r", row.number)
        known = names.setdefault(key, set())
        added = [s for s in row.data["shareholders"] if s["name"] not in known]
        total = shares.get(key, Decimal(0)) + sum(
            (Decimal(s["share_percent"]) for s in added if s.get("share_percent")), Decimal(0)
        )
        if total > 100:
            row.error(
                parser.header("shareholders"),
                _(
                    "With these shareholders the customer's current shareholders would hold "
                    "%(total)s%%; the total cannot exceed 100%%."
                )
                % {"total": total},
            )
            verdicts.pop(row.number, None)
            continue
        known.update(s["name"] for s in added)
        shares[key] = total
