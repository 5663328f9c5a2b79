"""The planted duplicates of the demo: one man entered five ways, one entered twice, and two
brothers who only look alike. Fixed data, so find_duplicates has known answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from customers.models import Customer, Machine
from demo.pieces import DemoPieces, full_width
from demo.spec import REF_PREFIX, CustomerSpec


def planted(gen: DemoPieces) -> list[CustomerSpec]:
    """The planted duplicates, demo-0001 to demo-0009, all refs fixed (DOMAIN.md).

    Their numbers, names and serials are reserved in `gen`, so random customers never
    collide with them:
      demo-0001 刘文才  沂南县青驼镇刘家庄村, 138 5399 1234, 柳工 ZL50C-Ⅱ #CLG0812345 (manager1)
      demo-0002 刘文财  same village, 138-5399-1234 (same number, other format),
                        广西柳工 ＺＬ５０Ｃ－II with the same serial (another brand spelling)
      demo-0003 刘稳材  same village typed without 村, a different phone, 柳工 ZL50C-II
                        without serial
      demo-0004 劉文才  traditional characters, same birth date as demo-0001, his old number
                        in full-width digits (obsolete on demo-0001)
      demo-0005 刘总    nickname from a phone call, +86 13853991234 (the shared number)
      demo-0006/0007 张庆华 entered twice (寿光市); the second entry adds a second phone number
      demo-0008 王振海 / demo-0009 王镇海  brothers in one village, same pinyin, born 1966 and
                        1974, different phones and ID numbers: NOT duplicates
    """
    for number in (
        "13853991234",
        "13953906688",
        "15953962287",
        "13561478823",
        "18763655102",
        "13805396612",
        "15165398870",
    ):
        gen.numbers.add(number)
    for name in ("刘文才", "刘总", "张庆华", "王振海"):
        gen.reserve_name(name)
    liu_village = {"province": "山东省", "city": "临沂市", "county": "沂南县"}
    liu_common = {
        **liu_village,
        "industry": Customer.Industry.EARTHMOVING,
        "sub_industry": "农村土地整理",
        "status": Customer.Status.ACTIVE,
    }
    serial = "CLG0812345"
    gen.serials.update({("柳工", serial), ("广西柳工", serial)})
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
                "purchase_cost": Decimal("301500"),
            },
            {
                "brand": "临工",
                "model_raw": "E6210F",
                "serial_number": "VLG2120877",
                "purchase_date": date(2021, 3, 26),
                "source": Machine.Source.FROM_US,
                "purchase_price": Decimal("728000"),
                "purchase_cost": Decimal("618800"),
            },
        ],
    )
    gen.serials.update({("临工", "VLG1660318"), ("临工", "VLG2120877")})
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
            phones=[{"raw": full_width("13953906688")}],
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
            machines=gen.fleet(2, started=2006),
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
                "id_number": "371324196602113512",
                "started_operating_year": 1996,
                "family_situation": "已婚，两个儿子；弟弟王镇海同村，也干土方",
            },
            phones=[{"raw": "138 0539 6612"}],
            machines=gen.fleet(3, started=1996),
        ),
        CustomerSpec(
            ref=f"{REF_PREFIX}0009",
            region="鲁南区",
            manager="manager1",
            data={
                **wang_village,
                "name": "王镇海",
                "birth_date": date(1974, 10, 3),
                "id_number": "371324197410033571",
                "started_operating_year": 2004,
                "family_situation": "已婚，一个女儿；哥哥王振海，两家分开过",
            },
            phones=[{"raw": "151-6539-8870"}],
            machines=gen.fleet(1, started=2004),
        ),
    ]
