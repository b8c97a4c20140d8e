import pytest
from django.urls import reverse

from hetong.accounts.models import ApiToken
from hetong.audit.models import AuditEvent


@pytest.mark.parametrize("model", [
    "accounts_user", "accounts_department", "accounts_apitoken", "customers_customer", "customers_interaction",
    "audit_auditevent",
])
def test_admin_lists_open(client, admin, ca1, token_for, model):
    token_for(admin)
    client.force_login(admin)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_admin_change_pages_open(client, admin, ca1, token_for):
    token_for(admin)
    client.force_login(admin)
    for name, obj in [("accounts_user", admin), ("accounts_department", admin.department or ca1.department),
                      ("accounts_apitoken", ApiToken.objects.get()), ("customers_customer", ca1.customer),
                      ("audit_auditevent", AuditEvent.objects.first())]:
        assert client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code == 200, name


def test_audit_events_and_customers_cannot_be_changed_in_the_admin(client, admin, ca1):
    client.force_login(admin)
    event = AuditEvent.objects.first()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:customers_customer_add")).status_code == 403
    name = ca1.customer.name
    client.post(reverse("admin:customers_customer_change", args=[ca1.customer.pk]), {"name": "改名"})
    ca1.customer.refresh_from_db()
    assert ca1.customer.name == name


def test_admin_revokes_tokens_through_the_service(client, admin, sales_owner, token_for):
    token_for(sales_owner)
    token = ApiToken.objects.get()
    client.force_login(admin)
    client.post(reverse("admin:accounts_apitoken_changelist"),
                {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(verb="user.token_revoke", actor=admin).exists()
