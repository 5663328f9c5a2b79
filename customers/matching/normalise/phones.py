"""Phones: one number as written in China parsed to E.164 with its extension, and a
notebook or spreadsheet cell split into the numbers it holds."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from .text import fold

_REGION = "CN"
# The library raises on "转 12", so extensions are cut off before parsing. The marker must
# follow a digit: "Fax 0531…" must not read as an extension introduced by the x of Fax.
_EXT_RE = re.compile(
    r"(?<=\d)\s*[(\[]?\s*(?:转分机|分机号?|转|extension|ext\.?|x|#)\s*[:.]?\s*([0-9]{1,6})(?![0-9])",
    re.IGNORECASE,
)
_DASH_EXT_RE = re.compile(r"^(.*[0-9])\s*-\s*([0-9]{1,6})\s*\W*$")
NON_DIGIT_RE = re.compile(r"[^0-9]")
# Mainland mobile numbers: new ranges ship before the metadata knows them.
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_KINDS = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixed"}


@dataclass(frozen=True, slots=True)
class PhoneResult:
    raw: str
    e164: str
    national: str
    extension: str
    kind: str
    valid: bool


class _Parsed(NamedTuple):
    e164: str
    national: str
    kind: str
    valid: bool


_UNUSABLE = _Parsed("", "", "unknown", False)


def has_leading_plus(text: str) -> bool:
    first_digit = next((i for i, ch in enumerate(text) if "0" <= ch <= "9"), len(text))
    return "+" in text[:first_digit]


def strip_cn_prefix(digits: str, plus: bool) -> str:
    if plus and digits.startswith("86"):
        return digits[2:]
    if digits.startswith("0086"):
        return digits[4:]
    if len(digits) == 13 and digits.startswith("861"):
        return digits[2:]
    return digits


def _parse_main(text: str) -> _Parsed:
    digits = NON_DIGIT_RE.sub("", text)
    # 17 digits covers 00 + country code + the longest national number.
    if len(digits) < 3 or len(digits) > 17:
        return _UNUSABLE
    plus = has_leading_plus(text)
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, _REGION)
    except NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return _Parsed(
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.national_significant_number(number),
            _KINDS.get(phonenumbers.number_type(number), "unknown"),
            True,
        )
    national = strip_cn_prefix(digits, plus)
    if len(national) == 12 and national.startswith("01"):
        national = national[1:]  # a trunk 0 dialled before a mobile number
    if _MOBILE_RE.fullmatch(national):
        return _Parsed("+86" + national, national, "mobile", False)
    if number is not None and national.startswith("0") and phonenumbers.is_possible_number(number):
        # A landline with its area code that the library's tables do not know
        # (0539-8888-6666): keep it, flagged, rather than lose the number.
        return _Parsed(
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.national_significant_number(number),
            "fixed",
            False,
        )
    return _UNUSABLE


def normalize_phone(raw: str | None) -> PhoneResult:
    """Parse one phone number as written in China; never raises."""
    raw = raw or ""
    text = fold(raw)
    extension = ""
    match = _EXT_RE.search(text)
    if match:
        text, extension = text[: match.start()], match.group(1)
    parsed = _parse_main(text)
    dash = None if match or parsed.valid else _DASH_EXT_RE.match(text)
    if dash:
        # 138-0013-8000 also ends in "-digits": only a tail that turns a complete number
        # into an invalid one is an extension.
        head = _parse_main(dash.group(1))
        if head.valid or (head.e164 and not parsed.e164):
            parsed, extension = head, dash.group(2)
    if not parsed.e164:
        extension = ""
    return PhoneResult(raw, parsed.e164, parsed.national, extension, parsed.kind, parsed.valid)


_PHONE_SEPARATORS_RE = re.compile(r"[;；,，/／、|｜\r\n\t]+|或")
_WORD_RE = re.compile(r"\S+")


def _digit_count(text: str) -> int:
    return len(NON_DIGIT_RE.sub("", unicodedata.normalize("NFKC", text)))


def _starts_number(word: str) -> bool:
    first = unicodedata.normalize("NFKC", word[:1])
    return first.isdigit() or first in "+("


def _split_spaced_numbers(piece: str) -> list[str]:
    words = list(_WORD_RE.finditer(piece))
    groups: list[tuple[int, int]] = []
    start = end = -1
    for word in words:
        if start >= 0 and _starts_number(word.group()):
            current = piece[start:end]
            extended = piece[start : word.end()]
            two_full = _digit_count(current) >= 7 and _digit_count(word.group()) >= 7
            # Flush only when the group so far is a whole number and the next word either
            # breaks it or adds nothing to it (digits after "转 12"); that keeps
            # "138 0013 8000" and "0531 8888 6666" together.
            before = normalize_phone(current)
            after = normalize_phone(extended)
            completes = before.e164 != "" and (
                after.e164 == "" or (after.e164, after.extension) == (before.e164, before.extension)
            )
            if two_full or completes:
                groups.append((start, end))
                start = -1
        if start < 0:
            start = word.start()
        end = word.end()
    if start >= 0:
        groups.append((start, end))
    return [piece[a:b] for a, b in groups]


def split_phones(text: str | None) -> list[str]:
    """Split one notebook/CSV cell into the raw phone numbers it holds."""
    if not text:
        return []
    out: list[str] = []
    for piece in _PHONE_SEPARATORS_RE.split(text):
        piece = piece.strip()
        if piece:
            out.extend(_split_spaced_numbers(piece))
    return out
