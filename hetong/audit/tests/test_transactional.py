import pytest
from django.db import DatabaseError, connection, transaction

from hetong.audit.models import AuditEvent
from hetong.audit.services import verify_chain


@pytest.mark.django_db(transaction=True)
def test_committed_events_are_append_only_and_the_suite_still_cleans_up(ca1):
    assert AuditEvent.objects.exists()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert verify_chain()[0]


def test_triggers_are_back_after_a_transactional_test(ca1):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
