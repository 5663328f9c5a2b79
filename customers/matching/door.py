"""At the door (issue 17): who is already in the archive, before a new customer is saved.

One draft (what the archivist has typed so far, or what an API client or a manager's report
sends) is looked up by the normalised keys the database already stores and indexes — phones
by E.164 (`Phone.e164`), the resident ID number (`Customer.id_number`), the fuzzy pinyin key
of the name (`Customer.name_fuzzy`) and the blocking keys of the last matcher run
(`MatchKey.key`: same surname in the same village, a nickname's surname …) — and the few
customers found are scored by the review queue's own engine (`candidates.compare`), with its
reasons. Nothing here writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Value, When

from customers.models import Customer, MatchKey, Phone

from .candidates import (
    DEFAULT_THRESHOLD,
    KIND_DUPLICATE,
    Context,
    Reason,
    Record,
    blocking_keys,
    compare,
    count_keys,
    prepare,
    reason_text,
)
from .refresh import customer_record

# At most this many customers are scored for one draft: the door must answer while she
# types. A key shared by more customers than BLOCK_LIMIT (an office number, 王伟 in a whole
# province) says little on its own; the name is then looked up within the draft's county.
CANDIDATE_LIMIT = 60
BLOCK_LIMIT = 40
# The most candidates shown or answered.
SHOWN = 8


@dataclass(frozen=True, slots=True)
class DoorCandidate:
    customer: Customer
    score: float
    kind: str
    reasons: tuple[Reason, ...]

    @property
    def is_duplicate(self) -> bool:
        return self.kind == KIND_DUPLICATE

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.customer.pk,
            "name": self.customer.name,
            "score": self.score,
            "kind": self.kind,
            "reasons": [reason_text(r) for r in self.reasons],
        }


def draft_record(data: Mapping[str, Any], phones: Iterable[Any] = ()) -> Record:
    """A draft customer as the matcher reads it: form or API data, phones as typed (strings
    or {"raw": …} rows)."""
    birth = data.get("birth_date")
    birth_text = birth.isoformat() if birth and hasattr(birth, "isoformat") else str(birth or "")
    if not birth_text and data.get("birth_year"):
        birth_text = str(data["birth_year"])
    # Only a draft with its street address is compared by address. Province, city or
    # county alone (what the archivist often types first) are too coarse to weigh against a
    # dossier's full address (泗县 is 泗 once suffixes go: one character), and saying
    # "different addresses" there hid customers holding the typed phone. The county still
    # orders the same-name leads (_ids_by_fields).
    address = (
        "".join(str(data.get(part) or "") for part in ("province", "city", "county", "address"))
        if str(data.get("address") or "").strip()
        else ""
    )
    raws = []
    for phone in phones:
        raw = phone.get("raw") if isinstance(phone, Mapping) else phone
        if raw and str(raw).strip():
            raws.append(str(raw))
    return Record(
        id="new",
        name=str(data.get("name") or ""),
        phones=tuple(raws),
        address=address,
        birth_date=birth_text,
        id_number=str(data.get("id_number") or ""),
    )


def _ids_by_fields(features: Any, county: str) -> list[int]:
    """Customers sharing a stored, indexed key with the draft (also those added since the
    last matcher run, which have no MatchKey rows yet), strongest first: a shared phone or
    ID number, then the same name (the draft's county first)."""
    ids: list[int] = []
    live = Customer.objects.all()
    if features.phones:
        ids.extend(
            Phone.objects.filter(
                e164__in=features.phones, customer__merged_into__isnull=True
            ).values_list("customer_id", flat=True)[:CANDIDATE_LIMIT]
        )
    if len(features.id_number) >= 15:
        ids.extend(live.filter(id_number=features.id_number).values_list("pk", flat=True)[:10])
    if features.fuzzy and not features.is_nickname:
        same_name = live.filter(name_fuzzy=features.fuzzy)
        if county:
            # A common name: the draft's county first.
            same_name = same_name.annotate(
                here=Case(
                    When(county=county, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            ).order_by("here", "-pk")
        else:
            same_name = same_name.order_by("-pk")
        ids.extend(same_name.values_list("pk", flat=True)[:BLOCK_LIMIT])
    return ids


def _ids_by_keys(keys: list[str], counts: Counter[str]) -> set[int]:
    """Customers sharing one of the matcher's blocking keys, skipping over-full keys."""
    usable = [k for k in keys if 0 < counts.get(k, 0) <= BLOCK_LIMIT]
    if not usable:
        return set()
    return set(
        MatchKey.objects.filter(key__in=usable).values_list("customer_id", flat=True)[
            : CANDIDATE_LIMIT * 2
        ]
    )


def door_candidates(
    data: Mapping[str, Any],
    phones: Iterable[Any] = (),
    *,
    exclude: Iterable[int] = (),
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = SHOWN,
) -> list[DoorCandidate]:
    """Existing customers the draft may be (duplicates) or be related to (relatives), best
    first; empty when the draft names nobody yet."""
    record = draft_record(data, phones)
    draft = prepare(record)
    if not (draft.name or draft.phones or draft.id_number):
        return []
    keys = [k[:200] for k in blocking_keys(draft)]
    counted = [k[:200] for k in count_keys(draft)]
    counts: Counter[str] = Counter()
    wanted = sorted(set(keys) | set(counted))
    if wanted:
        for row in MatchKey.objects.filter(key__in=wanted).values("key").annotate(n=Count("id")):
            counts[row["key"]] = row["n"]
    # At most CANDIDATE_LIMIT are scored, the strongest leads first: a customer holding the
    # typed phone must not be cut because 40 namesakes and a few key-sharers have newer ids
    # (the door bench: 张保 of 泗县 with his own mobile was missed that way).
    excluded = set(exclude)
    ordered = [
        *_ids_by_fields(draft, str(data.get("county") or "")),
        *sorted(_ids_by_keys(keys, counts), reverse=True),
    ]
    chosen = list(dict.fromkeys(pk for pk in ordered if pk not in excluded))[:CANDIDATE_LIMIT]
    if not chosen:
        return []
    customers = Customer.objects.filter(pk__in=chosen).prefetch_related("phones", "machines")
    # The draft counts once among those sharing its values, as a stored record would.
    ctx = Context(counts + Counter(counted))
    found: list[DoorCandidate] = []
    for customer in customers:
        match = compare(draft, prepare(customer_record(customer)), ctx, threshold=threshold)
        if match is not None:
            found.append(DoorCandidate(customer, match.score, match.kind, match.reasons))
    found.sort(key=lambda c: (not c.is_duplicate, -c.score, c.customer.pk))
    return found[:limit]
