"""Which column holds what: the fields an import fills, the headers recognised for each
(Chinese notebooks, English sheets, and the headers of our own export in either
language), and a mapping from column position to field."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

IGNORE = ""


@dataclass(frozen=True)
class Field:
    key: str
    label: Promise
    synonyms: tuple[str, ...]
    multi: bool = False  # several columns may feed it (phone 1, phone 2 …)


# The labels double as the headers of the customer export, so an export re-imports.
FIELDS: tuple[Field, ...] = (
    Field(
        "external_ref",
        _("Reference"),
        ("编号", "客户编号", "档案号", "id", "ref", "reference", "external ref", "客户代码"),
    ),
    Field(
        "name",
        _("Name"),
        (
            "姓名",
            "客户名称",
            "客户姓名",
            "客户",
            "名称",
            "用户名称",
            "单位名称",
            "公司名称",
            "name",
            "customer",
            "customer name",
            "client",
        ),
    ),
    Field(
        "kind",
        pgettext_lazy("customer kind", "Kind"),
        ("类型", "客户类型", "客户类别", "kind", "type"),
    ),
    Field(
        "phones",
        _("Phone"),
        (
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "电话号码",
            "联系电话",
            "联系方式",
            "固话",
            "座机",
            "phone",
            "phones",
            "mobile",
            "tel",
            "telephone",
            "cell",
        ),
        multi=True,
    ),
    Field("province", _("Province"), ("省", "省份", "province")),
    Field("city", _("City"), ("市", "城市", "地市", "地级市", "city")),
    Field(
        "county", _("County"), ("县", "区县", "县区", "县市区", "区", "县/区", "county", "district")
    ),
    Field(
        "address", _("Address"), ("地址", "详细地址", "住址", "村", "乡镇村", "通讯地址", "address")
    ),
    Field("sales_region", _("Region"), ("区域", "销售区域", "片区", "region", "sales region")),
    Field(
        "manager",
        _("Manager"),
        ("业务员", "客户经理", "销售经理", "负责人", "manager", "sales manager", "salesman"),
    ),
    Field("status", _("Status"), ("状态", "客户状态", "status")),
    Field("gender", _("Gender"), ("性别", "gender", "sex")),
    Field(
        "birth_date",
        _("Birth date"),
        ("出生日期", "生日", "出生年月", "birth date", "birthday", "date of birth", "dob"),
    ),
    Field("birth_year", _("Birth year"), ("出生年份", "出生年", "birth year")),
    Field(
        "id_number",
        _("ID number"),
        ("身份证", "身份证号", "身份证号码", "证件号", "id number", "id card"),
    ),
    Field("brand", _("Brand"), ("品牌", "brand", "make")),
    Field(
        "models",
        _("Model"),
        ("机型", "型号", "设备型号", "车型", "model", "models", "machine"),
        multi=True,
    ),
    Field(
        "serial_number",
        _("Serial no."),
        (
            "出厂编号",
            "整机编号",
            "序列号",
            "机号",
            "车架号",
            "serial",
            "serial number",
            "serial no",
        ),
    ),
    Field("quantity", _("Quantity"), ("数量", "台数", "quantity", "qty", "units")),
    Field(
        "purchase_date",
        _("Purchase date"),
        ("购买日期", "购机日期", "购车日期", "购买时间", "purchase date", "bought"),
    ),
    Field("shareholders", _("Shareholders"), ("股东", "股东姓名", "shareholders", "shareholder")),
    Field("notes", _("Notes"), ("备注", "说明", "notes", "note", "remarks", "comment")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}

_PUNCT_RE = re.compile(r"[\s_\-:：*＊#.。()（）\[\]【】/、]+")


def normalise_header(text: str | None) -> str:
    """'联系电话(手机)*' and ' Phone ' compare by what they say, not how they are typed."""
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    # A unit or a hint in brackets at the end: "电话(手机)", "price (CNY)".
    text = re.sub(r"[(（\[【][^)）\]】]*[)）\]】]\s*$", "", text) or text
    return _PUNCT_RE.sub("", text)


def _known_headers() -> dict[str, str]:
    known: dict[str, str] = {}
    for field in FIELDS:
        for synonym in field.synonyms:
            known.setdefault(normalise_header(synonym), field.key)
        # Our own export's headers, in every language the product speaks.
        for language in ("en", "zh-hans"):
            with translation.override(language):
                known.setdefault(normalise_header(str(field.label)), field.key)
    return known


def guess_field(header: str, known: dict[str, str] | None = None) -> str:
    """The field a header names, or IGNORE. Exact synonyms first; then a header that
    contains a Chinese synonym of two or more characters (联系人电话 → phones)."""
    known = known if known is not None else _known_headers()
    norm = normalise_header(header)
    if not norm:
        return IGNORE
    if norm in known:
        return known[norm]
    # "电话2", "Phone 2": a numbered second column of the same kind.
    stripped = norm.rstrip("0123456789")
    if stripped and stripped in known:
        return known[stripped]
    best, found = "", IGNORE
    for synonym, key in known.items():
        longer = len(synonym) > max(1, len(best))
        if longer and not synonym.isascii() and synonym in norm:
            best, found = synonym, key
    return found


def auto_mapping(headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """{column index as text: field key} for every column, IGNORE when unknown. A saved
    mapping (normalised header -> field) wins over the guesses. A single-valued field
    goes to its first column only."""
    known = _known_headers()
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        norm = normalise_header(header)
        key = (saved or {}).get(norm)
        if key is None:
            key = guess_field(header, known)
        if key and key in FIELD_BY_KEY:
            if key in taken and not FIELD_BY_KEY[key].multi:
                key = IGNORE
            taken.add(key)
        else:
            key = IGNORE
        mapping[str(index)] = key
    return mapping


def mapping_by_header(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The form a mapping is saved in: normalised header -> field (positions change)."""
    out: dict[str, str] = {}
    for index, header in enumerate(headers):
        norm = normalise_header(header)
        if norm:
            out[norm] = mapping.get(str(index), IGNORE)
    return out


def mapping_problems(mapping: dict[str, Any]) -> list[str]:
    """What makes a mapping unusable, as messages for the form."""
    problems = []
    values = [v for v in mapping.values() if v]
    if "name" not in values:
        problems.append(str(_("Choose the column that holds the customer's name.")))
    for key in {v for v in values if values.count(v) > 1}:
        field = FIELD_BY_KEY.get(key)
        if field is not None and not field.multi:
            problems.append(str(_("Only one column can be “%(field)s”.") % {"field": field.label}))
    return problems
