"""Search: what a search-box query is (a phone fragment, pinyin or Chinese text)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .phones import NON_DIGIT_RE, has_leading_plus, strip_cn_prefix
from .text import fold, to_simplified

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
