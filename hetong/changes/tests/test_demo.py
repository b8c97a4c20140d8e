"""The demo links its renewed contracts to their successors and gives terminated ones their written notices."""

import io

import pytest
from django.core.management import call_command

from hetong.changes.models import Notice, NoticeDelivery, Renewal
from hetong.contracts.models import Contract, Status


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_links_renewals_and_adds_notices_with_deliveries(db):
    call_command("demo", "--customers", "6", "--contracts", "30", stdout=io.StringIO())
    successors = Contract.objects.filter(description__startswith="续签合同 ")
    assert successors.exists()
    assert Renewal.objects.count() == successors.count()
    for renewal in Renewal.objects.select_related("predecessor", "successor"):
        assert renewal.predecessor.status == Status.RENEWED
        assert renewal.successor.description.startswith(f"续签合同 {renewal.predecessor.number}。")
    terminated = Contract.objects.filter(status=Status.TERMINATED)
    assert terminated.exists()
    for contract in terminated:
        notice = Notice.objects.get(contract=contract, kind=Notice.Kind.TERMINATION)
        assert notice.reason and notice.document.pdf_status == "ready"
        assert NoticeDelivery.objects.filter(notice=notice).count() == 1
    assert Notice.objects.filter(kind=Notice.Kind.NON_RENEWAL).count() <= 2
    # Amendments: signed ones (their copies filed on the contract, their changes in the contract from their day),
    # and others still on their way.
    from hetong.changes import amendments
    from hetong.changes.models import Amendment

    signed = Amendment.objects.filter(status=Amendment.Status.SIGNED).select_related("contract")
    assert signed.exists() and Amendment.objects.exclude(status=Amendment.Status.SIGNED).exists()
    for amendment in signed:
        assert amendment.document.pdf_status == "ready" and amendment.signed_file.contract_id == amendment.contract_id
        on_its_day = amendments.terms_on(amendment.contract, amendment.effective_date).terms
        assert all(on_its_day[term] == value for term, value in amendment.changes.items())
