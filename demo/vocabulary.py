"""Vocabulary of the zh_CN demo data: sales regions and places, names, trades, brands and models.
Plain tables only; the generator draws from them."""

from __future__ import annotations

from dataclasses import dataclass

from customers.models import Customer


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

# Places inside a county, and names for companies.
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
