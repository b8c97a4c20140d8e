import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from hetong.audit import chain
from hetong.audit.models import AuditEvent
from hetong.audit.services import record, verify_chain

CHAIN_PY = Path(chain.__file__)


@pytest.fixture
def events(ca1, sales_owner, manager):
    from hetong.contracts.services import approve_contract, submit_contract, update_contract

    ca1 = update_contract(ca1, by=sales_owner, version=ca1.version, data={"title": "华运物流 2027 年度运输服务合同"})
    approve_contract(submit_contract(ca1, by=sales_owner), by=manager)
    return list(AuditEvent.objects.order_by("seq"))


def unlocked_sql(sql, params=()):
    """Run SQL as someone with direct database access would: around the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_change")
        cursor.execute(sql, params)


def test_untouched_chain_verifies(events):
    assert verify_chain() == (True, len(events), None)
    call_command("audit", "verify")


def test_edited_row_is_named(events):
    victim = events[3]
    unlocked_sql("UPDATE audit_auditevent SET actor_name = %s WHERE seq = %s", ["mallory", victim.seq])
    ok, checked, problem = verify_chain()
    assert not ok and checked == victim.seq - 1
    assert f"seq={victim.seq}" in problem and "altered" in problem
    with pytest.raises(CommandError, match=f"seq={victim.seq}"):
        call_command("audit", "verify")


def test_edited_json_details_are_caught(events):
    victim = events[2]
    data = dict(victim.data, forged=True)
    unlocked_sql("UPDATE audit_auditevent SET data = %s WHERE seq = %s", [json.dumps(data), victim.seq])
    assert f"seq={victim.seq}" in verify_chain()[2]


def test_deleted_row_is_named(events):
    unlocked_sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
    ok, _checked, problem = verify_chain()
    assert not ok and f"expected seq={events[1].seq}" in problem


def test_deleted_last_row_is_caught_by_the_head(events):
    unlocked_sql("DELETE FROM audit_auditevent WHERE seq = %s", [events[-1].seq])
    ok, _checked, problem = verify_chain()
    assert not ok and f"seq={events[-1].seq}" in problem


def test_swapped_rows_are_caught(events):
    a, b = events[1], events[2]
    unlocked_sql("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [a.seq])
    unlocked_sql("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    unlocked_sql("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [b.seq])
    ok, _checked, problem = verify_chain()
    assert not ok and f"seq={a.seq}" in problem


def test_inserted_forged_row_is_caught(events):
    forged = events[1].as_chain_dict()
    last = events[-1]
    unlocked_sql(
        "INSERT INTO audit_auditevent (seq, at, actor_name, verb, target_type, target_id, target_repr, data, prev_hash, hash) "
        "VALUES (%s, %s, 'mallory', 'contract.approve', %s, %s, '', '{}', %s, %s)",
        [last.seq + 1, last.at, forged["target_type"], forged["target_id"], last.hash, "f" * 64],
    )
    ok, _checked, problem = verify_chain()
    assert not ok and f"seq={last.seq + 1}" in problem


def test_audit_rows_cannot_be_changed_or_deleted(events):
    for statement in ("UPDATE audit_auditevent SET verb = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(verb="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()
    assert verify_chain()[0]


def test_event_rolled_back_with_its_change_leaves_chain_valid(events, sales_owner, ca1):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=sales_owner, verb="contract.update", target=ca1, data={"x": 1})
        raise RuntimeError("crash after the audit write")
    assert verify_chain() == (True, len(events), None)
    record(actor=sales_owner, verb="contract.update", target=ca1, data={"x": 2})
    assert verify_chain() == (True, len(events) + 1, None)


def test_standalone_verifier_needs_only_the_standard_library(events, tmp_path):
    export = tmp_path / "audit.jsonl"
    call_command("audit", "export", str(export))
    lines = export.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(events)
    # -S: no site-packages, so not even Django is importable.
    run = subprocess.run([sys.executable, "-S", str(CHAIN_PY), str(export)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    tampered = [json.loads(line) for line in lines]
    tampered[2]["data"]["note"] = "changed"
    export.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in tampered), encoding="utf-8")
    run = subprocess.run([sys.executable, "-S", str(CHAIN_PY), str(export)], capture_output=True, text=True)
    assert run.returncode == 1 and f"seq={tampered[2]['seq']}" in run.stderr


def test_chain_hashes_are_canonical():
    event = {"seq": 1, "at": "2026-01-01T00:00:00.000000+00:00", "actor_id": None, "actor": "system",
             "verb": "x", "target_type": "t", "target_id": "1", "target": "合同", "data": {"b": 1, "a": "二"}}
    reordered = dict(reversed(list(event.items())))
    assert chain.event_hash(chain.GENESIS, event) == chain.event_hash(chain.GENESIS, reordered)
