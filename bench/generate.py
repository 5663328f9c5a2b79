"""Synthetic dealer data for benchmarks: N zh_CN customers with phones, fleet and shareholders.

Rows go in with bulk_create, which skips save() and writes no history: every object's
derive_keys() runs first so that the search keys are exactly what the app stores on save.
Managers see their customers through guardian's direct-FK permission rows, as the
services would assign them.

    .venv/bin/python bench/generate.py --n 100000 --seed 20240601

It replaces any bench rows already there (`wipe()`); other rows are left alone.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_N = 100_000
DEFAULT_SEED = 20240601
BATCH = 5_000
# Every row the harness owns carries an external_ref with this prefix, so it can be
# counted and removed without touching anything else in the database.
OWNED_PREFIX = "BENCH"
GENERATED_PREFIX = "BENCHGEN-"
MARKER_PREFIX = "bench-data "
MANAGER_COUNT = 5

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

# Common surnames with rough weights (per mille of the population), plus a few that
# pypinyin misreads and some compound surnames, so the keys meet the awkward cases.
SURNAMES: dict[str, float] = {
    "王": 71, "李": 70, "张": 67, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 20,
    "吴": 19, "周": 19, "徐": 13, "孙": 13, "马": 12, "朱": 11, "胡": 11, "郭": 11,
    "何": 10, "高": 10, "林": 10, "罗": 8.5, "郑": 8, "梁": 7.5, "谢": 7, "宋": 6.5,
    "唐": 6, "许": 6, "韩": 5.5, "冯": 5.5, "邓": 5.5, "曹": 5, "彭": 5, "曾": 5,
    "肖": 5, "田": 4.5, "董": 4.5, "袁": 4, "潘": 4, "于": 4, "蒋": 4, "蔡": 4,
    "余": 4, "杜": 3.5, "叶": 3.5, "程": 3.5, "苏": 3.5, "魏": 3.5, "吕": 3.5, "丁": 3,
    "任": 3, "沈": 3, "姚": 3, "卢": 3, "姜": 3, "崔": 3, "钟": 3, "谭": 3, "陆": 2.5,
    "汪": 2.5, "范": 2.5, "金": 2.5, "石": 2.5, "廖": 2.5, "贾": 2.5, "夏": 2.5, "韦": 2,
    "付": 2, "方": 2, "白": 2, "邹": 2, "孟": 2, "熊": 2, "秦": 2, "邱": 2, "江": 2,
    "尹": 2, "薛": 2, "闫": 2, "段": 2, "雷": 2, "侯": 2, "龙": 2, "史": 2, "陶": 2,
    "黎": 1.5, "贺": 1.5, "顾": 1.5, "毛": 1.5, "郝": 1.5, "龚": 1.5, "邵": 1.5, "万": 1.5,
    "钱": 1.5, "严": 1.5, "覃": 1, "武": 1, "戴": 1, "莫": 1, "孔": 1, "向": 1, "汤": 1,
    "单": 0.5, "仇": 0.3, "解": 0.3, "查": 0.3, "翟": 0.5, "欧阳": 0.5, "司马": 0.2,
    "诸葛": 0.2, "上官": 0.1,
}  # fmt: skip
MALE_GIVEN = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞波斌宇浩凯俊建国文才志东海林峰庆新春利清亮成龙云德福"
    "贵生荣兴光永长树宝山金民忠学振洪卫立胜万喜旺根顺发财富有保全义仁和安家彬良兵红军"
)
FEMALE_GIVEN = "芳娜敏静丽艳娟秀霞桂英玉兰萍红燕梅琴莉慧婷雪琳晶倩凤珍云华"
NICK_TITLES = ("总", "老板", "经理", "师傅", "哥")
FIRM_WORDS = "顺达宏鑫通利恒泰盛兴隆昌源丰建华路桥鼎力远航金诚信安康瑞祥和众联"
FIRM_SUFFIXES = (
    "工程机械有限公司", "机械设备有限公司", "工程机械销售部", "机械租赁站", "工程机械修理厂",
)  # fmt: skip
CREW_SUFFIXES = ("工程队", "车队", "机械队", "砂石场")

SALES_REGIONS = ("鲁中区", "鲁南区", "胶东区", "豫北区", "豫南区", "冀中区", "苏北区", "皖北区")
# province -> [(city, area code, sales region, counties)]
PLACES: dict[str, list[tuple[str, str, str, tuple[str, ...]]]] = {
    "山东省": [
        ("济南市", "0531", "鲁中区", ("历城区", "章丘区", "长清区", "平阴县", "商河县")),
        ("淄博市", "0533", "鲁中区", ("淄川区", "博山区", "沂源县", "桓台县")),
        ("临沂市", "0539", "鲁南区", ("兰山区", "沂水县", "费县", "平邑县", "蒙阴县", "临沭县")),
        ("枣庄市", "0632", "鲁南区", ("滕州市", "山亭区", "峄城区")),
        ("潍坊市", "0536", "胶东区", ("寿光市", "青州市", "诸城市", "临朐县")),
        ("烟台市", "0535", "胶东区", ("莱州市", "龙口市", "招远市", "栖霞市")),
    ],
    "河南省": [
        ("新乡市", "0373", "豫北区", ("辉县市", "卫辉市", "获嘉县", "原阳县")),
        ("安阳市", "0372", "豫北区", ("林州市", "汤阴县", "滑县")),
        ("南阳市", "0377", "豫南区", ("邓州市", "南召县", "方城县", "西峡县")),
        ("信阳市", "0376", "豫南区", ("固始县", "潢川县", "罗山县")),
    ],
    "河北省": [
        ("石家庄市", "0311", "冀中区", ("鹿泉区", "井陉县", "平山县", "赞皇县")),
        ("保定市", "0312", "冀中区", ("涞源县", "易县", "涿州市")),
    ],
    "江苏省": [
        ("徐州市", "0516", "苏北区", ("邳州市", "新沂市", "睢宁县", "沛县")),
        ("宿迁市", "0527", "苏北区", ("沭阳县", "泗阳县", "泗洪县")),
    ],
    "安徽省": [
        ("阜阳市", "0558", "皖北区", ("临泉县", "太和县", "阜南县", "颍上县")),
        ("宿州市", "0557", "皖北区", ("萧县", "砀山县", "灵璧县", "泗县")),
    ],
}
# Manager n covers these sales regions (index into SALES_REGIONS).
MANAGER_REGIONS = ((0, 1), (2,), (3, 4), (5,), (6, 7))
VILLAGE_WORDS = "东西南北前后大小王李张刘陈杨石河山沟岭庄集店桥湾"
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
# brand -> (serial prefix, models as dealers write them)
MACHINES: dict[str, tuple[str, tuple[str, ...]]] = {
    "柳工": ("LG", ("CLG856H", "ZL50CN", "CLG922E", "856H", "ZL50C-Ⅱ", "CLG835")),
    "徐工": ("XG", ("XE215DA", "LW500FN", "ZL50GN", "XE60DA", "XE370DK")),
    "三一": ("SY", ("SY215C", "SY75C", "SY365H", "SY135C", "SY55C")),
    "临工": ("LN", ("LG958L", "E6210F", "L956F", "LG936L")),
    "山推": ("ST", ("SD16", "SD22", "SE210")),
    "龙工": ("LO", ("LG855N", "LG6225E", "LG853")),
    "卡特彼勒": ("CT", ("320GC", "336GC", "950GC", "305.5E2")),
    "小松": ("KM", ("PC200-8", "PC360-7", "PC56-7", "PC210LC-10")),
    "斗山": ("DS", ("DX225LC-9C", "DX60-9C", "DX300LC")),
    "日立": ("HT", ("ZX200-5A", "ZX70", "ZX350H")),
}
OPERATOR_ROLES = ("法人", "股东", "执行董事", "监事", "")


@dataclass
class Generated:
    n: int
    seed: int
    seconds: float
    customers: int
    phones: int
    machines: int
    shareholders: int
    permissions: int


# ---------------------------------------------------------------------------
# Users and regions
# ---------------------------------------------------------------------------


def ensure_users() -> tuple[Any, list[Any]]:
    """The bench archivist and the five bench sales managers (groups come from a migration)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from dealercrm import roles

    User = get_user_model()

    def user(username: str, role: str, first: str, last: str) -> Any:
        obj, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            obj.set_unusable_password()
            obj.save(update_fields=["password"])
        obj.groups.add(Group.objects.get(name=role))
        return obj

    archivist = user("bench_archivist", roles.ARCHIVIST, "档案", "管")
    given = ("建国", "志强", "海涛", "伟", "红军")
    family = ("王", "李", "张", "刘", "陈")
    managers = [
        user(f"bench_manager{i + 1}", roles.SALES_MANAGER, given[i], family[i])
        for i in range(MANAGER_COUNT)
    ]
    return archivist, managers


def ensure_regions() -> list[Any]:
    from customers.models import SalesRegion

    return [SalesRegion.objects.get_or_create(name=name)[0] for name in SALES_REGIONS]


def gold_cap() -> int:
    from django.conf import settings

    return int(settings.DEALERCRM["GOLD_CARD_CAP_PER_MANAGER"])


def enforce_gold_cap() -> int:
    """Unflag the gold customers each manager holds beyond the cap, keeping those with a
    gold card first, and drop the gold-contact reminders opened for them; returns how many.

    For a bench database made before the generator kept the cap: it flagged 1% of each
    bench manager's ~17,000 customers, and bench/scheduled.py then 10,000 more, so the
    managers the load test logs in as held ~2,000 gold customers each (issue 19)."""
    from django.db.models import Count, Exists, OuterRef

    from contacts.models import Reminder
    from customers.models import Customer
    from loyalty.models import GoldCard

    cap = gold_cap()
    gold = Customer.objects.filter(
        is_gold_card=True, manager__isnull=False, merged_into__isnull=True
    )
    over = (
        gold.order_by()
        .values("manager")
        .annotate(n=Count("id"))
        .filter(n__gt=cap)
        .values_list("manager", flat=True)
    )
    excess: list[int] = []
    for manager_id in list(over):
        held = (
            gold.filter(manager_id=manager_id)
            .annotate(
                card=Exists(
                    GoldCard.objects.filter(customer=OuterRef("pk"), state=GoldCard.State.ACTIVE)
                )
            )
            .order_by("-card", "pk")
            .values_list("pk", flat=True)
        )
        excess.extend(list(held)[cap:])
    for start in range(0, len(excess), 5_000):
        batch = excess[start : start + 5_000]
        Customer.objects.filter(pk__in=batch).update(is_gold_card=False)
        Reminder.objects.filter(customer_id__in=batch, kind=Reminder.Kind.GOLD_CONTACT).delete()
    return len(excess)


def view_permission() -> Any:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="customers", codename="view_customer")


# ---------------------------------------------------------------------------
# Marker: what is in the database
# ---------------------------------------------------------------------------


def marker() -> dict[str, str] | None:
    """The note the last complete generation left on the bench regions, parsed."""
    from customers.models import SalesRegion

    note = (
        SalesRegion.objects.filter(name=SALES_REGIONS[0], note__startswith=MARKER_PREFIX)
        .values_list("note", flat=True)
        .first()
    )
    if not note:
        return None
    return dict(part.split("=", 1) for part in note[len(MARKER_PREFIX) :].split() if "=" in part)


def generated_count() -> int:
    from customers.models import Customer

    return Customer.objects.filter(external_ref__startswith=GENERATED_PREFIX).count()


def is_present(n: int) -> bool:
    """True when a complete generated set of exactly n customers is in the database."""
    info = marker()
    return info is not None and info.get("n") == str(n) and generated_count() == n


def _set_marker(text: str) -> None:
    from customers.models import SalesRegion

    SalesRegion.objects.filter(name__in=SALES_REGIONS).update(note=text[:200])


def _reverse_relations(model: Any) -> list[Any]:
    """The foreign keys pointing at `model`, hidden ones too (related_name="+", e.g. a
    duplicate pair's two customers), which `_meta.related_objects` leaves out."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and not f.many_to_many and f.field.concrete
    ]


def wipe(prefix: str = OWNED_PREFIX) -> int:
    """Delete the bench-owned customers (external_ref starting with prefix) and their rows,
    permissions and history.

    Raw SQL on purpose: a queryset delete() would load 100k customers and write a
    history row for each deleted object.
    """
    from django.db import connection, transaction

    from customers.models import Customer, Machine, Operator, Phone, Project, Shareholder

    qn = connection.ops.quote_name
    customers = qn(Customer._meta.db_table)
    owned = f"SELECT id FROM {customers} WHERE external_ref LIKE %s"  # noqa: S608
    if not prefix.startswith(OWNED_PREFIX):
        raise ValueError(f"{prefix!r} is not a bench prefix")
    params = [prefix + "%"]
    tables: list[tuple[str, str]] = []
    # Rows that point at a customer's rows (order lines, hour readings, forecasts), as
    # (table, column, parent table, parent key, parent's customer column).
    children: list[tuple[str, str, str, str, str]] = []
    for rel in _reverse_relations(Customer):
        tables.append((rel.related_model._meta.db_table, rel.field.column))
        for sub in _reverse_relations(rel.related_model):
            children.append(
                (
                    sub.related_model._meta.db_table,
                    sub.field.column,
                    rel.related_model._meta.db_table,
                    sub.field.target_field.column,
                    rel.field.column,
                )
            )
    for model in (Phone, Shareholder, Machine, Operator, Project):
        tables.append((model.history.model._meta.db_table, "customer_id"))  # type: ignore[attr-defined]
    tables.append((Customer.history.model._meta.db_table, "id"))  # type: ignore[attr-defined]
    with transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are deferred to commit, so the order of the deletes does not matter,
        # except that children are found through their parents: those go first.
        for table, column, parent, key, parent_column in children:
            cursor.execute(
                f"DELETE FROM {qn(table)} WHERE {qn(column)} IN "  # noqa: S608
                f"(SELECT {qn(key)} FROM {qn(parent)} WHERE {qn(parent_column)} IN ({owned}))",
                params,
            )
        for table, column in tables:
            cursor.execute(
                f"DELETE FROM {qn(table)} WHERE {qn(column)} IN ({owned})",  # noqa: S608
                params,
            )
        cursor.execute(f"DELETE FROM {customers} WHERE external_ref LIKE %s", params)  # noqa: S608
        deleted = cursor.rowcount
        if GENERATED_PREFIX.startswith(prefix):
            _set_marker("")
    return deleted


# ---------------------------------------------------------------------------
# Row factories
# ---------------------------------------------------------------------------


class _Maker:
    """Draws realistic values from one seeded random stream."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.surnames = list(SURNAMES)
        self.surname_weights = list(SURNAMES.values())
        self.cities = [
            (province, city, code, region, counties)
            for province, cities in PLACES.items()
            for city, code, region, counties in cities
        ]
        self.today = date.today()
        self.serial = 0
        self.recent_numbers: list[str] = []
        self.gold_held: dict[int, int] = {}  # manager pk -> gold customers given so far

    def gold(self, manager: Any, drawn: bool) -> bool:
        """A gold customer as drawn (1%), within his manager's cap (seed 000: at most
        GOLD_CARD_CAP_PER_MANAGER; the services refuse an eleventh, so the bench data never
        holds one). A customer without a manager may be gold: the monthly job alerts the
        archivist about him."""
        if not drawn or manager is None:
            return drawn
        held = self.gold_held.get(manager.pk, 0)
        if held >= gold_cap():
            return False
        self.gold_held[manager.pk] = held + 1
        return True

    def surname(self) -> str:
        return self.r.choices(self.surnames, self.surname_weights)[0]

    def person(self, female: bool = False) -> str:
        chars = FEMALE_GIVEN if female else MALE_GIVEN
        size = 1 if self.r.random() < 0.3 else 2
        return self.surname() + "".join(self.r.choice(chars) for _ in range(size))

    def customer_name(self, kind: str, city: str) -> tuple[str, bool]:
        """(name, female) for a customer: people, notebook nicknames, crews and firms."""
        roll = self.r.random()
        if kind == "sub_dealer":
            words = "".join(self.r.sample(FIRM_WORDS, 2))
            return city.removesuffix("市") + words + self.r.choice(FIRM_SUFFIXES), False
        if roll < 0.015:
            surname = self.surname()
            if self.r.random() < 0.3:
                return "老" + surname, False
            return surname + self.r.choice(NICK_TITLES), False
        if roll < 0.035:
            return self.person() + self.r.choice(CREW_SUFFIXES), False
        female = self.r.random() < 0.12
        return self.person(female), female

    def mobile(self) -> str:
        if self.recent_numbers and self.r.random() < 0.01:
            # Families and crews share numbers (matching-facts.md).
            return self.r.choice(self.recent_numbers)
        number = self.r.choice(MOBILE_PREFIXES) + f"{self.r.randrange(10**8):08d}"
        self.recent_numbers = [*self.recent_numbers[-50:], number]
        return number

    def mobile_raw(self, number: str) -> str:
        a, b, c = number[:3], number[3:7], number[7:]
        style = self.r.random()
        if style < 0.45:
            return number
        if style < 0.65:
            return f"{a}-{b}-{c}"
        if style < 0.80:
            return f"{a} {b} {c}"
        if style < 0.90:
            return f"+86 {a} {b} {c}"
        if style < 0.96:
            return f"+86{number}"
        return f"0086-{number}"

    def landline_raw(self, code: str) -> str:
        local = f"{self.r.randrange(2, 9)}{self.r.randrange(10**6, 10**7)}"
        style = self.r.random()
        if style < 0.5:
            raw = f"{code}-{local}"
        elif style < 0.8:
            raw = f"({code}){local[:4]} {local[4:]}"
        else:
            raw = f"{code}{local}"
        if self.r.random() < 0.15:
            raw += f"转{self.r.randrange(10, 900)}"
        return raw

    def past(self, years: float) -> date:
        return self.today - timedelta(days=self.r.randrange(1, max(2, int(years * 365))))

    def shares(self, count: int) -> list[Decimal | None]:
        if self.r.random() < 0.2:
            return [None] * count
        cuts = sorted(self.r.sample(range(1, 100), count - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        return [Decimal(p) for p in parts]


def _customer(mk: _Maker, index: int, regions: dict[str, Any], managers: list[Any]) -> Any:
    from customers.models import Customer

    r = mk.r
    province, city, code, region, counties = r.choice(mk.cities)
    kind = Customer.Kind.SUB_DEALER if r.random() < 0.05 else Customer.Kind.END_USER
    name, female = mk.customer_name(kind, city)
    region_index = SALES_REGIONS.index(region)
    owners = [
        m for m, covered in zip(managers, MANAGER_REGIONS, strict=True) if region_index in covered
    ]
    manager = owners[0] if owners and r.random() < 0.85 else None
    birth_date = mk.past(40) - timedelta(days=365 * 22) if r.random() < 0.3 else None
    customer = Customer(
        external_ref=f"{GENERATED_PREFIX}{index:07d}",
        kind=kind,
        name=name,
        gender=("female" if female else "male") if kind == Customer.Kind.END_USER else "",
        birth_date=birth_date,
        birth_year=birth_date.year
        if birth_date
        else (r.randrange(1960, 2000) if r.random() < 0.3 else None),
        province=province,
        city=city,
        county=r.choice(counties),
        address=f"{r.choice(VILLAGE_WORDS)}{r.choice(VILLAGE_WORDS)}{r.choice(('镇', '乡'))}"
        f"{r.choice(VILLAGE_WORDS)}{r.choice(VILLAGE_WORDS)}村",
        sales_region=regions[region],
        industry=r.choice(Customer.Industry.values),
        started_operating_year=r.randrange(1995, mk.today.year + 1) if r.random() < 0.6 else None,
        status=r.choices(Customer.Status.values, (30, 50, 15, 5))[0],
        manager=manager,
        is_gold_card=mk.gold(manager, r.random() < 0.01),  # the draw is made for every customer
        is_benchmark=r.random() < 0.01,
        is_key_account=r.random() < 0.03,
    )
    if kind == Customer.Kind.SUB_DEALER:
        customer.staff_count = r.randrange(2, 40)
        customer.vehicle_count = r.randrange(0, 10)
        customer.registered_capital = Decimal(r.randrange(50, 5000) * 10_000)
    customer.derive_keys()
    customer._bench_area_code = code  # type: ignore[attr-defined]
    return customer


def _phones(mk: _Maker, customer: Any) -> list[Any]:
    from customers.models import Phone

    r = mk.r
    count = r.choices((1, 2, 3), (55, 30, 15))[0]
    rows = []
    for i in range(count):
        landline = r.random() < 0.1
        raw = mk.landline_raw(customer._bench_area_code) if landline else mk.mobile_raw(mk.mobile())
        phone = Phone(
            customer=customer,
            raw=raw,
            label=Phone.Label.LANDLINE if landline else Phone.Label.MOBILE,
        )
        if i > 0 and r.random() < 0.1:
            phone.is_active = False
            phone.since = mk.past(10)
            phone.obsolete_since = phone.since + timedelta(days=r.randrange(30, 900))
            if phone.obsolete_since > mk.today:
                phone.obsolete_since = mk.today
        phone.derive_keys()
        rows.append(phone)
    return rows


def _machines(mk: _Maker, customer: Any) -> list[Any]:
    from customers.models import Machine

    r = mk.r
    rows = []
    for _ in range(r.choices((0, 1, 2, 3), (30, 35, 25, 10))[0]):
        brand = r.choice(list(MACHINES))
        prefix, models = MACHINES[brand]
        source = r.choices(Machine.Source.values, (50, 30, 20))[0]
        machine = Machine(
            customer=customer,
            brand=brand,
            model_raw=r.choice(models),
            purchase_date=mk.past(12) if r.random() < 0.8 else None,
            source=source,
            purchase_price=Decimal(r.randrange(20, 160) * 10_000)
            if source == Machine.Source.FROM_US and r.random() < 0.7
            else None,
            hour_meter=Decimal(r.randrange(0, 30_000)) if r.random() < 0.5 else None,
        )
        if r.random() < 0.7:
            mk.serial += 1
            machine.serial_number = f"{prefix}{mk.serial:09d}"
        else:
            machine.quantity = r.choice((1, 1, 2, 3))
        if machine.hour_meter is not None:
            machine.hour_meter_date = mk.past(1)
        machine.derive_keys()
        rows.append(machine)
    return rows


def _shareholders(mk: _Maker, customer: Any) -> list[Any]:
    from customers.models import Customer, Shareholder

    r = mk.r
    if customer.kind == Customer.Kind.SUB_DEALER:
        count = r.randrange(2, 5)
    elif r.random() < 0.1:
        count = r.randrange(2, 4)
    else:
        return []
    return [
        Shareholder(
            customer=customer,
            name=mk.person(female=r.random() < 0.2),
            share_percent=share,
            role=r.choice(OPERATOR_ROLES),
            phone=mk.mobile() if r.random() < 0.5 else "",
        )
        for share in mk.shares(count)
    ]


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


def generate(
    n: int = DEFAULT_N, seed: int = DEFAULT_SEED, *, wipe_first: bool = True, verbose: bool = True
) -> Generated:
    """Fill the database with n bench customers (and their rows), in batches of 5,000."""
    from django.db import connection, transaction

    from customers.models import (
        Customer,
        CustomerUserObjectPermission,
        Machine,
        Phone,
        Shareholder,
    )

    started = time.perf_counter()
    if wipe_first:
        wipe()
    _, managers = ensure_users()
    regions = {region.name: region for region in ensure_regions()}
    permission = view_permission()
    mk = _Maker(seed)
    totals = {"phones": 0, "machines": 0, "shareholders": 0, "permissions": 0}
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        with transaction.atomic():
            customers = [_customer(mk, start + i, regions, managers) for i in range(size)]
            Customer.objects.bulk_create(customers, batch_size=BATCH)
            phones, machines, shareholders, permissions = [], [], [], []
            for customer in customers:
                phones.extend(_phones(mk, customer))
                machines.extend(_machines(mk, customer))
                shareholders.extend(_shareholders(mk, customer))
                if customer.manager is not None:
                    permissions.append(
                        CustomerUserObjectPermission(
                            user=customer.manager, permission=permission, content_object=customer
                        )
                    )
            Phone.objects.bulk_create(phones, batch_size=BATCH)
            Machine.objects.bulk_create(machines, batch_size=BATCH)
            Shareholder.objects.bulk_create(shareholders, batch_size=BATCH)
            CustomerUserObjectPermission.objects.bulk_create(permissions, batch_size=BATCH)
        totals["phones"] += len(phones)
        totals["machines"] += len(machines)
        totals["shareholders"] += len(shareholders)
        totals["permissions"] += len(permissions)
        if verbose:
            done = start + size
            rate = done / (time.perf_counter() - started)
            print(f"  generated {done:>7,}/{n:,} customers ({rate:,.0f}/s)", flush=True)
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would give a live database: the planner's
        # choices are what the benchmark measures.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    _set_marker(f"{MARKER_PREFIX}n={n} seed={seed} seconds={seconds:.1f} date={date.today()}")
    return Generated(n=n, seed=seed, seconds=seconds, customers=n, **totals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="customers (default 100,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)

    from bench.django_env import database_url, ensure_database, setup_django

    ensure_database(database_url())
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = generate(args.n, args.seed)
    print(
        f"{result.customers:,} customers, {result.phones:,} phones, {result.machines:,} machines, "
        f"{result.shareholders:,} shareholders, {result.permissions:,} manager permissions "
        f"in {result.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
