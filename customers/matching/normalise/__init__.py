"""Pure, Django-free normalisation of customer names, phones, machine models and addresses.
Keys are computed on save and compared in bulk by the duplicate matcher.

Split by idea: text (the shared folding and Traditional -> Simplified), names, phones,
machine_models, addresses, search; the public names are imported from here."""

from .addresses import normalize_address
from .machine_models import ModelKey, conflicting_models, normalize_model
from .names import NameKeys, fuzzy_syllable, name_keys
from .phones import PhoneResult, normalize_phone, split_phones
from .search import SearchTerm, name_grams, parse_search, search_gram
from .text import clean_text, to_simplified

__all__ = [
    "ModelKey",
    "NameKeys",
    "PhoneResult",
    "SearchTerm",
    "clean_text",
    "conflicting_models",
    "fuzzy_syllable",
    "name_grams",
    "name_keys",
    "normalize_address",
    "normalize_model",
    "normalize_phone",
    "parse_search",
    "search_gram",
    "split_phones",
    "to_simplified",
]
