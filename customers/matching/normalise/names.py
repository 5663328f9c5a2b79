"""Names: blocking and comparison keys for a customer or company name (pinyin, initials,
fuzzy pinyin, surname, nicknames such as 老刘 / 刘总, organisations)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PHRASES_DICT

from .text import fold, t2s

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


@lru_cache(maxsize=1 << 19)
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
    if not name.endswith(_NICK_TITLES):
        return None  # most names: no title to try one by one
    for title in _NICK_TITLES:
        if len(name) > len(title) and name.endswith(title):
            head = name[: -len(title)]
            if _is_surname_like(head):
                return head, title, False
    return None


def _is_organisation(name: str) -> bool:
    if any(marker in name[1:] for marker in _ORG_MARKERS):
        return True
    if name.endswith(_ORG_SUFFIXES) and any(
        len(name) > len(s) + 1 and name.endswith(s) for s in _ORG_SUFFIXES
    ):
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
    spaced = _EDGE_PUNCT_RE.sub("", t2s(fold(name))) if name else ""
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
