"""Tests for customers.matching.normalise: names, phones, models, addresses and search parsing."""

from __future__ import annotations

import dataclasses
import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.matching.normalise import (
    ModelKey,
    NameKeys,
    PhoneResult,
    SearchTerm,
    clean_text,
    conflicting_models,
    fuzzy_syllable,
    name_keys,
    normalize_address,
    normalize_model,
    normalize_phone,
    parse_search,
    split_phones,
    to_simplified,
)

# ---------------------------------------------------------------------------
# clean_text / to_simplified
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("刘 文 才", "刘文才"),
        ("刘\u3000文才", "刘文才"),  # ideographic space
        ("刘\u00a0文才", "刘文才"),  # no-break space
        ("刘\t文\n才\r", "刘文才"),
        ("刘\u200b文\u200c才\u200d", "刘文才"),  # zero-width space / non-joiner / joiner
        ("\ufeff刘文才\u2060", "刘文才"),  # BOM and word joiner
        ("ＺＬ５０Ｃ", "ZL50C"),  # full-width letters and digits
        ("（刘文才）", "(刘文才)"),
        ("ABC", "ABC"),  # case is kept
    ],
)
def test_clean_text_applies_nfkc_and_removes_every_kind_of_space(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000\u200b"])
def test_clean_text_of_nothing_is_empty_string(raw: str | None) -> None:
    assert clean_text(raw) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("劉文財", "刘文财"),
        ("劉 文 財", "刘文财"),
        ("山東省臨沂市蘭山區", "山东省临沂市兰山区"),
        ("刘文才", "刘文才"),  # already simplified: unchanged
        ("ＺＬ５０Ｃ－Ⅱ", "ZL50C-II"),
        (None, ""),
    ],
)
def test_to_simplified_cleans_then_converts_traditional(raw: str | None, expected: str) -> None:
    assert to_simplified(raw) == expected


# ---------------------------------------------------------------------------
# name_keys: the 刘文才 family
# ---------------------------------------------------------------------------

LIU_WENCAI_SPELLINGS = ["刘文才", "刘文财", "刘稳材", "劉文才"]


def test_three_spellings_of_liu_wencai_share_fuzzy_key() -> None:
    fuzzy = {name_keys(name).fuzzy for name in LIU_WENCAI_SPELLINGS}
    assert fuzzy == {"liuwencai"}


@pytest.mark.parametrize("name", LIU_WENCAI_SPELLINGS)
def test_liu_wencai_spellings_share_pinyin_initials_and_surname(name: str) -> None:
    keys = name_keys(name)
    assert keys.pinyin == "liuwencai"
    assert keys.initials == "lwc"
    assert keys.surname == "刘"
    assert keys.surname_pinyin == "liu"
    assert keys.is_nickname is False


def test_traditional_name_is_stored_simplified() -> None:
    keys = name_keys("劉文財")
    assert keys.simplified == "刘文财"
    assert keys.surname == "刘"
    assert keys.given == "文财"


def test_surname_and_given_name_are_split() -> None:
    keys = name_keys("刘文才")
    assert (keys.surname, keys.given) == ("刘", "文才")


def test_different_people_get_different_fuzzy_keys() -> None:
    assert name_keys("刘文才").fuzzy != name_keys("王文才").fuzzy
    assert name_keys("刘文才").fuzzy != name_keys("刘武才").fuzzy


def test_spaces_zero_width_and_quotes_do_not_change_name_keys() -> None:
    reference = name_keys("刘文才")
    for variant in ["刘 文才", " 刘\u3000文\u200b才 ", "“刘文才”", "(刘文才)", "刘文才。"]:
        assert name_keys(variant) == reference, variant


@pytest.mark.parametrize("name", [None, "", "   ", "\u200b", "--", "（）"])
def test_empty_names_give_empty_keys(name: str | None) -> None:
    keys = name_keys(name)
    assert keys == NameKeys("", "", "", "", "", "", "", False, ())


def test_name_keys_is_immutable() -> None:
    keys = name_keys("刘文才")
    with pytest.raises(dataclasses.FrozenInstanceError):
        keys.pinyin = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------
# name_keys: surnames read as surnames
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surname", "reading", "common_reading"),
    [
        ("单", "shan", "dan"),
        ("曾", "zeng", "ceng"),
        ("仇", "qiu", "chou"),
        ("解", "xie", "jie"),
        ("区", "ou", "qu"),
        ("朴", "piao", "pu"),
        ("查", "zha", "cha"),
        ("乐", "yue", "le"),
        ("覃", "qin", "tan"),
        ("盖", "ge", "gai"),
        ("缪", "miao", "mou"),
        ("翟", "zhai", "di"),
        ("秘", "bi", "mi"),
        ("种", "chong", "zhong"),
        ("折", "she", "zhe"),
        ("员", "yun", "yuan"),
        ("繁", "po", "fan"),
    ],
)
def test_heteronym_surnames_are_read_as_surnames(
    surname: str, reading: str, common_reading: str
) -> None:
    keys = name_keys(f"{surname}文才")
    assert keys.surname == surname
    assert keys.surname_pinyin == reading
    assert keys.pinyin == f"{reading}wencai"
    assert keys.initials == f"{reading[0]}wc"
    assert keys.fuzzy == fuzzy_syllable(reading) + "wencai"
    # The everyday reading stays reachable as an extra blocking/search key.
    assert f"{common_reading}wencai" in keys.extra_pinyin


def test_shan_wencai_uses_surname_reading_everywhere() -> None:
    keys = name_keys("单文才")
    assert keys.pinyin == "shanwencai"
    assert keys.initials == "swc"
    assert keys.fuzzy == "sanwencai"
    assert keys.surname_pinyin == "shan"


def test_surname_reading_only_applies_to_the_first_character() -> None:
    # 单 inside a given name keeps pypinyin's reading; only the surname slot is special.
    keys = name_keys("刘单")
    assert keys.pinyin == "liudan"
    assert keys.surname_pinyin == "liu"


@pytest.mark.parametrize(
    ("name", "surname", "surname_pinyin", "given", "pinyin", "initials"),
    [
        ("欧阳修", "欧阳", "ouyang", "修", "ouyangxiu", "oyx"),
        ("司马光", "司马", "sima", "光", "simaguang", "smg"),
        ("诸葛亮", "诸葛", "zhuge", "亮", "zhugeliang", "zgl"),
        ("尉迟恭", "尉迟", "yuchi", "恭", "yuchigong", "ycg"),
        ("万俟卨", "万俟", "moqi", "卨", "moqixie", "mqx"),
        ("长孙无忌", "长孙", "zhangsun", "无忌", "zhangsunwuji", "zswj"),
        ("上官婉儿", "上官", "shangguan", "婉儿", "shangguanwaner", "sgwe"),
    ],
)
def test_compound_surnames_are_kept_together(
    name: str, surname: str, surname_pinyin: str, given: str, pinyin: str, initials: str
) -> None:
    keys = name_keys(name)
    assert keys.surname == surname
    assert keys.surname_pinyin == surname_pinyin
    assert keys.given == given
    assert keys.pinyin == pinyin
    assert keys.initials == initials


def test_traditional_compound_surname_is_recognised() -> None:
    keys = name_keys("歐陽修")
    assert keys.surname == "欧阳"
    assert keys.pinyin == "ouyangxiu"


# ---------------------------------------------------------------------------
# name_keys: notebook nicknames
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["刘总", "老刘", "小刘", "刘老板", "刘经理", "刘师傅", "刘哥", "刘姐", "劉總"]
)
def test_notebook_nicknames_reduce_to_the_surname(name: str) -> None:
    keys = name_keys(name)
    assert keys.is_nickname is True
    assert keys.surname == "刘"
    assert keys.given == ""
    assert keys.surname_pinyin == "liu"
    assert keys.pinyin == "liu"
    assert keys.initials == "l"
    assert keys.fuzzy == "liu"


@pytest.mark.parametrize(
    ("name", "literal"),
    [("刘总", "liuzong"), ("老刘", "laoliu"), ("小刘", "xiaoliu"), ("刘老板", "liulaoban")],
)
def test_nickname_literal_reading_is_offered_as_extra_key(name: str, literal: str) -> None:
    assert literal in name_keys(name).extra_pinyin


def test_nickname_with_heteronym_surname_uses_surname_reading() -> None:
    keys = name_keys("老单")
    assert keys.is_nickname is True
    assert keys.surname == "单"
    assert keys.surname_pinyin == "shan"
    assert keys.pinyin == "shan"


def test_nickname_with_compound_surname() -> None:
    keys = name_keys("欧阳总")
    assert keys.is_nickname is True
    assert keys.surname == "欧阳"
    assert keys.pinyin == "ouyang"


@pytest.mark.parametrize("name", ["刘文才", "刘文总", "刘老根", "老板", "大哥", "欧阳修"])
def test_full_names_and_bare_titles_are_not_nicknames(name: str) -> None:
    assert name_keys(name).is_nickname is False


def test_bare_title_keeps_its_full_reading() -> None:
    keys = name_keys("老板")
    assert keys.pinyin == "laoban"
    assert keys.given == "板"


# ---------------------------------------------------------------------------
# name_keys: fuzzy pinyin folds
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("syllable", "folded"),
    [
        ("zhang", "zan"),
        ("chang", "can"),
        ("shang", "san"),
        ("zhi", "zi"),
        ("chi", "ci"),
        ("shi", "si"),
        ("nan", "lan"),
        ("niu", "liu"),
        ("nv", "lv"),
        ("lang", "lan"),
        ("feng", "fen"),
        ("ming", "min"),
        ("ying", "yin"),
        ("liang", "lian"),
        ("huang", "huan"),
        ("ZHANG", "zan"),  # case-insensitive
        ("dong", "dong"),  # -ong is not a fuzzy final
        ("zan", "zan"),  # already folded: idempotent
        ("an", "an"),
        ("n", "n"),  # 嗯: no initial to fold
        ("ng", "ng"),
    ],
)
def test_fuzzy_syllable_folds(syllable: str, folded: str) -> None:
    assert fuzzy_syllable(syllable) == folded


@pytest.mark.parametrize(
    ("left", "right", "fold"),
    [
        ("刘文才", "牛文才", "n->l"),
        ("兰文才", "南文才", "n->l"),
        ("张三", "赞三", "zh->z"),
        ("陈明", "岑明", "ch->c"),
        ("石磊", "司磊", "sh->s"),
        ("张三", "詹三", "ang->an"),
        ("刘成", "刘陈", "eng->en"),
        ("林文", "凌文", "ing->in"),
        ("王刚", "王干", "ang->an twice"),
    ],
)
def test_input_method_confusions_share_fuzzy_key(left: str, right: str, fold: str) -> None:
    assert name_keys(left).pinyin != name_keys(right).pinyin, fold
    assert name_keys(left).fuzzy == name_keys(right).fuzzy, fold


def test_extra_pinyin_is_bounded_distinct_and_excludes_primary() -> None:
    # Every character here has several readings, so the bound must kick in.
    keys = name_keys("长重行单曾解朴查乐都")
    assert len(keys.extra_pinyin) == 8
    assert len(set(keys.extra_pinyin)) == 8
    assert keys.pinyin not in keys.extra_pinyin
    assert all(re.fullmatch(r"[a-z]+", key) for key in keys.extra_pinyin)


def test_extra_pinyin_puts_surname_alternatives_first() -> None:
    assert name_keys("单文才").extra_pinyin[:2] == ("danwencai", "chanwencai")


# ---------------------------------------------------------------------------
# name_keys: latin text, digits and companies
# ---------------------------------------------------------------------------


def test_latin_letters_pass_through_lowercased_with_one_initial_per_word() -> None:
    keys = name_keys("ABC工程公司")
    assert keys.simplified == "ABC工程公司"
    assert keys.pinyin == "abcgongchenggongsi"
    assert keys.initials == "agcgs"
    assert keys.surname == "A"
    assert keys.is_nickname is False


def test_each_latin_word_and_digit_run_gives_an_initial() -> None:
    assert name_keys("ABC Machinery 工程队").initials == "amgcd"
    keys = name_keys("临沂3号车队")
    assert keys.pinyin == "linyi3haochedui"
    assert keys.initials == "ly3hcd"


def test_name_typed_in_latin_letters_uses_first_word_as_surname() -> None:
    keys = name_keys("Wang Wei")
    assert keys.pinyin == "wangwei"
    assert keys.initials == "ww"
    assert keys.surname == "Wang"
    assert keys.surname_pinyin == "wang"
    assert keys.given == "Wei"


@pytest.mark.parametrize(
    "name",
    [
        "临沂市兰山区宏达工程机械有限公司",
        "山东重工集团",
        "李家工程队",
        "王庄车队",
        "老刘车队",  # looks like a nickname, but it is a fleet
        "单县工程机械有限公司",
        "ABC工程公司",
    ],
)
def test_company_names_produce_keys(name: str) -> None:
    keys = name_keys(name)
    assert keys.is_nickname is False
    assert keys.surname == keys.simplified[0]
    assert keys.given == keys.simplified[1:]
    assert re.fullmatch(r"[a-z0-9]+", keys.pinyin)
    assert len(keys.initials) >= 4
    assert keys.fuzzy


def test_company_name_uses_phrase_readings() -> None:
    # 重庆 is chong-qing in context even though 重 alone is zhong.
    assert name_keys("重庆建工集团").pinyin.startswith("chongqing")


def test_fleet_named_after_nickname_keeps_full_reading() -> None:
    assert name_keys("老刘车队").pinyin == "laoliuchedui"


# ---------------------------------------------------------------------------
# normalize_phone
# ---------------------------------------------------------------------------

MOBILE = "+8613800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138 0013 8000",
        "138-0013-8000",
        "8613800138000",
        "008613800138000",
        "0086 138 0013 8000",
        "１３８００１３８０００",
        "＋８６ １３８ ００１３ ８０００",
        "(+86)138 0013 8000",
        "（＋８６）１３８－００１３－８０００",
        "+86-138-0013-8000",
        "138.0013.8000",
        " 138 0013 8000 ",
        "013800138000",
        "手机：13800138000",
    ],
)
def test_mobile_formats_normalise_to_one_e164(raw: str) -> None:
    result = normalize_phone(raw)
    assert result == PhoneResult(
        raw=raw, e164=MOBILE, national="13800138000", extension="", kind="mobile", valid=True
    )


@pytest.mark.parametrize(
    "raw",
    [
        "(0531)8888-6666",
        "（０５３１）８８８８－６６６６",
        "0531-8888-6666",
        "0531 88886666",
        "053188886666",
        "+86 531 8888 6666",
        "+86 (0)531 8888 6666",
        "Fax 0531-88886666",  # the x of Fax is not an extension marker
    ],
)
def test_fixed_line_with_area_code(raw: str) -> None:
    result = normalize_phone(raw)
    assert result.e164 == "+8653188886666"
    assert result.national == "53188886666"
    assert result.kind == "fixed"
    assert result.valid is True
    assert result.extension == ""


@pytest.mark.parametrize(
    ("raw", "e164", "extension"),
    [
        ("138 0013 8000 转 12", MOBILE, "12"),
        ("13800138000转12", MOBILE, "12"),
        ("0531-88886666 分机 8021", "+8653188886666", "8021"),
        ("0531-88886666分机：123", "+8653188886666", "123"),
        ("0531-88886666转分机302", "+8653188886666", "302"),
        ("0531-88886666(转12)", "+8653188886666", "12"),
        ("0531-88886666-123", "+8653188886666", "123"),
        ("13800138000-12", MOBILE, "12"),
        ("13800138000 ext. 5", MOBILE, "5"),
        ("13800138000 EXT 5", MOBILE, "5"),
        ("13800138000x5", MOBILE, "5"),
        ("13800138000 X 5", MOBILE, "5"),
        ("13800138000#5", MOBILE, "5"),
    ],
)
def test_extensions_are_split_off(raw: str, e164: str, extension: str) -> None:
    result = normalize_phone(raw)
    assert (result.e164, result.extension, result.valid) == (e164, extension, True)


@pytest.mark.parametrize("raw", ["138-0013-8000", "0531-8888-6666", "13800138000转"])
def test_grouping_dashes_and_bare_markers_are_not_extensions(raw: str) -> None:
    result = normalize_phone(raw)
    assert result.extension == ""
    assert result.valid is True


NEW_RANGE = "14012345678"


def test_new_mobile_range_premise_library_rejects_it() -> None:
    # If a phonenumbers upgrade starts accepting this range, pick another unassigned one.
    assert not phonenumbers.is_valid_number(phonenumbers.parse(NEW_RANGE, "CN"))


@pytest.mark.parametrize(
    "raw", [NEW_RANGE, "+86 140 1234 5678", "8614012345678", "0086-140-1234-5678", "014012345678"]
)
def test_unknown_mobile_range_is_kept_but_marked_invalid(raw: str) -> None:
    result = normalize_phone(raw)
    assert result.e164 == "+86" + NEW_RANGE
    assert result.national == NEW_RANGE
    assert result.kind == "mobile"
    assert result.valid is False


def test_unknown_mobile_range_keeps_its_extension() -> None:
    result = normalize_phone("140 1234 5678 转 8")
    assert (result.e164, result.extension, result.valid) == ("+86" + NEW_RANGE, "8", False)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "123",
        "",
        "   ",
        "--",
        "手机",
        "88886666",  # local number without area code: cannot be placed
        "1380013800",  # ten digits
        "12345678901",  # 12x is not a mobile prefix
        "10012345678",
        "138001380001234567890",
        "abc转12",
        "+",
        "转12",
    ],
)
def test_garbage_phone_gives_empty_result(raw: str) -> None:
    assert normalize_phone(raw) == PhoneResult(
        raw=raw, e164="", national="", extension="", kind="unknown", valid=False
    )


def test_none_phone_gives_empty_result() -> None:
    assert normalize_phone(None) == PhoneResult("", "", "", "", "unknown", False)


def test_service_number_is_valid_with_unknown_kind() -> None:
    result = normalize_phone("400-812-3123")
    assert (result.e164, result.kind, result.valid) == ("+864008123123", "unknown", True)


def test_foreign_number_with_plus_keeps_its_country() -> None:
    result = normalize_phone("+852 9123 4567")
    assert result.e164 == "+85291234567"
    assert result.national == "91234567"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("0123456789１３８+-()（）转分机ext #　 .,abc"), max_size=30)
)
def test_normalize_phone_never_raises(raw: str) -> None:
    result = normalize_phone(raw)
    assert result.raw == raw
    assert result.e164 == "" or re.fullmatch(r"\+[0-9]{6,16}", result.e164)
    assert result.kind in {"mobile", "fixed", "unknown"}
    assert bool(result.e164) == bool(result.national)


# ---------------------------------------------------------------------------
# split_phones
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "13800138000;13900139000",
        "13800138000；13900139000",
        "13800138000,13900139000",
        "13800138000，13900139000",
        "13800138000/13900139000",
        "13800138000、13900139000",
        "13800138000|13900139000",
        "13800138000\n13900139000",
        "13800138000\r\n13900139000",
        "13800138000 13900139000",
        "13800138000\u300013900139000",
        "  13800138000 ; ;  13900139000  ",
    ],
)
def test_split_phones_on_separators(cell: str) -> None:
    assert split_phones(cell) == ["13800138000", "13900139000"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("138 0013 8000", ["138 0013 8000"]),
        ("0531 8888 6666", ["0531 8888 6666"]),
        ("+86 138 0013 8000", ["+86 138 0013 8000"]),
        ("138 0013 8000 139 0013 9000", ["138 0013 8000", "139 0013 9000"]),
        ("13800138000 0531-88886666", ["13800138000", "0531-88886666"]),
        ("138 0013 8000 转 12", ["138 0013 8000 转 12"]),
        ("138 0013 8000 转 12 139 0013 9000", ["138 0013 8000 转 12", "139 0013 9000"]),
        ("88886666 88887777", ["88886666", "88887777"]),
        (
            "１３８ ００１３ ８０００",
            ["１３８ ００１３ ８０００"],
        ),  # raw text is returned untouched
        ("13800138000，0531-88886666/13900139000", ["13800138000", "0531-88886666", "13900139000"]),
    ],
)
def test_split_phones_keeps_spaced_numbers_whole(cell: str, expected: list[str]) -> None:
    assert split_phones(cell) == expected


@pytest.mark.parametrize("cell", [None, "", "   ", ";；,\n"])
def test_split_phones_of_nothing_is_empty(cell: str | None) -> None:
    assert split_phones(cell) == []


def test_every_split_piece_normalises_to_a_distinct_number() -> None:
    pieces = split_phones("+86 138 0013 8000 139-0013-9000；(0531)8888-6666")
    assert [normalize_phone(p).e164 for p in pieces] == [
        MOBILE,
        "+8613900139000",
        "+8653188886666",
    ]


# ---------------------------------------------------------------------------
# normalize_model / conflicting_models
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "ZL50C-Ⅱ",
        "ＺＬ５０Ｃ－Ⅱ",
        "zl50c ii",
        "zl50c-ⅱ",
        "ZL50C—II",  # em dash
        "ZL50C–II",  # en dash
        "ZL50C‐II",  # hyphen
        "ZL50C‑II",  # non-breaking hyphen
        "ZL50C‒II",  # figure dash
        "ZL50C―II",  # horizontal bar
        "ZL50C－II",  # full-width hyphen-minus
        "ZL50C_II",
        "ZL50C -- Ⅱ",
        " ZL50C-II ",
        "ZL50C\u3000Ⅱ",
        "ZL50C-Ⅱ型",
    ],
)
def test_model_variants_share_display_and_key(raw: str) -> None:
    model = normalize_model(raw)
    assert model == ModelKey(raw=raw, display="ZL50C-II", key="ZL50CII", family="ZL50")


def test_model_without_separator_has_same_key() -> None:
    assert normalize_model("ZL50CII").key == normalize_model("ZL50C-Ⅱ").key == "ZL50CII"


def test_roman_three_is_expanded() -> None:
    assert normalize_model("ZL50G-Ⅲ").display == "ZL50G-III"


@pytest.mark.parametrize(
    ("raw", "family"),
    [
        ("ZL50C-II", "ZL50"),
        ("ZL50D", "ZL50"),
        ("ZL50", "ZL50"),
        ("SY215C-9", "SY215"),
        ("PC200-8", "PC200"),
        ("LG855N", "LG855"),
        ("CLG856H", "CLG856"),
        ("zl-50c", "ZL50"),
        ("", ""),
    ],
)
def test_model_family_is_leading_letters_and_digits(raw: str, family: str) -> None:
    assert normalize_model(raw).family == family


def test_dash_inside_model_is_not_lost_from_key() -> None:
    assert normalize_model("PC200-8").key == "PC2008"
    assert normalize_model("PC200-8").display == "PC200-8"


@pytest.mark.parametrize("raw", [None, "", "  ", "—"])
def test_empty_model(raw: str | None) -> None:
    assert normalize_model(raw) == ModelKey(raw=raw or "", display="", key="", family="")


@pytest.mark.parametrize(
    ("models", "conflict"),
    [
        (["ZL50", "ZL50C-Ⅱ", "ZL50D"], True),
        (["ZL50C", "ZL50D"], True),
        (["ZL50", "ZL50C"], True),
        (["ZL50C-Ⅱ", "ＺＬ５０Ｃ－Ⅱ", "zl50c ii", "ZL50CII"], False),
        (["ZL50C-Ⅱ"], False),
        ([], False),
        (["ZL50C", "PC200-8"], False),  # different families, not variants of one model
        (["", "  ", "ZL50C"], False),  # blanks are ignored
    ],
)
def test_conflicting_models(models: list[str], conflict: bool) -> None:
    assert conflicting_models(models) is conflict


def test_conflicting_models_accepts_any_iterable() -> None:
    assert conflicting_models(m for m in ("ZL50", "ZL50D")) is True


# ---------------------------------------------------------------------------
# normalize_address
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("山东省临沂市兰山区李官镇", "山东临沂兰山李官"),
        ("山東省臨沂市蘭山區", "山东临沂兰山"),
        ("李官镇王庄村3组", "李官王庄 3 组"),
        ("山东省，临沂市 兰山区", "山东临沂兰山"),
        ("广西壮族自治区南宁市", "广西南宁"),
        ("新疆维吾尔自治区乌鲁木齐市", "新疆乌鲁木齐"),
        ("内蒙古自治区锡林郭勒盟", "内蒙古锡林郭勒"),
        ("湖北省恩施土家族苗族自治州", "湖北恩施"),
        ("香港特别行政区", "香港"),
        ("兰山街道金雀山社区", "兰山金雀山"),
        ("沂南县张庄乡", "沂南张庄"),
    ],
)
def test_addresses_compare_equal_without_admin_suffixes(left: str, right: str) -> None:
    assert normalize_address(left) == normalize_address(right)


def test_address_normal_form_value() -> None:
    assert normalize_address("山东省临沂市兰山区李官镇") == "山东临沂兰山李官"


def test_inner_mongolia_keeps_its_name() -> None:
    assert normalize_address("内蒙古自治区") == "内蒙古"


def test_address_keeps_digits_and_letters() -> None:
    assert normalize_address("B座 3号") == "b座3号"


def test_different_villages_stay_different() -> None:
    assert normalize_address("李官镇王庄村") != normalize_address("李官镇张庄村")


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_address_is_empty_string(raw: str | None) -> None:
    assert normalize_address(raw) == ""


# ---------------------------------------------------------------------------
# parse_search
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", [None, "", "   ", "\u3000", "\u200b"])
def test_empty_search_is_none(query: str | None) -> None:
    assert parse_search(query) is None


@pytest.mark.parametrize(
    ("query", "digits"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("(+86)13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("0086 138 0013 8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("8000", "8000"),
        ("138-0013", "1380013"),
        ("0531-8888-6666", "53188886666"),
        ("(0531) 8888 6666", "53188886666"),
        ("866", "866"),  # a fragment starting with 86 is not a country code
    ],
)
def test_search_for_phone_digits(query: str, digits: str) -> None:
    assert parse_search(query) == SearchTerm("phone", digits)


def test_phone_search_value_matches_stored_national_digits() -> None:
    term = parse_search("(0531) 8888-6666")
    assert term is not None
    assert term.value in normalize_phone("0531-88886666").national


@pytest.mark.parametrize(
    ("query", "letters"),
    [
        ("lwc", "lwc"),
        ("liuwencai", "liuwencai"),
        ("liu wen cai", "liuwencai"),
        ("LiuWenCai", "liuwencai"),
        ("  LWC  ", "lwc"),
        ("ｌｗｃ", "lwc"),
    ],
)
def test_search_for_pinyin(query: str, letters: str) -> None:
    assert parse_search(query) == SearchTerm("pinyin", letters)


def test_pinyin_search_matches_name_keys() -> None:
    term = parse_search("liu wen cai")
    assert term is not None
    assert term.value == name_keys("刘稳材").pinyin
    initials = parse_search("LWC")
    assert initials is not None
    assert initials.value == name_keys("刘文才").initials


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("刘文才", "刘文才"),
        ("劉文財", "刘文财"),
        (" 刘 文才 ", "刘文才"),
        ("ZL50", "ZL50"),
        ("刘wc", "刘wc"),
        ("12", "12"),  # too few digits to be a phone search
    ],
)
def test_search_for_text(query: str, text: str) -> None:
    assert parse_search(query) == SearchTerm("text", text)


# ---------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_name_keys_never_raises_and_keys_have_no_whitespace(name: str) -> None:
    keys = name_keys(name)
    for value in (keys.simplified, keys.pinyin, keys.initials, keys.fuzzy):
        assert not re.search(r"\s", value)
    assert len(keys.extra_pinyin) <= 8
    assert keys.pinyin not in keys.extra_pinyin


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_other_normalisers_never_raise(text: str) -> None:
    assert isinstance(split_phones(text), list)
    assert isinstance(normalize_address(text), str)
    model = normalize_model(text)
    assert model.family == "" or model.key.startswith(model.family)
    term = parse_search(text)
    assert term is None or term.kind in {"phone", "pinyin", "text"}
