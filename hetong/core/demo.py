"""Believable demo data: an organisation, customers and contracts in every state, loaded through the services.

`make_plan(seed=...)` decides everything (names, codes, amounts, dates, the life of each contract) from one
`random.Random(seed)` and dates relative to the company's today, so a seed always gives the same data on the
same day. `load(plan)` then creates it by calling the same services the pages and the API call: every record
gets its audit history and `hetong audit verify` passes. No clock is faked: each contract's dates are chosen
so that the services accept them today (a signature is never in the future; a contract that is expired has
its end date in the past and was active first).

The word lists are shared with the benchmark (bench/data.py), which needs the same kind of names in bulk.
"""

import datetime as dt
import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from hetong.core.dates import company_today, shift
from hetong.core.uscc import ALPHABET, check_char

# The data tables below are kept one row per line for reading; ruff format would put one value per line.
# fmt: off

# --- the organisation ------------------------------------------------------------------------------------

COMPANY = "合同科技"
ENTITIES = [
    # (name, first 17 characters of the credit code, address, legal representative)
    ("合同科技（上海）有限公司", "91310115MA1HT2026", "上海市浦东新区张江路1288号3幢5楼", "陈明"),
    ("合同科技（北京）有限公司", "91110108MA01HT026", "北京市海淀区中关村大街27号8层", "陈明"),
]
NORTH_ENTITY = 1  # customers in the north sign with the Beijing company
# What contract documents print about our side: English name and address, phone, bank and account.
ENTITY_DETAILS = {
    "合同科技（上海）有限公司": {
        "name_en": "Hetong Technology (Shanghai) Co., Ltd.",
        "address_en": "5/F, Building 3, 1288 Zhangjiang Road, Pudong New Area, Shanghai",
        "phone": "021-5080 2026", "bank_name": "招商银行上海张江支行", "bank_account": "1219 2026 0000 0101",
    },
    "合同科技（北京）有限公司": {
        "name_en": "Hetong Technology (Beijing) Co., Ltd.",
        "address_en": "8/F, 27 Zhongguancun Street, Haidian District, Beijing",
        "phone": "010-8265 2026", "bank_name": "中国工商银行北京中关村支行", "bank_account": "0200 0026 0920 2600 026",
    },
}

# Department tree: (key, name, parent key)
DEPARTMENTS = [
    ("office", "总经办", None),
    ("legal", "法务部", None),
    ("finance", "财务部", None),
    ("sales", "销售部", None),
    ("east", "华东大区", "sales"),
    ("shanghai", "上海", "east"),
    ("hangzhou", "杭州", "east"),
    ("north", "华北大区", "sales"),
    ("beijing", "北京", "north"),
    ("south", "华南大区", "sales"),
    ("shenzhen", "深圳", "south"),
]
DEMO_PASSWORD = "hetong-demo"
ADMIN_PASSWORD = "hetong-admin"
# (username, password, role, department key, display name, is_superuser, heads these departments)
PERSONAS = [
    ("admin", ADMIN_PASSWORD, "admin", "office", "系统管理员", True, ()),
    ("legal", DEMO_PASSWORD, "legal", "legal", "王律师", False, ("legal",)),
    ("finance", DEMO_PASSWORD, "finance", "finance", "李会计", False, ("finance",)),
    ("manager", DEMO_PASSWORD, "sales_manager", "sales", "赵经理", False, ("sales",)),
    ("east_manager", DEMO_PASSWORD, "sales_manager", "east", "钱经理", False, ("east",)),
    ("sales1", DEMO_PASSWORD, "sales", "shanghai", "孙丽", False, ()),
    ("sales2", DEMO_PASSWORD, "sales", "hangzhou", "周杰", False, ()),
    ("sales3", DEMO_PASSWORD, "sales", "beijing", "吴强", False, ()),
    ("sales4", DEMO_PASSWORD, "sales", "shenzhen", "郑敏", False, ()),
    ("viewer", DEMO_PASSWORD, "viewer", "sales", "冯晓", False, ()),
]
SALES = ["sales1", "sales2", "sales3", "sales4"]
EAST_SALES = {"sales1", "sales2"}

# --- words for names -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    region: str
    pinyin: str
    divisions: tuple[str, ...]  # administrative division codes: characters 3-8 of a credit code
    districts: tuple[str, ...]
    sales: str  # the salesperson who covers it
    weight: int
    north: bool = False


CITIES = [
    City("上海", "上海市", "Shanghai", ("310115", "310104", "310106", "310112"),
         ("浦东新区", "徐汇区", "静安区", "闵行区"), "sales1", 14),
    City("南京", "江苏省南京市", "Nanjing", ("320105", "320106"), ("建邺区", "鼓楼区"), "sales1", 4),
    City("苏州", "江苏省苏州市", "Suzhou", ("320505", "320508"), ("虎丘区", "姑苏区"), "sales1", 4),
    City("杭州", "浙江省杭州市", "Hangzhou", ("330106", "330108", "330110"), ("西湖区", "滨江区", "余杭区"), "sales2", 9),
    City("宁波", "浙江省宁波市", "Ningbo", ("330212", "330203"), ("鄞州区", "海曙区"), "sales2", 3),
    City("厦门", "福建省厦门市", "Xiamen", ("350206", "350203"), ("湖里区", "思明区"), "sales2", 2),
    City("北京", "北京市", "Beijing", ("110105", "110108", "110101"), ("朝阳区", "海淀区", "东城区"), "sales3", 11, True),
    City("天津", "天津市", "Tianjin", ("120116", "120101"), ("滨海新区", "和平区"), "sales3", 3, True),
    City("青岛", "山东省青岛市", "Qingdao", ("370212", "370202"), ("崂山区", "市南区"), "sales3", 3, True),
    City("西安", "陕西省西安市", "Xi'an", ("610113", "610112"), ("雁塔区", "未央区"), "sales3", 2, True),
    City("深圳", "广东省深圳市", "Shenzhen", ("440305", "440304", "440306"), ("南山区", "福田区", "宝安区"), "sales4", 10),
    City("广州", "广东省广州市", "Guangzhou", ("440106", "440112"), ("天河区", "黄埔区"), "sales4", 5),
    City("成都", "四川省成都市", "Chengdu", ("510107", "510116"), ("武侯区", "双流区"), "sales4", 3),
    City("武汉", "湖北省武汉市", "Wuhan", ("420106", "420111"), ("武昌区", "洪山区"), "sales4", 3),
    City("重庆", "重庆市", "Chongqing", ("500103", "500112"), ("渝中区", "渝北区"), "sales4", 2),
]
ROADS = ["人民路", "中山路", "建设路", "解放路", "科技路", "创新大道", "长江路", "滨江大道", "环城北路", "高新大道",
         "世纪大道", "东风路", "金融街", "软件园路", "港城大道"]
# (characters, pinyin) of invented brand words
BRANDS = [
    ("华运", "huayun"), ("启明", "qiming"), ("远航", "yuanhang"), ("恒通", "hengtong"), ("鼎盛", "dingsheng"),
    ("瑞丰", "ruifeng"), ("嘉禾", "jiahe"), ("中联", "zhonglian"), ("金桥", "jinqiao"), ("星辰", "xingchen"),
    ("天成", "tiancheng"), ("博远", "boyuan"), ("海纳", "haina"), ("宏图", "hongtu"), ("新元", "xinyuan"),
    ("凯达", "kaida"), ("百川", "baichuan"), ("安泰", "antai"), ("正源", "zhengyuan"), ("锦程", "jincheng"),
    ("盛世", "shengshi"), ("同创", "tongchuang"), ("汇通", "huitong"), ("长风", "changfeng"), ("云帆", "yunfan"),
    ("智联", "zhilian"), ("九州", "jiuzhou"), ("明德", "mingde"), ("信诚", "xincheng"), ("润泽", "runze"),
    ("晨光", "chenguang"), ("立达", "lida"), ("众合", "zhonghe"), ("华信", "huaxin"), ("永盛", "yongsheng"),
    ("东辰", "dongchen"), ("泰和", "taihe"), ("融创", "rongchuang"), ("广源", "guangyuan"), ("卓越", "zhuoyue"),
]


@dataclass(frozen=True)
class Trade:
    words: str  # the industry words in a company name
    pinyin: str
    industry: str  # customers.models.Industry value
    english: str
    weight: int


TRADES = [
    Trade("物流", "wuliu", "logistics", "Logistics", 10),
    Trade("供应链管理", "scm", "logistics", "Supply Chain", 4),
    Trade("国际货运代理", "freight", "logistics", "Freight", 2),
    Trade("软件", "soft", "it", "Software", 6),
    Trade("信息技术", "tech", "it", "Information Technology", 5),
    Trade("网络科技", "net", "it", "Technology", 5),
    Trade("精密机械", "jixie", "manufacturing", "Machinery", 4),
    Trade("电子科技", "dianzi", "manufacturing", "Electronics", 5),
    Trade("汽车零部件", "autoparts", "manufacturing", "Auto Parts", 3),
    Trade("商贸", "shangmao", "retail", "Trading", 4),
    Trade("贸易", "trade", "retail", "Trading", 4),
    Trade("建设工程", "jianshe", "construction", "Construction", 3),
    Trade("置业", "zhiye", "construction", "Real Estate", 2),
    Trade("新能源", "energy", "energy", "New Energy", 3),
    Trade("医疗器械", "medical", "healthcare", "Medical Devices", 3),
    Trade("医药", "pharma", "healthcare", "Pharmaceutical", 2),
    Trade("教育科技", "edu", "education", "Education Technology", 2),
    Trade("融资租赁", "leasing", "finance", "Leasing", 2),
    Trade("保险代理", "insure", "finance", "Insurance Agency", 1),
    Trade("文化传媒", "media", "other", "Media", 2),
]
SUFFIXES = [("有限公司", 15), ("股份有限公司", 4), ("集团有限公司", 1)]
# Invented English brands of foreign-invested companies ("Acme (Shanghai) Trading Co., Ltd.").
ENGLISH_BRANDS = ["Acme", "Globex", "Initech", "Northwind", "Contoso", "Fabrikam", "Umbrella", "Vandelay", "Wonka",
                  "Tyrell", "Hooli", "Soylent", "Cyberdyne", "Stark", "Oscorp", "Aperture"]
SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"),
]
GIVEN_NAMES = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"), ("平", "ping"), ("建华", "jianhua"),
    ("志强", "zhiqiang"), ("晓东", "xiaodong"), ("海燕", "haiyan"), ("文博", "wenbo"), ("思远", "siyuan"),
    ("雨婷", "yuting"), ("子涵", "zihan"), ("浩然", "haoran"), ("佳琪", "jiaqi"), ("国庆", "guoqing"),
]
CONTACT_TITLES = ["采购经理", "法务", "财务总监", "项目经理", "行政主管", "商务经理", "副总经理"]
CUSTOMER_TAGS = ["重点客户", "战略合作", "新客户", "老客户", "国企", "上市公司", "需关注回款"]
LEVELS = [("strategic", 1), ("key", 4), ("normal", 11), ("small", 4)]
LEVEL_CONTRACT_WEIGHT = {"strategic": 8.0, "key": 3.0, "normal": 1.5, "small": 0.6}

INTERACTION_TOPICS = ["年度合作计划", "合同续签", "付款进度", "新项目需求", "报价方案", "服务满意度", "发票开具", "交付安排"]
INTERACTION_FEEDBACK = ["整体积极", "需内部评估后答复", "希望价格再优惠一些", "计划下月签约", "对服务质量满意",
                        "提出了新的需求", "要求调整付款节点"]
INTERACTION_DOCUMENTS = ["报价单", "合同草稿", "技术方案", "对账单", "项目计划书"]
INTERACTION_NOTES = [
    "客户更换了采购负责人，需重新建立联系。",
    "客户所在行业政策调整，关注回款风险。",
    "客户计划扩大在华东地区的业务，可跟进新需求。",
    "客户年底预算收紧，新项目可能推迟到明年。",
    "客户对上一期交付评价很好，可争取框架协议。",
]

# --- contracts -------------------------------------------------------------------------------------------

TYPE_CODES = ["XS", "CG", "FW", "KJ", "BM", "ZL"]
TYPE_WEIGHTS = [30, 12, 25, 8, 13, 12]
PRODUCTS = ["智能仓储管理系统", "服务器及存储设备", "工业物联网传感器", "合同管理软件许可", "数据分析平台",
            "冷链监控终端", "电子签章系统"]
PURCHASES = ["办公家具", "笔记本电脑", "网络交换设备", "打印耗材", "云服务器资源", "物流包装材料", "安防监控设备"]
SERVICES = ["年度物流运输", "系统运维", "技术咨询", "仓储配送", "数据标注", "员工培训", "网络安全评估"]
LEASED = ["办公场地", "仓库", "厂房", "展厅"]
ENGLISH_TITLES = {
    "XS": "Software Licence Agreement",
    "CG": "Equipment Purchase Agreement",
    "FW": "Master Services Agreement",
    "KJ": "Framework Cooperation Agreement",
    "BM": "Mutual Non-Disclosure Agreement",
    "ZL": "Office Lease Agreement",
}
DESCRIPTIONS = {
    "XS": "分三期付款：预付 30%，验收合格后付 60%，质保期满付 10%。",
    "CG": "货到验收合格后 30 日内付款，供方开具 13% 增值税专用发票。",
    "FW": "服务费按月结算，次月 10 日前付清上月费用。",
    "KJ": "框架协议项下以订单为准，单价按附件价格表执行。",
    "BM": "双方对合作中知悉的商业秘密负有保密义务，保密期限至协议终止后三年。",
}
NOTICES = [(30, "days"), (60, "days"), (3, "months"), (1, "months"), (90, "days"), (2, "weeks")]
REJECT_NOTES = ["付款条款需调整为验收后付款", "违约责任条款不对等，请修改", "请补充质保期约定", "合同金额与报价单不一致"]
CANCEL_NOTES = ["客户取消采购计划", "商务条款未达成一致", "项目延期，重新立项", "重复创建，作废"]
TERMINATE_NOTES = ["客户经营困难，双方协商提前解除", "对方严重违约，依约解除合同", "业务调整，双方同意提前终止"]

STATES = ["draft", "in_review", "approved", "signing", "signed", "active", "expired", "renewed", "terminated",
          "cancelled"]
STATE_WEIGHTS = [7, 5, 3, 3, 4, 45, 12, 6, 5, 10]
ACTIVE_KINDS = ["ending", "notice", "evergreen", "normal"]  # ending within 90 days, notice due within 90 days
ACTIVE_KIND_WEIGHTS = [15, 15, 10, 60]

# fmt: on


def weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def credit_code(rng: random.Random, division: str) -> str:
    """A valid unified social credit code: 9 (registered by the market regulator) 1 (company), the division
    code, a 9-character organisation code and the check character."""
    if rng.random() < 0.7:  # codes issued since 2015 mostly start MA
        org = "MA" + "".join(rng.choice(ALPHABET) for _ in range(7))
    else:  # older companies kept their nine-digit organisation code
        org = "".join(rng.choice("0123456789") for _ in range(9))
    body = "91" + division + org
    return body + check_char(body)


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"


# --- the plan --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactPlan:
    name: str
    title: str
    phone: str
    email: str
    is_signatory: bool


@dataclass(frozen=True)
class InteractionPlan:
    kind: str
    date: dt.date
    text: str
    contact: int | None  # index into the customer's contacts


@dataclass(frozen=True)
class CustomerPlan:
    name: str
    short: str  # the brand, for contract titles
    english: bool
    credit_code: str
    industry: str
    level: str
    status: str
    region: str
    city: str
    address: str
    owner: str
    tags: tuple[str, ...]
    notes: str
    contacts: tuple[ContactPlan, ...]
    interactions: tuple[InteractionPlan, ...]
    north: bool


@dataclass(frozen=True)
class ContractPlan:
    key: int  # position in planning order; successors name their predecessor by it
    customer: int
    owner: str
    type_code: str
    title: str
    amount: Decimal
    currency: str
    entity: int
    created: dt.date  # the day it was drafted: its number counts in that year
    effective_date: dt.date | None
    end_date: dt.date | None
    auto_renew: bool
    renewal_term: int | None
    renewal_unit: str
    notice_period: int | None
    notice_unit: str
    description: str
    tags: tuple[str, ...]
    state: str
    steps: tuple[str, ...]  # the services to call, in order, after create_contract
    approver: str
    signed_date: dt.date | None = None
    terminated_on: dt.date | None = None
    note: str = ""  # reason for the cancellation, termination or renewal
    reject_note: str = ""  # set when review sent it back once
    renews: int | None = None  # key of the contract this one renews


@dataclass
class Plan:
    seed: int
    today: dt.date
    customers: list[CustomerPlan] = field(default_factory=list)
    contracts: list[ContractPlan] = field(default_factory=list)

    def fingerprint(self) -> str:
        """SHA-256 of everything the plan decides: equal plans give equal data."""
        body = json.dumps(
            {
                "customers": [asdict(c) for c in self.customers],
                "contracts": [asdict(c) for c in self.contracts],
            },
            default=str,
            sort_keys=True,
        )
        return hashlib.sha256(body.encode()).hexdigest()


def company_name(rng: random.Random, city: City, brand: str, trade: Trade) -> str:
    suffix = weighted(rng, [s for s, _w in SUFFIXES], [w for _s, w in SUFFIXES])
    return f"{city.name}{brand}{trade.words}{suffix}"


def _plan_customer(
    rng: random.Random, index: int, today: dt.date, used_names: set, used_codes: set
) -> CustomerPlan:
    # Every seventh customer is in logistics, so searching 物流 always finds several.
    trade = TRADES[0] if index % 7 == 0 else weighted(rng, TRADES, [t.weight for t in TRADES])
    english = index == 3 or (index > 3 and rng.random() < 0.06)
    for _attempt in range(50):
        city = weighted(rng, CITIES, [c.weight for c in CITIES])
        if index == 3:  # one well-known name for the README and for trying the search
            city, trade, brand = CITIES[0], next(t for t in TRADES if t.words == "商贸"), "Acme"
        if english:
            brand = brand if index == 3 else rng.choice(ENGLISH_BRANDS)
            name = f"{brand} ({city.pinyin}) {trade.english} Co., Ltd."
            domain = f"{brand.lower()}-{city.pinyin.lower().replace(chr(39), '')}.com"
        else:
            brand, brand_py = rng.choice(BRANDS)
            name = company_name(rng, city, brand, trade)
            domain = f"{brand_py}{trade.pinyin}.com.cn"
        if name not in used_names:
            break
    used_names.add(name)
    division = rng.choice(city.divisions)
    code = credit_code(rng, division)
    while code in used_codes:
        code = credit_code(rng, division)
    used_codes.add(code)
    level = weighted(rng, [lv for lv, _w in LEVELS], [w for _lv, w in LEVELS])
    status = weighted(rng, ["active", "prospect", "dormant"], [85, 10, 5])
    tags = set(rng.sample(CUSTOMER_TAGS, k=weighted(rng, [0, 1, 2], [4, 4, 2])))
    if level == "strategic":
        tags.add("战略合作")
    if english:
        tags.add("外资")
    district = city.districts[city.divisions.index(division) % len(city.districts)]
    address = f"{city.region}{district}{rng.choice(ROADS)}{rng.randint(1, 2000)}号"
    if rng.random() < 0.6:
        address += f"{rng.randint(1, 12)}幢{rng.randint(1, 30)}楼"
    # Contacts: the first is the general manager and signs; names are unique within a customer.
    contacts, seen = [], set()
    for position in range(rng.randint(1, 4)):
        while True:
            (surname, surname_py), (given, given_py) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
            if surname + given not in seen:
                break
        seen.add(surname + given)
        title = "总经理" if position == 0 else rng.choice(CONTACT_TITLES)
        contacts.append(
            ContactPlan(
                name=surname + given,
                title=title,
                phone=phone(rng),
                email=f"{given_py}.{surname_py}@{domain}",
                is_signatory=position == 0,
            )
        )
    interactions = []
    for _i in range(rng.randint(1, 6)):
        kind = weighted(rng, ["call", "meeting", "visit", "email", "note"], [4, 2, 2, 2, 1])
        contact = rng.randrange(len(contacts))
        topic, feedback = rng.choice(INTERACTION_TOPICS), rng.choice(INTERACTION_FEEDBACK)
        text = {
            "call": f"电话沟通{topic}，客户{feedback}。",
            "meeting": f"与客户{contacts[contact].title}开会讨论{topic}，{feedback}。",
            "visit": f"上门拜访客户，了解{topic}，客户{feedback}。",
            "email": f"邮件发送{rng.choice(INTERACTION_DOCUMENTS)}，请客户确认。",
            "note": rng.choice(INTERACTION_NOTES),
        }[kind]
        interactions.append(
            InteractionPlan(
                kind=kind,
                date=today - dt.timedelta(days=rng.randint(0, 540)),
                text=text,
                contact=None if kind == "note" else contact,
            )
        )
    interactions.sort(key=lambda i: i.date)
    notes = "外商投资企业，合同以中英文双语签署。" if english else ""
    return CustomerPlan(
        name=name,
        short=brand,
        english=english,
        credit_code=code,
        industry=trade.industry,
        level=level,
        status=status,
        region=city.region,
        city=city.name,
        address=address,
        owner=city.sales,
        tags=tuple(sorted(tags)),
        notes=notes,
        contacts=tuple(contacts),
        interactions=tuple(interactions),
        north=city.north,
    )


def _term(rng: random.Random, code: str) -> int:
    """Contract term in years."""
    return {
        "XS": 1,
        "CG": 1,
        "FW": weighted(rng, [1, 2, 3], [6, 3, 1]),
        "KJ": weighted(rng, [2, 3], [1, 1]),
        "BM": weighted(rng, [2, 3, 5], [2, 2, 1]),
        "ZL": weighted(rng, [1, 2, 3], [3, 2, 1]),
    }[code]


def _title(rng: random.Random, customer: CustomerPlan, code: str, year: int) -> str:
    if customer.english:
        return f"{ENGLISH_TITLES[code]} – {customer.short}"
    short = customer.short
    return {
        "XS": lambda: f"{short}{rng.choice(PRODUCTS)}销售合同",
        "CG": lambda: f"{short}{rng.choice(PURCHASES)}采购合同",
        "FW": lambda: (
            f"{short}{rng.choice(SERVICES)}服务合同"
            if rng.random() < 0.7
            else f"{year}年度{rng.choice(SERVICES)}服务合同（{short}）"
        ),
        "KJ": lambda: f"{short}{year}年度战略合作框架协议" if rng.random() < 0.6 else f"{short}采购框架协议",
        "BM": lambda: f"{short}项目合作保密协议" if rng.random() < 0.7 else f"{short}保密协议（双向）",
        "ZL": lambda: f"{customer.city}{rng.choice(LEASED)}租赁合同",
    }[code]()


def _amount(rng: random.Random, code: str, years: int) -> tuple[Decimal, str]:
    """The contract amount and a line for the description (leases state their monthly rent)."""
    if code == "XS":
        return Decimal(rng.randint(50, 5000) * 1000), DESCRIPTIONS["XS"]
    if code == "CG":
        return Decimal(rng.randint(20, 2000) * 1000) + Decimal(rng.choice(["0", "0.50", "80"])), DESCRIPTIONS[
            "CG"
        ]
    if code == "FW":
        return Decimal(rng.randint(30, 1200) * 1000 * years), DESCRIPTIONS["FW"]
    if code == "KJ":
        return (Decimal(0) if rng.random() < 0.5 else Decimal(rng.randint(100, 1000) * 10000)), DESCRIPTIONS[
            "KJ"
        ]
    if code == "BM":
        return Decimal(0), DESCRIPTIONS["BM"]
    monthly = rng.randint(8, 80) * 1000
    return Decimal(monthly * 12 * years), f"月租金 ¥{monthly:,}，按季度预付，押金为两个月租金。"


def _anniversary_end(start: dt.date, years: int) -> dt.date:
    return shift(start, years, "years") - dt.timedelta(days=1)


def _start_for_end(end: dt.date, years: int) -> dt.date:
    return shift(end + dt.timedelta(days=1), -years, "years")


def _plan_contract(
    rng: random.Random,
    key: int,
    state: str,
    active_kind: str,
    customers: list[CustomerPlan],
    weights: list[float],
    today: dt.date,
) -> ContractPlan:
    index = rng.choices(range(len(customers)), weights=weights, k=1)[0]
    customer = customers[index]
    code = weighted(rng, TYPE_CODES, TYPE_WEIGHTS)
    years = _term(rng, code)
    # Mostly the customer's own salesperson; sometimes a colleague or a manager owns the deal.
    roll = rng.random()
    if roll < 0.85:
        owner = customer.owner
    elif roll < 0.95:
        owner = rng.choice([s for s in SALES if s != customer.owner])
    else:
        owner = "east_manager" if customer.owner in EAST_SALES else "manager"
    if owner == "manager":
        approver = "legal"
    elif owner == "east_manager":
        approver = rng.choice(["legal", "manager"])
    else:
        approver = rng.choice(["legal", "legal", "east_manager" if owner in EAST_SALES else "manager"])
    evergreen = (code == "BM" and rng.random() < 0.4) or (code == "KJ" and rng.random() < 0.2)
    auto_renew = code in {"FW", "ZL", "KJ", "BM"} and rng.random() < 0.35
    days = dt.timedelta
    signed = terminated_on = None
    note = reject_note = ""
    steps = ["submit"]
    if rng.random() < 0.06:
        steps += ["reject", "submit"]
        reject_note = rng.choice(REJECT_NOTES)
    steps.append("approve")

    if state in {"draft", "in_review", "approved", "signing", "cancelled"}:
        created = today - days(rng.randint(0, 40) if state != "cancelled" else rng.randint(10, 500))
        effective = (created if state == "cancelled" else today) + days(rng.randint(7, 75))
        end = None if evergreen else _anniversary_end(effective, years)
        paths = {"draft": [], "in_review": ["submit"], "approved": steps, "signing": [*steps, "send"]}
        if state == "cancelled":
            stage = weighted(rng, ["draft", "in_review", "approved", "signing"], [4, 3, 1, 2])
            steps = [*paths[stage], "cancel"]
            note = rng.choice(CANCEL_NOTES)
        else:
            steps = paths[state]
    elif state == "signed":
        signed = today - days(rng.randint(0, 12))
        effective = today + days(rng.randint(5, 60))
        end = None if evergreen else _anniversary_end(effective, years)
        created = signed - days(rng.randint(5, 30))
        steps += ["send", "sign"] if rng.random() < 0.8 else ["sign"]
    else:  # signed in the past and active at once, then perhaps ended
        evergreen = state == "active" and active_kind == "evergreen"
        if evergreen:
            end, effective = None, today - days(rng.randint(30, 900))
        elif state == "active" and active_kind == "ending":
            auto_renew = False
            end = today + days(rng.randint(1, 85))
            effective = _start_for_end(end, years)
        elif state == "active" and active_kind == "notice":
            # The deadline is the end date less the notice period; starting 10 days out leaves room for
            # moving it back to a business day before a holiday.
            auto_renew = True
            period, unit = rng.choice(NOTICES)
            end = shift(today + days(rng.randint(10, 80)), period, unit)
            effective = _start_for_end(end, years)
        elif state == "active":
            end = today + days(rng.randint(91, 365 * years - 1))
            effective = _start_for_end(end, years)
        elif state == "expired":
            auto_renew = False
            end = today - days(rng.randint(5, 400))
            effective = _start_for_end(end, years)
        elif state == "renewed":
            end = today + days(rng.randint(-250, 40))
            effective = _start_for_end(end, years)
        else:  # terminated: active for a while, ended before its term by a decision of legal
            effective = today - days(rng.randint(60, 330))
            end = _anniversary_end(effective, years)
            terminated_on = today - days(rng.randint(0, min(50, (today - effective).days)))
            note = rng.choice(TERMINATE_NOTES)
        signed = min(effective, today) - days(rng.randint(0, 20))
        created = signed - days(rng.randint(5, 40))
        steps += ["send", "sign"] if rng.random() < 0.8 else ["sign"]
        if state == "expired":
            steps.append("expire")
        elif state == "renewed":
            if end < today and rng.random() < 0.5:
                steps.append("expire")
            steps.append("renew")
            note = "已续签新合同"
        elif state == "terminated":
            steps.append("terminate")
    if end is None:
        auto_renew = False
    if state == "active" and active_kind == "notice":
        notice_period, notice_unit = period, unit
    elif auto_renew or (end is not None and rng.random() < 0.25):
        notice_period, notice_unit = rng.choice(NOTICES)
    else:
        notice_period, notice_unit = None, "days"
    if state == "active" and active_kind == "ending" and notice_period is not None:
        notice_period, notice_unit = None, "days"  # keep "ending soon" apart from "notice due"
    if rng.random() < 0.3:
        steps.insert(0, "upload_draft")
    amount, description = _amount(rng, code, years)
    tags = set()
    if customer.level == "strategic" or amount >= 2_000_000:
        tags.add("重点项目")
    if code == "KJ":
        tags.add("年度框架")
    return ContractPlan(
        key=key,
        customer=index,
        owner=owner,
        type_code=code,
        title=_title(rng, customer, code, created.year),
        amount=amount,
        currency="USD" if customer.english and rng.random() < 0.3 else "CNY",
        entity=NORTH_ENTITY if customer.north else 0,
        created=min(created, today),
        effective_date=effective,
        end_date=end,
        auto_renew=auto_renew,
        renewal_term=(1 if auto_renew else None),
        renewal_unit="years",
        notice_period=notice_period,
        notice_unit=notice_unit,
        description=description,
        tags=tuple(sorted(tags)),
        state=state,
        steps=tuple(steps),
        approver=approver,
        signed_date=signed,
        terminated_on=terminated_on,
        note=note,
        reject_note=reject_note if "reject" in steps else "",
    )


def _successor(rng: random.Random, key: int, old: ContractPlan, today: dt.date) -> ContractPlan:
    """The new contract that renews `old`: same customer and terms, starting the day after it ends."""
    years = 1 if old.type_code in {"XS", "CG"} else rng.choice([1, 2])
    effective = old.end_date + dt.timedelta(days=1)
    signed = min(today, effective - dt.timedelta(days=1)) - dt.timedelta(days=rng.randint(0, 20))
    state = "active" if effective <= today else "signed"
    steps = ("submit", "approve", "send", "sign")
    return ContractPlan(
        key=key,
        customer=old.customer,
        owner=old.owner,
        type_code=old.type_code,
        title=old.title if old.title.endswith("（续签）") else f"{old.title}（续签）",
        amount=old.amount,
        currency=old.currency,
        entity=old.entity,
        created=signed - dt.timedelta(days=rng.randint(3, 20)),
        effective_date=effective,
        end_date=_anniversary_end(effective, years),
        auto_renew=old.auto_renew,
        renewal_term=old.renewal_term,
        renewal_unit=old.renewal_unit,
        notice_period=old.notice_period,
        notice_unit=old.notice_unit,
        description=old.description,
        tags=tuple(sorted({*old.tags, "续签"})),
        state=state,
        steps=steps,
        approver=old.approver,
        signed_date=signed,
        renews=old.key,
    )


def make_plan(
    *, seed: int = 42, customers: int = 200, contracts: int = 1000, today: dt.date | None = None
) -> Plan:
    """Decide all the demo data. Pure: touches no database."""
    today = today or company_today()
    rng = random.Random(seed)
    plan = Plan(seed=seed, today=today)
    used_names: set[str] = set()
    used_codes: set[str] = set()
    for index in range(max(customers, 1)):
        plan.customers.append(_plan_customer(rng, index, today, used_names, used_codes))
    # Contracts go to customers that buy: prospects have none, strategic ones have many.
    weights = [0.0 if c.status == "prospect" else LEVEL_CONTRACT_WEIGHT[c.level] for c in plan.customers]
    if not any(weights):
        weights = [1.0] * len(plan.customers)
    # The first contracts take every state once, and the first active ones every kind of active, so even a
    # small run shows every status, an expiry and a notice deadline within 90 days.
    active_seen = 0
    picked = 0
    while len(plan.contracts) < contracts:
        state = STATES[picked] if picked < len(STATES) else weighted(rng, STATES, STATE_WEIGHTS)
        picked += 1
        kind = ""
        if state == "active":
            kind = (
                ACTIVE_KINDS[active_seen]
                if active_seen < len(ACTIVE_KINDS)
                else weighted(rng, ACTIVE_KINDS, ACTIVE_KIND_WEIGHTS)
            )
            active_seen += 1
        item = _plan_contract(rng, len(plan.contracts), state, kind, plan.customers, weights, today)
        plan.contracts.append(item)
        if state == "renewed" and len(plan.contracts) < contracts:
            plan.contracts.append(_successor(rng, len(plan.contracts), item, today))
    # Load in the order they were drafted, so numbers and ids grow with time as in a real history.
    plan.contracts.sort(key=lambda c: (c.created, c.key))
    return plan


# --- loading ---------------------------------------------------------------------------------------------


def is_empty() -> bool:
    from hetong.contracts.models import Contract
    from hetong.customers.models import Customer

    return not Customer.objects.exists() and not Contract.objects.exists()


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pdf(contract, label: str) -> SimpleUploadedFile:
    # A tiny but well-formed PDF; the number in a comment makes each file's SHA-256 its own.
    body = (
        "%PDF-1.4\n"
        f"% {contract.number} {label}\n"
        "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        "trailer<</Root 1 0 R>>\n%%EOF\n"
    ).encode()
    return SimpleUploadedFile(f"{contract.number}-{label}.pdf", body, content_type="application/pdf")


def _draft_text(contract, plan: ContractPlan, customer) -> SimpleUploadedFile:
    text = (
        f"{contract.title}\n\n合同编号：{contract.number}\n甲方：{contract.entity.name}\n乙方：{customer.name}\n"
        f"合同金额：{contract.currency} {plan.amount:,.2f}\n"
        f"合同期限：{plan.effective_date or '待定'} 至 {plan.end_date or '长期有效'}\n\n{plan.description}\n"
    )
    return SimpleUploadedFile(f"{contract.number}-合同正文.txt", text.encode(), content_type="text/plain")


def _create_org(progress: Callable[[str], None]) -> dict:
    from django.contrib.auth.hashers import make_password

    from hetong.accounts.models import Department, User
    from hetong.contracts.models import LegalEntity

    departments: dict[str, Department] = {}
    for key, name, parent in DEPARTMENTS:
        departments[key], _created = Department.objects.get_or_create(
            name=name, parent=departments[parent] if parent else None
        )
    # One hash per password: PBKDF2 is slow on purpose, and these passwords are published in the README.
    hashes = {password: make_password(password) for password in {p[1] for p in PERSONAS}}
    users: dict[str, User] = {}
    for username, password, role, department, display, superuser, heads in PERSONAS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username,
                password=hashes[password],
                role=role,
                department=departments[department],
                display_name=display,
                email=f"{username}@example.com",
                is_staff=superuser,
                is_superuser=superuser,
                language="zh-hans",
                time_zone="Asia/Shanghai",
            )
        else:
            progress(f"user {username} exists already: kept as it is")
        users[username] = user
        for key in heads:
            Department.objects.filter(pk=departments[key].pk).update(head=user)
    entities = []
    for name, body, address, representative in ENTITIES:
        entity, _created = LegalEntity.objects.get_or_create(
            credit_code=body + check_char(body),
            defaults={"name": name, "address": address, "legal_representative": representative,
                      **ENTITY_DETAILS.get(name, {})},
        )
        entities.append(entity)
    from hetong.contracts.demo import create_catalogue
    from hetong.esign.demo import give_entities_seals

    give_entities_seals(entities, by=users["admin"])
    return {"users": users, "entities": entities, "types": {}, "products": create_catalogue(by=users["admin"]),
            "identities": {}}


def _create_customer(plan: CustomerPlan, org: dict):
    from hetong.customers.services import add_contact, create_customer, log_interaction

    owner = org["users"][plan.owner]
    customer = create_customer(
        by=owner,
        data={
            "name": plan.name,
            "credit_code": plan.credit_code,
            "industry": plan.industry,
            "level": plan.level,
            "region": plan.region,
            "address": plan.address,
            "status": plan.status,
            "notes": plan.notes,
            "tags": list(plan.tags),
        },
    )
    contacts = [
        add_contact(
            customer,
            by=owner,
            data={
                "name": c.name,
                "title": c.title,
                "phone": c.phone,
                "email": c.email,
                "is_signatory": c.is_signatory,
            },
        )
        for c in plan.contacts
    ]
    for item in plan.interactions:
        log_interaction(
            customer,
            by=owner,
            kind=item.kind,
            text=item.text,
            date=item.date,
            contact=contacts[item.contact] if item.contact is not None else None,
        )
    return customer


SIGNED_ONLINE = {"signed", "active"}  # states whose demo contracts carry a real signed PDF (esign/demo.py)


def _identity(org: dict, name: str, email: str, **owner):
    from hetong.esign import pki

    if email not in org["identities"]:
        org["identities"][email] = pki.issue_identity(name, email, **owner)
    return org["identities"][email]


def _signing_job(contract, customer, org: dict, signatory):
    """Our signatory with the entity's seal, then the customer's signatory contact."""
    from hetong.esign import demo as esign_demo

    contact = customer.contacts.filter(is_signatory=True).exclude(email="").order_by("pk").first()
    if contact is None or not signatory.email:
        return None
    ours_name = signatory.display_name or signatory.username
    ours = _identity(org, ours_name, signatory.email, user=signatory)
    theirs = _identity(org, contact.name, contact.email, contact=contact)
    entity = contract.entity
    return esign_demo.Job(
        html=esign_demo.contract_html(contract, customer, entity, ours=ours_name, theirs=contact.name),
        ours=esign_demo.party(ours, [ours_name, entity.name], bytes(entity.seal) if entity.seal else None),
        theirs=esign_demo.party(theirs, [contact.name, customer.name]),
        authority=org.setdefault("authority", esign_demo.authority_fields()),
    )


def _create_contract(plan: ContractPlan, customer, org: dict, numbers: dict[int, str], pending: list | None = None):
    """The contract through the plan's steps. When `pending` is given, a contract to be signed online stops before
    its signing step and waits there for its signed PDF: (contract, plan, get-the-bytes) is appended."""
    from hetong.contracts import services
    from hetong.contracts.models import ContractFile, ContractType

    users = org["users"]
    owner, approver = users[plan.owner], users[plan.approver]
    contract_type = org["types"].get(plan.type_code)
    if contract_type is None:
        contract_type = org["types"][plan.type_code] = ContractType.objects.get(code=plan.type_code)
    data = {
        "title": plan.title,
        "contract_type": contract_type.pk,
        "customer": customer.pk,
        "entity": org["entities"][plan.entity].pk,
        "amount": plan.amount,
        "currency": plan.currency,
        "effective_date": plan.effective_date,
        "end_date": plan.end_date,
        "auto_renew": plan.auto_renew,
        "renewal_term": plan.renewal_term,
        "renewal_unit": plan.renewal_unit,
        "notice_period": plan.notice_period,
        "notice_unit": plan.notice_unit,
        "description": plan.description,
        "tags": list(plan.tags),
    }
    if plan.renews is not None:
        data["description"] = f"续签合同 {numbers[plan.renews]}。{plan.description}"
    creator = owner
    if plan.owner != customer.owner.username:
        # Only a manager may open a contract for a colleague's customer on someone else's behalf.
        creator = users["manager"]
        data.update(owner=owner.pk, department=owner.department_id)
    with transaction.atomic():
        # The number counts in the year the contract was drafted (HT-XS-2024-00012), from the same counter
        # the number rule uses, so contracts created later in the app continue the sequence.
        data["number"] = services.next_number(contract_type, on=plan.created)
        contract = services.create_contract(by=creator, data=data)
    numbers[plan.key] = contract.number
    if org.get("products"):  # priced line by line while a draft, adding up to the planned amount
        from hetong.contracts.demo import add_lines

        add_lines(contract, key=plan.key, type_code=plan.type_code, products=org["products"], by=owner)
    for step in plan.steps:
        if step == "upload_draft":
            services.upload_file(
                contract, by=owner, upload=_draft_text(contract, plan, customer), kind=ContractFile.Kind.DRAFT
            )
        elif step == "submit":
            contract = services.submit_contract(contract, by=owner)
        elif step == "reject":
            contract = services.reject_contract(contract, by=approver, note=plan.reject_note)
        elif step == "approve":
            contract = services.approve_contract(contract, by=approver)
        elif step == "send":
            contract = services.send_contract_for_signing(contract, by=owner)
        elif step == "sign":
            online = pending is not None and plan.state in SIGNED_ONLINE
            job = _signing_job(contract, customer, org, approver) if online else None
            if job is not None:  # signed in a worker; _sign_online finishes it
                pending.append((contract, plan, org["signing"].submit(job)))
                return contract
            contract = services.sign_contract(
                contract, by=owner, signed_date=plan.signed_date, signed_file=_pdf(contract, "签署版")
            )
        elif step == "expire":
            contract = services.expire_contract(contract, by=users["admin"], note="合同期满")
        elif step == "renew":
            contract = services.renew_contract(contract, by=owner, note=plan.note)
        elif step == "terminate":
            contract = services.terminate_contract(
                contract, by=users["legal"], terminated_on=plan.terminated_on, note=plan.note
            )
        elif step == "cancel":
            contract = services.cancel_contract(contract, by=owner, note=plan.note)
        else:
            raise ValueError(f"unknown demo step {step!r}")
    if contract.status != plan.state:
        raise RuntimeError(f"demo contract {contract.number} ended {contract.status}, planned {plan.state}")
    return contract


def load(plan: Plan, *, progress: Callable[[str], None] = print, batch: int = 50, workers: int | None = None) -> dict:
    """Create the plan's data through the services. Returns counts for a summary. `workers` processes sign the
    online-signed contracts' PDFs (default one a CPU; 0 signs in this process)."""
    with transaction.atomic():
        org = _create_org(progress)
    customers = []
    # Batches in one transaction each: SQLite commits (and syncs) once per batch instead of once per call.
    for rows in _batches(plan.customers, batch):
        with transaction.atomic():
            customers.extend(_create_customer(row, org) for row in rows)
        progress(f"customers {len(customers)}/{len(plan.customers)}")
    numbers: dict[int, str] = {}
    states: Counter = Counter()
    done = 0
    from hetong.esign.demo import SigningPool

    with SigningPool(workers) as org["signing"]:
        for rows in _batches(plan.contracts, batch):
            with transaction.atomic():
                pending: list = []
                for row in rows:
                    contract = _create_contract(row, customers[row.customer], org, numbers, pending)
                    if not any(contract is waiting for waiting, _plan, _get in pending):
                        states[contract.status] += 1
                for contract, row, signed_pdf in pending:  # the workers signed these meanwhile
                    contract = _sign_online(contract, row, org, signed_pdf())
                    states[contract.status] += 1
            done += len(rows)
            if done % 200 < batch or done == len(plan.contracts):
                progress(f"contracts {done}/{len(plan.contracts)}")
    return {"customers": len(customers), "contracts": done, "states": dict(states)}


def _sign_online(contract, plan: ContractPlan, org: dict, data: bytes):
    from hetong.contracts import services

    upload = SimpleUploadedFile(f"{contract.number}-签署版.pdf", data, content_type="application/pdf")
    contract = services.sign_contract(contract, by=org["users"][plan.owner], signed_date=plan.signed_date,
                                      signed_file=upload, note="双方在线签署（PAdES）")
    if contract.status != plan.state:
        raise RuntimeError(f"demo contract {contract.number} ended {contract.status}, planned {plan.state}")
    return contract
