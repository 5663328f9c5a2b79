"""Machine models: the canonical forms of a model string and its family."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .text import INVISIBLE_RE

# NFKC folds full-width forms and Ⅱ -> II but leaves these dash look-alikes alone.
_MODEL_SEPARATORS_RE = re.compile(r"[\s\-_\u2010-\u2015\u2212\u2043\u2500\u2501\u30fc\ufe58]+")
_MODEL_SUFFIX_RE = re.compile(r"-?型号?$")  # 型 means "model", it is not part of the code
_FAMILY_RE = re.compile(r"([^\W\d_]*)-?([0-9]*)")


@dataclass(frozen=True, slots=True)
class ModelKey:
    raw: str
    display: str
    key: str
    family: str


def normalize_model(raw: str | None) -> ModelKey:
    """Canonical forms of a machine model string (ＺＬ５０Ｃ－Ⅱ -> ZL50C-II)."""
    raw = raw or ""
    text = INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", raw)).upper()
    display = _MODEL_SEPARATORS_RE.sub("-", text).strip("-")
    display = _MODEL_SUFFIX_RE.sub("", display).strip("-")
    key = "".join(ch for ch in display if ch.isalnum())
    # Family is read from the display form: in PC200-8 the dash ends the family, which the
    # separator-free key (PC2008) no longer shows.
    match = _FAMILY_RE.match(display)
    family = (match.group(1) + match.group(2)) if match else ""
    return ModelKey(raw, display, key, family)


def conflicting_models(raws: Iterable[str]) -> bool:
    """True when models of one family disagree (ZL50 / ZL50C-Ⅱ / ZL50D on one machine)."""
    keys_by_family: dict[str, set[str]] = {}
    for raw in raws:
        model = normalize_model(raw)
        if model.key:
            keys_by_family.setdefault(model.family, set()).add(model.key)
    return any(len(keys) > 1 for keys in keys_by_family.values())
