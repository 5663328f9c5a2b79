"""Addresses: the comparison form of an address."""

from __future__ import annotations

import re

from .text import to_simplified

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
