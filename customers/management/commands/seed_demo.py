"""Demo data: a dealer's customer archive in zh_CN, with planted duplicates (ARCHITECTURE.md).

Every dossier is written through `customers.services` as the archivist, so the policy,
validation, derived keys, guardian permissions and history run exactly as in production.
Idempotent: users by username, customers by `external_ref` (demo-0001 …); existing ones are
skipped. The data is generated in full from a fixed seed before anything is written, so a
second run (or a run with a larger --customers) produces the same rows for the same refs.

Planted duplicates (DOMAIN.md), all refs fixed:
  demo-0001 刘文才  沂南县青驼镇刘家庄村, 138 5399 1234, 柳工 ZL50C-Ⅱ #CLG0812345 (manager1)
  demo-0002 刘文财  same village, 138-5399-1234 (same number, other format),
                    广西柳工 ＺＬ５０Ｃ－II with the same serial (another brand spelling)
  demo-0003 刘稳材  same village typed without 村, a different phone, 柳工 ZL50C-II without serial
  demo-0004 劉文才  traditional characters, same birth date as demo-0001, his old number in
                    full-width digits (obsolete on demo-0001)
  demo-0005 刘总    nickname from a phone call, +86 13853991234 (the shared number)
  demo-0006/0007 张庆华 entered twice (寿光市); the second entry adds a second phone number
  demo-0008 王振海 / demo-0009 王镇海  brothers in one village, same pinyin, born 1966 and
                    1974, different phones: NOT duplicates
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from faker import Faker

from customers import services
from customers.matching.normalise import name_keys
from customers.models import (
    Customer,
    Machine,
    Operator,
    Phone,
    Project,
    SalesRegion,
    Shareholder,
)
from dealercrm import roles

SEED = 20261123
DEFAULT_CUSTOMERS = 320
DEFAULT_PASSWORD = "demo12345"  # noqa: S105 -- the documented demo login (ARCHITECTURE.md)
REF_PREFIX = "demo-"
LATEST_DATE = date(2026, 10, 31)
# Seed 000: one sales manager looks after at most 10 gold-card customers.
GOLD_LIMIT_PER_MANAGER = 10

# --- users and regions ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str | None  # None: the superuser
    last_name: str
    first_name: str
    is_staff: bool = False


DEMO_USERS = (
    DemoUser("admin", None, "系统", "管理员", is_staff=True),
    # The archivist maintains dossiers in the admin too.
    DemoUser("archivist", roles.ARCHIVIST, "孙", "丽娟", is_staff=True),
    DemoUser("manager1", roles.SALES_MANAGER, "王", "建国"),
    DemoUser("manager2", roles.SALES_MANAGER, "李", "志强"),
    DemoUser("manager3", roles.SALES_MANAGER, "张", "海涛"),
    DemoUser("manager4", roles.SALES_MANAGER, "赵", "永刚"),
    DemoUser("manager5", roles.SALES_MANAGER, "陈", "立新"),
    DemoUser("service1", roles.SERVICE, "周", "明亮"),
    DemoUser("exec1", roles.EXECUTIVE, "郑", "国华"),
)


@dataclass(frozen=True)
class City:
    name: str
    area_code: str
    counties: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    name: str
    manager: str
    province: str
    weight: int
    cities: tuple[City, ...]


REGIONS = (
    Region("鲁南区", "manager1", "山东省", 30, (
        City("临沂市", "0539", ("兰山区", "罗庄区", "河东区", "沂南县", "郯城县", "沂水县",
                               "兰陵县", "费县", "平邑县", "莒南县", "蒙阴县", "临沭县")),
        City("济宁市", "0537", ("任城区", "兖州区", "曲阜市", "邹城市", "微山县", "鱼台县",
                               "金乡县", "嘉祥县", "汶上县", "泗水县", "梁山县")),
        City("枣庄市", "0632", ("滕州市", "薛城区", "山亭区", "峄城区")),
    )),
    Region("鲁北区", "manager2", "山东省", 25, (
        City("潍坊市", "0536", ("寒亭区", "坊子区", "青州市", "诸城市", "寿光市", "安丘市",
                               "高密市", "昌乐县", "临朐县", "昌邑市")),
        City("淄博市", "0533", ("临淄区", "淄川区", "博山区", "桓台县", "沂源县")),
        City("滨州市", "0543", ("惠民县", "博兴县", "邹平市", "无棣县")),
    )),
    Region("冀中区", "manager3", "河北省", 15, (
        City("石家庄市", "0311", ("藁城区", "鹿泉区", "正定县", "行唐县", "灵寿县", "平山县",
                                 "元氏县", "赞皇县", "晋州市")),
        City("保定市", "0312", ("满城区", "清苑区", "涞水县", "定兴县", "唐县", "易县",
                               "曲阳县", "涿州市", "高碑店市")),
        City("衡水市", "0318", ("桃城区", "冀州区", "枣强县", "武邑县", "深州市")),
    )),
    Region("豫东区", "manager4", "河南省", 15, (
        City("商丘市", "0370", ("梁园区", "睢阳区", "民权县", "睢县", "宁陵县", "柘城县",
                               "虞城县", "夏邑县", "永城市")),
        City("周口市", "0394", ("川汇区", "扶沟县", "西华县", "商水县", "沈丘县", "郸城县",
                               "太康县", "鹿邑县", "项城市")),
        City("开封市", "0371", ("杞县", "通许县", "尉氏县", "兰考县")),
    )),
    Region("苏北区", "manager5", "江苏省", 15, (
        City("徐州市", "0516", ("铜山区", "贾汪区", "丰县", "沛县", "睢宁县", "新沂市", "邳州市")),
        City("宿迁市", "0527", ("宿城区", "宿豫区", "沭阳县", "泗阳县", "泗洪县")),
        City("连云港市", "0518", ("赣榆区", "东海县", "灌云县", "灌南县")),
    )),
)  # fmt: skip
REGION_BY_NAME = {r.name: r for r in REGIONS}

# --- vocabulary ----------------------------------------------------------------------

TOWN_ROOTS = (
    "青驼", "铜井", "岸堤", "界湖", "砖埠", "辛集", "孙祖", "双堠", "大庄", "马站", "石门",
    "桃园", "柳林", "王庄", "李官", "高桥", "新安", "杨集", "白庙", "朱陈", "长城", "芦山",
    "金岭", "龙泉", "黄山", "卞庄", "梁丘", "花园", "城关", "郑城", "仁和", "太平", "永安",
    "常路", "兴隆", "临涧", "店子", "官桥", "磨山", "稻田", "古城", "双山", "河阳", "三里",
)  # fmt: skip
VILLAGE_ROOTS = ("石桥", "柳沟", "枣园", "河湾", "杏林", "槐树", "梨园", "桑园", "岭头", "泉子")
VILLAGE_SUFFIXES = ("庄", "屯", "营", "集", "楼", "官庄", "店", "洼", "岭", "沟", "河", "湖")
DIRECTIONS = ("东", "西", "南", "北", "前", "后", "大", "小", "上", "下")
COMPANY_WORDS = (
    "鑫源", "宏达", "恒通", "金鼎", "盛世", "顺发", "华宇", "永兴", "众诚", "天成", "广通",
    "汇丰", "隆基", "润泽", "荣昌", "瑞丰", "泰和", "东升", "聚力", "诚信", "兴旺", "宏运",
)  # fmt: skip
COMPANY_TRADES = (
    ("土石方工程有限公司", Customer.Industry.EARTHMOVING),
    ("建筑工程有限公司", Customer.Industry.EARTHMOVING),
    ("路桥工程有限公司", Customer.Industry.ROAD),
    ("工程机械租赁有限公司", Customer.Industry.RENTAL),
    ("砂石料有限公司", Customer.Industry.QUARRY),
    ("矿业有限公司", Customer.Industry.MINING),
    ("市政工程有限公司", Customer.Industry.MUNICIPAL),
    ("物流有限公司", Customer.Industry.LOGISTICS),
)
SUB_DEALER_TRADES = ("工程机械销售有限公司", "机械设备有限公司", "工程机械经销部", "机械配件商行")
SUB_INDUSTRIES = {
    Customer.Industry.EARTHMOVING: ("房地产基坑土方", "农村土地整理", "工业园场地平整"),
    Customer.Industry.ROAD: ("高速公路路基", "乡村公路", "国道改扩建"),
    Customer.Industry.QUARRY: ("河道采砂", "石料厂", "砂石料倒运"),
    Customer.Industry.MINING: ("煤矿", "铁矿", "石灰石矿"),
    Customer.Industry.MUNICIPAL: ("城市管网", "拆迁", "园林绿化"),
    Customer.Industry.RENTAL: ("挖掘机出租", "装载机按台班出租", "按月包租"),
    Customer.Industry.LOGISTICS: ("港口倒运", "煤场堆场", "木材市场装卸"),
    Customer.Industry.AGRICULTURE: ("林场", "农田水利", "养殖场清粪"),
    Customer.Industry.OTHER: ("搅拌站上料", "钢厂料场", "垃圾处理场"),
}
INDUSTRY_WEIGHTS = {
    Customer.Industry.EARTHMOVING: 30, Customer.Industry.QUARRY: 15, Customer.Industry.ROAD: 12,
    Customer.Industry.RENTAL: 12, Customer.Industry.MUNICIPAL: 8, Customer.Industry.MINING: 8,
    Customer.Industry.LOGISTICS: 5, Customer.Industry.AGRICULTURE: 5, Customer.Industry.OTHER: 5,
}  # fmt: skip
STATUS_WEIGHTS = {
    Customer.Status.ACTIVE: 68, Customer.Status.PROSPECT: 12,
    Customer.Status.DORMANT: 12, Customer.Status.LOST: 8,
}  # fmt: skip
EDUCATION_WEIGHTS = {
    Customer.Education.PRIMARY: 18, Customer.Education.MIDDLE: 42, Customer.Education.HIGH: 24,
    Customer.Education.COLLEGE: 7, Customer.Education.UNIVERSITY: 3, Customer.Education.UNKNOWN: 6,
}  # fmt: skip
HOBBIES = (
    "钓鱼", "打牌", "喝茶", "下象棋", "打麻将", "喝酒", "掼蛋", "打篮球", "自驾游", "听戏",
    "养鸟", "打乒乓球", "看新闻", "刷抖音", "书法", "种花", "跑步", "唱歌",
)  # fmt: skip
PERSONALITIES = (
    "爽快，说话直", "豪爽讲义气", "精打细算，爱砍价", "话不多但守信用", "脾气急", "稳重",
    "爱面子", "好商量", "比较多疑，要反复比价", "热心肠，爱帮人介绍", "要强，不服输",
)  # fmt: skip
FAMILY_EXTRAS = (
    "儿子在{city}上大学", "大儿子跟着开挖掘机", "女儿在县城当老师", "妻子管账",
    "和父母住一起", "孙子刚上小学", "儿子在外地打工", "女婿也干工程", "弟弟是机手",
)  # fmt: skip
BIRTHDAY_NOTES = (
    "过农历生日", "生日前一天打电话问候", "爱喝酒，生日可送两瓶好酒", "生日那天一般在工地",
    "送过生日蛋糕，很高兴", "家里人给他过生日，别上门打扰", "喜欢茶叶，生日送茶",
)  # fmt: skip
BACKGROUNDS = (
    "开拖拉机跑运输", "在工地当机手", "开小四轮拉砂", "承包村里的土方活", "在砖厂打工",
    "当兵退伍回村", "在修理厂当学徒",
)  # fmt: skip
REPAIR = (
    "能换油做保养", "自己有修理工，能做简单维修", "无，全靠服务站", "有小修理厂，能修发动机",
    "能换斗齿、焊补",
)  # fmt: skip
USED_SOURCES = (
    "从邻村{name}手里买的", "临沂二手机械市场", "租赁公司淘汰下来的", "铁甲二手机网上买的",
    "从河南二手贩子手里买的", "抵账抵来的",
)  # fmt: skip
SOLD_TO = ("卖给了河南的二手贩子", "卖给了同村{name}", "以旧换新折给了我司")
PROJECT_KINDS = (
    "高速公路路基土方", "工业园场地平整", "河道清淤治理", "新农村改造拆迁", "石料厂剥离",
    "小区基坑开挖", "国道改扩建", "光伏电站场平", "高铁站前广场土方", "水库除险加固",
)  # fmt: skip
PROJECT_SOURCES = (
    "中铁十局分包", "山东高速路桥分包", "朋友介绍", "镇政府招标", "老客户介绍",
    "我司业务员推荐", "自己投标", "村里的活",
)  # fmt: skip
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "176", "177", "178", "180", "182", "183",
    "185", "186", "187", "188", "189", "199",
)  # fmt: skip
# Phonenumbers knows which area codes use 7- and which 8-digit local numbers; a number
# it rejects is rejected by Phone.clean, so the demo follows it.
EIGHT_DIGIT_AREAS = {"0311", "0371", "0516", "0527", "0518"}

# The dealer sells 临工 and 山工 loaders and 三一 excavators; other brands come from elsewhere.
DEALER_BRANDS = ("临工", "山工", "三一")
BRAND_WEIGHTS = {"临工": 20, "柳工": 15, "山工": 9, "徐工": 12, "龙工": 10, "三一": 15,
                 "卡特": 9, "小松": 10}  # fmt: skip
SERIAL_PREFIX = {"临工": "VLG", "柳工": "CLG", "山工": "SEM", "徐工": "XUG", "龙工": "LGK",
                 "三一": "SY0", "卡特": "CAT", "小松": "KMT", "广西柳工": "CLG"}  # fmt: skip
# (model as usually written, price range in thousands CNY when bought new)
MODELS = {
    "临工": (("LG953N", 260, 330), ("LG956L", 300, 380), ("L956F", 320, 400),
             ("LG958L", 330, 420), ("L968F", 380, 460), ("E6210F", 680, 820),
             ("E6150F", 480, 600), ("E660F", 220, 300)),
    "柳工": (("ZL50C-Ⅱ", 240, 300), ("ZL50CN", 260, 320), ("CLG856", 300, 380),
             ("CLG856H", 320, 400), ("CLG862H", 380, 460), ("CLG922E", 750, 880),
             ("CLG915E", 520, 620)),
    "山工": (("SEM652D", 240, 300), ("SEM655D", 260, 330), ("SEM658D", 300, 380),
             ("ZL50F-II", 230, 290), ("SEM816", 560, 680)),
    "徐工": (("ZL50G", 250, 310), ("LW500FN", 280, 350), ("LW500KN", 300, 360),
             ("LW600KN", 380, 450), ("XE215DA", 780, 900), ("XE60DA", 230, 280),
             ("XE270DK", 950, 1100)),
    "龙工": (("LG855N", 250, 310), ("LG855D", 240, 300), ("LG853D", 220, 280),
             ("CDM856", 280, 340), ("LG6225E", 720, 850)),
    "三一": (("SY215C-9", 820, 950), ("SY215C", 800, 930), ("SY75C", 280, 330),
             ("SY135C", 500, 600), ("SY365H", 1050, 1200), ("SY60C", 240, 290),
             ("SY205C", 760, 880)),
    "卡特": (("320D2", 950, 1150), ("320GC", 900, 1080), ("336D2", 1100, 1200),
             ("950GC", 700, 820), ("962H", 850, 980), ("305.5E2", 330, 400)),
    "小松": (("PC200-8", 880, 1050), ("PC200-8M0", 900, 1080), ("PC220-8", 950, 1150),
             ("PC360-7", 1100, 1200), ("PC56-7", 260, 320), ("PC130-7", 480, 580),
             ("WA380-6", 900, 1100)),
}  # fmt: skip

KEY_ACCOUNTS = (
    # (name, parent company, region, industry)
    ("中铁十局集团第三工程有限公司", "中铁十局集团有限公司", "鲁南区", Customer.Industry.ROAD),
    ("山东高速路桥集团股份有限公司", "山东高速集团有限公司", "鲁北区", Customer.Industry.ROAD),
    ("中铁十八局集团第二工程有限公司", "中铁十八局集团有限公司", "冀中区",
     Customer.Industry.ROAD),
    ("中国水利水电第十一工程局有限公司", "中国电力建设股份有限公司", "豫东区",
     Customer.Industry.MUNICIPAL),
    ("江苏省交通工程集团有限公司", "江苏交通控股有限公司", "苏北区", Customer.Industry.ROAD),
)  # fmt: skip


# --- the generated data ---------------------------------------------------------------


@dataclass
class CustomerSpec:
    """One dossier as plain data; `region` and `manager` are names resolved when writing."""

    ref: str
    data: dict[str, Any]
    region: str | None
    manager: str | None
    phones: list[dict[str, Any]] = field(default_factory=list)
    shareholders: list[dict[str, Any]] = field(default_factory=list)
    machines: list[dict[str, Any]] = field(default_factory=list)
    operators: list[dict[str, Any]] = field(default_factory=list)  # "machine": index or None
    projects: list[dict[str, Any]] = field(default_factory=list)


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def _stem(county: str) -> str:
    return county[:-1] if len(county) > 2 and county[-1] in "县区市" else county


class DemoData:
    """Deterministic generator: the same seed always yields the same specs in the same order."""

    def __init__(self, today: date) -> None:
        self.rng = random.Random(SEED)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)
        self.today = today
        self.numbers: set[str] = set()
        self.serials: set[tuple[str, str]] = set()
        # Fuzzy name keys already used, so random people never look like planted duplicates.
        self.names: set[str] = set()
        self.gold: Counter[str] = Counter()
        self.benchmarks = 0

    # -- building blocks

    def _pick(self, weights: dict[Any, int]) -> Any:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _date(self, start: date, end: date) -> date:
        end = min(end, self.today)
        start = min(start, end)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def _reserve_name(self, name: str) -> bool:
        key = name_keys(name).fuzzy
        if key in self.names:
            return False
        self.names.add(key)
        return True

    def person_name(self, male: bool = True) -> str:
        while True:
            given = self.fake.first_name_male() if male else self.fake.first_name_female()
            name = self.fake.last_name() + given
            if self._reserve_name(name):
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
            _full_width(number),
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
        return self.rng.choice((model.lower(), model.replace("-", " "), _full_width(model)))

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
                "name": f"{_stem(county)}{self.rng.choice(PROJECT_KINDS)}",
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
        rows = []
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

    def planted(self) -> list[CustomerSpec]:
        """The duplicates of the module docstring; their numbers and names are reserved."""
        for number in (
            "13853991234",
            "13953906688",
            "15953962287",
            "13561478823",
            "18763655102",
            "13805396612",
            "15165398870",
        ):
            self.numbers.add(number)
        for name in ("刘文才", "刘总", "张庆华", "王振海"):
            self._reserve_name(name)
        liu_village = {"province": "山东省", "city": "临沂市", "county": "沂南县"}
        liu_common = {
            **liu_village,
            "industry": Customer.Industry.EARTHMOVING,
            "sub_industry": "农村土地整理",
            "status": Customer.Status.ACTIVE,
        }
        serial = "CLG0812345"
        self.serials.update({("柳工", serial), ("广西柳工", serial)})
        liu_machine = {
            "purchase_date": date(2012, 4, 18),
            "source": Machine.Source.ELSEWHERE,
            "hour_meter": Decimal("14820.0"),
            "hour_meter_date": date(2025, 10, 9),
        }
        liu = CustomerSpec(
            ref=f"{REF_PREFIX}0001",
            region="鲁南区",
            manager="manager1",
            data={
                **liu_common,
                "name": "刘文才",
                "gender": Customer.Gender.MALE,
                "birth_date": date(1971, 8, 16),
                "address": "青驼镇刘家庄村3组",
                "started_operating_year": 1998,
                "hobbies": "钓鱼、喝茶",
                "personality": "爽快，说话直",
                "education": Customer.Education.MIDDLE,
                "family_situation": "已婚，一儿一女，儿子跟着开挖掘机",
                "birthday_notes": "过农历生日",
                "background": "1995 年开拖拉机跑运输，1998 年买了第一台装载机",
            },
            phones=[
                {"raw": "138 5399 1234"},
                {
                    "raw": "13953906688",
                    "is_active": False,
                    "since": date(2008, 3, 1),
                    "obsolete_since": date(2016, 5, 1),
                    "note": "已停机，换了新号",
                },
            ],
            machines=[
                {"brand": "柳工", "model_raw": "ZL50C-Ⅱ", "serial_number": serial, **liu_machine},
                {
                    "brand": "临工",
                    "model_raw": "LG956L",
                    "serial_number": "VLG1660318",
                    "purchase_date": date(2016, 9, 2),
                    "source": Machine.Source.FROM_US,
                    "purchase_price": Decimal("335000"),
                },
                {
                    "brand": "临工",
                    "model_raw": "E6210F",
                    "serial_number": "VLG2120877",
                    "purchase_date": date(2021, 3, 26),
                    "source": Machine.Source.FROM_US,
                    "purchase_price": Decimal("728000"),
                },
            ],
        )
        self.serials.update({("临工", "VLG1660318"), ("临工", "VLG2120877")})
        wang_village = {
            "province": "山东省",
            "city": "临沂市",
            "county": "兰陵县",
            "address": "磨山镇王家湖村",
            "industry": Customer.Industry.EARTHMOVING,
            "status": Customer.Status.ACTIVE,
            "gender": Customer.Gender.MALE,
        }
        zhang_place = {
            "province": "山东省",
            "city": "潍坊市",
            "county": "寿光市",
            "industry": Customer.Industry.QUARRY,
            "sub_industry": "河道采砂",
            "gender": Customer.Gender.MALE,
        }
        return [
            liu,
            CustomerSpec(
                ref=f"{REF_PREFIX}0002",
                region="鲁南区",
                manager="manager1",
                data={
                    **liu_common,
                    "name": "刘文财",
                    "birth_year": 1971,
                    "address": "青驼镇刘家庄村",
                    "notes": "业务员电话报备，名字按听到的写",
                },
                phones=[{"raw": "138-5399-1234"}],
                machines=[
                    {
                        "brand": "广西柳工",
                        "model_raw": "ＺＬ５０Ｃ－II",
                        "serial_number": serial,
                        **liu_machine,
                    }
                ],
            ),
            CustomerSpec(
                ref=f"{REF_PREFIX}0003",
                region="鲁南区",
                manager="manager1",
                data={
                    **liu_common,
                    "name": "刘稳材",
                    "status": Customer.Status.PROSPECT,
                    "address": "青驼镇刘家庄",
                    "notes": "展会登记表，手写",
                },
                phones=[{"raw": "+86 159 5396 2287"}],
                machines=[
                    {
                        "brand": "柳工",
                        "model_raw": "ZL50C-II",
                        "purchase_date": date(2012, 4, 1),
                        "note": "铭牌看不清",
                    }
                ],
            ),
            CustomerSpec(
                ref=f"{REF_PREFIX}0004",
                region="鲁南区",
                manager="manager1",
                data={
                    **liu_common,
                    "name": "劉文才",
                    "birth_date": date(1971, 8, 16),
                    "address": "青駝鎮劉家莊村",
                    "notes": "客户自己填的登记表（繁体）",
                },
                phones=[{"raw": _full_width("13953906688")}],
            ),
            CustomerSpec(
                ref=f"{REF_PREFIX}0005",
                region="鲁南区",
                manager="manager1",
                data={
                    **liu_village,
                    "name": "刘总",
                    "status": Customer.Status.PROSPECT,
                    "notes": "配件门市来电，自称刘家庄的刘总，问 ZL50C 配件",
                },
                phones=[{"raw": "+86 13853991234"}],
            ),
            CustomerSpec(
                ref=f"{REF_PREFIX}0006",
                region="鲁北区",
                manager="manager2",
                data={
                    **zhang_place,
                    "name": "张庆华",
                    "birth_date": date(1979, 4, 2),
                    "address": "稻田镇西马村",
                    "status": Customer.Status.ACTIVE,
                    "started_operating_year": 2006,
                    "hobbies": "打牌",
                },
                phones=[{"raw": "135 6147 8823"}],
                machines=self.fleet(2, started=2006),
            ),
            CustomerSpec(
                ref=f"{REF_PREFIX}0007",
                region="鲁北区",
                manager="manager2",
                data={
                    **zhang_place,
                    "name": "张庆华",
                    "birth_year": 1979,
                    "address": "寿光稻田西马",
                    "status": Customer.Status.ACTIVE,
                    "notes": "服务站报修时登记",
                },
                phones=[{"raw": "13561478823"}, {"raw": "187 6365 5102", "note": "新号"}],
            ),
            CustomerSpec(
                ref=f"{REF_PREFIX}0008",
                region="鲁南区",
                manager="manager1",
                data={
                    **wang_village,
                    "name": "王振海",
                    "birth_date": date(1966, 2, 11),
                    "started_operating_year": 1996,
                    "family_situation": "已婚，两个儿子；弟弟王镇海同村，也干土方",
                },
                phones=[{"raw": "138 0539 6612"}],
                machines=self.fleet(3, started=1996),
            ),
            CustomerSpec(
                ref=f"{REF_PREFIX}0009",
                region="鲁南区",
                manager="manager1",
                data={
                    **wang_village,
                    "name": "王镇海",
                    "birth_date": date(1974, 10, 3),
                    "started_operating_year": 2004,
                    "family_situation": "已婚，一个女儿；哥哥王振海，两家分开过",
                },
                phones=[{"raw": "151-6539-8870"}],
                machines=self.fleet(1, started=2004),
            ),
        ]

    def key_accounts(self, first: int) -> list[CustomerSpec]:
        specs = []
        for offset, (name, parent, region_name, industry) in enumerate(KEY_ACCOUNTS):
            self._reserve_name(name)
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
                        "address": f"{_stem(county)}{self.rng.choice(PROJECT_KINDS)}项目部",
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
        eligible = (
            spec.manager is not None
            and spec.data["status"] == Customer.Status.ACTIVE
            and started <= 2012
            and machines >= 3
            and self.gold[spec.manager] < GOLD_LIMIT_PER_MANAGER
        )
        if eligible and self.rng.random() < 0.25:
            self.gold[spec.manager] += 1
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
            name = f"{_stem(county)}{self.rng.choice(COMPANY_WORDS)}{trade}"
            if self._reserve_name(name):
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
            name = f"{_stem(county)}{self.rng.choice(COMPANY_WORDS)}"
            name += self.rng.choice(SUB_DEALER_TRADES)
            if self._reserve_name(name):
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
        specs = self.planted()
        specs += self.key_accounts(first=len(specs) + 1)
        while len(specs) < count:
            specs.append(self.random_customer(len(specs) + 1))
        return specs[:count]


# --- the command ------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Idempotent zh_CN demo data: users per role, regions, customers, planted duplicates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help=f"How many demo customers to have (default {DEFAULT_CUSTOMERS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        users = self.ensure_users(password)
        regions = self.ensure_regions()
        # Dates are drawn up to a fixed day, so later runs generate the very same rows.
        today = min(timezone.localdate(), LATEST_DATE)
        specs = DemoData(today=today).build(max(options["customers"], 0))
        created = self.write_customers(
            specs, actor=users["archivist"], users=users, regions=regions
        )
        self.report(
            password, created=created, wanted=len(specs), seconds=time.monotonic() - started
        )

    def ensure_users(self, password: str) -> dict[str, Any]:
        User = get_user_model()
        # The roles migration creates these; get_or_create keeps the command working on a
        # database built without migrations (pytest --no-migrations).
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ROLES}
        users = {}
        for spec in DEMO_USERS:
            user, created = User.objects.get_or_create(username=spec.username)
            wanted = {
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "is_staff": spec.is_staff,
                "is_superuser": spec.role is None,
                "is_active": True,
            }
            changed = [name for name, value in wanted.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, wanted[name])
            # Only when needed: argon2 is slow, and a changed DEMO_PASSWORD must take effect.
            if created or not user.check_password(password):
                user.set_password(password)
                changed.append("password")
            if changed:
                user.save(update_fields=changed)
            if spec.role and not user.groups.filter(pk=groups[spec.role].pk).exists():
                user.groups.add(groups[spec.role])
            users[spec.username] = user
        return users

    def ensure_regions(self) -> dict[str, SalesRegion]:
        # Regions are reference data with no service of their own (like the admin edits them).
        regions = {}
        for region in REGIONS:
            note = f"{region.province} {'、'.join(c.name for c in region.cities)}；{region.manager}"
            regions[region.name] = SalesRegion.objects.get_or_create(
                name=region.name, defaults={"note": note}
            )[0]
        return regions

    def write_customers(
        self,
        specs: list[CustomerSpec],
        *,
        actor: Any,
        users: dict[str, Any],
        regions: dict[str, SalesRegion],
    ) -> int:
        existing = set(
            Customer.objects.filter(external_ref__in=[s.ref for s in specs]).values_list(
                "external_ref", flat=True
            )
        )
        created = 0
        for spec in specs:
            if spec.ref in existing:
                continue
            try:
                # One transaction per customer: a failure leaves no half-written dossier.
                with transaction.atomic():
                    self.write_customer(spec, actor=actor, users=users, regions=regions)
            except ValidationError as exc:
                raise CommandError(f"{spec.ref} {spec.data['name']}: {exc}") from exc
            created += 1
        return created

    def write_customer(
        self,
        spec: CustomerSpec,
        *,
        actor: Any,
        users: dict[str, Any],
        regions: dict[str, SalesRegion],
    ) -> Customer:
        data = {
            **spec.data,
            "external_ref": spec.ref,
            "sales_region": regions[spec.region] if spec.region else None,
            "manager": users[spec.manager] if spec.manager else None,
        }
        customer = services.customer_create(actor=actor, data=data, phones=spec.phones)
        for row in spec.shareholders:
            services.row_add(actor=actor, customer=customer, model=Shareholder, data=row)
        machines = [
            services.row_add(actor=actor, customer=customer, model=Machine, data=row)
            for row in spec.machines
        ]
        for row in spec.operators:
            index = row["machine"]
            operator = {**row, "machine": machines[index] if index is not None else None}
            services.row_add(actor=actor, customer=customer, model=Operator, data=operator)
        for row in spec.projects:
            services.row_add(actor=actor, customer=customer, model=Project, data=row)
        return customer

    def report(self, password: str, *, created: int, wanted: int, seconds: float) -> None:
        demo = Customer.objects.filter(external_ref__startswith=REF_PREFIX)
        rows = {
            str(model._meta.verbose_name_plural): model.objects.filter(customer__in=demo).count()
            for model in (Phone, Shareholder, Machine, Operator, Project)
        }
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"演示数据 demo data: {demo.count()} customers ({created} created, "
                f"{wanted - created} already there) in {seconds:.1f} s"
            )
        )
        out.write("  " + ", ".join(f"{count} {name}" for name, count in rows.items()))
        out.write(
            f"  {demo.filter(kind=Customer.Kind.SUB_DEALER).count()} sub-dealers, "
            f"{demo.filter(is_gold_card=True).count()} gold card, "
            f"{demo.filter(is_benchmark=True).count()} benchmark, "
            f"{demo.filter(is_key_account=True).count()} key accounts, "
            f"{SalesRegion.objects.count()} sales regions"
        )
        for region in REGIONS:
            mine = demo.filter(manager__username=region.manager)
            out.write(
                f"  {region.manager} {region.name}: {mine.count()} customers, "
                f"{mine.filter(is_gold_card=True).count()} gold card"
            )
        out.write("Planted duplicates 疑似重复 (see find_duplicates):")
        for line in (
            "demo-0001..0005 刘文才 / 刘文财 / 刘稳材 / 劉文才 / 刘总 — 沂南县青驼镇刘家庄村, "
            "shared 138 5399 1234, ZL50C-Ⅱ / ＺＬ５０Ｃ－II / ZL50C-II on one serial",
            "demo-0006/0007 张庆华 entered twice, the second time with a second phone",
            "demo-0008/0009 王振海 / 王镇海 — brothers in one village, NOT duplicates",
        ):
            out.write(f"  {line}")
        out.write(
            "Run `python manage.py runserver`, then open http://127.0.0.1:8000/ "
            "(admin /admin/, API docs /api/docs/)."
        )
        out.write(f"Logins 登录 (password 密码: {password}):")
        for spec in DEMO_USERS:
            role = str(roles.ROLE_LABELS[spec.role]) if spec.role else "superuser"
            region = next((r.name for r in REGIONS if r.manager == spec.username), "")
            out.write(f"  {spec.username:<10} {spec.last_name}{spec.first_name:<4} {role} {region}")
