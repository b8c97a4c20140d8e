from .models import AuditEvent


def history_for(obj, *, limit: int = 200) -> list[AuditEvent]:
    """The audit events of one record, newest first (one query)."""
    return list(AuditEvent.objects.for_target(obj).select_related("actor").order_by("-seq")[:limit])
