"""Shared text helpers: Unicode folding, invisible characters, Traditional -> Simplified."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from opencc import OpenCC

# Zero-width spaces/joiners, BOMs, soft hyphens and bidi marks survive NFKC and arrive
# with names pasted from chat apps; left in, they make identical names compare unequal.
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_INVISIBLE_OR_SPACE_RE = re.compile(rf"[\s{_INVISIBLE}]+")
_SPACE_RE = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC with invisible characters removed; whitespace runs become one space."""
    text = INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
    return _SPACE_RE.sub(" ", text).strip()


def clean_text(text: str | None) -> str:
    """NFKC-normalise and remove all whitespace (incl. U+3000) and zero-width characters."""
    if not text:
        return ""
    return _INVISIBLE_OR_SPACE_RE.sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=1)
def _opencc() -> Any:
    # Loading the dictionaries costs far more than a conversion; build the converter once.
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_starts() -> frozenset[str]:
    """Every character a t2s dictionary entry starts with: text holding none of them is
    left exactly as it is by every dictionary of the chain."""
    converter = _opencc()
    converter.convert("")  # loads the dictionaries
    starts: set[str] = set()

    def walk(chain: Any) -> None:
        for item in chain:
            if isinstance(item, list):
                walk(item)
            else:
                starts.update(key[0] for key in item[2])

    walk(converter._dict_chain_data)
    return frozenset(starts)


@lru_cache(maxsize=1 << 19)
def t2s(text: str) -> str:
    # Names repeat heavily across a dedupe run, and the pure-Python converter is the slowest
    # step of name_keys, so conversions are memoised; text that is simplified already (no
    # character any dictionary entry starts with) skips the converter.
    if text.isascii() or _t2s_starts().isdisjoint(text):
        return text
    return str(_opencc().convert(text))


def to_simplified(text: str | None) -> str:
    """clean_text, then Traditional -> Simplified Chinese (劉文財 -> 刘文财)."""
    return t2s(clean_text(text))
