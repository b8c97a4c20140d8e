"""The Obligations card on the contract page, its forms, the /obligations/ list, and who may do what there."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from hetong.notifications.models import Notification
from hetong.obligations import services
from hetong.obligations.models import Obligation

from .conftest import pdf


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False


def detail(contract):
    return reverse("contracts:detail", args=[contract.pk])


def test_the_card_lists_obligations_with_badges_in_chinese_by_default(client, active, add, sales_owner):
    sales_owner.language = ""
    sales_owner.save(update_fields=["language"])
    late = add(active, title="设备到货", due_date="2026-02-20", kind="delivery")
    done = add(active, title="上线验收", due_date="2026-02-25", kind="milestone")
    services.complete_obligation(done, by=sales_owner, evidence=pdf("验收单.pdf"))
    client.force_login(sales_owner)
    page = client.get(detail(active)).content.decode()
    assert '<html lang="zh-hans">' in page
    assert 'id="obligations"' in page and "设备到货" in page and "验收单.pdf" in page
    assert reverse("obligations:complete", args=[late.pk]) in page
    assert reverse("obligations:evidence_download", args=[done.pk, done.evidence.get().pk]) in page
    assert reverse("obligations:add", args=[active.pk]) in page
    assert "50.0%" in page  # one of two done


def test_the_card_costs_the_same_queries_for_many_rows(client, active, add, sales_owner, django_assert_max_num_queries):
    add(active)
    client.force_login(sales_owner)
    client.get(detail(active))
    with django_assert_max_num_queries(200) as few:
        client.get(detail(active))
    for i in range(8):
        services.add_evidence(add(active, title=f"交付 {i}"), by=sales_owner, upload=pdf())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(detail(active)).status_code == 200


def test_add_and_edit_pages(client, active, sales_owner):
    client.force_login(sales_owner)
    url = reverse("obligations:add", args=[active.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "", "kind": "delivery", "party": "ours", "due_date": "x", "recurrence": "none"})
    assert bad.status_code == 400 and not Obligation.objects.exists()
    ok = client.post(url, {"title": "首批设备交付", "kind": "delivery", "party": "ours", "due_date": "2026-04-10",
                           "recurrence": "none"})
    assert ok.status_code == 302 and ok["Location"].endswith("#obligations")
    obligation = Obligation.objects.get()
    assert obligation.owner == sales_owner
    edit = reverse("obligations:edit", args=[obligation.pk])
    assert client.get(edit).status_code == 200
    saved = client.post(edit, {"title": "首批设备交付", "kind": "delivery", "party": "ours", "due_date": "2026-04-20",
                               "recurrence": "none", "owner": sales_owner.pk, "version": obligation.version})
    assert saved.status_code == 302
    stale = client.post(edit, {"title": "y", "kind": "delivery", "party": "ours", "due_date": "2026-04-20",
                               "recurrence": "none", "owner": sales_owner.pk, "version": obligation.version})
    assert stale.status_code == 409
    assert Obligation.objects.get().due_date == dt.date(2026, 4, 20)


def test_complete_waive_reopen_and_evidence_from_the_card(client, active, add, sales_owner):
    one, two = add(active), add(active, title="培训")
    client.force_login(sales_owner)
    done = client.post(reverse("obligations:complete", args=[one.pk]),
                       {"done_on": "2026-03-01", "note": "已签收", "file": pdf()})
    assert done.status_code == 302
    one.refresh_from_db()
    assert one.status == "done" and one.evidence.count() == 1
    refused = client.post(reverse("obligations:waive", args=[two.pk]), {"reason": " "})
    assert refused.status_code == 400 and "obligation_waive" in str(refused.context["posted"])
    assert client.post(reverse("obligations:waive", args=[two.pk]), {"reason": "客户取消"}).status_code == 302
    assert client.post(reverse("obligations:reopen", args=[two.pk])).status_code == 302
    assert client.post(reverse("obligations:evidence_upload", args=[one.pk]), {"file": pdf("b.pdf")}).status_code == 302
    assert one.evidence.count() == 2
    bad = client.post(reverse("obligations:evidence_upload", args=[one.pk]), {"file": pdf("c.pdf", b"nope")})
    assert bad.status_code == 400


def test_other_sales_gets_404_and_a_viewer_403(client, active, add, other_sales, viewer):
    obligation = add(active)
    client.force_login(other_sales)
    for url in (reverse("obligations:edit", args=[obligation.pk]), reverse("obligations:add", args=[active.pk])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("obligations:complete", args=[obligation.pk])).status_code == 404
    client.force_login(viewer)
    page = client.get(detail(active)).content.decode()
    assert "obligation-" in page and reverse("obligations:complete", args=[obligation.pk]) not in page
    assert client.get(reverse("obligations:add", args=[active.pk])).status_code == 403
    assert client.get(reverse("obligations:edit", args=[obligation.pk])).status_code == 403
    assert client.post(reverse("obligations:complete", args=[obligation.pk])).status_code == 403
    assert client.post(reverse("obligations:waive", args=[obligation.pk]), {"reason": "x"}).status_code == 403
    assert Obligation.objects.get().status == "open"


def test_tampered_evidence_download_is_a_409_with_an_admin_alert(client, active, add, sales_owner, admin):
    obligation = add(active)
    evidence = services.add_evidence(obligation, by=sales_owner, upload=pdf())
    client.force_login(sales_owner)
    url = reverse("obligations:evidence_download", args=[obligation.pk, evidence.pk])
    assert client.get(url).status_code == 200
    with default_storage.open(evidence.blob.name, "wb") as handle:
        handle.write(b"%PDF-1.4 other")
    assert client.get(url).status_code == 409
    assert Notification.objects.filter(user=admin, kind=Notification.Kind.SYSTEM).count() == 1


def test_my_obligations_list_filters_and_pages(client, active, add, sales_owner, manager, cb1, other_sales,
                                               django_assert_max_num_queries):
    add(active, title="逾期交付", due_date="2026-02-01")
    add(active, title="下周报告", due_date="2026-03-06")
    add(active, title="经理的事", due_date="2026-03-05", owner=manager.pk)
    add(active, title="明年的事", due_date="2027-01-05")
    services.complete_obligation(add(active, title="已完成", due_date="2026-03-01"), by=sales_owner)
    add(cb1, by=other_sales, title="别人的合同")
    client.force_login(sales_owner)
    url = reverse("obligations:list")

    def titles(query=""):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        return [o.title for o in response.context["page"].items]

    assert titles() == ["逾期交付", "经理的事", "下周报告", "明年的事"]
    assert titles("mine=on") == ["逾期交付", "下周报告", "明年的事"]
    assert titles("overdue=on") == ["逾期交付"]
    assert titles("mine=on&within=7") == ["逾期交付", "下周报告"]
    assert client.get(f"{url}?within=-1").status_code == 400
    assert client.get(f"{url}?cursor=garbage").status_code == 400
    with django_assert_max_num_queries(100) as few:
        client.get(url)
    for i in range(30):
        add(active, title=f"更多 {i}", due_date="2026-04-01")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).context["page"]
    assert page.next_cursor and len(page.items) < page.count
