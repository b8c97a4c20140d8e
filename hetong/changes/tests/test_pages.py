import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hetong.changes import services
from hetong.changes.models import Notice, NoticeDelivery, Renewal
from hetong.contracts.models import Contract, Status
from hetong.core.dates import company_today

PROOF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_contract_page_shows_the_card_with_its_buttons(active, client, legal, notice_templates):
    client.force_login(legal)
    page = client.get(f"/contracts/{active.pk}/").content.decode()
    assert 'id="changes"' in page
    for url in (
        f"/changes/contracts/{active.pk}/renew/",
        f"/changes/contracts/{active.pk}/terminate/",
        f"/changes/contracts/{active.pk}/notices/new/?kind=non_renewal",
    ):
        assert url in page


def test_renew_page_creates_the_successor(active, client, sales_owner):
    client.force_login(sales_owner)
    assert client.get(f"/changes/contracts/{active.pk}/renew/").status_code == 200
    start = active.end_date + dt.timedelta(days=1)
    response = client.post(
        f"/changes/contracts/{active.pk}/renew/",
        {
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=364)).isoformat(),
            "price_change_percent": "2",
        },
    )
    renewal = Renewal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contracts/{renewal.successor_id}/"
    page = client.get(f"/contracts/{renewal.successor_id}/").content.decode()
    assert active.number in page


def test_renew_page_shows_errors_without_saving(active, client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(
        f"/changes/contracts/{active.pk}/renew/",
        {
            "start": "2030-01-01",
            "end": "2029-01-01",
            "price_change_percent": "5",
            "price_change_amount": "10",
        },
    )
    assert response.status_code == 400 and not Renewal.objects.exists()


def test_pages_are_404_for_other_sales_and_403_for_a_viewer(
    active, client, other_sales, viewer, legal, notice_templates
):
    notice = services.terminate(active, by=legal, reason="mutual", effective_on=company_today())
    urls = [
        f"/changes/contracts/{active.pk}/renew/",
        f"/changes/contracts/{active.pk}/terminate/",
        f"/changes/contracts/{active.pk}/notices/new/",
        f"/changes/notices/{notice.pk}/deliveries/new/",
    ]
    client.force_login(other_sales)
    assert [client.get(url).status_code for url in urls] == [404] * 4
    client.force_login(viewer)
    assert [client.get(url).status_code for url in urls] == [403] * 4
    assert client.get("/changes/renewals/batch/").status_code == 403


def test_terminate_page_and_delivery_page(active, client, legal, notice_templates):
    client.force_login(legal)
    assert client.get(f"/changes/contracts/{active.pk}/notices/new/?kind=change").status_code == 200
    page = client.get(f"/changes/contracts/{active.pk}/terminate/")
    assert page.status_code == 200 and "合同解除通知函" in page.content.decode()
    response = client.post(
        f"/changes/contracts/{active.pk}/terminate/",
        {"reason": "force_majeure", "effective_on": company_today().isoformat(), "note": "台风"},
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert client.get(f"/changes/notices/{notice.pk}/deliveries/new/").status_code == 200
    response = client.post(
        f"/changes/notices/{notice.pk}/deliveries/new/",
        {
            "channel": "courier",
            "delivered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "recipient": "李总",
            "tracking_number": "SF1234567890",
            "proof": SimpleUploadedFile("sf.pdf", PROOF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    delivery = NoticeDelivery.objects.get()
    page = client.get(f"/contracts/{active.pk}/").content.decode()
    assert "SF1234567890" in page and f"/changes/deliveries/{delivery.pk}/proof/" in page
    assert b"".join(client.get(f"/changes/deliveries/{delivery.pk}/proof/").streaming_content) == PROOF


def test_terminate_page_refuses_a_date_after_the_end(active, client, legal, notice_templates):
    client.force_login(legal)
    response = client.post(
        f"/changes/contracts/{active.pk}/terminate/",
        {"reason": "mutual", "effective_on": (active.end_date + dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert Contract.objects.get(pk=active.pk).status == Status.ACTIVE and not Notice.objects.exists()


def test_batch_page_renews_the_filtered_list_and_reports(active, client, manager, make_contract, sales_owner):
    make_contract(sales_owner, active.customer, title="草稿合同")
    client.force_login(manager)
    query = f"customer={active.customer_id}"
    page = client.get(f"/changes/renewals/batch/?{query}").content.decode()
    assert active.number in page
    response = client.post(f"/changes/renewals/batch/?{query}", {"term": "1", "unit": "years"})
    assert response.status_code == 200
    assert Renewal.objects.filter(predecessor=active, kind=Renewal.Kind.BATCH).count() == 1
    assert "Refused" in response.content.decode()


def test_the_card_reads_a_fixed_number_of_queries(active, client, legal, notice_templates):
    client.force_login(legal)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/contracts/{active.pk}/").status_code == 200
        return len(queries)

    notice = services.send_notice(active, by=legal, kind=Notice.Kind.NON_RENEWAL)
    services.record_delivery(
        notice,
        by=legal,
        channel="email",
        delivered_at=timezone.now(),
        recipient="a@b.cn",
        signing_reference="m-1",
    )
    first = count()
    for n in range(3):
        more = services.send_notice(
            active, by=legal, kind=Notice.Kind.CHANGE, effective_on=company_today(), note=f"变更 {n}"
        )
        services.record_delivery(
            more,
            by=legal,
            channel="email",
            delivered_at=timezone.now(),
            recipient="a@b.cn",
            signing_reference=f"m-{n}",
        )
    assert count() == first
