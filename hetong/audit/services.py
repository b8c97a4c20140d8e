"""Writing and verifying the audit trail."""

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import chain
from .models import AuditEvent, AuditHead


def _plain(value):
    """JSON-safe, canonical form of a before/after value."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def record(*, actor, verb: str, target, data: dict | None = None) -> AuditEvent:
    """Append one event to the chain. Call it inside the transaction of the change it records."""
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
        at = timezone.now().astimezone(dt.UTC)
        # Round-trip through JSON now so the hashed form is exactly what the database will give back.
        event = AuditEvent(
            seq=head.seq + 1,
            at=at,
            actor=actor if actor is not None and actor.pk else None,
            actor_name=(actor.get_username() if actor is not None and actor.pk else "system")[:150],
            verb=verb,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_repr=str(target)[:200],
            data=json.loads(json.dumps(_plain(data or {}), ensure_ascii=False)),
            prev_hash=head.hash,
        )
        event.hash = chain.event_hash(head.hash, event.as_chain_dict())
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
        return event


def changes(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that differ."""
    return {k: [_plain(before.get(k)), _plain(after[k])] for k in after if _plain(before.get(k)) != _plain(after[k])}


def iter_chain() -> Iterator[dict]:
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield event.as_chain_dict()


def verify_chain() -> tuple[bool, int, str | None]:
    """Check the whole chain as stored, and that the head row agrees with its last event."""
    ok, checked, problem = chain.verify(iter_chain())
    if not ok:
        return ok, checked, problem
    head = AuditHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    if head_seq != checked:
        return False, checked, f"event seq={checked + 1}: missing (the chain head says there are {head_seq} events)"
    return True, checked, None
