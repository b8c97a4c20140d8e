"""The demo's product catalogue and each demo contract's line items (called from hetong/core/demo.py).

The lines of a contract are chosen from its plan's key alone, so a seed always gives the same lines, and they
add up to the planned amount exactly: the last line is a lump sum (quantity 1) at what remains. They are added
through the services while the contract is a draft, so each one has its audit event.
"""

import random
from decimal import ROUND_DOWN, Decimal

from .models import Product
from .services import items as item_services

# (code, name, specification, unit, list price, tax rate %, lump sum): logistics and warehousing (transport
# 9 %, other services 6 %), IT (software and goods 13 %, services 6 %), equipment (13 %), leases (9 %).
# fmt: off
CATALOGUE = [
    ("WL-001", "城市配送服务", "4.2 米厢式货车，市内 50 公里以内", "车次", "380.00", "9", False),
    ("WL-002", "城市配送服务", "7.6 米厢式货车，市内 50 公里以内", "车次", "620.00", "9", False),
    ("WL-003", "干线运输服务", "9.6 米厢式货车，整车", "车次", "5800.00", "9", False),
    ("WL-004", "冷链运输", "4.2 米冷藏车，-18℃～4℃ 全程温控", "车次", "960.00", "9", False),
    ("WL-005", "冷链运输", "9.6 米冷藏车，整车，全程温控", "车次", "8600.00", "9", False),
    ("WL-006", "装卸搬运服务", "标准托盘，含叉车作业", "托", "25.00", "6", False),
    ("CC-001", "仓储服务", "常温库，标准托盘 1.2×1.0 米，按月计", "托", "45.00", "6", False),
    ("CC-002", "仓储服务", "冷藏库 0～4℃，标准托盘，按月计", "托", "120.00", "6", False),
    ("CC-003", "仓储管理服务", "WMS 运营、库存盘点与报表", "月", "18000.00", "6", False),
    ("CC-004", "物流方案设计与实施", "仓网规划、流程设计与上线支持，总价包干", "项", "80000.00", "6", True),
    ("RJ-001", "合同管理软件许可", "企业版，永久许可，含 50 个用户", "套", "128000.00", "13", False),
    ("RJ-002", "智能仓储管理系统许可", "标准版，单仓", "套", "96000.00", "13", False),
    ("RJ-003", "数据分析平台订阅", "专业版，年度订阅", "套", "36000.00", "6", False),
    ("RJ-004", "电子签章系统", "含 1 个企业印章与 1000 次签署", "套", "28000.00", "13", False),
    ("FW-001", "实施服务", "需求调研、配置与上线", "人天", "2200.00", "6", False),
    ("FW-002", "运维服务", "7×24 小时远程运维，月度巡检", "月", "8500.00", "6", False),
    ("FW-003", "培训服务", "现场培训，每期不超过 20 人", "人天", "3000.00", "6", False),
    ("FW-004", "系统集成服务", "软硬件集成与联调，总价包干", "项", "60000.00", "6", True),
    ("SB-001", "服务器", "2U 双路，2×16 核，256 GB 内存，4×4 TB", "台", "45800.00", "13", False),
    ("SB-002", "存储设备", "统一存储，双控，有效容量 100 TB", "台", "168000.00", "13", False),
    ("SB-003", "网络交换机", "48 口千兆，4 个万兆上联", "台", "6800.00", "13", False),
    ("SB-004", "冷链监控终端", "温湿度与定位，4G 回传", "台", "1280.00", "13", False),
    ("SB-005", "工业物联网传感器", "振动与温度，含网关", "套", "3600.00", "13", False),
    ("SB-006", "笔记本电脑", "14 英寸，16 GB 内存，512 GB 固态硬盘", "台", "6500.00", "13", False),
    ("SB-007", "设备安装调试", "到场安装、调试与验收，总价包干", "项", "20000.00", "13", True),
    ("ZL-001", "仓库租赁", "高标准仓，单层，按月计租", "月", "60000.00", "9", False),
    ("ZL-002", "办公场地租赁", "甲级写字楼，按月计租", "月", "30000.00", "9", False),
]
# Which products each type of contract takes its lines from.
POOLS = {
    "XS": ["RJ-001", "RJ-002", "RJ-003", "RJ-004", "SB-001", "SB-002", "SB-004", "SB-005", "FW-001", "FW-003", "FW-004",
           "SB-007"],
    "CG": ["SB-001", "SB-002", "SB-003", "SB-004", "SB-006", "SB-007"],
    "FW": ["WL-001", "WL-002", "WL-003", "WL-004", "WL-005", "WL-006", "CC-001", "CC-002", "CC-003", "CC-004", "FW-002",
           "FW-004"],
    "KJ": ["WL-003", "WL-005", "CC-001", "CC-003", "RJ-002", "SB-004", "CC-004", "FW-004"],
    "ZL": ["ZL-001", "ZL-002"],
}
# fmt: on
DISCOUNTS = [Decimal(0), Decimal(0), Decimal(0), Decimal(5), Decimal(10)]
# Foreign-currency contracts price the same things at about this many yuan to the unit.
YUAN_PER_UNIT = {"USD": Decimal("7.1"), "EUR": Decimal("7.8"), "HKD": Decimal("0.91")}
CENT = Decimal("0.01")


def create_catalogue(*, by) -> dict[str, Product]:
    """The catalogue's products by code; those that exist already are kept as they are."""
    existing = {p.code: p for p in Product.objects.filter(code__in=[row[0] for row in CATALOGUE])}
    products = {}
    for code, name, specification, unit, price, tax_rate, _lump in CATALOGUE:
        products[code] = existing.get(code) or item_services.save_product(
            by=by,
            data={
                "code": code,
                "name": name,
                "specification": specification,
                "unit": unit,
                "list_price": price,
                "tax_rate": tax_rate,
            },
        )
    return products


def plan_lines(key: int, type_code: str, amount: Decimal, currency: str, months: int = 12) -> list[dict]:
    """The line items of one demo contract, as service input, adding up to `amount` exactly. `months`: the
    contract's term, which a lease charges month by month."""
    pool = POOLS.get(type_code)
    if not pool or amount <= 0:
        return []
    rng = random.Random(f"demo-lines-{key}")
    rate = YUAN_PER_UNIT.get(currency, Decimal(1))
    prices = {row[0]: (Decimal(row[4]) / rate).quantize(CENT) for row in CATALOGUE}
    if type_code == "ZL":
        return _lease(rng.choice(pool), amount, max(months, 1))
    lump = {row[0] for row in CATALOGUE if row[6]}
    last = rng.choice([code for code in pool if code in lump])
    priced = [code for code in pool if code not in lump]
    lines, remaining = [], amount
    for code in rng.sample(priced, k=min(len(priced), rng.randint(0, 3))):
        discount = rng.choice(DISCOUNTS)
        share = remaining * Decimal(rng.randint(25, 70)) / 100
        quantity = (share / (prices[code] * (100 - discount) / 100)).quantize(Decimal(1), rounding=ROUND_DOWN)
        if quantity < 1:
            continue
        total = item_services.line_total(quantity, prices[code], discount)
        if total >= remaining:
            continue
        lines.append({"product": code, "quantity": quantity, "unit_price": prices[code], "discount": discount})
        remaining -= total
    lines.append({"product": last, "quantity": Decimal(1), "unit_price": remaining})
    return lines


def _lease(code: str, amount: Decimal, months: int) -> list[dict]:
    """A lease is its term's months of rent; a rent that does not divide into cents puts the odd cents on
    the last month."""
    rent = (amount / months).quantize(CENT, rounding=ROUND_DOWN)
    last = amount - rent * (months - 1)
    if months == 1 or last == rent:
        return [{"product": code, "quantity": Decimal(months), "unit_price": last}]
    return [
        {"product": code, "quantity": Decimal(months - 1), "unit_price": rent},
        {"product": code, "quantity": Decimal(1), "unit_price": last},
    ]


def add_lines(contract, *, key: int, type_code: str, products: dict[str, Product], by) -> None:
    """Give a draft demo contract its planned lines (through the services, so each is audited)."""
    months = 12
    if contract.effective_date and contract.end_date:
        months = round((contract.end_date - contract.effective_date).days / 30.4375)
    lines = plan_lines(key, type_code, contract.amount, contract.currency, months)
    if lines:
        lines = [{**line, "product": products[line["product"]].pk} for line in lines]
        item_services.add_line_items(contract, by=by, lines=lines)
        contract.refresh_from_db(fields=["amount", "version", "updated_at"])
