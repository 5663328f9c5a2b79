"""customers.matching.candidates: the engine both find_duplicates modes use (no database).

Seed 000's three examples must meet: 刘文才 / 刘文财 / 刘稳材, ZL50 / ZL50C-Ⅱ / ZL50D, and
one number in several formats; brothers with different ID numbers are relatives."""

from __future__ import annotations

import math
import random

import pytest
from django.utils import translation

from customers.matching.candidates import (
    DEFAULT_THRESHOLD,
    GROUP_EDGE,
    GROUP_MAX,
    KIND_DUPLICATE,
    KIND_RELATIVES,
    Context,
    Record,
    candidate_pairs,
    compare,
    find_matches,
    group_links,
    prepare,
    prepare_all,
)
from customers.matching.normalise import normalize_phone, split_phones
from customers.matching.reasons import Match, reason_text
from customers.matching.records import _phone_keys, normalize_id_number


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def matches(records: list[Record]) -> dict[frozenset[str], object]:
    found = find_matches(prepare_all(records))
    return {frozenset((m.left_id, m.right_id)): m for m in found}


def codes(match) -> set[str]:
    return {r.code for r in match.reasons}


VILLAGE = "山东省临沂市沂南县青驼镇刘家庄村"


def test_the_seeds_three_spellings_of_one_name_meet():
    # given one man typed three ways (and once in traditional characters), same village
    records = [
        Record("1", "刘文才", ("138 5399 1234",), VILLAGE, "1971-08-16", "", ("ZL50C-Ⅱ",)),
        Record(
            "2", "刘文财", ("138-5399-1234",), "青驼镇刘家庄村", "1971", "", ("ＺＬ５０Ｃ－II",)
        ),
        Record("3", "刘稳材", ("+86 138 5399 1234",), "沂南县青驼镇刘家庄", "", "", ("ZL50C-II",)),
        Record("4", "劉文才", ("8613853991234",), "青駝鎮劉家莊村", "1971-08-16", "", ()),
    ]
    # when
    found = matches(records)
    # then every pair is proposed as a duplicate, and the reason says why
    assert set(found) == {
        frozenset(p)
        for p in [("1", "2"), ("1", "3"), ("1", "4"), ("2", "3"), ("2", "4"), ("3", "4")]
    }
    assert all(m.kind == KIND_DUPLICATE and m.score >= DEFAULT_THRESHOLD for m in found.values())
    texts = [reason_text(r) for r in found[frozenset(("1", "3"))].reasons]
    assert "same pinyin liu wen cai, different characters (刘文才 / 刘稳材)" in texts
    assert "same phone 138 5399 1234" in texts


@pytest.mark.parametrize(
    ("left", "right", "reason"),
    [
        ("ZL50C-Ⅱ", "ＺＬ５０Ｃ－II", "model_same"),
        ("ZL50C-II", "zl50c—ii", "model_same"),
        ("ZL50", "ZL50C-Ⅱ", "model_family"),
        ("ZL50C-Ⅱ", "ZL50D", "model_family"),
    ],
)
def test_model_variants_of_one_machine_meet(left, right, reason):
    a = prepare(Record("a", "王建国", ("13905391111",), models=(left,)))
    b = prepare(Record("b", "王建国", ("13905391111",), models=(right,)), 1)
    match = compare(a, b, Context.build([a, b]))
    assert match is not None and match.kind == KIND_DUPLICATE
    assert reason in codes(match)


PHONE_FORMATS = [
    "+86 138 0013 8000",
    "138-0013-8000",
    "8613800138000",
    "008613800138000",
    "１３８００１３８０００",
    "138 0013 8000",
    "(+86)138-0013-8000",
]


def test_one_number_in_every_format_meets():
    records = [
        Record(str(i), name, (phone,))
        for i, (name, phone) in enumerate(
            zip(
                ["张庆华", "张庆桦", "张庆华", "老张", "张庆华", "张总", "张庆华"],
                PHONE_FORMATS,
                strict=True,
            )
        )
    ]
    features = prepare_all(records)
    assert {f.phones for f in features} == {("+8613800138000",)}
    found = matches(records)
    # 7 records, all blocked together on the number and all proposed
    assert len(found) == 21
    assert all(
        "phone_same" in codes(m) or "phone_shared_widely" in codes(m) for m in found.values()
    )


@pytest.mark.parametrize(
    "raw",
    [
        *PHONE_FORMATS,
        "(0531)8888-6666",
        "138 0013 8000 转 12",
        "+1 650 253 0000",
        "0086 13800138000",
        "13800138000；13905391111",
        "145 5242 2657",
    ],
)
def test_the_matchers_fast_phone_path_agrees_with_the_normaliser(raw):
    expected = tuple(x for x in (normalize_phone(p).e164 for p in split_phones(raw)) if x)
    assert _phone_keys(raw) == expected


def test_brothers_with_different_id_numbers_are_possible_relatives_not_duplicates():
    # given 王振海 / 王镇海: one village, names read alike, one family phone, two ID numbers
    place = "山东省临沂市兰陵县磨山镇王家湖村"
    a = prepare(
        Record(
            "a", "王振海", ("13805396612", "05398888666"), place, "1966-02-11", "371324196602113512"
        )
    )
    b = prepare(
        Record(
            "b", "王镇海", ("15165398870", "05398888666"), place, "1974-10-03", "371324197410033571"
        ),
        1,
    )
    # when
    match = compare(a, b, Context.build([a, b]))
    # then they are shown, as relatives, below the duplicate threshold
    assert match is not None
    assert match.kind == KIND_RELATIVES
    assert match.score < DEFAULT_THRESHOLD
    assert match.reasons[0].code == "relatives"
    assert "possible relatives — do not merge without checking" in match.reasons_text()
    assert "ID numbers differ" in match.reasons_text()


def test_brothers_born_years_apart_without_id_numbers_are_relatives_too():
    place = "兰陵县磨山镇王家湖村"
    a = prepare(Record("a", "王振海", ("13805396612",), place, "1966-02-11"))
    b = prepare(Record("b", "王镇海", ("15165398870",), place, "1974-10-03"), 1)
    match = compare(a, b, Context.build([a, b]))
    assert match is not None and match.kind == KIND_RELATIVES
    assert "born 1966-02-11 and 1974-10-03" in match.reasons_text()


def test_the_same_id_number_outweighs_a_mistyped_birth_year():
    a = prepare(Record("a", "王振海", (), "", "1966-02-11", "371324196602113512"))
    b = prepare(Record("b", "王镇海", (), "", "1976-02-11", "371324196602113512"), 1)
    match = compare(a, b, Context.build([a, b]))
    assert match is not None and match.kind == KIND_DUPLICATE
    assert "id_same" in codes(match)


def test_a_nickname_with_the_shared_phone_is_a_duplicate():
    a = prepare(Record("a", "刘文才", ("138 5399 1234",), VILLAGE))
    b = prepare(Record("b", "刘总", ("+86 13853991234",), VILLAGE), 1)
    match = compare(a, b, Context.build([a, b]))
    assert match is not None and match.kind == KIND_DUPLICATE
    assert "刘总 is a nickname with the same surname" in match.reasons_text()


def test_different_people_with_nothing_in_common_are_not_shown():
    a = prepare(Record("a", "刘文才", ("13853991234",), VILLAGE, "1971-08-16"))
    b = prepare(Record("b", "张庆华", ("13561478823",), "山东省潍坊市寿光市", "1979-04-02"), 1)
    assert compare(a, b, Context.build([a, b])) is None


def test_a_common_name_alone_weighs_less():
    # 20 different 王伟 across the country: the name says little about any two of them
    records = [Record(str(i), "王伟", (f"1390539{i:04d}",), f"某省{i}县") for i in range(20)]
    features = prepare_all(records)
    ctx = Context.build(features)
    match = compare(features[0], features[1], ctx)
    assert match is None


@pytest.mark.parametrize(
    ("raw", "expected", "valid"),
    [
        ("371324196602113512", "371324196602113512", True),
        ("371324660211351", "371324196602113512"[:17] + "2", True),  # 15 digits → 18
        ("11010519491231002x", "11010519491231002X", True),
        ("371324196602113513", "371324196602113513", False),  # wrong check digit
        ("", "", False),
    ],
)
def test_id_numbers_are_normalised_and_checked(raw, expected, valid):
    number, ok = normalize_id_number(raw)
    assert ok is valid
    if raw.replace(" ", "") and len(raw.replace(" ", "")) != 15:
        assert number == expected


def test_a_mistyped_id_number_is_not_contrary_evidence():
    a = prepare(
        Record("a", "张庆华", ("13561478823",), "寿光市稻田镇西马村", "", "371324196602113512")
    )
    b = prepare(
        Record("b", "张庆华", ("13561478823",), "寿光市稻田镇西马村", "", "371324196602113513"), 1
    )
    match = compare(a, b, Context.build([a, b]))
    assert match is not None and match.kind == KIND_DUPLICATE
    assert "id_typo" in codes(match)


def test_an_incremental_block_gives_the_pairs_of_a_full_run_that_involve_the_changed():
    rng = random.Random(7)
    names = ["刘文才", "刘文财", "王振海", "王镇海", "张庆华", "李强", "刘总"]
    records = [
        Record(
            str(i),
            rng.choice(names),
            (f"1385399{rng.randint(0, 30):04d}",),
            rng.choice(["沂南县青驼镇刘家庄", "兰陵县磨山镇王家湖", ""]),
            rng.choice(["", "1971", "1966-02-11"]),
        )
        for i in range(120)
    ]
    features = prepare_all(records)
    full = set(candidate_pairs(features))
    changed = {3, 17, 44, 90}
    partial = set(candidate_pairs(features, only=changed))
    assert partial == {p for p in full if p[0] in changed or p[1] in changed}


def test_reasons_keep_codes_and_values_so_they_can_be_shown_in_any_language():
    a = prepare(Record("a", "刘文才", ("13853991234",)))
    b = prepare(Record("b", "刘文财", ("13853991234",)), 1)
    match = compare(a, b, Context.build([a, b]))
    assert match is not None
    stored = [r.as_dict() for r in match.reasons]
    assert stored[0] == {
        "code": "name_pinyin",
        "weight": 1.5,
        "params": {"left": "刘文才", "pinyin": "liu wen cai", "right": "刘文财"},
    }
    assert reason_text(stored[1]) == "same phone 138 5399 1234"


# ---------------------------------------------------------------------------
# Groups: pairs implied by strong links (issue 17, part 2)
# ---------------------------------------------------------------------------


def _group_records() -> list[Record]:
    # 刘文才 has no phone on file; 刘文财 shares his birth date and address; 老刘 called from
    # 刘文财's number. 老刘 / 刘文才 share only the surname: no rule can block them together.
    return [
        Record("1", "刘文才", (), VILLAGE, "1971-08-16", "", ("ZL50C",)),
        Record("2", "刘文财", ("138 5399 1234",), "沂南县青驼镇刘家庄村", "1971-08-16", "", ()),
        Record("3", "老刘", ("13853991234",), "", "", "", ()),
    ]


def test_a_group_proposes_the_pair_that_shares_only_a_surname():
    # given one man entered three times, 老刘 linked to 刘文才 only through 刘文财
    records = _group_records()
    assert frozenset(("1", "3")) not in {
        frozenset(p) for p in candidate_pairs(prepare_all(records))
    }
    # when
    found = matches(records)
    # then the pair is proposed, says through whom, and scores its chain
    link = found[frozenset(("1", "3"))]
    assert link.kind == KIND_DUPLICATE and "group" in codes(link)
    chain = found[frozenset(("1", "2"))].score * found[frozenset(("2", "3"))].score
    assert link.score == round(chain, 4)
    assert "both closely match 刘文财 (2)" in link.reasons_text()
    # the weights still add up to the score, as every score's do
    total = sum(r.weight for r in link.reasons)
    assert abs(1 / (1 + math.exp(-(total - 3.0))) - link.score) < 1e-3
    with translation.override("zh-hans"):
        assert "都与 刘文财 (2) 高度相符" in link.reasons_text()


def test_a_group_does_not_link_what_the_pair_itself_contradicts():
    # given the same chain, but 老刘 gave a birth year far from 刘文才's: a father or an uncle
    # (刘文财 without a birth date, linked to 刘文才 by address and machine)
    records = [
        Record("1", "刘文才", (), VILLAGE, "1971-08-16", "", ("ZL50C",)),
        Record("2", "刘文财", ("138 5399 1234",), "沂南县青驼镇刘家庄村", "", "", ("ZL50C",)),
        Record("3", "老刘", ("13853991234",), "", "1948", "", ()),
    ]
    # when
    found = matches(records)
    # then the two strong links stand, and the pair they would imply is not proposed
    assert all(found[frozenset(p)].score >= GROUP_EDGE for p in (("1", "2"), ("2", "3")))
    assert frozenset(("1", "3")) not in found


def _chain(n: int, score: float = 0.99):
    records = [Record(str(k), "刘文才", (), "", "", "", ()) for k in range(1, n + 1)]
    features = prepare_all(records)
    for index, f in enumerate(features):
        f.index = index
    by_id = {f.id: f for f in features}
    links = [Match(str(k), str(k + 1), score, KIND_DUPLICATE, ()) for k in range(1, n)]
    return links, (lambda ids: {i: by_id[i] for i in ids}), Context.build(features)


@pytest.mark.parametrize(("n", "added"), [(3, 1), (4, 3), (GROUP_MAX + 1, 0)])
def test_only_small_groups_imply_pairs(n, added):
    # given records chained pair by pair (1–2, 2–3, …)
    links, features, ctx = _chain(n)
    # when
    out = group_links(links, features, ctx)
    # then every missing pair of a group of up to four is added; a larger group adds none
    assert len(out) - len(links) == added
    assert out == sorted(out, key=lambda m: (-m.score, m.left_id, m.right_id))


def test_weak_links_make_no_group():
    links, features, ctx = _chain(3, score=GROUP_EDGE - 0.01)
    assert group_links(links, features, ctx) == links


def test_an_incremental_run_adds_only_pairs_of_changed_records():
    links, features, ctx = _chain(3)
    assert len(group_links(links, features, ctx, only={"3"})) == 3
    assert group_links(links, features, ctx, only={"2"}) == links


def test_relatives_are_no_link_of_a_group():
    links, features, ctx = _chain(3)
    relatives = [Match(m.left_id, m.right_id, 0.99, KIND_RELATIVES, ()) for m in links]
    assert group_links(relatives, features, ctx) == relatives
