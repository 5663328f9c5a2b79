"""Synthetic Chinese dealer records with known duplicates, for the matcher benchmark.

Faker zh_CN gives names, phones and ID numbers; on top of it, every record of a person is
written the way dealers' notebooks write it (seed 000, DOMAIN.md):
  * names: homophones (刘文才 / 刘文财 / 刘稳材), traditional characters (劉文才), fuzzy
    pinyin confusions (zh/z, n/l, -ng/-n), a wrong character, nicknames (刘总, 老刘, 刘老板);
  * phones in every format (+86, 0086, dashes, spaces, full-width), a second or an old
    number, none at all;
  * addresses with or without province, suffixes (镇/村/组), in traditional characters;
  * birth dates full, year only, missing, with a typo; ID numbers sometimes, 15-digit old
    form, a typo;
  * machine models ZL50 / ZL50C-Ⅱ / ＺＬ５０Ｃ－II / zl50c2 variants.
Hard negatives: brothers of one village whose names read the same (王振海 / 王镇海) or share
the generation character, born years apart, sometimes sharing the family's phone; and
namesakes in the same county.

    .venv/bin/python bench/matching_data.py --n 10000 --out /tmp/cn.csv --truth /tmp/cn.truth.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faker import Faker
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

from bench.generate import FEMALE_GIVEN, MACHINES, MALE_GIVEN, PLACES, VILLAGE_WORDS
from customers.matching.normalise import fuzzy_syllable

# Shares of persons who are a same-village brother of an earlier person, or carry one of
# the commonest names.
BROTHERS = 0.03
NAMESAKES = 0.015
FIELDS = ("id", "name", "phones", "address", "birth_date", "id_number", "models")
NICK_TITLES = ("总", "老板", "师傅", "哥")
TOWN_WORDS = "青驼界湖孙祖苏村铜井辛集高里马牧池岸堤双堠依汶大庄张庄砖埠杨家坡新庄朱家"
VILLAGE_SUFFIXES = ("家庄", "家村", "庄", "屯", "家洼", "家沟", "官庄", "村")
FULL_WIDTH = str.maketrans("0123456789-+", "０１２３４５６７８９－＋")
# Every ASCII letter, digit and dash as its full-width form (U+FF01 onwards).
WIDE = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ"})


@lru_cache(maxsize=1)
def _s2t() -> OpenCC:
    return OpenCC("s2t")


@lru_cache(maxsize=1)
def _char_pool() -> dict[str, list[str]]:
    """Common characters grouped by toneless pinyin: what an input method offers."""
    from faker.providers.address.zh_CN import Provider as Address
    from faker.providers.lorem.zh_CN import Provider as Lorem
    from faker.providers.person.zh_CN import Provider as Person

    text = "".join(Lorem.word_list)
    text += "".join(Person.first_names_male) + "".join(Person.first_names_female)
    text += "".join(Person.last_names) + MALE_GIVEN + FEMALE_GIVEN + VILLAGE_WORDS + TOWN_WORDS
    text += "".join(Address.cities) + "".join(Address.districts) + "".join(Address.provinces)
    text += "稳材财才彩菜镇振震阵海凯庆青清华桦花建健剑国果军君钧俊峻明鸣铭志智治"
    groups: dict[str, list[str]] = defaultdict(list)
    for ch in sorted(set(text)):
        if "\u4e00" <= ch <= "\u9fff":
            groups[lazy_pinyin(ch, style=Style.NORMAL)[0]].append(ch)
    return groups


@lru_cache(maxsize=1)
def _fuzzy_pool() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for reading, chars in _char_pool().items():
        groups[fuzzy_syllable(reading)].extend(chars)
    return groups


def _reading(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


def homophone(ch: str, rng: random.Random) -> str | None:
    options = [c for c in _char_pool().get(_reading(ch), []) if c != ch]
    return rng.choice(options) if options else None


def fuzzy_homophone(ch: str, rng: random.Random) -> str | None:
    reading = _reading(ch)
    options = [
        c
        for c in _fuzzy_pool().get(fuzzy_syllable(reading), [])
        if c != ch and _reading(c) != reading
    ]
    return rng.choice(options) if options else None


def id_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


@dataclass
class Village:
    province: str
    city: str
    county: str
    town: str
    name: str
    area_code: str


@dataclass
class Person:
    entity: int
    surname: str
    given: str
    male: bool
    birth: date
    id_number: str
    phones: list[str]
    old_phones: list[str]
    village: Village
    group: int
    models: list[str]
    family_phone: str = ""
    records: list[dict[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.surname + self.given


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self.used_phones: set[str] = set()
        self.villages = self._villages()
        surnames = self.faker.last_names if hasattr(self.faker, "last_names") else None
        from faker.providers.person.zh_CN import Provider as PersonProvider

        table = surnames or PersonProvider.last_names
        self.surnames = list(table.keys())
        self.surname_weights = list(table.values())
        self.models = [m for _, (_, models) in MACHINES.items() for m in models] + [
            "ZL50",
            "ZL50C",
            "ZL50CN",
            "ZL50D",
            "ZL50G",
        ]
        self.rng.shuffle(self.models)
        self.model_weights = [1 / (rank + 1) for rank in range(len(self.models))]

    def _villages(self) -> list[Village]:
        out = []
        for province, cities in PLACES.items():
            for city, _area, _region, counties in cities:
                for county in counties:
                    towns = {
                        "".join(self.rng.sample(TOWN_WORDS, 2)) + self.rng.choice("镇镇镇乡")
                        for _ in range(6)
                    }
                    code = f"{self.rng.randint(110000, 659000):06d}"
                    for town in sorted(towns):
                        for _ in range(8):
                            stem = self.rng.choice(
                                [self.faker.last_name()[:1], self.rng.choice(VILLAGE_WORDS)]
                            )
                            out.append(
                                Village(
                                    province,
                                    city,
                                    county,
                                    town,
                                    stem + self.rng.choice(VILLAGE_SUFFIXES),
                                    code,
                                )
                            )
        return out

    # -- people -----------------------------------------------------------------

    def mobile(self) -> str:
        while True:
            number = self.faker.phone_number()
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def given_name(self, male: bool) -> str:
        if self.rng.random() < 0.35:
            return self.faker.first_name_male() if male else self.faker.first_name_female()
        pool = MALE_GIVEN if male else FEMALE_GIVEN
        size = 1 if self.rng.random() < 0.25 else 2
        return "".join(self.rng.choice(pool) for _ in range(size))

    def id_number(self, birth: date, area: str, male: bool) -> str:
        odd = (1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8)  # digit 17 is the sex
        seq = self.rng.randint(0, 99) * 10 + self.rng.choice(odd)
        first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
        return first17 + id_check(first17)

    def person(self, entity: int, village: Village | None = None, surname: str = "") -> Person:
        rng = self.rng
        male = rng.random() < 0.88  # machine owners are mostly men
        surname = surname or rng.choices(self.surnames, weights=self.surname_weights)[0]
        birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 48))
        village = village or rng.choice(self.villages)
        phones = [self.mobile() for _ in range(rng.choices((1, 2, 3), weights=(70, 25, 5))[0])]
        old = [self.mobile()] if rng.random() < 0.2 else []
        count = rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]
        # A few models sell most (matching-facts.md: many customers own a ZL50C).
        models = list(dict.fromkeys(rng.choices(self.models, weights=self.model_weights, k=count)))
        return Person(
            entity=entity,
            surname=surname,
            given=self.given_name(male),
            male=male,
            birth=birth,
            id_number=self.id_number(birth, village.area_code, male),
            phones=phones,
            old_phones=old,
            village=village,
            group=rng.randint(1, 9),
            models=models,
        )

    def brother(self, entity: int, of: Person) -> Person:
        """A brother in the same village, his name read (or half read) like his brother's."""
        rng = self.rng
        other = self.person(entity, village=of.village, surname=of.surname)
        other.male = True
        chars = list(of.given)
        position = rng.randrange(len(chars))
        replacement = homophone(chars[position], rng)
        if replacement is None or rng.random() < 0.3:
            # Brothers share the generation character; the other one differs.
            replacement = rng.choice([c for c in MALE_GIVEN if c != chars[position]])
        chars[position] = replacement
        other.given = "".join(chars)
        years = rng.randint(2, 12) * rng.choice((-1, 1))
        other.birth = date(of.birth.year + years, 1, 1) + timedelta(days=rng.randint(0, 364))
        other.id_number = self.id_number(other.birth, of.village.area_code, True)
        other.group = of.group if rng.random() < 0.5 else other.group
        if rng.random() < 0.35:
            # The family's number, written into both brothers' dossiers.
            family = of.family_phone or rng.choice(of.phones)
            of.family_phone = family
            other.family_phone = family
        return other

    # -- rendering ----------------------------------------------------------------

    def phone_format(self, number: str) -> str:
        rng = self.rng
        style = rng.random()
        if style < 0.3:
            return number
        if style < 0.5:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        if style < 0.65:
            return f"{number[:3]}-{number[3:7]}-{number[7:]}"
        if style < 0.8:
            return f"+86 {number}"
        if style < 0.88:
            return f"0086{number}"
        if style < 0.95:
            return f"86{number}"
        return number.translate(FULL_WIDTH)

    def render_name(self, p: Person, kind: str) -> str:
        rng = self.rng
        given = list(p.given)
        if kind == "homophone":
            i = rng.randrange(len(given))
            given[i] = homophone(given[i], rng) or given[i]
        elif kind == "fuzzy":
            i = rng.randrange(len(given))
            given[i] = fuzzy_homophone(given[i], rng) or homophone(given[i], rng) or given[i]
        elif kind == "wrong_char":
            i = rng.randrange(len(given))
            given[i] = rng.choice(MALE_GIVEN + FEMALE_GIVEN)
        elif kind == "traditional":
            return str(_s2t().convert(p.name))
        elif kind == "nickname":
            title = rng.choice((*NICK_TITLES, "老"))
            return f"老{p.surname}" if title == "老" else p.surname + title
        return p.surname + "".join(given)

    def render_address(self, p: Person, first: bool) -> str:
        rng = self.rng
        v = p.village
        style = rng.random()
        if style < 0.12:
            return ""
        if not first and style < 0.17:
            # Moved (or working away): another village, often another county.
            v = rng.choice(self.villages)
        if style < 0.45:
            return f"{v.province}{v.city}{v.county}{v.town}{v.name}{p.group}组"
        if style < 0.6:
            return f"{v.county}{v.town}{v.name}"
        if style < 0.72:
            return f"{v.town}{v.name}{p.group}组"
        if style < 0.84:
            # As said on the phone: no suffixes.
            return f"{v.county[:-1]}{v.town[:-1]}{v.name.rstrip('村')}"
        if style < 0.92:
            return f"{v.city}{v.county}{v.town}{v.name}"
        return str(_s2t().convert(f"{v.county}{v.town}{v.name}"))

    def render_birth(self, p: Person) -> str:
        rng = self.rng
        style = rng.random()
        if style < 0.3:
            return ""
        if style < 0.5:
            return str(p.birth.year)
        if style < 0.95:
            return p.birth.isoformat() if rng.random() < 0.7 else f"{p.birth:%Y%m%d}"
        # A typo: one digit of the day.
        tens, units = divmod(p.birth.day, 10)
        day = tens * 10 + (units + rng.randint(1, 8)) % 10
        day = day if 1 <= day <= 28 and day != p.birth.day else (p.birth.day % 28) + 1
        return p.birth.replace(day=day).isoformat()

    def render_id(self, p: Person) -> str:
        rng = self.rng
        if rng.random() > 0.25:
            return ""
        style = rng.random()
        if style < 0.06:
            i = rng.randrange(17)
            digit = str((int(p.id_number[i]) + rng.randint(1, 9)) % 10)
            return p.id_number[:i] + digit + p.id_number[i + 1 :]
        if style < 0.12 and p.birth.year < 2000:
            return p.id_number[:6] + p.id_number[8:17]  # the 15-digit first generation
        return p.id_number

    def render_model(self, model: str) -> str:
        rng = self.rng
        style = rng.random()
        if style < 0.55:
            return model
        if style < 0.7:
            return model.translate(WIDE)
        if style < 0.8:
            return model.lower()
        if style < 0.9:
            return model.replace("-", "").replace("Ⅱ", "II")
        # The family without its variant, or another variant of it (ZL50 / ZL50D).
        head = model.rstrip("-ⅡIVX").rstrip("CNDGH") or model
        return head + rng.choice(("", "D", "C", "G"))

    def render(self, p: Person, rid: str, first: bool) -> dict[str, str]:
        rng = self.rng
        kind = "exact"
        if not first:
            kind = rng.choices(
                ("exact", "homophone", "traditional", "nickname", "fuzzy", "wrong_char"),
                weights=(52, 17, 8, 9, 8, 6),
            )[0]
        name = self.render_name(p, kind)
        phones: list[str] = []
        roll = rng.random()
        if kind == "nickname":
            # A nickname only ever reaches the archive with the number it called from.
            phones = [p.phones[0]]
        elif roll < 0.08:
            phones = []
        elif roll < 0.75:
            phones = [p.phones[0]] + [x for x in p.phones[1:] if rng.random() < 0.5]
        elif roll < 0.9:
            phones = p.phones[1:] or [p.phones[0]]
        else:
            phones = p.old_phones + p.phones[:1] if p.old_phones else [p.phones[-1]]
        if p.family_phone and rng.random() < 0.7:
            phones = [*phones, p.family_phone] if rng.random() < 0.6 else [p.family_phone]
        phones = list(dict.fromkeys(phones))
        nick = kind == "nickname"
        models = [self.render_model(m) for m in p.models if rng.random() < 0.7]
        return {
            "id": rid,
            "name": name,
            "phones": ";".join(self.phone_format(x) for x in phones),
            "address": self.render_address(p, first) if not nick or rng.random() < 0.5 else "",
            "birth_date": "" if nick else self.render_birth(p),
            "id_number": "" if nick else self.render_id(p),
            "models": ";".join(models) if not nick or rng.random() < 0.3 else "",
        }


def generate(
    n: int, seed: int = 20240610, *, brothers: float = BROTHERS, namesakes: float = NAMESAKES
) -> tuple[list[dict[str, str]], dict[str, int]]:
    """`n` records and the person (entity) each belongs to."""
    gen = Generator(seed)
    rng = gen.rng
    people: list[Person] = []
    records: list[tuple[dict[str, str], int]] = []
    entity = 0
    common = ["王伟", "张伟", "李强", "刘洋", "王磊", "李军", "张勇", "王军", "刘杰", "陈刚"]
    while len(records) < n:
        entity += 1
        roll = rng.random()
        if roll < brothers and people:
            person = gen.brother(entity, rng.choice(people[-50:]))
        else:
            person = gen.person(entity)
            if roll < brothers + namesakes:
                # A namesake: the common names recur in one county as different people.
                name = rng.choice(common)
                person.surname, person.given = name[0], name[1:]
        people.append(person)
        copies = 1 + (rng.choices((1, 2, 3), weights=(70, 20, 10))[0] if rng.random() < 0.22 else 0)
        for copy in range(copies):
            rid = f"r{len(records) + 1:07d}"
            records.append((gen.render(person, rid, first=copy == 0), person.entity))
    rng.shuffle(records)
    records = records[:n]
    return [r for r, _ in records], {r["id"]: e for r, e in records}


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240610)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--truth", type=Path, help="id,entity CSV")
    args = parser.parse_args(argv)
    rows, truth = generate(args.n, args.seed)
    write(args.out, rows)
    if args.truth:
        with args.truth.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "entity"])
            writer.writerows(sorted(truth.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
