"""The deterministic demo generator: every customer spec, built in memory before anything is
written, so a run with the same --customers (or a larger one) yields the same rows per ref."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from customers.models import Customer, Phone
from demo.pieces import DemoPieces, stem
from demo.planted import planted
from demo.spec import REF_PREFIX, CustomerSpec
from demo.vocabulary import (
    BACKGROUNDS,
    COMPANY_TRADES,
    COMPANY_WORDS,
    INDUSTRY_WEIGHTS,
    KEY_ACCOUNTS,
    PROJECT_KINDS,
    REGION_BY_NAME,
    REPAIR,
    STATUS_WEIGHTS,
    SUB_DEALER_TRADES,
    SUB_INDUSTRIES,
    City,
)

# Dates are drawn up to this day at the latest, so later runs generate the very same rows.
LATEST_DATE = date(2026, 10, 31)
# Seed 000: one sales manager looks after at most 10 gold-card customers.
GOLD_LIMIT_PER_MANAGER = 10


class DemoData(DemoPieces):
    """Deterministic generator: the same seed always yields the same specs in the same order."""

    def __init__(self, today: date) -> None:
        super().__init__(today)
        self.gold: Counter[str] = Counter()
        self.benchmarks = 0

    def key_accounts(self, first: int) -> list[CustomerSpec]:
        specs = []
        for offset, (name, parent, region_name, industry) in enumerate(KEY_ACCOUNTS):
            self.reserve_name(name)
            region = REGION_BY_NAME[region_name]
            city = self.rng.choice(region.cities)
            county = self.rng.choice(city.counties)
            machines = self.fleet(self.rng.randint(6, 12), started=2008)
            specs.append(
                CustomerSpec(
                    ref=f"{REF_PREFIX}{first + offset:04d}",
                    region=region.name,
                    manager=region.manager,
                    data={
                        "name": name,
                        "province": region.province,
                        "city": city.name,
                        "county": county,
                        "address": f"{stem(county)}{self.rng.choice(PROJECT_KINDS)}项目部",
                        "industry": industry,
                        "status": Customer.Status.ACTIVE,
                        "is_key_account": True,
                        "notes": "大客户：设备物资部集中招标采购，不会成为任何一家的忠诚客户；"
                        f"与设备部{self.fake.last_name()}部长保持联系，每单必投。",
                    },
                    phones=[
                        {"raw": self.typed_mobile(self.mobile()), "note": "设备部部长"},
                        {
                            "raw": self.landline(city),
                            "label": Phone.Label.OFFICE,
                            "note": "项目部办公室",
                        },
                    ],
                    shareholders=[
                        {"name": parent, "share_percent": Decimal("100"), "role": "控股股东"}
                    ],
                    machines=machines,
                    projects=self.projects(county, industry, chance=1.0),
                )
            )
        return specs

    def random_customer(self, number: int) -> CustomerSpec:
        region, city, county = self.place()
        # About one in 31 is a sub-dealer (seed 003 keeps their dossiers too): ~10 in 320.
        sub_dealer = number % 31 == 0
        status = Customer.Status.ACTIVE if sub_dealer else self._pick(STATUS_WEIGHTS)
        industry = self._pick(INDUSTRY_WEIGHTS)
        manager: str | None = region.manager
        if status == Customer.Status.PROSPECT and self.rng.random() < 0.25:
            manager = None  # a new lead not yet handed to a manager
        data: dict[str, Any] = {
            "province": region.province,
            "city": city.name,
            "county": county,
            "status": status,
            "industry": industry,
            "sub_industry": self.rng.choice(SUB_INDUSTRIES[industry]),
            "repair_capability": self.rng.choice(REPAIR),
        }
        spec = CustomerSpec(
            ref=f"{REF_PREFIX}{number:04d}", data=data, region=region.name, manager=manager
        )
        if sub_dealer:
            self._sub_dealer(spec, city, county)
        elif self.rng.random() < 0.16:
            self._company(spec, city, county)
        else:
            self._individual(spec, city, county)
        return spec

    def _wants_gold(self, spec: CustomerSpec, *, started: int, machines: int) -> bool:
        # Seed 000 traits: entered the trade early, owns many machines, buys from us.
        manager = spec.manager
        if manager is None or spec.data["status"] != Customer.Status.ACTIVE:
            return False
        if started > 2012 or machines < 3 or self.gold[manager] >= GOLD_LIMIT_PER_MANAGER:
            return False
        if self.rng.random() < 0.25:
            self.gold[manager] += 1
            return True
        return False

    def _flags(self, spec: CustomerSpec, *, started: int, machines: int) -> None:
        if self._wants_gold(spec, started=started, machines=machines):
            spec.data["is_gold_card"] = True
            spec.data["notes"] = "金卡客户：入行早，多次在我司购机、买配件，常给我们介绍项目信息"
        elif (
            spec.data["status"] == Customer.Status.ACTIVE
            and machines >= 4
            and self.benchmarks < 8
            and self.rng.random() < 0.15
        ):
            # 标杆客户: influential among peers but not (yet) loyal: court him.
            self.benchmarks += 1
            spec.data["is_benchmark"] = True
            spec.data["notes"] = "标杆客户：在同行里说话有分量，目前主要用别家的设备，要重点争取"

    def _fleet_for(self, spec: CustomerSpec, size: int, *, started: int) -> list[dict[str, Any]]:
        # Gold customers buy from us; benchmark customers and prospects (so far) elsewhere.
        buys_from_us = not spec.data.get("is_benchmark") and (
            spec.data["status"] != Customer.Status.PROSPECT
        )
        gold = bool(spec.data.get("is_gold_card"))
        return self.fleet(size, started=started, gold=gold, may_buy_from_us=buys_from_us)

    def _fleet_size(self, status: str, *, company: bool) -> int:
        if company:
            return self.rng.randint(3, 12)
        size = self.rng.choices(range(1, 9), weights=(25, 22, 17, 12, 9, 7, 5, 3))[0]
        return size if status != Customer.Status.PROSPECT else self.rng.randint(0, 2)

    def _individual(self, spec: CustomerSpec, city: City, county: str) -> None:
        male = self.rng.random() < 0.93
        name = self.person_name(male)
        personal = self.personal(male=male, city=city)
        birth_year = personal.pop("_birth_year")
        started = self.rng.randint(max(1995, birth_year + 18), 2022)
        spec.data.update(personal)
        spec.data.update(
            name=name,
            address=self.address(name[:1]),
            started_operating_year=started,
            background=f"{max(started - self.rng.randint(2, 8), birth_year + 16)} 年开始"
            f"{self.rng.choice(BACKGROUNDS)}，{started} 年买了第一台"
            f"{self.rng.choice(('装载机', '挖掘机'))}",
        )
        size = self._fleet_size(spec.data["status"], company=False)
        self._flags(spec, started=started, machines=size)
        spec.phones = self.phones(city)
        spec.machines = self._fleet_for(spec, size, started=started)
        spec.operators = self.operators(spec.machines, chance=0.4)
        if spec.data["status"] == Customer.Status.ACTIVE:
            spec.projects = self.projects(county, spec.data["industry"], chance=0.3)

    def _company(self, spec: CustomerSpec, city: City, county: str) -> None:
        while True:
            trade, industry = self.rng.choice(COMPANY_TRADES)
            name = f"{stem(county)}{self.rng.choice(COMPANY_WORDS)}{trade}"
            if self.reserve_name(name):
                break
        boss = self.any_name()
        founded = self.rng.randint(2000, 2020)
        spec.data.update(
            name=name,
            industry=industry,
            sub_industry=self.rng.choice(SUB_INDUSTRIES[industry]),
            address=self.address(),
            started_operating_year=founded,
            registered_capital=Decimal(self.rng.choice((50, 100, 200, 500, 1000)) * 10000),
            notes=f"法人 {boss}，{founded} 年成立",
        )
        size = self._fleet_size(spec.data["status"], company=True)
        self._flags(spec, started=founded, machines=size)
        spec.phones = self.phones(city, office=True)
        spec.shareholders = self.shareholders(self.rng.randint(2, 4), founded, boss=boss)
        spec.machines = self._fleet_for(spec, size, started=founded)
        spec.operators = self.operators(spec.machines, chance=0.7)
        if spec.data["status"] == Customer.Status.ACTIVE:
            spec.projects = self.projects(county, industry, chance=0.6)

    def _sub_dealer(self, spec: CustomerSpec, city: City, county: str) -> None:
        while True:
            name = f"{stem(county)}{self.rng.choice(COMPANY_WORDS)}"
            name += self.rng.choice(SUB_DEALER_TRADES)
            if self.reserve_name(name):
                break
        boss = self.any_name()
        founded = self.rng.randint(2003, 2018)
        spec.data.update(
            kind=Customer.Kind.SUB_DEALER,
            name=name,
            industry=Customer.Industry.OTHER,
            sub_industry="二级经销",
            address=self.address(),
            started_operating_year=founded,
            market_size=f"覆盖{county}及周边{self.rng.randint(4, 15)}个乡镇，年需求装载机约"
            f"{self.rng.randint(15, 60)}台、挖掘机约{self.rng.randint(10, 50)}台",
            staff_count=self.rng.randint(3, 25),
            vehicle_count=self.rng.randint(1, 8),
            warehouse=f"配件库约{self.rng.randint(5, 40) * 20}㎡，常备滤芯、斗齿、油品",
            registered_capital=Decimal(self.rng.choice((50, 100, 200, 300, 500, 1000)) * 10000),
            notes=f"二级经销商，老板 {boss}",
        )
        spec.phones = self.phones(city, office=True)
        spec.shareholders = self.shareholders(self.rng.randint(1, 2), founded, boss=boss)
        spec.machines = self.fleet(self.rng.randint(0, 2), started=founded, gold=True)

    def build(self, count: int) -> list[CustomerSpec]:
        """The first `count` specs; a smaller count is a prefix of a larger one."""
        specs = planted(self)
        specs += self.key_accounts(first=len(specs) + 1)
        while len(specs) < count:
            specs.append(self.random_customer(len(specs) + 1))
        return specs[:count]
