"""The evidence of a candidate pair as the archivist reads it: each reason is a code, its
weight in the score and the values it names; the text is translated when shown, so the
review queue stores codes, never sentences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

__all__ = [
    "KIND_DUPLICATE",
    "KIND_RELATIVES",
    "REASON_TEXTS",
    "Match",
    "Reason",
    "format_reason",
    "reason_text",
    "translated_templates",
]

KIND_DUPLICATE = "duplicate"
KIND_RELATIVES = "relatives"


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    weight: float
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "weight": round(self.weight, 2), "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        params = tuple(sorted((str(k), str(v)) for k, v in (data.get("params") or {}).items()))
        return cls(str(data["code"]), float(data.get("weight", 0)), params)

    @property
    def text(self) -> str:
        return reason_text(self)


REASON_TEXTS: dict[str, Any] = {
    "name_same": _("same name %(name)s"),
    "name_pinyin": _("same pinyin %(pinyin)s, different characters (%(left)s / %(right)s)"),
    "name_fuzzy": _("similar pinyin %(left)s / %(right)s (z/zh, n/l, -n/-ng)"),
    "name_reading": _("%(left)s / %(right)s can be read alike"),
    "name_swapped": _("same name, words in another order"),
    "name_close": _("names almost the same: %(left)s / %(right)s"),
    "name_similar": _("names similar: %(left)s / %(right)s"),
    "name_partial": _("only part of the name agrees: %(left)s / %(right)s"),
    "name_one_char": _("names differ in one character: %(left)s / %(right)s"),
    "name_different": _("different names: %(left)s / %(right)s"),
    "name_different_latin": _("different names: %(left)s / %(right)s"),
    "name_nickname": _("%(nickname)s is a nickname with the same surname"),
    "name_surname_differs": _("different surnames: %(left)s / %(right)s"),
    "name_common": _("a common name here (%(count)s records)"),
    "phone_same": _("same phone %(phone)s"),
    "phone_shared_widely": _("same phone %(phone)s, but %(count)s records share it"),
    "phone_none_shared": _("no phone number in common"),
    "id_same": _("same ID number"),
    "id_typo": _("ID numbers differ by one character (typo?)"),
    "id_differ": _("ID numbers differ"),
    "birth_same": _("same birth date %(date)s"),
    "birth_typo": _("birth dates differ by one digit: %(left)s / %(right)s"),
    "birth_same_year": _("same birth year %(year)s"),
    "birth_near": _("birth dates differ: %(left)s / %(right)s"),
    "birth_far": _("born %(left)s and %(right)s"),
    "address_same": _("same address"),
    "address_contains": _("same place, one address is shorter"),
    "address_similar": _("similar addresses"),
    "address_overlap": _("addresses overlap"),
    "address_partial": _("one address gives only the county or town the other lies in"),
    "address_different": _("different addresses"),
    "serial_same": _("same machine serial %(serial)s"),
    "model_same": _("same model %(model)s"),
    "model_family": _("same model family %(family)s (%(left)s / %(right)s)"),
    "model_different": _("no model in common"),
    "relatives": _("possible relatives — do not merge without checking"),
    "group": _("both closely match %(via)s: one person's records, linked through it"),
}


def reason_text(reason: Reason | dict[str, Any]) -> str:
    if isinstance(reason, dict):
        reason = Reason.from_dict(reason)
    template = REASON_TEXTS.get(reason.code)
    return reason.code if template is None else format_reason(reason, str(template))


def translated_templates() -> dict[str, str]:
    """Every reason's template in the active language: a file run writes millions of
    reasons, and translating each template once instead of once a reason saves much."""
    return {code: str(template) for code, template in REASON_TEXTS.items()}


def format_reason(reason: Reason, template: str | None) -> str:
    """The reason in words from its (translated) template, as reason_text gives it."""
    if template is None:
        return reason.code
    try:
        return template % dict(reason.params)
    except (KeyError, ValueError, TypeError):
        return template


@dataclass(frozen=True, slots=True)
class Match:
    """A pair worth the archivist's attention, with its score in [0, 1] and its evidence."""

    left_id: str
    right_id: str
    score: float
    kind: str
    reasons: tuple[Reason, ...]

    @property
    def is_duplicate(self) -> bool:
        return self.kind == KIND_DUPLICATE

    def reasons_text(self, separator: str = "; ") -> str:
        return separator.join(reason_text(r) for r in self.reasons)
