import pytest
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.audit.tests.test_chain import unlocked_sql


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast personas
    # The settings may be loaded before the root conftest marks the run as a test: plain HTTP, no manifest.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.mark.parametrize("persona", ["sales_owner", "manager", "finance", "viewer"])
def test_audit_trail_does_not_exist_for_other_roles(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("audit:log")).status_code == 404
    assert client.post(reverse("audit:log")).status_code == 404


def test_signed_out_visitor_is_sent_to_login(client, db):
    assert client.get(reverse("audit:log")).status_code == 302


@pytest.mark.parametrize("persona", ["admin", "legal"])
def test_admin_and_legal_read_the_latest_events_first(client, request, persona, ca1):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("audit:log"))
    assert response.status_code == 200
    seqs = [e.seq for e in response.context["page"].items]
    assert seqs == sorted(AuditEvent.objects.values_list("seq", flat=True), reverse=True)


def test_events_filter_by_verb_prefix_and_record_type(client, admin, ca1):
    client.force_login(admin)
    by_verb = client.get(reverse("audit:log"), {"verb": "contract."}).context["page"].items
    assert {e.verb for e in by_verb} == {"contract.create"}
    by_type = client.get(reverse("audit:log"), {"target_type": "customers.customer"}).context["page"].items
    assert {e.target_type for e in by_type} == {"customers.customer"}
    assert client.get(reverse("audit:log"), {"target_type": "nonsense"}).status_code == 400


def test_events_page_by_keyset_on_seq(client, admin, ca1):
    client.force_login(admin)
    total = AuditEvent.objects.count()
    first = client.get(reverse("audit:log"), {"size": 1}).context["page"]
    assert first.items[0].seq == total
    second = client.get(reverse("audit:log"), {"size": 1, "cursor": first.next_cursor}).context["page"]
    assert second.items[0].seq == total - 1
    assert client.get(reverse("audit:log"), {"cursor": "garbage!"}).status_code == 400


def test_verify_button_reports_an_intact_chain(client, admin, ca1):
    client.force_login(admin)
    response = client.post(reverse("audit:log"))
    assert response.status_code == 200
    assert response.context["verification"] == {"ok": True, "count": AuditEvent.objects.count(), "problem": None}
    assert "The audit chain is intact." in response.content.decode()


def test_verify_button_names_the_altered_event(client, admin, ca1):
    unlocked_sql("UPDATE audit_auditevent SET actor_name = %s WHERE seq = %s", ["mallory", 1])
    client.force_login(admin)
    response = client.post(reverse("audit:log"))
    assert response.context["verification"]["ok"] is False
    assert "seq=1" in response.content.decode()
