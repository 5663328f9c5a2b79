"""Search: what a search-box query is (a phone fragment, pinyin or Chinese text)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .phones import NON_DIGIT_RE, has_leading_plus, strip_cn_prefix
from .text import fold, to_simplified

# Fragments of one or two characters (军, 云红) are looked up among the name's own single
# characters and pairs, kept on the customer as space-separated words (`name_grams`):
# trigram indexes need three characters, so without them such a search read every name.
GRAM_MAX = 2


def name_grams(name: str | None) -> str:
    """Every character of `name` and every pair of neighbouring characters, each once, as
    words between single spaces (with one before the first and after the last): a text of
    one or two characters without whitespace occurs in `name` exactly when ` text ` occurs
    in this. Grams holding whitespace are left out (a search term never holds any)."""
    if not name:
        return ""
    grams: dict[str, None] = {}
    for size in range(1, GRAM_MAX + 1):
        for start in range(len(name) - size + 1):
            gram = name[start : start + size]
            if not any(ch.isspace() for ch in gram):
                grams.setdefault(gram)
    return f" {' '.join(grams)} " if grams else ""


def search_gram(text: str) -> str | None:
    """The word to look for in `name_grams` for a text search term, or None when the term is
    too long for the grams (or holds whitespace) and the name itself must be searched."""
    if 0 < len(text) <= GRAM_MAX and not any(ch.isspace() for ch in text):
        return f" {text} "
    return None


_PHONE_QUERY_RE = re.compile(r"[0-9\s\-+().]+")
_PINYIN_QUERY_RE = re.compile(r"[A-Za-z\s']+")


@dataclass(frozen=True, slots=True)
class SearchTerm:
    kind: str
    value: str


def parse_search(query: str | None) -> SearchTerm | None:
    """Classify a search-box query as a phone fragment, pinyin or Chinese text."""
    if not query:
        return None
    text = fold(query)
    if not text:
        return None
    if _PHONE_QUERY_RE.fullmatch(text):
        digits = NON_DIGIT_RE.sub("", text)
        if len(digits) >= 3:
            national = strip_cn_prefix(digits, has_leading_plus(text))
            # Stored national digits have no trunk 0 (0531 -> 531); stripping it only widens
            # a substring search, so it is safe even on fragments.
            if national.startswith("0") and not national.startswith("00"):
                national = national[1:]
            return SearchTerm("phone", national or digits)
    if _PINYIN_QUERY_RE.fullmatch(text) and any(ch.isalpha() for ch in text):
        return SearchTerm("pinyin", "".join(ch for ch in text.lower() if ch.isalpha()))
    simplified = to_simplified(text)
    return SearchTerm("text", simplified) if simplified else None
