import pytest

from hetong.contracts.models import Contract
from hetong.customers.models import Customer
from hetong.search.backend import index_text


def test_chinese_is_indexed_as_bigrams():
    assert index_text("华运物流") == "华运 运物 物流"
    assert index_text("合同 Co., Ltd. HT-XS-2026-00042") == "合同 co ltd ht xs 2026 00042"


@pytest.fixture
def corpus(sales_owner, make_customer, make_contract):
    huayun = make_customer(sales_owner, name="上海华运物流有限公司")
    acme = make_customer(sales_owner, name="Acme (Shanghai) Trading Co., Ltd.")
    return {
        "logistics": make_contract(sales_owner, huayun, title="年度运输服务合同"),
        "software": make_contract(sales_owner, acme, title="Software licence and support agreement"),
        "lease": make_contract(sales_owner, acme, title="办公室租赁合同"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [("物流", {"logistics"}), ("华运", {"logistics"}), ("运物流", {"logistics"}), ("运输服务", {"logistics"}),
     ("租赁", {"lease"}), ("合同", {"logistics", "lease"}), ("acme", {"software", "lease"}),
     ("licen", {"software"}), ("SOFTWARE support", {"software"}), ("acme 租赁", {"lease"}), ("流服", set()),
     ("物流 software", set()), ("'\"*()^:", set())],
)
def test_contract_search(corpus, query, expected):
    found = set(Contract.objects.search(query).values_list("pk", flat=True))
    assert found == {corpus[name].pk for name in expected}


def test_search_by_number(corpus):
    number = corpus["lease"].number
    assert list(Contract.objects.search(number)) == [corpus["lease"]]
    assert list(Contract.objects.search(number[-5:])) == [corpus["lease"]] or corpus["lease"] in Contract.objects.search(number[-5:])


def test_customer_search(corpus):
    assert [c.name for c in Customer.objects.search("物流")] == ["上海华运物流有限公司"]
    assert [c.name for c in Customer.objects.search("trading")] == ["Acme (Shanghai) Trading Co., Ltd."]


def test_search_combines_with_scope(corpus, other_sales):
    assert not Contract.objects.visible_to(other_sales).search("物流").exists()


def test_blank_search_is_no_filter(corpus):
    assert Contract.objects.search("  ").count() == 3


def test_index_repairs_itself_after_a_table_rebuild(corpus, sales_owner, make_customer, make_contract):
    """On SQLite a migration that rebuilds a table drops its triggers; the post-migrate check restores them."""
    from django.db import connection

    from hetong.search.backend import drop_index, ensure_index

    if connection.vendor != "sqlite":
        pytest.skip("only SQLite rebuilds tables (and drops their triggers) in migrations")
    drop_index(connection, "contracts_contract")
    assert ensure_index(connection, "contracts_contract") is True
    assert ensure_index(connection, "contracts_contract") is False
    newer = make_contract(sales_owner, make_customer(sales_owner), title="仓储物流外包合同")
    assert set(Contract.objects.search("物流")) == {corpus["logistics"], newer}
