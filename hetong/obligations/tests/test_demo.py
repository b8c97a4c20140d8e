"""The demo gives signed and active contracts believable obligations: done with evidence, overdue, one waived."""

import io

import pytest
from django.core.management import call_command

from hetong.contracts.models import Contract, KeyDate
from hetong.obligations import selectors
from hetong.obligations.demo import tiny_pdf
from hetong.obligations.models import EvidenceFile, Obligation


@pytest.fixture
def _frozen():
    yield  # the demo dates itself from today: no frozen clock here


def test_the_demo_plans_obligations_for_contracts_in_force(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--customers", "6", "--contracts", "30", stdout=io.StringIO())
    in_force = Contract.objects.filter(status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE])
    assert Obligation.objects.exists()
    assert set(Obligation.objects.values_list("contract__status", flat=True)) <= {"signed", "active"}
    assert Obligation.objects.filter(status="done").exists()
    assert Obligation.objects.filter(status="waived").count() == 1
    assert Obligation.objects.overdue().exists()
    assert Obligation.objects.filter(recurrence="monthly", series__isnull=False).exists()
    evidence = list(EvidenceFile.objects.all())
    assert {e.original_name for e in evidence} <= {"交付签收单.txt", "验收证书.pdf"} and evidence
    assert all(e.intact() for e in evidence)
    with_open = in_force.filter(obligations__status="open").distinct()
    assert KeyDate.objects.filter(kind="obligation", contract__in=with_open).count() == with_open.count()
    progress = selectors.progress_for(in_force.values_list("pk", flat=True))
    assert any(p["fulfilment_pct"] for p in progress.values())


def test_the_tiny_pdf_is_a_pdf():
    data = tiny_pdf("Acceptance certificate HT-1")
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    assert b"startxref\n%d\n" % data.index(b"xref\n0 6") in data
