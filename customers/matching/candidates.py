"""Duplicate candidates: blocking keys, pair scores with per-field reasons, and the rule that
tells possible relatives from duplicates. One engine for the database run and the file run
of `find_duplicates`; nothing here touches the database.

The score is a log-odds sum of per-field evidence (Fellegi–Sunter style) squashed to
[0, 1]; every term is a `Reason` the archivist can read. The weights are what
bench/matching_fit.py prints (a logistic regression over the evidence of every blocked
pair, rounded to 0.5) on data sets the reported figures do not use: FEBRL 4 and a synthetic
dealer set with another seed. Four are set by rule instead: "similar address" no stronger
than "same address", "same pinyin" no weaker than "similar pinyin", a nickname's different
surname as strong as a different name (too rare to fit), and two valid ID numbers.
See docs/benchmarks.md.
"""

from __future__ import annotations

import bisect
import math
import multiprocessing
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

import numpy as np
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from .reasons import KIND_DUPLICATE, KIND_RELATIVES, Match, Reason, reason_text
from .records import (
    Features,
    Progress,
    Record,
    normalize_id_number,
    place_key,
    prepare,
    prepare_all,
    village_key,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "KIND_DUPLICATE",
    "KIND_RELATIVES",
    "BlockStats",
    "Context",
    "Features",
    "Match",
    "Reason",
    "Record",
    "blocking_keys",
    "candidate_pairs",
    "compare",
    "count_keys",
    "evidence",
    "find_matches",
    "group_links",
    "prepare",
    "prepare_all",
    "reason_text",
]

# The one default threshold, chosen once for every data set (docs/benchmarks.md): a pair at
# or above it is proposed as a duplicate.
DEFAULT_THRESHOLD = 0.5
# A key shared by more records than this is too common to block on (a dealer's own office
# number typed into hundreds of dossiers); it still counts as evidence when scored.
MAX_BLOCK = 400
# A name shared by more records than this is blocked together only within a village or a
# birth year (see _split_name_block).
NAME_SPLIT = 40

# Evidence weights (natural log-odds), see the module docstring.
_OFFSET = 3.0  # the log-odds of a blocked pair before any evidence, negated
W_NAME_SAME = 3.0
W_NAME_PINYIN = 1.5  # rule: fitted 0.5, no weaker than similar pinyin
W_NAME_FUZZY = 1.5
W_NAME_READING = 0.0
W_NAME_SWAPPED = 3.0
W_NAME_CLOSE = 4.5
W_NAME_SIMILAR = 0.0
W_NAME_PARTIAL = -0.5
W_NAME_ONE_CHAR = -2.5
W_NAME_DIFFERENT = -7.0
W_NAME_DIFFERENT_LATIN = -6.0
W_NICKNAME = 0.5
W_SURNAME_DIFFERS = -7.0  # rule: as a different name (fitted 0.0 on too few pairs)
W_PHONE_SAME = 5.5
W_PHONE_NONE = -3.0
W_ID_SAME = 11.0
W_ID_TYPO = 4.5
W_ID_DIFFER = -0.5
# Not fitted: a rule (two valid resident ID numbers are two people).
W_ID_DIFFER_VALID = -12.0
W_BIRTH_SAME = 5.5
W_BIRTH_TYPO = 4.0
W_BIRTH_SAME_YEAR = 4.0
W_BIRTH_NEAR = -3.5
W_BIRTH_FAR = -4.0
W_ADDRESS_SAME = 3.5
W_ADDRESS_CONTAINS = 3.0
W_ADDRESS_SIMILAR = 3.5  # rule: fitted 4.0, no stronger than the same address
W_ADDRESS_OVERLAP = 2.0
# Rule: one address gives only a county or town (2-3 characters once suffixes are gone:
# 沂水县 -> 沂水) that the other lies in. Neither evidence for nor against: the archivist
# typing a new customer's county at the door is not saying he lives elsewhere.
W_ADDRESS_PARTIAL = 0.0
W_ADDRESS_DIFFERENT = -2.5
# Not fitted (files have no serial numbers): one machine, one owner.
W_SERIAL_SAME = 6.0
W_MODEL_SAME = 2.0
W_MODEL_FAMILY = 1.5
W_MODEL_DIFFERENT = -3.0
FREQUENCY_FACTOR = 1.4
FAR_YEARS = 3
# Evidence beyond name and place that speaks for one person.
_SUPPORT = frozenset(
    {
        "id_same",
        "id_typo",
        "birth_same",
        "birth_typo",
        "birth_same_year",
        "serial_same",
        "model_same",
    }
)


# ---------------------------------------------------------------------------
# Blocking
# ---------------------------------------------------------------------------


def blocking_keys(f: Features) -> list[str]:
    """Keys two records must share at least one of to be compared at all.

    Each key is cheap, exact and selective; their union keeps the true pairs whose every
    field is typed a little differently (a homophone in the name and another phone, say).
    """
    keys = [f"p:{p}" for p in f.phones]
    keys.extend(f"s:{s}" for s in f.serials)
    if len(f.id_number) >= 6:
        keys.append(f"i:{f.id_number}")
    if f.fuzzy and not f.is_nickname:
        keys.append(f"n:{f.fuzzy}")
        if f.tokens:
            keys.append(f"t:{f.tokens}")
        if f.birth_year and f.address:
            # A typo in the name: same surname, same birth year and the same place prefix.
            keys.append(f"y:{f.surname}:{f.birth_year}:{f.address[:4]}")
    if f.birth:
        keys.append(f"b:{f.birth}")
    if f.surname and f.address:
        # Same surname in the same place (老刘 / 刘总 from the same village, a mistyped
        # given name): the village is written last, before a group or house number.
        place = village_key(f)
        keys.append(f"v:{f.surname}:{place}")
        # Latin names: the other words too, as a surname may be replaced or mistyped.
        keys.extend(f"w:{word}:{place}" for word in f.tokens.split() if word != f.surname)
    keys.extend(_typo_keys(f))
    return keys


def _typo_keys(f: Features) -> Iterator[str]:
    """Keys that meet a value typed one digit off (issue 17): a phone number, an ID number.

    * A phone, with the surname: its first and last half each make a key, so a number with
      one digit wrong (or two neighbours swapped within a half) keeps one half in common.
    * A resident ID number failing its check digit: the valid numbers one digit or one swap
      away join their exact-number blocks (ISO 7064 catches every such slip, so two valid
      numbers are never one slip apart; a valid number makes no extra key).
    * Another identifier (no check digit, e.g. FEBRL's): each form with one character
      left out, which two numbers one substitution, swap, insertion or deletion apart share.
    """
    if f.surname:
        for phone in f.phones:
            digits = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
            if len(digits) >= 7:
                half = (len(digits) + 1) // 2
                yield f"q:{f.surname}:{digits[:half]}-"
                yield f"q:{f.surname}:-{digits[half:]}"
    number = f.id_number
    if len(number) == 18 and _ID_FORM_RE.fullmatch(number):
        if not f.id_valid:
            yield from (f"i:{n}" for n in _valid_id_neighbours(number))
    elif len(number) >= 6:
        yield from dict.fromkeys(f"j:{number[:k]}{number[k + 1 :]}" for k in range(len(number)))


_ID_FORM_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _valid_id_neighbours(number: str) -> list[str]:
    """The valid resident ID numbers one substituted character or one adjacent swap away
    (the check digit computed from the weighted sum, adjusted for each change)."""
    digits = [int(c) for c in number[:17]]
    check = number[17]
    total = sum(d * w for d, w in zip(digits, _ID_WEIGHTS, strict=True))
    found = {number[:17] + _ID_CHECK[total % 11]}
    for k, (d, w) in enumerate(zip(digits, _ID_WEIGHTS, strict=True)):
        for x in range(10):
            if x != d and _ID_CHECK[(total + (x - d) * w) % 11] == check:
                found.add(f"{number[:k]}{x}{number[k + 1 :]}")
        if k < 16:
            e, v = digits[k + 1], _ID_WEIGHTS[k + 1]
            if d != e and _ID_CHECK[(total + (e - d) * w + (d - e) * v) % 11] == check:
                found.add(f"{number[:k]}{e}{d}{number[k + 2 :]}")
    if check != "X" and check != number[16]:
        # The last digit swapped with the check digit.
        swapped = number[:16] + check + number[16]
        found.add(swapped)
    found.discard(number)
    return sorted(n for n in found if normalize_id_number(n) == (n, True))


@dataclass
class BlockStats:
    records: int = 0
    keys: int = 0
    pairs: int = 0
    skipped_blocks: int = 0
    split_blocks: int = 0
    skipped_records: int = 0


def _split_name_block(members: list[int], features: Sequence[Features]) -> list[list[int]]:
    """A common name (王军 hundreds of times) is compared only within one village or one
    birth year: the name alone says little, and all its pairs would grow quadratically."""
    groups: dict[str, list[int]] = defaultdict(list)
    for m in members:
        f = features[m]
        place = village_key(f)
        if place:
            groups[f"p{place}"].append(m)
        if f.birth_year:
            groups[f"y{f.birth_year}"].append(m)
    return list(groups.values())


# Keys that name one person or one machine: a pair sharing one is always compared.
_STRONG = frozenset("psi")


def _split_strong_block(
    members: list[int], features: Sequence[Features], max_block: int
) -> list[list[int]]:
    """An over-full phone, ID or serial block (a dealer's office number typed into hundreds
    of dossiers) is split, never dropped: by surname (老刘 and 刘文才 keep their surname),
    then by village. A record without a surname or a place joins every group of its level,
    so its pairs with each of them are kept."""
    by_surname: dict[str, list[int]] = defaultdict(list)
    loose: list[int] = []
    for m in members:
        surname = features[m].surname
        (by_surname[surname] if surname else loose).append(m)
    if not by_surname:
        by_surname[""] = []
    out: list[list[int]] = []
    for group in by_surname.values():
        group = group + loose
        if len(group) <= max_block:
            out.append(group)
            continue
        by_place: dict[str, list[int]] = defaultdict(list)
        nowhere: list[int] = []
        for m in group:
            place = village_key(features[m])
            (by_place[place] if place else nowhere).append(m)
        if not by_place:
            out.append(nowhere)
            continue
        out.extend(part + nowhere for part in by_place.values())
    return out


def _split_village_block(members: list[int], features: Sequence[Features]) -> list[list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    loose: list[int] = []
    for m in members:
        f = features[m]
        place = place_key(f)
        (loose if place == village_key(f) else groups[place]).append(m)
    if not groups:
        return [loose]
    return [group + loose for group in groups.values()]


@dataclass
class _KeyTable:
    """Every shared blocking key as a block: the records of block k are
    rows[starts[k]:ends[k]], kinds[k] the key's kind letter as a byte."""

    rows: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    kinds: bytes


def _key_table(features: Sequence[Features], stats: BlockStats | None) -> _KeyTable:
    # Keys are kept as 64-bit hashes in flat arrays and grouped by sorting: a million
    # records hold about eight million keys, too many for a dict of strings and lists.
    hashes = array("q")
    kinds = array("B")
    rows = array("q")
    for f in features:
        keys = blocking_keys(f)
        hashes.extend(map(hash, keys))
        kinds.extend(ord(key[0]) & 0xFF for key in keys)
        rows.extend([f.index] * len(keys))
    keys_arr = np.frombuffer(hashes, dtype=np.int64) if hashes else np.zeros(0, np.int64)
    order = np.argsort(keys_arr, kind="stable")
    sorted_keys = keys_arr[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(sorted_keys)]
    if stats is not None:
        stats.records = len(features)
        stats.keys = len(starts)
    shared = ends - starts >= 2
    starts, ends = starts[shared], ends[shared]
    block_rows = np.frombuffer(rows, dtype=np.int64)[order] if rows else np.zeros(0, np.int64)
    block_kinds = np.frombuffer(kinds, dtype=np.uint8)[order[starts]] if kinds else []
    return _KeyTable(block_rows, starts, ends, bytes(block_kinds))


def _as_is(table: _KeyTable, max_block: int) -> np.ndarray:
    """Which blocks effective_blocks yields whole (not split, not dropped)."""
    sizes = table.ends - table.starts
    special = np.isin(np.frombuffer(table.kinds, dtype=np.uint8), np.frombuffer(b"vbnt", np.uint8))
    return np.asarray((sizes <= max_block) & ((sizes <= NAME_SPLIT) | ~special), dtype=bool)


def _split_block(
    key: str,
    kind: str,
    members: list[int],
    features: Sequence[Features],
    max_block: int,
    stats: BlockStats | None,
) -> Iterator[tuple[str, list[int]]]:
    """The groups an over-full block is compared in (see effective_blocks)."""
    size = len(members)
    if size > max_block and kind in _STRONG:
        if stats is not None:
            stats.split_blocks += 1
        for number, group in enumerate(_split_strong_block(members, features, max_block)):
            if len(group) > 1:
                yield f"{key}#{number}", group
        return
    if size > NAME_SPLIT and kind == "v":
        # One surname in villages of one name across counties (王家庄): compared within
        # the town as well; an address too short to show its town joins every group.
        for number, group in enumerate(_split_village_block(members, features)):
            if len(group) > 1:
                yield f"{key}#{number}", group
        return
    if size > NAME_SPLIT and kind == "b":
        # A birth date is shared by dozens of strangers in a large archive (a million
        # records hold ~60 per day): compared within one surname, then one village.
        for number, group in enumerate(_split_strong_block(members, features, NAME_SPLIT)):
            if len(group) > 1:
                yield f"{key}#{number}", group
        return
    if size > NAME_SPLIT and kind in "nt":
        for number, group in enumerate(_split_name_block(members, features)):
            if len(group) > max_block:
                if stats is not None:
                    stats.skipped_blocks += 1
                    stats.skipped_records += len(group)
            elif len(group) > 1:
                yield f"{key}#{number}", group
        return
    if size > max_block:
        if stats is not None:
            stats.skipped_blocks += 1
            stats.skipped_records += size
        return
    yield key, members


def effective_blocks(
    features: Sequence[Features],
    *,
    max_block: int = MAX_BLOCK,
    stats: BlockStats | None = None,
) -> Iterator[tuple[str, list[int]]]:
    """(key, members) of every block compared in full: over-full strong blocks split by
    surname and village, common names split by village and birth year, other over-full
    blocks dropped (counted in `stats`)."""
    table = _key_table(features, stats)
    bounds = zip(table.starts.tolist(), table.ends.tolist(), table.kinds, strict=True)
    for start, end, kind_code in bounds:
        members = table.rows[start:end].tolist()
        yield from _split_block(
            f"{chr(kind_code)}{start}", chr(kind_code), members, features, max_block, stats
        )


def candidate_pairs(
    features: Sequence[Features],
    *,
    only: set[int] | None = None,
    max_block: int = MAX_BLOCK,
    stats: BlockStats | None = None,
) -> list[tuple[int, int]]:
    """Index pairs (i < j) that share a blocking key; with `only`, the pairs that involve at
    least one of those indexes (an incremental run re-blocks the changed records; it passes
    every record that shares a key with them, so their blocks are complete).
    `features[i].index == i`."""
    return [
        (int(i), int(j))
        for i, j in candidate_array(features, only=only, max_block=max_block, stats=stats)
    ]


def _whole_block_codes(table: _KeyTable, blocks: np.ndarray, n: int) -> Iterator[np.ndarray]:
    """Pair codes (i * n + j, i < j) of the given blocks, all blocks of one size at once."""
    sizes = table.ends[blocks] - table.starts[blocks]
    for size in np.unique(sizes).tolist():
        starts = table.starts[blocks[sizes == size]]
        left, right = np.triu_indices(size, k=1)
        # At most a few million pairs at a time keeps the temporary arrays small.
        step = max(1, 4_000_000 // len(left))
        for first in range(0, len(starts), step):
            members = table.rows[starts[first : first + step, None] + np.arange(size)]
            a, b = members[:, left].ravel(), members[:, right].ravel()
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            # A record may hold one key twice (two phones with a common half).
            yield (lo * n + hi)[lo != hi]


def candidate_array(
    features: Sequence[Features],
    *,
    only: set[int] | None = None,
    max_block: int = MAX_BLOCK,
    stats: BlockStats | None = None,
) -> np.ndarray:
    """candidate_pairs as an (n, 2) int64 array, sorted, each pair once."""
    n = len(features) + 1
    chunks: list[np.ndarray] = []
    only_mask = None
    if only is not None:
        only_mask = np.zeros(n, dtype=bool)
        only_mask[list(only)] = True
    table = _key_table(features, stats)
    whole = _as_is(table, max_block)
    if only_mask is None:
        # Blocks compared whole (nearly all of them) are expanded to pairs in bulk; only
        # the over-full ones go through the splitting rules one by one.
        chunks.extend(_whole_block_codes(table, np.flatnonzero(whole), n))
        rest = np.flatnonzero(~whole)
    else:
        rest = np.arange(len(table.starts))
    small: list[int] = []
    for block in rest.tolist():
        start, end, kind_code = int(table.starts[block]), int(table.ends[block]), table.kinds[block]
        kind = chr(kind_code)
        members_all = table.rows[start:end].tolist()
        for _key, members in _split_block(
            f"{kind}{start}", kind, members_all, features, max_block, stats
        ):
            if len(members) <= 8 and only_mask is None:
                # Most blocks hold two or three records: plain Python is faster than numpy.
                ordered = sorted(members)
                small.extend(
                    a * n + b for x, a in enumerate(ordered) for b in ordered[x + 1 :] if a != b
                )
                continue
            arr = np.unique(np.asarray(members, dtype=np.int64))
            if len(arr) < 2:
                continue
            if only_mask is not None and not only_mask[arr].any():
                continue
            left, right = np.triu_indices(len(arr), k=1)
            codes = arr[left] * n + arr[right]
            if only_mask is not None:
                codes = codes[only_mask[arr[left]] | only_mask[arr[right]]]
            chunks.append(codes)
    chunks.append(np.asarray(small, dtype=np.int64))
    codes = np.concatenate(chunks)
    del chunks
    # Sorting in place and dropping repeats needs far less memory than np.unique's hash
    # table (tens of millions of codes for a million records).
    codes.sort()
    if len(codes):
        codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    if stats is not None:
        stats.pairs = len(codes)
    out = np.empty((len(codes), 2), dtype=np.int64)
    np.floor_divide(codes, n, out=out[:, 0])
    np.subtract(codes, out[:, 0] * n, out=out[:, 1])
    return out


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


def count_keys(f: Features) -> list[str]:
    """The values whose frequency weakens their evidence: each phone, the name, and the
    name within its village (王伟 is common in the country and still rare in one village).
    The database run stores them with the blocking keys and counts rows per key."""
    keys = [f"p:{p}" for p in f.phones]
    if f.fuzzy and not f.is_nickname:
        keys.append(f"n:{f.fuzzy}")
        place = place_key(f)
        if place:
            keys.append(f"c:{f.fuzzy}:{place}")
    return keys


@dataclass
class Context:
    """How many records share a value, over the whole data set: a shared value is weaker
    evidence the more records share it (Fellegi–Sunter u-probabilities by frequency)."""

    counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def build(cls, features: Iterable[Features]) -> Context:
        # One update over every key: Counter counts an iterable in C.
        counts: Counter[str] = Counter(key for f in features for key in count_keys(f))
        return cls(counts)

    def phone_count(self, e164: str) -> int:
        return self.counts.get(f"p:{e164}", 0)

    def name_count(self, a: Features, b: Features) -> int:
        place = place_key(a)
        if place and place == place_key(b):
            return self.counts.get(f"c:{a.fuzzy}:{place}", 0)
        return self.counts.get(f"n:{a.fuzzy}", 0)


@lru_cache(maxsize=1 << 16)
def _spaced_pinyin(name: str) -> str:
    return " ".join(lazy_pinyin(name, style=Style.NORMAL))


def _display_phone(e164: str) -> str:
    national = e164[3:] if e164.startswith("+86") else e164
    if len(national) == 11 and national.startswith("1"):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return national


def _display_birth(year: int | None, digits: str) -> str:
    if digits:
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return str(year) if year else ""


def _frequency_penalty(count: int) -> float:
    # A person entered four times is common; beyond that, the more records share a value
    # (namesakes, a family's or an office's number) the less it says about any two of them.
    return min(4.0, FREQUENCY_FACTOR * math.log(count / 4)) if count > 4 else 0.0


def _compare_names(a: Features, b: Features, ctx: Context | None, out: list[Reason]) -> str:
    """Adds the name evidence; returns its level for the relatives rule."""
    if not a.name or not b.name:
        return "missing"
    if a.is_nickname or b.is_nickname:
        if a.surname == b.surname or (a.surname and a.surname in b.pinyin_alt):
            nick = a.name if a.is_nickname else b.name
            out.append(Reason("name_nickname", W_NICKNAME, (("nickname", nick),)))
            return "nickname"
        out.append(
            Reason("name_surname_differs", W_SURNAME_DIFFERS, (("left", a.name), ("right", b.name)))
        )
        return "different"
    pair = (("left", a.name), ("right", b.name))
    if a.name == b.name:
        weight = W_NAME_SAME
        count = ctx.name_count(a, b) if ctx else 0
        penalty = _frequency_penalty(count)
        out.append(Reason("name_same", weight, (("name", a.name),)))
        if penalty:
            out.append(Reason("name_common", -penalty, (("count", str(count)),)))
        return "same"
    if a.fuzzy == b.fuzzy:
        count = ctx.name_count(a, b) if ctx else 0
        if a.is_cjk and b.is_cjk and a.pinyin == b.pinyin:
            params = (("left", a.name), ("pinyin", _spaced_pinyin(a.name)), ("right", b.name))
            out.append(Reason("name_pinyin", W_NAME_PINYIN, params))
            level = "pinyin"
        else:
            out.append(Reason("name_fuzzy", W_NAME_FUZZY, pair))
            level = "fuzzy"
        penalty = _frequency_penalty(count)
        if penalty:
            out.append(Reason("name_common", -penalty, (("count", str(count)),)))
        return level
    if a.pinyin in b.pinyin_alt or b.pinyin in a.pinyin_alt:
        out.append(Reason("name_reading", W_NAME_READING, pair))
        return "fuzzy"
    if a.tokens and b.tokens and a.tokens == b.tokens:
        out.append(Reason("name_swapped", W_NAME_SWAPPED, pair))
        return "same"
    if a.is_cjk and b.is_cjk:
        # Chinese names are short: one character more or less is a different given name
        # as often as a typo (brothers share the generation character).
        if (
            len(a.name) == len(b.name)
            and sum(x != y for x, y in zip(a.name, b.name, strict=True)) == 1
        ):
            out.append(Reason("name_one_char", W_NAME_ONE_CHAR, pair))
            return "one_char"
        out.append(Reason("name_different", W_NAME_DIFFERENT, pair))
        return "different"
    similarity = JaroWinkler.normalized_similarity(a.fuzzy, b.fuzzy)
    if a.tokens and b.tokens:
        similarity = max(similarity, fuzz.token_sort_ratio(a.tokens, b.tokens) / 100)
    if similarity >= 0.92:
        out.append(Reason("name_close", W_NAME_CLOSE, pair))
        return "close"
    if similarity >= 0.84:
        out.append(Reason("name_similar", W_NAME_SIMILAR, pair))
        return "similar"
    # One of the names agrees: the other was left empty, replaced or badly mistyped.
    left = a.tokens.split() if a.tokens else [a.fuzzy]
    right = b.tokens.split() if b.tokens else [b.fuzzy]
    if any(
        len(x) >= 3 and JaroWinkler.normalized_similarity(x, y) >= 0.92 for x in left for y in right
    ):
        out.append(Reason("name_partial", W_NAME_PARTIAL, pair))
        return "partial"
    out.append(Reason("name_different_latin", W_NAME_DIFFERENT_LATIN, pair))
    return "different"


def _compare_phones(a: Features, b: Features, ctx: Context | None, out: list[Reason]) -> str:
    if not a.phones or not b.phones:
        return "missing"
    shared = [p for p in a.phones if p in b.phones]
    if not shared:
        out.append(Reason("phone_none_shared", W_PHONE_NONE))
        return "different"
    best = min(shared, key=lambda p: ctx.phone_count(p) if ctx else 0)
    count = ctx.phone_count(best) if ctx else 0
    penalty = _frequency_penalty(count)
    if penalty:
        out.append(
            Reason(
                "phone_shared_widely",
                W_PHONE_SAME - penalty,
                (("count", str(count)), ("phone", _display_phone(best))),
            )
        )
    else:
        out.append(Reason("phone_same", W_PHONE_SAME, (("phone", _display_phone(best)),)))
    return "same"


def _compare_ids(a: Features, b: Features, out: list[Reason]) -> str:
    if not a.id_number or not b.id_number:
        return "missing"
    if a.id_number == b.id_number:
        out.append(Reason("id_same", W_ID_SAME))
        return "same"
    if a.id_valid and b.id_valid:
        # Both pass the ISO 7064 check digit, which catches every single-digit typo and
        # most transpositions: two valid numbers are two people.
        out.append(Reason("id_differ", W_ID_DIFFER_VALID))
        return "contrary"
    if OSA.distance(a.id_number, b.id_number) <= 1:
        out.append(Reason("id_typo", W_ID_TYPO))
        return "typo"
    out.append(Reason("id_differ", W_ID_DIFFER))
    return "different"


def _birth_typo(x: str, y: str) -> bool:
    if OSA.distance(x, y) <= 1:
        return True
    # Day and month swapped (08-16 / 16-08 cannot both be valid, 03-04 / 04-03 can).
    return x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]


def _year_typo(x: str, y: str) -> bool:
    """1987 / 1978 (swapped) or 1983 / 1993 (the decade): typed wrong, not born apart.
    1972 / 1976 is not: within a decade a last-digit slip and a brother look the same."""
    if x[:2] != y[:2]:
        return False
    return (x[2] == y[3] and x[3] == y[2]) or (x[2] != y[2] and x[3] == y[3])


def _compare_births(a: Features, b: Features, out: list[Reason]) -> str:
    if not a.birth_year or not b.birth_year:
        return "missing"
    left = _display_birth(a.birth_year, a.birth)
    right = _display_birth(b.birth_year, b.birth)
    pair = (("left", left), ("right", right))
    if a.birth and b.birth:
        if a.birth == b.birth:
            out.append(Reason("birth_same", W_BIRTH_SAME, (("date", left),)))
            return "same"
        if _birth_typo(a.birth, b.birth):
            out.append(Reason("birth_typo", W_BIRTH_TYPO, pair))
            return "typo"
        if abs(a.birth_year - b.birth_year) >= FAR_YEARS:
            out.append(Reason("birth_far", W_BIRTH_FAR, pair))
            return "far"
        out.append(Reason("birth_near", W_BIRTH_NEAR, pair))
        return "near"
    elif a.birth_year == b.birth_year:
        out.append(Reason("birth_same_year", W_BIRTH_SAME_YEAR, (("year", str(a.birth_year)),)))
        return "same_year"
    gap = abs(a.birth_year - b.birth_year)
    if gap >= FAR_YEARS and not _year_typo(str(a.birth_year), str(b.birth_year)):
        out.append(Reason("birth_far", W_BIRTH_FAR, pair))
        return "far"
    out.append(Reason("birth_near", W_BIRTH_NEAR, pair))
    return "near"


def _compare_addresses(a: Features, b: Features, out: list[Reason]) -> str:
    x, y = a.address, b.address
    if not x or not y:
        return "missing"
    if x == y:
        out.append(Reason("address_same", W_ADDRESS_SAME))
        return "same"
    shorter, longer = (x, y) if len(x) <= len(y) else (y, x)
    if len(shorter) >= 4 and shorter in longer:
        out.append(Reason("address_contains", W_ADDRESS_CONTAINS))
        return "same"
    ratio = fuzz.ratio(x, y)
    if a.address_words and b.address_words:
        ratio = max(ratio, fuzz.token_sort_ratio(a.address_words, b.address_words))
    if ratio >= 85:
        out.append(Reason("address_similar", W_ADDRESS_SIMILAR))
        return "same"
    if len(shorter) >= 2 and shorter in longer:
        out.append(Reason("address_partial", W_ADDRESS_PARTIAL))
        return "partial"
    if len(shorter) >= 4 and fuzz.partial_ratio(shorter, longer) >= 80:
        out.append(Reason("address_overlap", W_ADDRESS_OVERLAP))
        return "overlap"
    out.append(Reason("address_different", W_ADDRESS_DIFFERENT))
    return "different"


def _compare_machines(a: Features, b: Features, out: list[Reason]) -> str:
    shared_serials = a.serials & b.serials
    if shared_serials:
        serial = min(shared_serials)
        out.append(Reason("serial_same", W_SERIAL_SAME, (("serial", serial),)))
    if not a.models or not b.models:
        return "serial" if shared_serials else "missing"
    shared = a.models & b.models
    if shared:
        out.append(Reason("model_same", W_MODEL_SAME, (("model", min(shared)),)))
        return "same"
    families = a.families & b.families
    if families:
        family = min(families)
        left = ", ".join(sorted(m for m in a.models if m.startswith(family)))
        right = ", ".join(sorted(m for m in b.models if m.startswith(family)))
        params = (("family", family), ("left", left), ("right", right))
        out.append(Reason("model_family", W_MODEL_FAMILY, params))
        return "family"
    if not shared_serials:
        out.append(Reason("model_different", W_MODEL_DIFFERENT))
    return "different"


def _squash(total: float) -> float:
    return 1.0 / (1.0 + math.exp(-(total - _OFFSET)))


@dataclass(frozen=True, slots=True)
class Evidence:
    reasons: list[Reason]
    name: str
    phone: str
    id_level: str
    birth: str
    place: str


def evidence(a: Features, b: Features, ctx: Context | None = None) -> Evidence:
    """Every field compared: the reasons with their weights, and each field's level."""
    reasons: list[Reason] = []
    name = _compare_names(a, b, ctx, reasons)
    phone = _compare_phones(a, b, ctx, reasons)
    id_level = _compare_ids(a, b, reasons)
    birth = _compare_births(a, b, reasons)
    place = _compare_addresses(a, b, reasons)
    _compare_machines(a, b, reasons)
    return Evidence(reasons, name, phone, id_level, birth, place)


def _contrary(ev: Evidence) -> bool:
    """Strong contrary evidence (issue 10): two valid ID numbers; or, for names that are not
    character for character the same, birth years far apart, or different phones in the
    same village with nothing else (birth, ID, machine) speaking for one person. Brothers
    of one village look exactly like this; the archivist has to check."""
    support = any(r.code in _SUPPORT for r in ev.reasons)
    return ev.id_level == "contrary" or (
        ev.name != "same"
        and ev.id_level != "same"
        and (ev.birth == "far" or (ev.phone == "different" and ev.place == "same" and not support))
    )


def compare(
    a: Features,
    b: Features,
    ctx: Context | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> Match | None:
    """The pair as the archivist would see it, or None when it is not worth showing."""
    ev = evidence(a, b, ctx)
    reasons = ev.reasons
    total = sum(r.weight for r in reasons)
    similar_name = ev.name in {"same", "pinyin", "fuzzy", "close", "one_char"}
    together = ev.phone == "same" or ev.place == "same"
    contrary = _contrary(ev)
    if contrary and similar_name and together:
        floor = _OFFSET + math.log(threshold / (1 - threshold)) - 1.0
        reasons.append(Reason("relatives", min(0.0, floor - total)))
        total = min(total, floor)
        kind = KIND_RELATIVES
    elif _squash(total) >= threshold and not contrary:
        kind = KIND_DUPLICATE
    else:
        return None
    # Field by field (name, phones, ID, birth, address, machines), the warning first.
    reasons.sort(key=lambda r: r.code != "relatives")
    return Match(a.id, b.id, round(_squash(total), 4), kind, tuple(reasons))


# ---------------------------------------------------------------------------
# Groups: the pairs that strong links imply
# ---------------------------------------------------------------------------

# One person entered three or four times (刘文才 / 刘文财 / 老刘) is often linked pair by pair
# only through the middle record: 老刘 shares a phone with 刘文财, 刘文财 an address and a
# birth date with 刘文才, and 老刘 / 刘文才 share nothing but the surname. Records held
# together by links this strong are one group, and each pair of the group that nothing
# contradicts is proposed too, scored by its chain. Small groups only: a person entered
# more than four times is rare, and a larger group is more likely a chain through a family's
# phone. Chosen on the synthetic dealer sets of four seeds at both hard-negative rates
# (docs/benchmarks.md): the same values were best or next to best on every one.
GROUP_EDGE = 0.9
GROUP_MAX = 4


def _best_chain(
    edges: dict[str, dict[str, float]], start: str, end: str
) -> tuple[float, list[str]]:
    """The strongest chain of links from start to end (product of the scores) and the
    records it passes through; groups are at most GROUP_MAX records, so every simple path
    is tried."""
    best: tuple[float, list[str]] = (0.0, [])
    stack: list[tuple[str, float, list[str]]] = [(start, 1.0, [start])]
    while stack:
        node, score, path = stack.pop()
        for nxt in sorted(edges[node]):
            if nxt in path:
                continue
            chained = score * edges[node][nxt]
            if nxt == end:
                if len(path) > 1 and (chained, path[1:]) > best:
                    best = (chained, path[1:])
                continue
            stack.append((nxt, chained, [*path, nxt]))
    return best


def group_links(
    matches: Sequence[Match],
    features: Callable[[Iterable[str]], dict[str, Features]],
    ctx: Context,
    *,
    only: Collection[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """`matches` (best first) with the pairs their groups imply, best first. `features(ids)`
    gives the features of those records (their `index` orders a pair as candidate_array does);
    with `only`, a pair is added only when one of its records is in it (an incremental run
    proposes pairs of changed records only)."""
    edges: dict[str, dict[str, float]] = defaultdict(dict)
    # (comprehensions: a million-record run passes over ~900,000 matches)
    for m in [m for m in matches if m.score >= GROUP_EDGE and m.kind == KIND_DUPLICATE]:
        edges[m.left_id][m.right_id] = m.score
        edges[m.right_id][m.left_id] = m.score
    groups: list[list[str]] = []
    seen: set[str] = set()
    for node in edges:
        if node in seen:
            continue
        members, todo = [], [node]
        seen.add(node)
        while todo:
            current = todo.pop()
            members.append(current)
            for nxt in edges[current]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        if 3 <= len(members) <= GROUP_MAX:
            groups.append(sorted(members))
    if not groups:
        return list(matches)
    grouped = {x for members in groups for x in members}
    known = {
        (m.left_id, m.right_id) for m in matches if m.left_id in grouped and m.right_id in grouped
    }
    wanted: list[tuple[str, str]] = []
    named: set[str] = set()
    for members in groups:
        pairs = [
            (x, y)
            for k, x in enumerate(members)
            for y in members[k + 1 :]
            if (x, y) not in known
            and (y, x) not in known
            and (only is None or x in only or y in only)
        ]
        if pairs:
            wanted.extend(pairs)
            named.update(members)
    found = features(named)
    links: list[Match] = []
    for x, y in wanted:
        a, b = sorted((found[x], found[y]), key=lambda f: f.index)
        ev = evidence(a, b, ctx)
        if _contrary(ev):
            continue
        score, via = _best_chain(edges, a.id, b.id)
        score = round(score, 4)
        if score < threshold:
            continue
        # The chain's score, written as the log-odds sum every score is: the pair's own
        # evidence plus what the group adds.
        total = _OFFSET + math.log(min(score, 0.9999) / (1 - min(score, 0.9999)))
        own = sum(r.weight for r in ev.reasons)
        through = ", ".join(f"{found[v].name or v} ({v})" for v in via)
        group = Reason("group", total - own, (("via", through),))
        links.append(Match(a.id, b.id, score, KIND_DUPLICATE, (*ev.reasons, group)))
    if not links:
        return list(matches)
    # `matches` are best first (find_matches, fanout.merge_matches): each link is put in
    # its place by bisection instead of sorting the whole run again.
    links.sort(key=_best_first)
    out: list[Match] = []
    start = 0
    for link in links:
        at = bisect.bisect_left(matches, _best_first(link), lo=start, key=_best_first)
        out.extend(matches[start:at])
        out.append(link)
        start = at
    out.extend(matches[start:])
    return out


def _best_first(m: Match) -> tuple[float, str, str]:
    """The order of every run's matches: best first, then by ids (find_matches sorts by it,
    fanout.merge_matches too, with one more key to pick between repeats)."""
    return (-m.score, m.left_id, m.right_id)


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------
# Bulk bound: which candidate pairs can be shown at all
# ---------------------------------------------------------------------------

# Records with more values than this in one field (phones, models, serials) are assumed to
# share one with every partner, which keeps the bound an upper bound.
_MAX_COLUMNS = 6


class _Columns:
    """The features as numpy columns: strings as integer codes, sets as padded matrices."""

    def __init__(self, features: Sequence[Features]) -> None:
        n = len(features)
        tables: dict[str, dict[str, int]] = defaultdict(dict)

        def code(kind: str, value: str) -> int:
            if not value:
                return -1
            table = tables[kind]
            return table.setdefault(value, len(table))

        def matrix(kind: str, values: list[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
            width = min(_MAX_COLUMNS, max((len(v) for v in values), default=0))
            out = np.full((n, max(width, 1)), -1, dtype=np.int64)
            overflow = np.zeros(n, dtype=bool)
            for i, vs in enumerate(values):
                if len(vs) > width:
                    overflow[i] = True
                for k, v in enumerate(sorted(vs)[:width]):
                    out[i, k] = code(kind, v)
            return out, overflow

        self.name = np.array([code("name", f.name) for f in features], dtype=np.int64)
        self.fuzzy = np.array([code("fuzzy", f.fuzzy) for f in features], dtype=np.int64)
        self.nick = np.array([f.is_nickname for f in features], dtype=bool)
        self.cjk = np.array([f.is_cjk for f in features], dtype=bool)
        self.name_len = np.array([len(f.name) for f in features], dtype=np.int64)
        self.alt = np.array([bool(f.pinyin_alt) for f in features], dtype=bool)
        self.phones, self.phones_over = matrix("phone", [f.phones for f in features])
        self.id = np.array([code("id", f.id_number) for f in features], dtype=np.int64)
        self.id_valid = np.array([f.id_valid for f in features], dtype=bool)
        self.year = np.array([f.birth_year or 0 for f in features], dtype=np.int64)
        self.birth = np.array([int(f.birth) if f.birth else 0 for f in features], dtype=np.int64)
        self.address = np.array([code("address", f.address) for f in features], dtype=np.int64)
        self.address_text = [f.address for f in features]
        self.address_len = np.array([len(f.address) for f in features], dtype=np.int64)
        self.address_words = np.array([bool(f.address_words) for f in features], dtype=bool)
        self.words_text = [f.address_words for f in features]
        self.name_text = [f.name for f in features]
        self.id_text = [f.id_number for f in features]
        # Full names, surnames and other readings in one table, so that "is this reading
        # one of the other's" is a comparison of codes.
        self.pinyin = np.array([code("pinyin", f.pinyin) for f in features], dtype=np.int64)
        self.surname = np.array([code("pinyin", f.surname) for f in features], dtype=np.int64)
        width = max((len(f.pinyin_alt) for f in features), default=0)
        self.readings = np.full((n, max(width, 1)), -1, dtype=np.int64)
        for i, f in enumerate(features):
            for k, reading in enumerate(sorted(f.pinyin_alt)):
                self.readings[i, k] = code("pinyin", reading)
        self.tokens = np.array([code("tokens", f.tokens) for f in features], dtype=np.int64)
        self.place = np.array([code("place", place_key(f)) for f in features], dtype=np.int64)
        self.models, self.models_over = matrix("model", [tuple(f.models) for f in features])
        self.families, self.families_over = matrix("family", [tuple(f.families) for f in features])
        self.serials, self.serials_over = matrix("serial", [tuple(f.serials) for f in features])
        self.features = features
        self.tables = tables
        self._counts: tuple[Context, np.ndarray, np.ndarray, np.ndarray] | None = None

    def counts(self, ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """How many records share each record's name in the country and in its place, and
        each phone code: the frequency penalties of `compare`, for every pair at once."""
        if self._counts is None or self._counts[0] is not ctx:
            name = np.array(
                [ctx.counts.get(f"n:{f.fuzzy}", 0) for f in self.features], dtype=np.int64
            )
            place = np.array(
                [ctx.counts.get(f"c:{f.fuzzy}:{place_key(f)}", 0) for f in self.features],
                dtype=np.int64,
            )
            phones = np.zeros(len(self.tables["phone"]) + 1, dtype=np.int64)
            for value, number in self.tables["phone"].items():
                phones[number] = ctx.phone_count(value)
            self._counts = (ctx, name, place, phones)
        return self._counts[1], self._counts[2], self._counts[3]


def _shared(
    values: np.ndarray, overflow: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    a, b = values[left], values[right]
    out = overflow[left] | overflow[right]
    for x in range(a.shape[1]):
        column = a[:, x : x + 1]
        out |= ((column == b) & (column >= 0)).any(axis=1)
    return np.asarray(out, dtype=bool)


def _any(values: np.ndarray) -> np.ndarray:
    return values[:, 0] >= 0


def _penalty(count: np.ndarray) -> np.ndarray:
    """_frequency_penalty for an array of counts."""
    safe = np.maximum(count, 4)
    return np.where(count > 4, np.minimum(4.0, FREQUENCY_FACTOR * np.log(safe / 4)), 0.0)


def _reading_of(cols: _Columns, codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Whether each pinyin code is one of the other readings of the record in `rows`."""
    found = (cols.readings[rows] == codes[:, None]) & (codes[:, None] >= 0)
    return np.asarray(found.any(axis=1), dtype=bool)


def _pick(values: Sequence[str], index: np.ndarray) -> list[str]:
    return [values[i] for i in index.tolist()]


def possible(
    features: Sequence[Features],
    pairs: np.ndarray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    columns: _Columns | None = None,
    ctx: Context | None = None,
) -> np.ndarray:
    """For each candidate pair, whether `compare` could return it, for all pairs at once
    (numpy; rapidfuzz `cpdist` for the strings). Every pair `compare` would show is kept,
    and nearly only those: each field's evidence is worked out as `compare` does, except
    where only an upper bound is cheap (names in Latin letters, a record with more values
    in one field than the columns hold, an address that cannot change the outcome). The
    exact comparison, with its reasons, then runs only on the pairs kept."""
    from rapidfuzz import process
    from rapidfuzz.distance import Hamming

    cols = columns or _Columns(features)
    left, right = pairs[:, 0], pairs[:, 1]
    size = len(pairs)
    # Pairs kept whatever the rest says: a bound too loose to decide on.
    unsure = np.zeros(size, dtype=bool)

    # Names.
    has_name = (cols.name[left] >= 0) & (cols.name[right] >= 0)
    nick = has_name & (cols.nick[left] | cols.nick[right])
    plain = has_name & ~nick
    same = plain & (cols.name[left] == cols.name[right])
    fuzzy = plain & ~same & (cols.fuzzy[left] == cols.fuzzy[right])
    rest = plain & ~same & ~fuzzy
    # 老刘 / 刘文才: the same surname, or the surname one of the other's readings.
    surname_same = nick & (cols.surname[left] == cols.surname[right])
    check = np.flatnonzero(nick & ~surname_same & (cols.surname[left] >= 0) & cols.alt[right])
    if len(check):
        surname_same[check] = _reading_of(cols, cols.surname[left[check]], right[check])
    reading = np.zeros(size, dtype=bool)
    check = np.flatnonzero(rest & (cols.alt[left] | cols.alt[right]))
    if len(check):
        a, b = left[check], right[check]
        reading[check] = _reading_of(cols, cols.pinyin[a], b) | _reading_of(cols, cols.pinyin[b], a)
    rest &= ~reading
    swapped = rest & (cols.tokens[left] >= 0) & (cols.tokens[left] == cols.tokens[right])
    rest &= ~swapped
    both_cjk = rest & cols.cjk[left] & cols.cjk[right]
    latin = rest & ~both_cjk
    one_char = np.zeros(size, dtype=bool)
    check = np.flatnonzero(both_cjk & (cols.name_len[left] == cols.name_len[right]))
    if len(check):
        names = cols.name_text
        distance = process.cpdist(
            _pick(names, left[check]), _pick(names, right[check]), scorer=Hamming.distance
        )
        one_char[check] = distance == 1
    if ctx is not None:
        by_name, by_place, by_phone = cols.counts(ctx)
        in_place = (cols.place[left] >= 0) & (cols.place[left] == cols.place[right])
        count = np.where(in_place, by_place[left], by_name[left])
        name_penalty = np.where(same | fuzzy, _penalty(count), 0.0)
    else:
        by_phone = None
        name_penalty = np.zeros(size)
    name_weight = np.select(
        [~has_name, nick & surname_same, nick, same, fuzzy, reading, swapped, one_char, both_cjk],
        [
            *(0.0, W_NICKNAME, W_SURNAME_DIFFERS, W_NAME_SAME, W_NAME_PINYIN, W_NAME_READING),
            *(W_NAME_SWAPPED, W_NAME_ONE_CHAR, W_NAME_DIFFERENT),
        ],
        # Latin names: the best of what the string similarities could give.
        max(W_NAME_CLOSE, W_NAME_SWAPPED, W_NAME_READING, W_NAME_SIMILAR, W_NAME_PARTIAL),
    )
    total = name_weight - name_penalty
    similar_name = same | fuzzy | reading | swapped | one_char | latin
    different_chars = ~(same | swapped)

    # Phones: the least shared of the numbers in common gives the penalty.
    both = _any(cols.phones)[left] & _any(cols.phones)[right]
    a, b = cols.phones[left], cols.phones[right]
    least = np.full(size, np.iinfo(np.int64).max)
    for x in range(a.shape[1]):
        column = a[:, x : x + 1]
        shared = ((column == b) & (column >= 0)).any(axis=1)
        counts = by_phone[a[:, x]] if by_phone is not None else np.zeros(size, dtype=np.int64)
        least = np.where(shared, np.minimum(least, counts), least)
    phone_same = both & (least < np.iinfo(np.int64).max)
    over = both & (cols.phones_over[left] | cols.phones_over[right])
    unsure |= over
    phone_same |= over
    phone_penalty = np.where(phone_same & ~over, _penalty(np.where(phone_same, least, 0)), 0.0)
    total += np.where(phone_same, W_PHONE_SAME - phone_penalty, np.where(both, W_PHONE_NONE, 0.0))
    phone_different = both & ~phone_same

    # ID numbers.
    both = (cols.id[left] >= 0) & (cols.id[right] >= 0)
    id_same = both & (cols.id[left] == cols.id[right])
    id_contrary = both & ~id_same & cols.id_valid[left] & cols.id_valid[right]
    id_typo = np.zeros(size, dtype=bool)
    check = np.flatnonzero(both & ~id_same & ~id_contrary)
    if len(check):
        ids = cols.id_text
        distance = process.cpdist(
            _pick(ids, left[check]), _pick(ids, right[check]), scorer=OSA.distance
        )
        id_typo[check] = distance <= 1
    id_weight = np.select(
        [id_same, id_contrary, id_typo], [W_ID_SAME, W_ID_DIFFER_VALID, W_ID_TYPO], W_ID_DIFFER
    )
    total += np.where(both, id_weight, 0.0)

    # Birth dates: equal, a typo (one edit, or day and month swapped), else near or far.
    ya, yb = cols.year[left], cols.year[right]
    both_year = (ya > 0) & (yb > 0)
    both_full = (cols.birth[left] > 0) & (cols.birth[right] > 0)
    birth_same = both_full & (cols.birth[left] == cols.birth[right])
    typo = np.zeros(size, dtype=bool)
    check = np.flatnonzero(both_full & ~birth_same)
    if len(check):
        x, y = cols.birth[left[check]], cols.birth[right[check]]
        swapped_date = (
            (x // 10000 == y // 10000) & (x // 100 % 100 == y % 100) & (x % 100 == y // 100 % 100)
        )
        edits = process.cpdist(
            [str(v) for v in x.tolist()], [str(v) for v in y.tolist()], scorer=OSA.distance
        )
        typo[check] = swapped_date | (edits <= 1)
    year_same = both_year & ~both_full & (ya == yb)
    gap = np.abs(ya - yb)
    # 1987 / 1978 or 1983 / 1993: a year typed wrong (_year_typo).
    year_typo = (ya // 100 == yb // 100) & (
        ((ya // 10 % 10 == yb % 10) & (ya % 10 == yb // 10 % 10))
        | ((ya // 10 % 10 != yb // 10 % 10) & (ya % 10 == yb % 10))
    )
    far = np.where(both_full, gap >= FAR_YEARS, (gap >= FAR_YEARS) & ~year_typo)
    birth_far = both_year & ~birth_same & ~typo & ~year_same & far
    birth_weight = np.select(
        [birth_same, typo, year_same, birth_far],
        [W_BIRTH_SAME, W_BIRTH_TYPO, W_BIRTH_SAME_YEAR, W_BIRTH_FAR],
        W_BIRTH_NEAR,
    )
    total += np.where(both_year, birth_weight, 0.0)

    # Machines.
    serial = _shared(cols.serials, cols.serials_over, left, right)
    unsure |= serial & (cols.serials_over[left] | cols.serials_over[right])
    both = _any(cols.models)[left] & _any(cols.models)[right]
    unsure |= both & (cols.models_over[left] | cols.models_over[right])
    unsure |= both & (cols.families_over[left] | cols.families_over[right])
    model = both & _shared(cols.models, cols.models_over, left, right)
    family = both & ~model & _shared(cols.families, cols.families_over, left, right)
    machine_weight = np.where(serial, W_SERIAL_SAME, 0.0) + np.where(
        both,
        np.select([model, family, serial], [W_MODEL_SAME, W_MODEL_FAMILY, 0.0], W_MODEL_DIFFERENT),
        0.0,
    )
    support = id_same | id_typo | birth_same | typo | year_same | serial | model

    needed = _OFFSET + math.log(threshold / (1 - threshold)) - 1e-9

    def shown(weight: np.ndarray | float, place_same: np.ndarray | bool) -> np.ndarray:
        together = phone_same | place_same
        contrary = id_contrary | (
            different_chars & ~id_same & (birth_far | (phone_different & place_same & ~support))
        )
        relatives = contrary & similar_name & together
        return np.asarray(relatives | (~contrary & (total + machine_weight + weight >= needed)))

    # Addresses: equal, one inside the other, similar (ratio), overlapping (partial ratio).
    # The string comparisons are the slow part: they are made only for the pairs whose
    # outcome the address can still change.
    both = (cols.address[left] >= 0) & (cols.address[right] >= 0)
    address_same = both & (cols.address[left] == cols.address[right])
    open_ = both & ~address_same
    outcomes = [
        shown(W_ADDRESS_SIMILAR, True),
        shown(W_ADDRESS_CONTAINS, True),
        shown(W_ADDRESS_PARTIAL, False),
        shown(W_ADDRESS_OVERLAP, False),
        shown(W_ADDRESS_DIFFERENT, False),
    ]
    decided = np.logical_and.reduce([o == outcomes[0] for o in outcomes[1:]])
    address_weight = np.where(
        address_same, W_ADDRESS_SAME, np.where(both, W_ADDRESS_DIFFERENT, 0.0)
    )
    place_same = address_same.copy()
    result = np.where(open_ & decided, outcomes[0], False)
    check = np.flatnonzero(open_ & ~decided)
    if len(check):
        texts = cols.address_text
        lefts, rights = _pick(texts, left[check]), _pick(texts, right[check])
        pairs_text = [
            (x, y) if len(x) <= len(y) else (y, x) for x, y in zip(lefts, rights, strict=True)
        ]
        contains = np.array([len(x) >= 4 and x in y for x, y in pairs_text], dtype=bool).reshape(-1)
        ratio = process.cpdist(lefts, rights, scorer=fuzz.ratio)
        words = np.flatnonzero(cols.address_words[left[check]] & cols.address_words[right[check]])
        if len(words):
            sort_ratio = process.cpdist(
                _pick(cols.words_text, left[check][words]),
                _pick(cols.words_text, right[check][words]),
                scorer=fuzz.token_sort_ratio,
                workers=1,
            )
            ratio[words] = np.maximum(ratio[words], sort_ratio)
        similar = ~contains & (ratio >= 85)
        shorter = np.array([len(x) for x, _y in pairs_text], dtype=np.int64)
        inside = ~contains & ~similar & (shorter >= 2) & (shorter < 4)
        inside[inside] = np.array(
            [pairs_text[k][0] in pairs_text[k][1] for k in np.flatnonzero(inside).tolist()],
            dtype=bool,
        )
        overlap = np.zeros(len(check), dtype=bool)
        partial_idx = np.flatnonzero(~contains & ~similar & (shorter >= 4))
        if len(partial_idx):
            partial = process.cpdist(
                [pairs_text[k][0] for k in partial_idx.tolist()],
                [pairs_text[k][1] for k in partial_idx.tolist()],
                scorer=fuzz.partial_ratio,
                workers=1,
            )
            overlap[partial_idx] = partial >= 80
        address_weight[check] = np.select(
            [contains, similar, inside, overlap],
            [W_ADDRESS_CONTAINS, W_ADDRESS_SIMILAR, W_ADDRESS_PARTIAL, W_ADDRESS_OVERLAP],
            W_ADDRESS_DIFFERENT,
        )
        place_same[check] = contains | similar
    exact = shown(address_weight, place_same)
    result = np.where(open_ & decided, result, exact)
    return result | unsure


_SCORE_CHUNK = 200_000
# Set in the parent just before forking the scoring workers, read by them (copy-on-write).
_SHARED: dict[str, Any] = {}


def score_pairs(
    features: Sequence[Features],
    pairs: np.ndarray,
    ctx: Context,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    columns: _Columns | None = None,
) -> list[Match]:
    """The pairs worth showing, in pair order: bounded in bulk (`possible`), then compared
    one by one (with reasons) only where the bound says the pair could be shown. One chunk
    of find_matches, one partition of the fanned-out refresh."""
    if not len(pairs):
        return []
    kept = pairs[possible(features, pairs, threshold=threshold, columns=columns, ctx=ctx)]
    out = []
    for i, j in kept.tolist():
        match = compare(features[i], features[j], ctx, threshold=threshold)
        if match is not None:
            out.append(match)
    return out


def _score_chunk(bounds: tuple[int, int]) -> list[Match]:
    return score_pairs(
        _SHARED["features"],
        _SHARED["pairs"][bounds[0] : bounds[1]],
        _SHARED["ctx"],
        threshold=_SHARED["threshold"],
        columns=_SHARED["columns"],
    )


def find_matches(
    features: Sequence[Features],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    only: set[int] | None = None,
    ctx: Context | None = None,
    progress: Progress | None = None,
    stats: BlockStats | None = None,
    workers: int = 1,
) -> list[Match]:
    """Every pair worth the archivist's attention, best first. `features[i].index == i`.

    Candidate pairs are bounded in bulk (`possible`), and only those that could be shown
    are compared one by one; with `workers` > 1, chunks of pairs are scored in forked
    worker processes."""
    ctx = ctx or Context.build(features)
    pairs = candidate_array(features, only=only, stats=stats)
    if progress:
        progress("block", len(pairs), 0)
    columns = _Columns(features) if len(pairs) else None
    _SHARED.update(features=features, ctx=ctx, threshold=threshold, columns=columns, pairs=pairs)
    bounds = [(s, min(s + _SCORE_CHUNK, len(pairs))) for s in range(0, len(pairs), _SCORE_CHUNK)]
    matches: list[Match] = []
    pool = None
    try:
        if workers > 1 and len(bounds) > 1:
            pool = multiprocessing.get_context("fork").Pool(workers)
            results: Iterator[list[Match]] = pool.imap(_score_chunk, bounds)
        else:
            results = map(_score_chunk, bounds)
        for (_start, end), found in zip(bounds, results, strict=True):
            matches.extend(found)
            if progress:
                progress("score", end, len(pairs))
    finally:
        _SHARED.clear()
        if pool is not None:
            pool.close()
            pool.join()
    # The order of _best_first (best first, then by ids), as two stable sorts on C-level keys
    # rather than a Python key building a tuple per match (~900,000 at a million records).
    matches.sort(key=attrgetter("left_id", "right_id"))
    matches.sort(key=attrgetter("score"), reverse=True)
    only_ids = None if only is None else {features[i].id for i in only}
    return group_links(
        matches, lambda ids: _by_id(features, ids), ctx, only=only_ids, threshold=threshold
    )


def _by_id(features: Sequence[Features], ids: Iterable[str]) -> dict[str, Features]:
    wanted = set(ids)
    return {f.id: f for f in features if f.id in wanted} if wanted else {}
