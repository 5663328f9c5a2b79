"""Random building blocks of a demo dossier: names, phones, addresses, machines, people, projects.
Each is a plain dict in the shape the services take; the customers are put together in generate."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from faker import Faker

from customers.matching.normalise import name_keys
from customers.models import Customer, Machine, Phone
from demo.vocabulary import (
    BIRTHDAY_NOTES,
    BRAND_WEIGHTS,
    DEALER_BRANDS,
    DIRECTIONS,
    EDUCATION_WEIGHTS,
    EIGHT_DIGIT_AREAS,
    FAMILY_EXTRAS,
    HOBBIES,
    MOBILE_PREFIXES,
    MODELS,
    PERSONALITIES,
    PROJECT_KINDS,
    PROJECT_SOURCES,
    REGIONS,
    SERIAL_PREFIX,
    SOLD_TO,
    TOWN_ROOTS,
    USED_SOURCES,
    VILLAGE_ROOTS,
    VILLAGE_SUFFIXES,
    City,
    Region,
)

_T = TypeVar("_T")

SEED = 20261123


def full_width(text: str) -> str:
    """ASCII as typed with a Chinese input method in full-width mode: ZL50 -> ＺＬ５０."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def purchase_cost(price: Decimal, salt: int) -> Decimal:
    """What a machine bought from us cost the dealer: 85–95% of its price, to the hundred
    yuan; drawn from the price itself, so the random stream (and every later row) is kept."""
    ratio = Decimal(85 + (int(price) // 1000 * 7 + salt) % 11) / 100
    return (price * ratio / 100).quantize(Decimal("1")) * 100


def stem(county: str) -> str:
    """A county without its 县/区/市, as in names of companies and projects."""
    return county[:-1] if len(county) > 2 and county[-1] in "县区市" else county


class DemoPieces:
    """Draws the pieces of dossiers from one seeded random stream, never repeating a number,
    a serial or a customer's name; the same calls in the same order give the same pieces."""

    def __init__(self, today: date) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 -- demo data, not security
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)
        self.today = today
        self.numbers: set[str] = set()
        self.serials: set[tuple[str, str]] = set()
        # Fuzzy name keys already used, so random people never look like planted duplicates.
        self.names: set[str] = set()

    def _pick(self, weights: dict[_T, int]) -> _T:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _date(self, start: date, end: date) -> date:
        end = min(end, self.today)
        start = min(start, end)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def reserve_name(self, name: str) -> bool:
        key = name_keys(name).fuzzy
        if key in self.names:
            return False
        self.names.add(key)
        return True

    def person_name(self, male: bool = True) -> str:
        while True:
            given = self.fake.first_name_male() if male else self.fake.first_name_female()
            name = self.fake.last_name() + given
            if self.reserve_name(name):
                return name

    def any_name(self) -> str:
        """Operators, shareholders, neighbours: not customers, so repeats do not matter."""
        return self.fake.last_name() + self.fake.first_name_male()

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def typed_mobile(self, number: str) -> str:
        """A mobile number the way people type it into a notebook or a text message."""
        a, b, c = number[:3], number[3:7], number[7:]
        style = self.rng.choices(range(7), weights=[35, 20, 15, 10, 5, 8, 7])[0]
        return (
            number,
            f"{a} {b} {c}",
            f"{a}-{b}-{c}",
            f"+86 {number}",
            f"+86 {a} {b} {c}",
            full_width(number),
            f"86{number}",
        )[style]

    def landline(self, city: City) -> str:
        length = 8 if city.area_code in EIGHT_DIGIT_AREAS else 7
        while True:
            local = str(self.rng.randint(2, 8)) + "".join(
                str(self.rng.randint(0, 9)) for _ in range(length - 1)
            )
            if city.area_code + local not in self.numbers:
                self.numbers.add(city.area_code + local)
                break
        split = length - 4
        return self.rng.choice(
            (
                f"({city.area_code}){local[:split]}-{local[split:]}",
                f"{city.area_code}-{local}",
                f"{city.area_code} {local}",
            )
        )

    def phones(self, city: City, *, office: bool = False) -> list[dict[str, Any]]:
        count = self.rng.choices((1, 2, 3), weights=(55, 33, 12))[0]
        phones: list[dict[str, Any]] = []
        for index in range(count):
            if index > 0 and (office or self.rng.random() < 0.12):
                label = Phone.Label.OFFICE if office else Phone.Label.LANDLINE
                phones.append({"raw": self.landline(city), "label": label})
            elif index > 0 and self.rng.random() < 0.1:
                phones.append(
                    {
                        "raw": self.typed_mobile(self.mobile()),
                        "label": Phone.Label.FAMILY,
                        "note": self.rng.choice(("妻子", "儿子", "女儿")),
                    }
                )
            else:
                phones.append({"raw": self.typed_mobile(self.mobile())})
        if count >= 2 and phones[0].get("label") is None and self.rng.random() < 0.4:
            # A changed number: the old one stays in the dossier as history.
            since = self._date(date(2009, 1, 1), date(2016, 12, 31))
            phones[0].update(
                is_active=False,
                since=since,
                obsolete_since=self._date(since + timedelta(days=400), date(2024, 12, 31)),
                note="已停机，换了新号",
            )
        elif self.rng.random() < 0.15:
            phones[-1].setdefault("note", "微信同号")
        return phones

    def address(self, surname: str | None = None) -> str:
        town = self.rng.choice(TOWN_ROOTS) + self._pick({"镇": 70, "乡": 20, "街道": 10})
        surname = surname or self.fake.last_name()[:1]
        pattern = self.rng.randint(0, 3)
        if pattern == 0:
            village = f"{surname}家庄村"
        elif pattern == 1:
            village = f"{self.rng.choice(DIRECTIONS)}{surname}庄村"
        elif pattern == 2:
            village = f"{surname}{self.rng.choice(VILLAGE_SUFFIXES)}村"
        else:
            village = f"{self.rng.choice(DIRECTIONS)}{self.rng.choice(VILLAGE_ROOTS)}村"
        n = self.rng.randint(1, 12)
        house = self.rng.choice(("", f"{n}组", f"{self.rng.randint(1, 160)}号", f"{n}组附近"))
        return town + village + house

    def place(self) -> tuple[Region, City, str]:
        region = self.rng.choices(REGIONS, weights=[r.weight for r in REGIONS])[0]
        city = self.rng.choice(region.cities)
        return region, city, self.rng.choice(city.counties)

    def serial(self, brand: str, year: int) -> str:
        while True:
            serial = f"{SERIAL_PREFIX[brand]}{year % 100:02d}{self.rng.randint(0, 99_999):05d}"
            if (brand, serial) not in self.serials:
                self.serials.add((brand, serial))
                return serial

    def typed_model(self, model: str) -> str:
        if self.rng.random() < 0.88:
            return model
        return self.rng.choice((model.lower(), model.replace("-", " "), full_width(model)))

    def machine(
        self, *, started: int, prefer_dealer: bool, may_buy_from_us: bool
    ) -> dict[str, Any]:
        if prefer_dealer and self.rng.random() < 0.75:
            brand = self.rng.choice(DEALER_BRANDS)
        else:
            brand = self._pick(BRAND_WEIGHTS)
        model, low, high = self.rng.choice(MODELS[brand])
        year = self.rng.randint(max(2008, started), 2025)
        purchase = self._date(date(year, 1, 1), date(year, 12, 28))
        if brand in DEALER_BRANDS and may_buy_from_us:
            source = self._pick(
                {Machine.Source.FROM_US: 70, Machine.Source.USED: 20, Machine.Source.ELSEWHERE: 10}
            )
        else:
            source = self._pick({Machine.Source.ELSEWHERE: 70, Machine.Source.USED: 30})
        row: dict[str, Any] = {
            "brand": brand,
            "model_raw": self.typed_model(model),
            "purchase_date": purchase,
            "source": source,
        }
        if source == Machine.Source.FROM_US:
            row["purchase_price"] = Decimal(self.rng.randint(low, high) * 1000)
            row["purchase_cost"] = purchase_cost(row["purchase_price"], year)
        elif source == Machine.Source.USED:
            row["used_source"] = self.rng.choice(USED_SOURCES).format(name=self.any_name())
        if self.rng.random() < 0.85:
            row["serial_number"] = self.serial(brand, year)
        elif self.rng.random() < 0.3:
            row["quantity"] = self.rng.randint(2, 3)
            row["note"] = "同型号几台，编号未登记"
        if year <= 2014 and self.rng.random() < 0.15:
            row["status"] = self.rng.choice((Machine.Status.SOLD, Machine.Status.SCRAPPED))
            if row["status"] == Machine.Status.SOLD:
                row["sold_to"] = self.rng.choice(SOLD_TO).format(name=self.any_name())
        elif self.rng.random() < 0.75:
            read_on = self._date(
                max(purchase, self.today - timedelta(days=540)), self.today - timedelta(days=3)
            )
            years = max((read_on - purchase).days, 30) / 365
            hours = min(years * self.rng.uniform(700, 2000), 60000)
            row["hour_meter"] = Decimal(f"{hours:.1f}")
            row["hour_meter_date"] = read_on
        return row

    def fleet(
        self, count: int, *, started: int, gold: bool = False, may_buy_from_us: bool = True
    ) -> list[dict[str, Any]]:
        return [
            self.machine(started=started, prefer_dealer=gold, may_buy_from_us=may_buy_from_us)
            for _ in range(count)
        ]

    def operators(self, machines: list[dict[str, Any]], chance: float) -> list[dict[str, Any]]:
        if len(machines) < 2 or self.rng.random() >= chance:
            return []
        rows = []
        for _ in range(self.rng.randint(1, min(3, len(machines)))):
            index = self.rng.randrange(len(machines))
            in_use = machines[index].get("status", Machine.Status.IN_USE) == Machine.Status.IN_USE
            rows.append(
                {
                    "name": self.any_name(),
                    "phone": self.mobile(),
                    "years_experience": self.rng.randint(2, 25),
                    "machine": index if in_use and self.rng.random() < 0.7 else None,
                    "note": self.rng.choice(("", "", "兼修理", "开夜班", "老板的侄子")),
                }
            )
        return rows

    def projects(self, county: str, industry: str, chance: float) -> list[dict[str, Any]]:
        if self.rng.random() >= chance:
            return []
        rows = []
        for _ in range(self.rng.randint(1, 2)):
            start = self._date(date(2019, 1, 1), date(2026, 9, 30))
            months = self.rng.randint(3, 18)
            source = self.rng.choice(PROJECT_SOURCES)
            row: dict[str, Any] = {
                "name": f"{stem(county)}{self.rng.choice(PROJECT_KINDS)}",
                "location": f"{county}{self.rng.choice(TOWN_ROOTS)}镇",
                "source": source,
                "start_date": start,
                "cycle": f"约{months}个月",
            }
            if self.rng.random() < 0.55:
                row["end_date"] = start + timedelta(days=months * 30)
            if "分包" in source or self.rng.random() < 0.25:
                row["is_subcontracted"] = True
                row["subcontracting"] = self.rng.choice(
                    (
                        "按方结算，8 元/方",
                        "按台班结算，装载机 1200 元/天",
                        "包干价，月底结账",
                        "再转包给同村两台挖机",
                    )
                )
            if industry == Customer.Industry.QUARRY:
                row["sand_gravel_sales"] = (
                    f"河砂 {self.rng.randint(40, 90)} 元/吨，日销约 "
                    f"{self.rng.randint(3, 12) * 100} 吨，主要供搅拌站"
                )
            rows.append(row)
        return rows

    def shareholders(self, count: int, founded: int, *, boss: str) -> list[dict[str, Any]]:
        cuts = sorted(self.rng.sample(range(1, 20), count - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]
        shares.sort(reverse=True)
        rows: list[dict[str, Any]] = []
        for index, share in enumerate(shares):
            rows.append(
                {
                    "name": boss if index == 0 else self.any_name(),
                    "share_percent": Decimal(share * 5),
                    "role": "法定代表人" if index == 0 else self.rng.choice(("股东", "监事")),
                    "phone": self.mobile(),
                    "joined_on": date(founded, self.rng.randint(1, 12), 1),
                }
            )
        if count > 1 and self.rng.random() < 0.35:
            # A change of shareholders (seed 000): the leaver keeps his row with a date.
            leaver = rows[-1]
            left_on = self._date(leaver["joined_on"] + timedelta(days=365), date(2025, 6, 30))
            rows.insert(0, {**leaver, "left_on": left_on, "note": "股份转让"})
            rows[-1] = {
                **leaver,
                "name": self.any_name(),
                "phone": self.mobile(),
                "joined_on": left_on,
                "note": "受让股份",
            }
        return rows

    def personal(self, *, male: bool, city: City) -> dict[str, Any]:
        birth_year = self.rng.randint(1958, 1993)
        data: dict[str, Any] = {"gender": Customer.Gender.MALE if male else Customer.Gender.FEMALE}
        known = self.rng.random()
        if known < 0.6:
            data["birth_date"] = self._date(date(birth_year, 1, 1), date(birth_year, 12, 28))
        elif known < 0.85:
            data["birth_year"] = birth_year
        if known < 0.85 and self.rng.random() < 0.6:
            data["birthday_notes"] = self.rng.choice(BIRTHDAY_NOTES)
        marital = self._pick({"已婚": 85, "离异": 8, "丧偶": 3, "未婚": 4})
        family = marital
        if marital != "未婚":
            family += "，" + self.rng.choice(
                ("一儿一女", "两个儿子", "一个儿子", "一个女儿", "两女一儿")
            )
            if self.rng.random() < 0.6:
                family += "，" + self.rng.choice(FAMILY_EXTRAS).format(city=city.name)
        data["family_situation"] = family
        data["hobbies"] = "、".join(self.rng.sample(HOBBIES, self.rng.randint(1, 3)))
        data["personality"] = self.rng.choice(PERSONALITIES)
        data["education"] = self._pick(EDUCATION_WEIGHTS)
        data["_birth_year"] = birth_year  # used by the caller, dropped before writing
        return data

    # -- customers
