"""Deterministic rows for the benchmark: customers and contracts as {attname: value} dicts.

The same seed gives the same rows, and the same rows go to both the ORM load and the bare `executemany`
floor. Names and titles use the demo's word lists (hetong/core/demo.py) so that search terms such as 物流
hit a realistic share of rows. Columns this module does not set get the model field's default, so a column
added later does not break the bench.
"""

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import NamedTuple

from django.utils import timezone

from hetong.contracts.models import Contract
from hetong.contracts.services import notice_deadline_for
from hetong.core import demo
from hetong.core.uscc import check_char
from hetong.core.workdays import WorkCalendar
from hetong.customers.models import Customer
from hetong.search.backend import index_text

# Status shares in a large, old book of contracts: most are in force or history.
STATUS_WEIGHTS = {
    "active": 45,
    "expired": 20,
    "renewed": 8,
    "terminated": 5,
    "cancelled": 6,
    "draft": 6,
    "in_review": 3,
    "approved": 2,
    "signing": 2,
    "signed": 3,
}
SIGNED_STATES = {"active", "expired", "renewed", "terminated", "signed"}
OPEN_STATES = {"draft", "in_review", "approved", "signing", "cancelled"}

CALENDAR = WorkCalendar()  # the library's holidays; the bench database has no overrides


def _defaults(model) -> dict:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields}


class World:
    """The few fixed rows the generated ones point at: owners, departments, types, signing entities."""

    def __init__(self, *, owners: list[tuple[int, int]], types: dict[str, int], entities: list[int]):
        self.owners = owners  # (user id, department id) of each salesperson
        self.types = types  # type code -> id
        self.entities = entities


class CustomerInfo(NamedTuple):
    name: str
    english: bool
    brand: str
    city: str
    owner: int  # index into World.owners


def customers(
    world: World, *, count: int, seed: int, chunk: int, info: list[CustomerInfo]
) -> Iterator[list[dict]]:
    """Customer rows in chunks; row i has id i (1-based). Appends what contracts need to `info`."""
    rng = random.Random(seed)
    base = _defaults(Customer)
    now = timezone.now()
    cities = demo.CITIES
    city_weights = [c.weight for c in cities]
    trade_weights = [t.weight for t in demo.TRADES]
    rows = []
    for pk in range(1, count + 1):
        city = rng.choices(cities, weights=city_weights, k=1)[0]
        trade = rng.choices(demo.TRADES, weights=trade_weights, k=1)[0]
        english = rng.random() < 0.05
        if english:
            brand = rng.choice(demo.ENGLISH_BRANDS)
            name = f"{brand} ({city.pinyin}) {trade.english} Co., Ltd."
        else:
            brand = rng.choice(demo.BRANDS)[0]
            name = demo.company_name(rng, city, brand, trade)
        body = f"91{rng.choice(city.divisions)}{pk:09d}"  # unique by id, valid by its check character
        code = body + check_char(body)
        owner, department = world.owners[pk % len(world.owners)]
        info.append(CustomerInfo(name, english, brand, city.name, pk % len(world.owners)))
        row = dict(base)
        row.update(
            id=pk,
            created_at=now,
            updated_at=now,
            name=name,
            credit_code=code,
            industry=trade.industry,
            level=rng.choices(["strategic", "key", "normal", "small"], weights=[1, 4, 11, 4], k=1)[0],
            region=city.region,
            address=f"{city.region}{rng.choice(city.districts)}{rng.choice(demo.ROADS)}"
            f"{rng.randint(1, 2000)}号",
            owner_id=owner,
            department_id=department,
            status="active",
            search_tokens=index_text(name, code, city.region),
        )
        rows.append(row)
        if len(rows) == chunk:
            yield rows
            rows = []
    if rows:
        yield rows


def contracts(
    world: World, *, count: int, customers: list[CustomerInfo], seed: int, chunk: int, today: dt.date,
    payable: list | None = None,
) -> Iterator[list[dict]]:
    """Contract rows in chunks; row i has id i. Customers are skewed: a few have thousands of contracts.
    `payable` gets (id, amount, effective date, owner) of each signed contract with an amount, for `payments`."""
    customer_count = len(customers)
    rng = random.Random(seed + 1)
    base = _defaults(Contract)
    now = timezone.now()
    states, state_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    days = dt.timedelta
    rows = []
    for pk in range(1, count + 1):
        # u**2 puts customer 1 at about sqrt(1/customers) of all contracts: a few giants, a long tail.
        customer = 1 + int(customer_count * rng.random() ** 2)
        name, english, brand, city, owner_index = customers[customer - 1]
        if rng.random() > 0.9:
            owner_index = rng.randrange(len(world.owners))
        owner, department = world.owners[owner_index]
        code = rng.choices(demo.TYPE_CODES, weights=demo.TYPE_WEIGHTS, k=1)[0]
        status = rng.choices(states, weights=state_weights, k=1)[0]
        years = rng.choice([1, 1, 2, 3])
        evergreen = code in {"BM", "KJ"} and rng.random() < 0.3
        signed = terminated = None
        if status in SIGNED_STATES:
            if status in {"active", "signed"}:
                end = today + days(rng.randint(0, 365 * years))
            else:
                end = today - days(rng.randint(1, 3000))
            effective = end - days(365 * years - 1)
            if status == "signed":
                effective, end = today + days(rng.randint(1, 60)), end + days(60)
            effective = min(effective, end)
            signed = min(effective, today) - days(rng.randint(0, 20))
            if status == "terminated":
                terminated = min(today, effective + days(rng.randint(30, 300)))
        else:
            effective = (
                today + days(rng.randint(-400, 90))
                if status == "cancelled"
                else today + days(rng.randint(5, 90))
            )
            end = effective + days(365 * years - 1)
        if evergreen:
            end = None
        auto_renew = end is not None and rng.random() < 0.25
        notice = (
            rng.choice(demo.NOTICES)
            if end is not None and (auto_renew or rng.random() < 0.3)
            else (None, "days")
        )
        year = (signed or today).year
        number = f"HT-{code}-{year}-{pk:07d}"
        if english:
            title = f"{demo.ENGLISH_TITLES[code]} – {brand}"
        else:
            title = {
                "XS": f"{brand}{rng.choice(demo.PRODUCTS)}销售合同",
                "CG": f"{brand}{rng.choice(demo.PURCHASES)}采购合同",
                "FW": f"{brand}{rng.choice(demo.SERVICES)}服务合同",
                "KJ": f"{brand}{year}年度战略合作框架协议",
                "BM": f"{brand}项目合作保密协议",
                "ZL": f"{city}{rng.choice(demo.LEASED)}租赁合同",
            }[code]
        amount = Decimal(0) if code == "BM" else Decimal(rng.randint(20, 5000) * 1000)
        key_dates = SimpleNamespace(effective_date=effective, end_date=end, auto_renew=auto_renew,
                                    renewal_term=1 if auto_renew else None, renewal_unit="years",
                                    notice_period=notice[0], notice_unit=notice[1])
        row = dict(base)
        row.update(
            id=pk,
            created_at=now,
            updated_at=now,
            number=number,
            title=title,
            contract_type_id=world.types[code],
            customer_id=customer,
            entity_id=world.entities[pk % len(world.entities)],
            owner_id=owner,
            department_id=department,
            amount=amount,
            currency="CNY",
            signed_date=signed,
            effective_date=effective,
            end_date=end,
            auto_renew=auto_renew,
            renewal_term=1 if auto_renew else None,
            renewal_unit="years",
            notice_period=notice[0],
            notice_unit=notice[1],
            notice_deadline=notice_deadline_for(key_dates, CALENDAR),
            status=status,
            submitted_by_id=None if status in {"draft"} else owner,
            status_changed_at=now,
            terminated_on=terminated,
            search_tokens=index_text(number, title, name),
        )
        rows.append(row)
        if payable is not None and status in SIGNED_STATES and amount:
            payable.append((pk, amount, effective, owner))
        if len(rows) == chunk:
            yield rows
            rows = []
    if rows:
        yield rows


def payments(payable: list, *, seed: int, chunk: int, today: dt.date) -> Iterator[tuple[list, list, list]]:
    """Each signed contract's payment plan: 30 % on signing and the rest six months in; what fell due was mostly
    received (a receipt allocated to it), some is late. Chunks of (installments, receipts, allocations) rows."""
    from hetong.payments.models import Allocation, Installment, Receipt

    rng = random.Random(seed + 2)
    defaults = [_defaults(model) for model in (Installment, Receipt, Allocation)]
    now = timezone.now()
    chunks: tuple[list, list, list] = ([], [], [])
    installment_id = receipt_id = 0
    for contract_id, amount, effective, owner in payable:
        first = (amount * Decimal("0.3")).quantize(Decimal("0.01"))
        for position, (kind, share, due) in enumerate(
            (("prepayment", first, effective), ("acceptance", amount - first, effective + dt.timedelta(days=182)))
        ):
            installment_id += 1
            chunks[0].append({**defaults[0], "id": installment_id, "contract_id": contract_id, "position": position,
                              "kind": kind, "amount": share, "due_date": due, "label": ""})
            if due < today and rng.random() < (0.95 if position == 0 else 0.8):
                receipt_id += 1
                received = min(today, due + dt.timedelta(days=rng.randint(0, 60)))
                chunks[1].append({**defaults[1], "id": receipt_id, "contract_id": contract_id, "amount": share,
                                  "received_on": received, "created_by_id": owner, "created_at": now})
                chunks[2].append({**defaults[2], "id": receipt_id, "receipt_id": receipt_id,
                                  "installment_id": installment_id, "amount": share})
        if len(chunks[0]) >= chunk:
            yield chunks
            chunks = ([], [], [])
    if chunks[0]:
        yield chunks
