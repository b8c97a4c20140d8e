import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hetong.changes import selectors, services
from hetong.changes.models import Notice, NoticeDelivery
from hetong.contracts.models import Contract, Status
from hetong.contracts.signals import contract_ended
from hetong.core.dates import company_today
from hetong.core.errors import InvalidInput, PermissionDenied
from hetong.documents.models import GeneratedDocument
from hetong.notifications.models import Notification

PROOF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def ended():
    calls = []

    def receiver(sender, **kwargs):
        calls.append((sender, kwargs))

    contract_ended.connect(receiver, dispatch_uid="changes-test")
    yield calls
    contract_ended.disconnect(dispatch_uid="changes-test")


def test_termination_after_the_end_is_refused_and_nothing_is_saved(active, legal, notice_templates, ended):
    with pytest.raises(InvalidInput) as refused:
        services.terminate(
            active, by=legal, reason="mutual", effective_on=active.end_date + dt.timedelta(days=1)
        )
    assert "effective_on" in refused.value.errors
    assert Contract.objects.get(pk=active.pk).status == Status.ACTIVE
    assert not Notice.objects.exists() and not GeneratedDocument.objects.exists() and ended == []


def test_termination_before_signing_and_without_reason_or_date_is_refused(
    active, legal, notice_templates, ended
):
    with pytest.raises(InvalidInput) as refused:
        services.terminate(
            active, by=legal, reason="mutual", effective_on=active.signed_date - dt.timedelta(days=1)
        )
    assert "effective_on" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.terminate(active, by=legal, reason="bored", effective_on="")
    assert set(refused.value.errors) == {"reason", "effective_on"}
    assert Contract.objects.get(pk=active.pk).status == Status.ACTIVE and not Notice.objects.exists()
    assert ended == []


def test_terminating_from_the_contract_page_action_sends_the_signal_too(active, legal, ended):
    from hetong.contracts.services import terminate_contract

    terminate_contract(active, by=legal, terminated_on=company_today(), note="协商一致解除")
    assert len(ended) == 1 and ended[0][1]["reason"] == "协商一致解除"


def test_termination_ends_the_contract_sends_the_signal_once_and_generates_the_notice(
    active, legal, notice_templates, ended
):
    on = company_today() + dt.timedelta(days=10)
    notice = services.terminate(
        active, by=legal, reason="customer_breach", effective_on=on, note="逾期付款超过六十日。"
    )
    contract = Contract.objects.get(pk=active.pk)
    assert (contract.status, contract.terminated_on) == (Status.TERMINATED, on)
    assert len(ended) == 1
    sender, kwargs = ended[0]
    assert sender is Contract and kwargs["contract"].pk == active.pk and kwargs["on"] == on
    assert "逾期付款超过六十日" in kwargs["reason"] and kwargs["by"] == legal
    document = notice.document
    assert (notice.kind, notice.reason, notice.effective_on) == (
        Notice.Kind.TERMINATION,
        "customer_breach",
        on,
    )
    assert document.pdf_status == GeneratedDocument.PdfStatus.READY and bytes(document.pdf).startswith(
        b"%PDF"
    )
    assert "贵司违约" in document.text and f"{on.year}年{on.month}月{on.day}日" in document.text
    assert "逾期付款超过六十日" in document.text and contract.number in document.text


def test_only_legal_or_admin_terminate(active, sales_owner, notice_templates):
    with pytest.raises(PermissionDenied):
        services.terminate(active, by=sales_owner, reason="mutual", effective_on=company_today())


def test_termination_without_a_template_is_refused(active, legal):
    with pytest.raises(InvalidInput) as refused:
        services.terminate(active, by=legal, reason="mutual", effective_on=company_today())
    assert refused.value.code == "no_notice_template"
    assert Contract.objects.get(pk=active.pk).status == Status.ACTIVE


def test_non_renewal_notice_keeps_the_contract_active(active, sales_owner, notice_templates):
    notice = services.send_notice(active, by=sales_owner, kind=Notice.Kind.NON_RENEWAL)
    assert notice.effective_on == active.end_date
    assert Contract.objects.get(pk=active.pk).status == Status.ACTIVE
    assert "不续约通知函" in notice.document.text
    with pytest.raises(InvalidInput) as refused:
        services.send_notice(active, by=sales_owner, kind=Notice.Kind.NON_RENEWAL, effective_on="2020-01-01")
    assert "effective_on" in refused.value.errors
    assert Notice.objects.count() == 1


def test_delivery_is_recorded_with_the_proof_sha256(active, legal, notice_templates):
    notice = services.terminate(active, by=legal, reason="mutual", effective_on=company_today())
    delivery = services.record_delivery(
        notice,
        by=legal,
        channel="registered_mail",
        delivered_at=timezone.now() - dt.timedelta(hours=2),
        recipient="上海华运物流有限公司 法务部",
        tracking_number="XA123456789CN",
        proof=SimpleUploadedFile("回执.pdf", PROOF, content_type="application/pdf"),
    )
    assert delivery.proof_sha256 == hashlib.sha256(PROOF).hexdigest()
    assert services.proof_checked(delivery, by=legal) == delivery
    with delivery.proof.open("rb") as handle:
        assert handle.read() == PROOF
    assert list(selectors.notices_for_customer(active.customer)) == [notice]


def test_a_delivery_needs_a_proof_and_a_tracking_number_for_mail(active, legal, notice_templates):
    notice = services.terminate(active, by=legal, reason="mutual", effective_on=company_today())
    with pytest.raises(InvalidInput) as refused:
        services.record_delivery(notice, by=legal, channel="courier", delivered_at="2026-13-01", recipient="")
    assert set(refused.value.errors) == {"delivered_at", "recipient", "tracking_number", "proof"}
    with pytest.raises(InvalidInput) as refused:
        services.record_delivery(
            notice,
            by=legal,
            channel="hand",
            recipient="王总",
            delivered_at=timezone.now() + dt.timedelta(days=2),
            signing_reference="签收单 01",
        )
    assert set(refused.value.errors) == {"delivered_at"}
    assert not NoticeDelivery.objects.exists()


def test_a_tampered_proof_is_refused_with_409_and_admins_are_alerted(
    active, legal, admin, notice_templates, client
):
    notice = services.terminate(active, by=legal, reason="mutual", effective_on=company_today())
    delivery = services.record_delivery(
        notice,
        by=legal,
        channel="email",
        delivered_at=timezone.now(),
        recipient="li@example.cn",
        proof=SimpleUploadedFile("mail.pdf", PROOF, content_type="application/pdf"),
    )
    with open(delivery.proof.path, "ab") as handle:
        handle.write(b"changed")
    client.force_login(legal)
    response = client.get(f"/changes/deliveries/{delivery.pk}/proof/")
    assert response.status_code == 409
    assert Notification.objects.filter(user=admin, kind=Notification.Kind.SYSTEM).count() == 1
