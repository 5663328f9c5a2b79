"""Pure, Django-free normalisation of customer names, phones, machine models and addresses.
Keys are computed on save and compared in bulk by the duplicate matcher."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import phonenumbers
from opencc import OpenCC
from phonenumbers import NumberParseException, PhoneNumberType
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PHRASES_DICT

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

# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------

# Zero-width spaces/joiners, BOMs, soft hyphens and bidi marks survive NFKC and arrive
# with names pasted from chat apps; left in, they make identical names compare unequal.
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_INVISIBLE_OR_SPACE_RE = re.compile(rf"[\s{_INVISIBLE}]+")
_SPACE_RE = re.compile(r"\s+")


def _fold(text: str) -> str:
    """NFKC with invisible characters removed; whitespace runs become one space."""
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
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


@lru_cache(maxsize=65536)
def _t2s(text: str) -> str:
    # Names repeat heavily across a dedupe run, and the pure-Python converter is the slowest
    # step of name_keys, so conversions are memoised; text that is simplified already (no
    # character any dictionary entry starts with) skips the converter.
    if text.isascii() or _t2s_starts().isdisjoint(text):
        return text
    return str(_opencc().convert(text))


def to_simplified(text: str | None) -> str:
    """clean_text, then Traditional -> Simplified Chinese (劉文財 -> 刘文财)."""
    return _t2s(clean_text(text))


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
# Latin words and digit runs are separate tokens so each contributes its own initial.
_TOKEN_RE = re.compile(rf"[{_CJK}]+|(?:(?![{_CJK}])[^\W\d_])+|[0-9]+")

# Readings are tuples of syllables so a compound surname yields one initial per syllable.
_SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    # Single surnames pypinyin reads with their common-word sound.
    "单": ("shan",),
    "曾": ("zeng",),
    "仇": ("qiu",),
    "解": ("xie",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "乐": ("yue",),
    "覃": ("qin",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "秘": ("bi",),
    "种": ("chong",),
    "折": ("she",),
    "员": ("yun",),
    "繁": ("po",),
    "长": ("chang",),
    "重": ("chong",),
    "薄": ("bo",),
    "召": ("shao",),
    "藏": ("zang",),
    "阚": ("kan",),
    "隗": ("wei",),
    "都": ("du",),
    "句": ("gou",),
    "能": ("nai",),
    "么": ("yao",),
    "祭": ("zhai",),
    # Compound surnames, listed explicitly so a dictionary change cannot move them.
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "东方": ("dong", "fang"),
    "皇甫": ("huang", "fu"),
    "尉迟": ("yu", "chi"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "长孙": ("zhang", "sun"),
    "夏侯": ("xia", "hou"),
    "轩辕": ("xuan", "yuan"),
    "令狐": ("ling", "hu"),
    "宇文": ("yu", "wen"),
    "司徒": ("si", "tu"),
    "端木": ("duan", "mu"),
    "独孤": ("du", "gu"),
    "南宫": ("nan", "gong"),
    "万俟": ("mo", "qi"),
    "闻人": ("wen", "ren"),
    "呼延": ("hu", "yan"),
}
_COMPOUND_SURNAMES = frozenset(k for k in _SURNAME_READINGS if len(k) == 2)

_NICK_PREFIXES = ("老", "小")
# Longest first so 刘老板 strips 老板 rather than stopping at a shorter title.
_NICK_TITLES = tuple(
    sorted(
        {
            "总", "老总", "董", "老板", "老板娘", "经理", "师傅", "师父", "工", "老师", "老",
            "哥", "大哥", "姐", "大姐", "叔", "大叔", "姨", "嫂", "大爷", "先生", "女士",
            "小姐", "主任", "队长", "厂长", "场长", "站长", "矿长", "村长", "书记", "会计",
        },
        key=len,
        reverse=True,
    )
)  # fmt: skip
_NICK_TITLE_SET = frozenset(_NICK_TITLES)

_ORG_MARKERS = ("公司", "集团")
_ORG_SUFFIXES = (
    "工程队", "施工队", "车队", "机械队", "运输队", "工程处", "项目部", "经营部", "门市部",
    "办事处", "合作社", "租赁站", "修理厂", "修理部", "砂石场", "石料厂", "采石场", "搅拌站",
    "商行", "中心", "工作室", "事务所",
)  # fmt: skip
# Single-character organisation suffixes also end real given names, so they only count on
# strings longer than a typical personal name.
_ORG_SHORT_SUFFIXES = ("厂", "场", "矿", "队", "站", "部", "社", "店")
_MAX_EXTRA_PINYIN = 8
_EDGE_PUNCT_RE = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True, slots=True)
class NameKeys:
    simplified: str
    pinyin: str
    initials: str
    fuzzy: str
    surname: str
    surname_pinyin: str
    given: str
    is_nickname: bool
    extra_pinyin: tuple[str, ...]


class _Syllable(NamedTuple):
    text: str
    is_pinyin: bool  # False for latin words and digit runs, which are never folded
    source: str  # the Han character read, when known, so heteronyms can be offered


_EMPTY_NAME_KEYS = NameKeys("", "", "", "", "", "", "", False, ())


def fuzzy_syllable(syllable: str) -> str:
    """Fold one pinyin syllable the way fuzzy-pinyin input methods do (zhang -> zan)."""
    s = syllable.lower()
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    elif s.startswith("n") and s not in ("n", "ng"):
        # Bare n/ng are interjection readings (嗯), not an initial that could be confused.
        s = "l" + s[1:]
    if s.endswith(("ang", "eng", "ing")):
        s = s[:-1]
    return s


def _is_cjk(ch: str) -> bool:
    return _CJK_RE.match(ch) is not None


@lru_cache(maxsize=16384)
def _char_pinyin(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


def _in_phrase_dict(run: str) -> bool:
    return any(
        run[i:j] in PHRASES_DICT for i in range(len(run) - 1) for j in range(i + 2, len(run) + 1)
    )


@lru_cache(maxsize=65536)
def _run_pinyin(run: str) -> tuple[str, ...]:
    # Whole runs go through pypinyin so its phrase dictionary can pick readings from context.
    # A run none of whose substrings is a phrase is read character by character, which is
    # what pypinyin does then too, from a per-character cache (ten times faster).
    if not _in_phrase_dict(run):
        readings = tuple(_char_pinyin(ch) for ch in run)
        if all(r != ch for r, ch in zip(readings, run, strict=True)):
            return readings
    return tuple(lazy_pinyin(run, style=Style.NORMAL))


@lru_cache(maxsize=16384)
def _char_readings(ch: str) -> tuple[str, ...]:
    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    # Toneless readings repeat (dān/shàn/chán differ only by tone in some entries).
    return tuple(dict.fromkeys(readings[0])) if readings else ()


def _syllables(text: str) -> list[_Syllable]:
    out: list[_Syllable] = []
    for match in _TOKEN_RE.finditer(text.lower()):
        run = match.group()
        if not _is_cjk(run[0]):
            out.append(_Syllable(run, False, ""))
            continue
        readings = _run_pinyin(run)
        # Characters without a reading are merged by pypinyin; then positions no longer map
        # to characters and heteronym alternatives are skipped for this run.
        aligned = len(readings) == len(run)
        out.extend(_Syllable(r, True, run[i] if aligned else "") for i, r in enumerate(readings))
    return out


def _surname_syllables(surname: str) -> list[_Syllable]:
    table = _SURNAME_READINGS.get(surname)
    if table is not None:
        return [_Syllable(s, True, surname[i]) for i, s in enumerate(table)]
    return _syllables(surname)


def _drop_leading(spaced: str, count: int) -> str:
    """Remove the first `count` non-space characters (the surname) from a spaced string."""
    for i, ch in enumerate(spaced):
        if count == 0:
            return spaced[i:]
        if ch != " ":
            count -= 1
    return ""


def _is_surname_like(text: str) -> bool:
    return (len(text) == 1 and _is_cjk(text)) or text in _COMPOUND_SURNAMES


def _split_nickname(name: str) -> tuple[str, str, bool] | None:
    """Return (surname, title, title_first) for 老刘 / 刘总 style names, else None."""
    if name in _NICK_TITLE_SET:
        # A bare 老板 or 大哥 names nobody in particular: there is no surname to extract.
        return None
    if len(name) >= 2 and name.startswith(_NICK_PREFIXES) and _is_surname_like(name[1:]):
        return name[1:], name[0], True
    for title in _NICK_TITLES:
        if len(name) > len(title) and name.endswith(title):
            head = name[: -len(title)]
            if _is_surname_like(head):
                return head, title, False
    return None


def _is_organisation(name: str) -> bool:
    if any(marker in name[1:] for marker in _ORG_MARKERS):
        return True
    if any(len(name) > len(s) + 1 and name.endswith(s) for s in _ORG_SUFFIXES):
        return True
    return len(name) >= 4 and name.endswith(_ORG_SHORT_SUFFIXES)


def _join(syllables: Iterable[_Syllable]) -> str:
    return "".join(s.text for s in syllables)


def _extra_readings(
    syllables: list[_Syllable], primary: str, seeds: Iterable[str]
) -> tuple[str, ...]:
    seen = {primary}
    extras: list[str] = []

    def add(candidate: str) -> bool:
        if candidate and candidate not in seen:
            seen.add(candidate)
            extras.append(candidate)
        return len(extras) >= _MAX_EXTRA_PINYIN

    for seed in seeds:
        if add(seed):
            return tuple(extras)
    texts = [s.text for s in syllables]
    # One substitution at a time, surname first: the likeliest misreadings come before the
    # combinatorial tail, and the bound keeps blocking-key counts predictable.
    for i, syllable in enumerate(syllables):
        if not syllable.source:
            continue
        for reading in _char_readings(syllable.source):
            if reading != syllable.text:
                candidate = "".join(texts[:i]) + reading + "".join(texts[i + 1 :])
                if add(candidate):
                    return tuple(extras)
    return tuple(extras)


def name_keys(name: str | None) -> NameKeys:
    """Blocking and comparison keys for a customer or company name."""
    # Spaces are kept until tokenising so 'ABC Machinery' still yields two latin initials.
    # Quotes and brackets around a name ("刘文才", (刘总)) would otherwise become the surname.
    spaced = _EDGE_PUNCT_RE.sub("", _t2s(_fold(name))) if name else ""
    simplified = spaced.replace(" ", "")
    if not simplified:
        return _EMPTY_NAME_KEYS

    organisation = _is_organisation(simplified)
    nickname = None if organisation else _split_nickname(simplified)
    seeds: list[str] = []
    if nickname is not None:
        surname, title, title_first = nickname
        given, is_nickname = "", True
        syllables = _surname_syllables(surname)
        # The title carries no identity, so 刘总 / 老刘 / 刘老板 share keys; the literal reading
        # is still offered as an extra key for search.
        title_text = _join(_syllables(title))
        surname_text = _join(syllables)
        seeds.append(title_text + surname_text if title_first else surname_text + title_text)
    elif organisation:
        surname, given, is_nickname = simplified[0], simplified[1:], False
        syllables = _syllables(spaced)
    elif not _is_cjk(simplified[0]):
        # A name typed in latin letters ("Wang Wei"): the first word is the surname.
        first = _TOKEN_RE.match(spaced)
        surname = first.group() if first else simplified[0]
        given, is_nickname = simplified[len(surname) :], False
        syllables = _syllables(spaced)
    else:
        surname = simplified[:2] if simplified[:2] in _COMPOUND_SURNAMES else simplified[0]
        given, is_nickname = simplified[len(surname) :], False
        syllables = _surname_syllables(surname) + _syllables(_drop_leading(spaced, len(surname)))

    if surname in _SURNAME_READINGS:
        surname_pinyin = "".join(_SURNAME_READINGS[surname])
    else:
        surname_pinyin = _join(_syllables(surname))

    full = _join(syllables)
    return NameKeys(
        simplified=simplified,
        pinyin=full,
        initials="".join(s.text[0] for s in syllables),
        fuzzy="".join(fuzzy_syllable(s.text) if s.is_pinyin else s.text for s in syllables),
        surname=surname,
        surname_pinyin=surname_pinyin,
        given=given,
        is_nickname=is_nickname,
        extra_pinyin=_extra_readings(syllables, full, seeds),
    )


# ---------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------

_REGION = "CN"
# The library raises on "转 12", so extensions are cut off before parsing. The marker must
# follow a digit: "Fax 0531…" must not read as an extension introduced by the x of Fax.
_EXT_RE = re.compile(
    r"(?<=\d)\s*[(\[]?\s*(?:转分机|分机号?|转|extension|ext\.?|x|#)\s*[:.]?\s*([0-9]{1,6})(?![0-9])",
    re.IGNORECASE,
)
_DASH_EXT_RE = re.compile(r"^(.*[0-9])\s*-\s*([0-9]{1,6})\s*\W*$")
_NON_DIGIT_RE = re.compile(r"[^0-9]")
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


def _has_leading_plus(text: str) -> bool:
    first_digit = next((i for i, ch in enumerate(text) if "0" <= ch <= "9"), len(text))
    return "+" in text[:first_digit]


def _strip_cn_prefix(digits: str, plus: bool) -> str:
    if plus and digits.startswith("86"):
        return digits[2:]
    if digits.startswith("0086"):
        return digits[4:]
    if len(digits) == 13 and digits.startswith("861"):
        return digits[2:]
    return digits


def _parse_main(text: str) -> _Parsed:
    digits = _NON_DIGIT_RE.sub("", text)
    # 17 digits covers 00 + country code + the longest national number.
    if len(digits) < 3 or len(digits) > 17:
        return _UNUSABLE
    plus = _has_leading_plus(text)
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
    national = _strip_cn_prefix(digits, plus)
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
    text = _fold(raw)
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
    return len(_NON_DIGIT_RE.sub("", unicodedata.normalize("NFKC", text)))


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


# ---------------------------------------------------------------------------
# Machine models
# ---------------------------------------------------------------------------

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
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", raw)).upper()
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


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

_ETHNIC_GROUPS = (
    "蒙古", "朝鲜", "土家", "布依", "哈尼", "傈僳", "拉祜", "纳西", "景颇", "柯尔克孜",
    "仫佬", "毛南", "仡佬", "鄂温克", "鄂伦春", "达斡尔", "哈萨克", "塔吉克", "撒拉", "锡伯",
    "普米", "独龙", "裕固", "保安", "东乡", "壮", "回", "藏", "苗", "彝", "侗", "瑶", "白",
    "傣", "黎", "佤", "羌", "土", "满", "畲", "怒", "各",
)  # fmt: skip
# 广西壮族自治区 is usually written 广西: the ethnic name goes with the autonomy suffix.
# 族 is required (except for 维吾尔) so that 内蒙古自治区 keeps 蒙古.
_AUTONOMY_RE = re.compile("(?:(?:" + "|".join(_ETHNIC_GROUPS) + ")族|维吾尔)*自治(?:区|州|县|旗)")
_ADMIN_SUFFIXES = (
    "特别行政区", "村民小组", "办事处", "村委会", "居委会", "街道", "社区", "地区", "小组",
    "省", "市", "盟", "县", "区", "旗", "镇", "乡", "村", "组",
)  # fmt: skip
# Suffix characters are removed wherever they occur: both sides of a comparison lose the
# same characters, which is what matters for equality, whereas guessing where each
# administrative name ends (单县, 镇江市) cannot be done reliably without a gazetteer.
_ADMIN_RE = re.compile("|".join(_ADMIN_SUFFIXES))


def normalize_address(raw: str | None) -> str:
    """Comparison form of an address: simplified, admin suffixes and punctuation removed."""
    text = _AUTONOMY_RE.sub("", to_simplified(raw))
    text = _ADMIN_RE.sub("", text)
    return "".join(ch for ch in text if ch.isalnum()).lower()


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------

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
    text = _fold(query)
    if not text:
        return None
    if _PHONE_QUERY_RE.fullmatch(text):
        digits = _NON_DIGIT_RE.sub("", text)
        if len(digits) >= 3:
            national = _strip_cn_prefix(digits, _has_leading_plus(text))
            # Stored national digits have no trunk 0 (0531 -> 531); stripping it only widens
            # a substring search, so it is safe even on fragments.
            if national.startswith("0") and not national.startswith("00"):
                national = national[1:]
            return SearchTerm("phone", national or digits)
    if _PINYIN_QUERY_RE.fullmatch(text) and any(ch.isalpha() for ch in text):
        return SearchTerm("pinyin", "".join(ch for ch in text.lower() if ch.isalpha()))
    simplified = to_simplified(text)
    return SearchTerm("text", simplified) if simplified else None
