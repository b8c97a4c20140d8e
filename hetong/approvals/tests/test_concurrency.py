"""Ten approvers of one any-of (或签) step decide at the same moment, from ten processes, on the suite's database
engine (a SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL): one decision completes
the step, the nine others are told it was decided already, and the contract is approved once."""

import json
import time

from hetong.notifications.receivers import SmtpSink
from hetong.notifications.tests.test_schedulers import Deployment

APPROVERS = 10


def seed() -> None:
    """Run inside the deployment: a submitter, ten approvers, a workflow with one any-of step, a submitted contract."""
    from hetong.accounts.models import User
    from hetong.approvals import services
    from hetong.contracts.models import ContractType, LegalEntity
    from hetong.contracts.services import create_contract, submit_contract
    from hetong.customers.models import Customer

    admin = User.objects.create_user("root", password="x", role="admin", is_superuser=True)
    owner = User.objects.create_user("owner", password="x", role="sales", language="en")
    approvers = [User.objects.create_user(f"approver{i}", password="x", role="sales_manager") for i in range(APPROVERS)]
    workflow = services.save_workflow(None, by=admin, data={"name": "或签", "is_default": True})
    services.publish(workflow, by=admin, definition={"nodes": [{
        "name": "任一审批", "mode": "any", "approvers": [{"kind": "user", "user": u.pk} for u in approvers]}]})
    from hetong.core.uscc import check_char

    entity = LegalEntity.objects.create(name="合同科技有限公司", credit_code="91310000MA1FL8TQ3" + check_char("91310000MA1FL8TQ3"))
    customer = Customer.objects.create(name="华运物流有限公司", owner=owner)
    contract = create_contract(by=owner, data={
        "title": "并发审批", "contract_type": ContractType.objects.get(code="FW").pk, "customer": customer.pk,
        "entity": entity.pk, "amount": "1000.00"})
    submit_contract(contract, by=owner)


def decide_one(username: str, start_at: float) -> None:
    """Run inside the deployment: wait for the common start, then approve this user's task."""
    from hetong.approvals import services
    from hetong.approvals.models import Task
    from hetong.core.errors import DomainError

    task = Task.objects.select_related("user").get(user__username=username)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        services.decide(task.pk, by=task.user, decision="approve")
        print("RESULT ok")
    except DomainError as exc:
        print(f"RESULT {exc.code}")


def report() -> None:
    from hetong.approvals.models import Instance, Task
    from hetong.audit.models import AuditEvent
    from hetong.contracts.models import Contract

    print(json.dumps({
        "contract": Contract.objects.get().status,
        "instance": list(Instance.objects.values_list("status", flat=True)),
        "approved_tasks": Task.objects.filter(status="approved").count(),
        "cancelled_tasks": Task.objects.filter(status="cancelled").count(),
        "approve_events": AuditEvent.objects.filter(verb="approval.approve").count(),
        "contract_approved_events": AuditEvent.objects.filter(verb="contract.approve").count(),
    }))


def test_ten_concurrent_decisions_on_one_any_of_step_complete_it_once(tmp_path):
    with SmtpSink() as sink:
        deployment = Deployment(tmp_path, sink)
        try:
            deployment.run("migrate", "-v0")
            deployment.run("shell", "-c", "from hetong.approvals.tests.test_concurrency import seed; seed()")
            start_at = time.time() + 8  # every process has imported Django and read its task by then
            processes = [
                deployment.hetong("shell", "-c", "from hetong.approvals.tests.test_concurrency import decide_one; "
                                  f"decide_one('approver{i}', {start_at})")
                for i in range(APPROVERS)
            ]
            results = []
            for process in processes:
                out, err = process.communicate(timeout=240)
                assert process.returncode == 0, err[-3000:]
                results.append(next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1])
            state = json.loads(deployment.run(
                "shell", "-c", "from hetong.approvals.tests.test_concurrency import report; report()"
            ).strip().splitlines()[-1])
        finally:
            deployment.close()
    assert sorted(results) == ["ok"] + ["task_not_pending"] * (APPROVERS - 1), results
    assert state == {"contract": "approved", "instance": ["approved"], "approved_tasks": 1,
                     "cancelled_tasks": APPROVERS - 1, "approve_events": 1, "contract_approved_events": 1}
