"""Blocking (issue 17, part 2): a pair sharing a strong key is always compared; nicknames
meet their full name in one village; one name meets itself across scripts and address
lengths; a phone or ID number typed one digit off meets the right one. No database."""

from __future__ import annotations

from customers.matching.candidates import (
    MAX_BLOCK,
    NAME_SPLIT,
    BlockStats,
    Record,
    blocking_keys,
    candidate_pairs,
    prepare_all,
)
from customers.matching.records import normalize_id_number

OFFICE = "0539-8888-6666"


def _pairs(records: list[Record]) -> tuple[set[frozenset[str]], BlockStats]:
    features = prepare_all(records)
    stats = BlockStats()
    ids = [f.id for f in features]
    pairs = {frozenset((ids[i], ids[j])) for i, j in candidate_pairs(features, stats=stats)}
    return pairs, stats


def _crowd(count: int, **fields: object) -> list[Record]:
    """`count` different people; the given fields (a shared number, say) on each of them."""
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    return [
        Record(
            id=f"c{n}",
            name=surnames[n % len(surnames)] + "某" + "甲乙丙丁戊己庚辛壬癸"[n % 10],
            address=f"某县{n % 97}号镇{n}村",
            **fields,  # type: ignore[arg-type]
        )
        for n in range(count)
    ]


def test_an_over_full_phone_block_is_split_by_surname_never_dropped():
    records = [
        *_crowd(MAX_BLOCK + 50, phones=(OFFICE,)),
        Record(id="full", name="刘文才", phones=(OFFICE,), address="沂南县青驼镇刘家庄"),
        Record(id="nick", name="老刘", phones=("(0539) 8888 6666",)),
    ]
    pairs, stats = _pairs(records)
    assert frozenset(("full", "nick")) in pairs
    assert stats.split_blocks >= 1
    # Split, so the crowd's other surnames are not all paired with 刘文才.
    assert frozenset(("full", "c0")) not in pairs


def test_an_over_full_id_number_block_is_split_too():
    shared = "37032119800101123X"  # fails its check digit: it carries no birth date
    records = [
        *_crowd(MAX_BLOCK + 10, id_number=shared),
        Record(id="a", name="王志强", id_number=shared),
        Record(id="b", name="王强", id_number=shared, address="内蒙古自治区赤峰市"),
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("a", "b")) in pairs


def test_a_nickname_meets_the_full_name_in_one_village_written_shorter():
    records = [
        Record(id="full", name="胡彬", address="山东省枣庄市滕州市孙湖镇小村4组"),
        Record(id="nick", name="胡总", address="孙湖镇小村4组"),
        Record(id="other", name="胡总", address="山东省枣庄市滕州市孙湖镇大村4组"),
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("full", "nick")) in pairs
    assert frozenset(("nick", "other")) not in pairs


def test_a_common_name_meets_itself_in_traditional_characters_and_a_shorter_address():
    # More than NAME_SPLIT namesakes elsewhere: the name block is split by village.
    namesakes = [
        Record(id=f"n{k}", name="王志强", address=f"河北省保定市易县牧家镇第{k}村")
        for k in range(NAME_SPLIT + 5)
    ]
    records = [
        *namesakes,
        Record(id="long", name="王志强", address="內蒙古自治區赤峰市寧城縣孫湖鎮小村"),
        Record(id="short", name="王志強", address="孙湖镇小村"),
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("long", "short")) in pairs


def test_a_name_block_larger_than_the_limit_is_split_not_dropped():
    namesakes = [
        Record(id=f"n{k}", name="王伟", address=f"某县某镇第{k}村", birth_date=str(1940 + k % 50))
        for k in range(MAX_BLOCK + 20)
    ]
    records = [
        *namesakes,
        Record(id="a", name="王伟", address="沂南县青驼镇刘家庄", birth_date="1975"),
        Record(id="b", name="王偉", birth_date="1975"),
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("a", "b")) in pairs


def test_a_bare_birth_year_is_completed_from_a_valid_id_number():
    records = [
        Record(id="a", name="罗光华", birth_date="1990-10-01", address="泗阳县牧马镇张屯"),
        Record(
            id="b",
            name="罗光兴",
            birth_date="1990",
            id_number="244296199010014418",
            address="山东省烟台市龙口市庄家镇店庄3组",
        ),
    ]
    features = prepare_all(records)
    assert features[1].birth == "19901001"
    pairs, _ = _pairs(records)
    assert frozenset(("a", "b")) in pairs


def test_the_issues_nickname_pairs_are_found_and_scored_duplicates():
    from customers.matching.candidates import KIND_DUPLICATE, KIND_RELATIVES, find_matches

    records = [
        Record(
            id="full",
            name="黄杰",
            phones=("138 5399 1234",),
            address="山东省临沂市沂南县青驼镇刘家庄3组",
            models=("ZL50C-Ⅱ",),
        ),
        Record(
            id="nick",
            name="黄老板",
            phones=("+86 13853991234",),
            address="青驼镇刘家庄",
            models=("ＺＬ５０Ｃ－II",),
        ),
        # A brother: same village, a name read alike, another ID number.
        Record(
            id="b1",
            name="王振海",
            address="沂南县青驼镇刘家庄",
            id_number="371321198001011238",
        ),
        Record(
            id="b2",
            name="王镇海",
            address="沂南县青驼镇刘家庄2组",
            id_number="371321198506061230",
        ),
    ]
    found = {frozenset((m.left_id, m.right_id)): m for m in find_matches(prepare_all(records))}
    assert found[frozenset(("full", "nick"))].kind == KIND_DUPLICATE
    brothers = found.get(frozenset(("b1", "b2")))
    assert brothers is not None
    assert brothers.kind == KIND_RELATIVES


def test_a_crowded_birth_date_is_compared_within_one_surname():
    strangers = _crowd(NAME_SPLIT + 30, birth_date="1975-03-08")
    records = [
        *strangers,
        Record(id="a", name="刘文才", birth_date="1975-03-08"),
        Record(id="b", name="劉稳材", birth_date="1975-03-08", address="沂南县青驼镇"),
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("a", "b")) in pairs
    # Not every stranger born that day meets every other.
    assert frozenset(("c0", "c1")) not in pairs
    assert len(pairs) < len(records) * (len(records) - 1) // 4


TOWNS = "东西南北中上下前后左右红黄蓝白青松柏桃李"


def test_a_crowded_surname_and_village_name_is_compared_within_one_town():
    elsewhere = [
        Record(
            id=f"w{k}", name="王" + TOWNS[k % 20] + "甲", address=f"某县东{TOWNS[k % 20]}镇王家庄"
        )
        for k in range(NAME_SPLIT + 10)
    ]
    records = [
        *elsewhere,
        Record(id="full", name="王振海", address="沂南县青驼镇王家庄3组"),
        Record(id="nick", name="老王", address="青驼镇王家庄"),
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("full", "nick")) in pairs
    assert frozenset(("w1", "w2")) not in pairs


def test_a_phone_one_digit_off_meets_the_same_surname_only():
    records = [
        Record(id="full", name="黄杰", phones=("138 5399 1234",), address="沂南县青驼镇刘家庄"),
        # A nickname with the number mistyped in its last digit, no address.
        Record(id="nick", name="黄老板", phones=("13853991235",)),
        # A nickname in traditional characters, a digit wrong in the first half.
        Record(id="trad", name="黃總", phones=("+86 139 5399 1234",)),
        # Near pairs that must not meet: another surname one digit off, and a number two
        # digits off (one in each half).
        Record(id="other", name="赵强", phones=("138 5399 1236",)),
        Record(id="far", name="黄军", phones=("139 5399 1236",)),
        # A crowd of 黄 whose numbers share neither half with anyone's.
        *[
            Record(id=f"h{k}", name="黄某", phones=(f"13{k:04d}{k * 7919 % 100000:05d}",))
            for k in range(NAME_SPLIT + 10)
        ],
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("full", "nick")) in pairs
    assert frozenset(("full", "trad")) in pairs
    assert frozenset(("full", "other")) not in pairs
    assert frozenset(("full", "far")) not in pairs
    crowd = {f"h{k}" for k in range(NAME_SPLIT + 10)}
    assert not any(pair & crowd for pair in pairs)


def test_a_resident_id_number_one_digit_off_meets_the_valid_number():
    valid = "371321198001011238"
    typo = "371321198001071238"  # digit 14 mistyped: fails the check digit
    swapped = "371321198010011238"  # digits 11 and 12 swapped
    assert normalize_id_number(valid) == (valid, True)
    assert not normalize_id_number(typo)[1]
    assert not normalize_id_number(swapped)[1]
    records = [
        Record(id="valid", name="王志强", id_number=valid),
        Record(id="typo", name="王晶", id_number=typo, address="沂南县青驼镇刘家庄"),
        Record(id="swap", name="王志强", id_number=swapped),
        # Two digits off: another person, not a typo of this number.
        Record(id="two", name="王军", id_number="371321198002071238"),
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("valid", "typo")) in pairs
    assert frozenset(("valid", "swap")) in pairs
    assert frozenset(("valid", "two")) not in pairs
    # A valid number makes no extra key: every number one slip from it fails its check.
    (f,) = prepare_all([Record(id="v", name="王志强", id_number=valid)])
    assert [k for k in blocking_keys(f) if k[0] in "ij"] == [f"i:{valid}"]


def test_another_identifier_one_slip_off_meets_itself():
    # FEBRL's soc_sec_id: no check digit, so every form with one digit left out is a key.
    records = [
        Record(id="a", name="ezis nathan", id_number="4871098"),
        Record(id="b", name="nathan", id_number="4874098"),  # a digit wrong
        Record(id="c", name="snell sophie", id_number="8638391"),
        Record(id="d", name="sophie snell", id_number="8368391"),  # two digits swapped
        Record(id="e", name="snell sophie", id_number="8638391" + "2"),  # a digit added
        Record(id="f", name="mccarthy", id_number="6539267"),
        Record(id="g", name="mccarthy alexander", id_number="6531276"),  # not one slip
    ]
    pairs, _ = _pairs(records)
    assert frozenset(("a", "b")) in pairs
    assert frozenset(("c", "d")) in pairs
    assert frozenset(("c", "e")) in pairs
    assert frozenset(("f", "g")) not in pairs
