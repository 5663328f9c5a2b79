"""What the matcher compares: a dossier as a plain record, and the features prepared from it
once (normalisation is the slow part of a run). No database access here."""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .normalise import (
    clean_text,
    name_keys,
    normalize_address,
    normalize_model,
    normalize_phone,
    split_phones,
)

__all__ = [
    "Features",
    "Record",
    "id_number_birth",
    "normalize_id_number",
    "place_key",
    "prepare",
    "prepare_all",
    "village_key",
]

Progress = Callable[[str, int, int], None]

# Raised whenever prepare() or the blocking keys change, so the database run redoes the
# stored features and keys of every customer once (refresh.fingerprint includes it).
FEATURES_VERSION = 3

# Values repeat across a run (namesakes, one person entered several times, a village's
# addresses, common birth dates and models): each distinct value is normalised once. A
# million dossiers hold about 340,000 distinct names, 65,000 addresses, 37,000 birth dates.
_CACHE = 1 << 19


@dataclass(frozen=True, slots=True)
class Record:
    """One dossier as the matcher reads it: a CSV row or a customer with its rows."""

    id: str
    name: str = ""
    phones: tuple[str, ...] = ()
    address: str = ""
    birth_date: str = ""  # YYYY-MM-DD, YYYYMMDD, YYYY or empty
    id_number: str = ""
    models: tuple[str, ...] = ()
    serials: tuple[str, ...] = ()


# ID numbers (居民身份证号)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"[0-9X]+")


def _id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_birth(digits: str) -> dt.date | None:
    """The birth date a resident ID number carries (digits 7–14), if it is a real date."""
    try:
        return dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return None


def normalize_id_number(raw: str | None) -> tuple[str, bool]:
    """(comparison form, is a valid resident ID). A 15-digit first-generation number is
    widened to 18 digits (century 19, computed check digit) so both forms compare equal."""
    text = clean_text(raw).upper()
    if not text:
        return "", False
    if not _ID_RE.fullmatch(text):
        return "".join(ch for ch in text if ch.isalnum()), False
    if len(text) == 15 and text.isdigit():
        first17 = text[:6] + "19" + text[6:]
        text = first17 + _id_check_digit(first17)
    valid = (
        len(text) == 18
        and text[:17].isdigit()
        and _id_check_digit(text[:17]) == text[17]
        and id_number_birth(text) is not None
    )
    return text, valid


_DIGITS_RE = re.compile(r"[0-9]+")


@lru_cache(maxsize=_CACHE)
def _parse_birth(raw: str) -> tuple[int | None, str]:
    """(year, 8-digit YYYYMMDD or '') from the forms notebooks and files use."""
    text = clean_text(raw)
    if not text:
        return None, ""
    groups = _DIGITS_RE.findall(text)
    if len(groups) == 1 and len(groups[0]) == 8:
        digits = groups[0]
    elif len(groups) >= 3 and len(groups[0]) == 4:
        digits = f"{groups[0]}{int(groups[1]):02d}{int(groups[2]):02d}"[:8]
    elif groups and len(groups[0]) == 4:
        year = int(groups[0])
        return (year if 1850 <= year <= 2100 else None), ""
    else:
        return None, ""
    year = int(digits[:4])
    if not 1850 <= year <= 2100:
        return None, ""
    return year, digits


_NONE: frozenset[str] = frozenset()


class Features:
    """A record prepared once for blocking and scoring (normalisation is the slow part)."""

    __slots__ = (
        "address",
        "address_words",
        "birth",
        "birth_year",
        "families",
        "fuzzy",
        "given",
        "id",
        "id_number",
        "id_valid",
        "index",
        "is_cjk",
        "is_nickname",
        "models",
        "name",
        "phones",
        "pinyin",
        "pinyin_alt",
        "serials",
        "surname",
        "tokens",
    )

    id: str
    index: int
    name: str
    pinyin: str
    fuzzy: str
    pinyin_alt: frozenset[str]
    surname: str
    given: str
    tokens: str
    is_nickname: bool
    is_cjk: bool
    phones: tuple[str, ...]
    address: str
    address_words: str
    birth_year: int | None
    birth: str
    id_number: str
    id_valid: bool
    models: frozenset[str]
    families: frozenset[str]
    serials: frozenset[str]

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, _NONE if isinstance(value, frozenset) and not value else value)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able copy (the database run stores it so unchanged rows are not redone)."""
        out: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            out[name] = sorted(value) if isinstance(value, frozenset) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Features:
        f = cls.__new__(cls)
        for name in cls.__slots__:
            value = data.get(name)
            if name in {"pinyin_alt", "models", "families", "serials"}:
                value = frozenset(value or ())
            elif name == "phones":
                value = tuple(value or ())
            setattr(f, name, value)
        return f


# Names repeat across a run (namesakes, one person entered several times).
_name_keys = lru_cache(maxsize=_CACHE)(name_keys)

# A plain mainland mobile number, however it is spaced or prefixed: the common case, read
# without the phone library (about 30 µs a number; 100,000 dossiers hold 160,000 numbers).
_MOBILE_PUNCT_RE = re.compile(r"[\s\-().+\u3000]")
_MOBILE_RE = re.compile(r"(?:0086|86)?(1[3-9][0-9]{9})")


@lru_cache(maxsize=_CACHE)
def _phone_keys(raw: str) -> tuple[str, ...]:
    """The E.164 numbers in one cell, exactly as normalize_phone gives them."""
    folded = unicodedata.normalize("NFKC", raw).strip()
    plus = folded.startswith("+")
    digits = _MOBILE_PUNCT_RE.sub("", folded)
    match = _MOBILE_RE.fullmatch(digits)
    # "+1 650…" is an American number, not a Chinese mobile without its 86.
    if match and "+" not in folded[1:] and (not plus or digits.startswith("86")):
        return ("+86" + match.group(1),)
    out = []
    for part in split_phones(raw):
        e164 = normalize_phone(part).e164
        if e164:
            out.append(e164)
    return tuple(out)


_LATIN_WORD_RE = re.compile(r"[a-z]+")
_LATIN_ADDRESS_RE = re.compile(r"[a-z0-9]+")
_TRAILING_RE = re.compile(r"[0-9a-z]+$")


@lru_cache(maxsize=_CACHE)
def _address_keys(raw: str) -> tuple[str, str]:
    """(comparison form, the Latin words sorted): Latin addresses (street, suburb,
    postcode) lose words or swap them around."""
    words = _LATIN_ADDRESS_RE.findall(raw.lower())
    return normalize_address(raw), " ".join(sorted(words)) if len(words) > 1 else ""


@lru_cache(maxsize=4096)
def _model_keys(raw: str) -> tuple[str, str] | None:
    """(key, family) of one model cell, None when it is blank."""
    if not clean_text(raw):
        return None
    model = normalize_model(raw)
    return model.key, model.family


def _set(values: Iterable[str]) -> frozenset[str]:
    # One shared empty set: a million records otherwise hold millions of empty ones.
    out = frozenset(values)
    return out if out else _NONE


def prepare(record: Record, index: int = 0) -> Features:
    f = Features.__new__(Features)
    f.id = record.id
    f.index = index
    keys = _name_keys(record.name)
    f.name = keys.simplified
    f.pinyin = keys.pinyin
    f.fuzzy = keys.fuzzy
    f.pinyin_alt = _set(keys.extra_pinyin)
    f.surname = keys.surname_pinyin
    f.given = keys.given
    f.is_nickname = keys.is_nickname
    f.is_cjk = keys.pinyin != keys.simplified.lower()
    # Words in any order: Latin names are swapped between given name and surname often.
    words = _LATIN_WORD_RE.findall((record.name or "").lower()) if not f.is_cjk else []
    f.tokens = " ".join(sorted(words)) if len(words) > 1 else ""
    phones: list[str] = []
    for raw in record.phones:
        for e164 in _phone_keys(raw):
            if e164 not in phones:
                phones.append(e164)
    f.phones = tuple(phones)
    f.address, f.address_words = _address_keys(record.address or "")
    f.id_number, f.id_valid = normalize_id_number(record.id_number)
    f.birth_year, f.birth = _parse_birth(record.birth_date)
    id_year = int(f.id_number[6:10]) if f.id_valid else None
    if id_year and (not f.birth_year or (not f.birth and f.birth_year == id_year)):
        # The resident ID carries the birth date (digits 7–14): it fills a missing date, or
        # completes a bare year that agrees with it.
        f.birth_year, f.birth = int(f.id_number[6:10]), f.id_number[6:14]
    models = [parsed for m in record.models if (parsed := _model_keys(m)) is not None]
    f.models = _set(key for key, _family in models if key)
    f.families = _set(family for _key, family in models if family)
    f.serials = _set(clean_text(s).upper() for s in record.serials if clean_text(s))
    return f


def place_key(f: Features) -> str:
    """The village (or suburb and postcode): the end of the address, before a group or
    house number; '' without an address."""
    return _place(f.address, f.is_cjk)


@lru_cache(maxsize=_CACHE)
def _place(address: str, is_cjk: bool) -> str:
    # Blocking, the frequency counts and the bulk columns all ask, for every record.
    place = _TRAILING_RE.sub("", address) if is_cjk else address
    return place[-4:]


def village_key(f: Features) -> str:
    """The village as blocking reads it: the last three characters of place_key, so that
    an address written from the town on (孙湖镇小村4组 -> 孙湖小) and the full one
    (…滕州市孙湖镇小村4组 -> …州孙湖小) still meet, whatever the village's length."""
    place = place_key(f)
    return place[-3:] if f.is_cjk else place


# Below this many records a run stays in one process (starting workers costs more).
PARALLEL_MIN = 50_000
_CHUNK = 20_000


def _prepare_chunk(job: tuple[int, list[Record]]) -> list[Features]:
    start, records = job
    return [prepare(record, start + k) for k, record in enumerate(records)]


def _jobs(records: Iterable[Record]) -> Iterator[tuple[int, list[Record]]]:
    chunk: list[Record] = []
    start = 0
    for record in records:
        chunk.append(record)
        if len(chunk) == _CHUNK:
            yield start, chunk
            start += len(chunk)
            chunk = []
    if chunk:
        yield start, chunk


def prepare_all(
    records: Iterable[Record], progress: Progress | None = None, *, workers: int = 1
) -> list[Features]:
    """Features of every record, `features[i].index == i`. With `workers` > 1 and a large
    input, chunks are prepared in forked worker processes (normalisation is CPU-bound)."""
    out: list[Features] = []
    jobs = _jobs(records)
    first = next(jobs, None)
    if first is None:
        return out
    second = next(jobs, None)
    if workers <= 1 or second is None:
        chunks: Iterator[list[Features]] = map(
            _prepare_chunk, itertools.chain([first], [second] if second else [], jobs)
        )
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(workers)
        chunks = pool.imap(_prepare_chunk, itertools.chain([first, second], jobs))
    try:
        for chunk in chunks:
            out.extend(chunk)
            if progress:
                progress("prepare", len(out), 0)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return out
