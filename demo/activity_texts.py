"""Chinese data of the demo's activity: the parts catalogue, order bundles, contact-log and
service texts. Data, not UI strings: nothing here is translated."""

from __future__ import annotations

from decimal import Decimal

# (part number, name, category, unit, list price, our cost) — entered in the catalogue,
# so order lines typed with the number carry a unit cost and gross profit is meaningful.
CATALOGUE = (
    ("LG4110000991", "机油滤芯", "filter", "件", "85", "52"),
    ("LG4110000189", "柴油滤芯", "filter", "件", "95", "58"),
    ("LG4110000507", "空气滤芯（外芯）", "filter", "件", "260", "170"),
    ("LG4120001739", "液压油回油滤芯", "filter", "件", "320", "205"),
    ("OIL-HM46-18L", "液压油 L-HM46 18L", "oil", "桶", "620", "455"),
    ("OIL-CH4-18L", "柴油机油 CH-4 15W-40 18L", "oil", "桶", "520", "380"),
    ("OIL-GL5-18L", "齿轮油 85W-90 18L", "oil", "桶", "480", "350"),
    ("GREASE-15KG", "锂基润滑脂（黄油）15kg", "oil", "桶", "380", "260"),
    ("LG29170036581", "斗齿", "part", "件", "165", "105"),
    ("LG29170036591", "齿座", "part", "件", "220", "150"),
    ("LG29170012001", "铲刃（切削刃）", "part", "件", "1350", "960"),
    ("SY-B229900003418", "挖掘机斗齿", "part", "件", "210", "130"),
    ("LG4043000071", "刹车片", "part", "套", "460", "300"),
    ("SEAL-KIT-CYL", "油缸密封件包", "part", "套", "680", "420"),
    ("TYRE-23.5-25", "轮胎 23.5-25 16PR", "tyre", "条", "5800", "4750"),
    ("TYRE-17.5-25", "轮胎 17.5-25 12PR", "tyre", "条", "3600", "2900"),
)
PRICES = {number: Decimal(price) for number, _n, _c, _u, price, _cost in CATALOGUE}

# An order is one or two bundles: (part number or None for a typed line, quantity range).
# Typed lines are bought in from outside and carry no cost, as on a real invoice.
BUNDLES = {
    "保养": (
        ("OIL-CH4-18L", 1, 2),
        ("LG4110000991", 1, 2),
        ("LG4110000189", 1, 2),
        ("LG4110000507", 0, 1),
    ),
    "液压油": (("OIL-HM46-18L", 6, 12), ("LG4120001739", 1, 2)),
    "斗齿": (("LG29170036581", 5, 12), ("LG29170036591", 0, 4)),
    "挖机斗齿": (("SY-B229900003418", 4, 9),),
    "轮胎": (("TYRE-23.5-25", 2, 4),),
    "小轮胎": (("TYRE-17.5-25", 2, 4),),
    "铲刃": (("LG29170012001", 1, 2),),
    "黄油齿轮油": (("GREASE-15KG", 1, 3), ("OIL-GL5-18L", 1, 2)),
    "刹车": (("LG4043000071", 1, 2),),
    "密封": (("SEAL-KIT-CYL", 1, 2),),
}
BUNDLE_WEIGHTS = {
    "保养": 30, "液压油": 14, "斗齿": 16, "挖机斗齿": 6, "轮胎": 5, "小轮胎": 4,
    "铲刃": 6, "黄油齿轮油": 10, "刹车": 5, "密封": 4,
}  # fmt: skip
# (name, category, price range in CNY): bought in, no recorded cost.
TYPED_LINES = (
    ("高压油管总成（外购）", "part", 280, 650),
    ("防冻液 4L", "oil", 60, 95),
    ("空调滤芯", "filter", 35, 60),
    ("驾驶室座椅（外购）", "part", 900, 1600),
    ("水箱清洗剂", "other", 40, 80),
)

# Contact logs: (channel, summary, intents, next step). {model} is one of the customer's
# machines, {project} one of his projects (or 工地 when none is recorded).
GOLD_CONTACTS = (
    ("phone", "电话问候，聊了最近{project}的活儿，说还得干两三个月", ("information",),
     "月底再打电话问问进度"),
    ("visit", "到{project}拜访，{model}状态不错，老板说下半年可能再添一台装载机",
     ("new_machine",), "把新款 L968F 的报价单送过去"),
    ("came_in", "客户来店里买滤芯和机油，顺便看了展厅里的新机", ("parts", "new_machine"),
     "下次来店安排试驾"),
    ("message", "微信发了保养提醒，客户回复下周把{model}开过来做保养", ("repair",),
     "提前备好保养用的滤芯"),
    ("phone", "客户打电话说有个土方项目在找机子分包，问我们有没有认识的车主", ("subcontracting",),
     "帮他问问同区的两个老客户"),
    ("visit", "陪服务站师傅去工地回访，{model}液压系统已经修好，客户满意", ("repair",),
     "一个月后再回访"),
    ("phone", "聊了村里新开的砂场，客户说老板正在找装载机，愿意帮我们介绍", ("information",),
     "约砂场老板见面"),
    ("event", "请客户参加公司新品推介会，带了两个同行一起来", ("new_machine", "information"),
     "跟进他带来的两位同行"),
)  # fmt: skip
EXEC_CONTACT = (
    "visit", "郑总带队拜访金卡客户，送了贵宾卡礼品，聊了明年的项目计划", ("information",),
    "年底金卡客户答谢会发邀请",
)  # fmt: skip
ACTIVE_CONTACTS = (
    ("phone", "电话回访，客户说{model}最近活儿不多，在{project}干零活", ("information",), ""),
    ("phone", "问了配件需求，客户说斗齿快磨平了，过几天来买", ("parts",), "提醒库房备斗齿"),
    ("visit", "路过工地顺便看看，{model}在干活，机手反映动臂有点慢", ("repair",),
     "让服务站安排检查"),
    ("came_in", "客户来店问二手挖机的行情，想换一台大点的", ("used_machine", "new_machine"),
     "把库里两台二手机的资料发给他"),
    ("message", "发了配件九五折活动的短信，客户回复知道了", ("parts",), ""),
    ("phone", "客户问有没有机子出租，工地上缺一台挖机干一个月", ("rental",),
     "问问租赁部有没有空闲的"),
)  # fmt: skip
PROSPECT_CONTACTS = (
    ("visit", "上门拜访，客户在比较几家的装载机，我们的价格偏高", ("new_machine",),
     "申请一个优惠政策再去谈"),
    ("phone", "电话跟进，客户说还在等工程款，买车的事往后推一推", ("new_machine",),
     "下个月再联系"),
    ("came_in", "客户来店里看了样机，问了分期付款的条件", ("new_machine",),
     "把按揭方案发给他"),
)  # fmt: skip
KEY_CONTACTS = (
    ("visit", "拜访设备物资部部长，了解明年设备采购计划", ("information",),
     "关注招标网的公告"),
    ("phone", "和设备部电话沟通，项目部有两台装载机要做大修", ("repair",),
     "报维修方案和价格"),
)  # fmt: skip
LOST_CONTACT = (
    "phone", "客户说已经换了别家的设备，配件也在别家买了，暂时不打算和我们合作", (),
    "半年后再试着联系一次",
)  # fmt: skip
PLACES = {"phone": "", "message": "", "came_in": "本公司门市", "event": "公司展厅"}
EQUIPMENT_STATUS = ("设备正常", "正常作业", "有一台在修", "活儿少，停了一台", "")

# Service records: (subject, fault or work, parts used).
MAINTENANCE = (
    ("{hours}小时保养", "更换机油、机油滤芯、柴油滤芯，检查液压油位", "机油 2 桶，滤芯 3 件"),
    ("定期保养", "更换液压油回油滤芯、空气滤芯，各润滑点打黄油", "滤芯 2 件，黄油 1 桶"),
    ("{hours}小时保养（换液压油）", "更换液压油和滤芯，清洗油箱", "液压油 10 桶，滤芯 2 件"),
)
REPAIRS = (
    ("动臂提升无力", "液压泵磨损，压力不够", "更换液压泵，调整主溢流阀压力", "液压泵 1 台"),
    ("变速箱挂挡困难", "变速操纵阀卡滞", "清洗修复操纵阀，更换密封件", "密封件包 1 套"),
    ("发动机冒黑烟", "喷油器雾化不良", "更换喷油器，清洗空滤", "喷油器 4 个"),
    ("转向油缸漏油", "油缸密封件老化", "更换油缸密封件", "油缸密封件包 1 套"),
    ("刹车不灵", "刹车片磨损到底", "更换刹车片，排空气", "刹车片 2 套"),
    ("空调不制冷", "压缩机皮带断裂，缺氟", "更换皮带，加注制冷剂", "皮带 1 条"),
)
COMPLAINTS = (
    (
        "配件到货太慢",
        "订的液压泵等了 12 天才到，耽误工地干活",
        "向客户道歉，服务经理上门说明；以后常用件在本地库房备货",
        3,
    ),
    (
        "维修后同一问题再次出现",
        "转向油缸修完半个月又漏油",
        "免费返修，更换为原厂密封件，并延长保修三个月",
        4,
    ),
    (
        "服务人员态度不好",
        "客户打电话报修，值班人员说话不耐烦",
        "服务经理登门道歉，值班人员做检讨，加强培训",
        4,
    ),
    ("保养收费比别家高", "客户认为保养工时费偏高", "解释收费标准，给金卡九五折，送一次免费检查", 5),
)
DELIVERY = ("交机检查", "交车前检查，机手操作培训，讲解保养周期和注意事项")
