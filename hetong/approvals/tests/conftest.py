import pytest

from hetong.approvals import services
from hetong.approvals.models import Workflow


@pytest.fixture
def publish(admin):
    """publish(definition, name=..., default=True, priority=100) -> the workflow, with its version published."""

    def make(definition, *, name="Standard", default=True, priority=100, **extra):
        workflow = Workflow.objects.filter(name=name).first()
        workflow = services.save_workflow(workflow, by=admin, data={"name": name, "is_default": default,
                                                                    "priority": priority, **extra})
        services.publish(workflow, by=admin, definition=definition)
        return workflow

    return make


@pytest.fixture
def submitted(sales_owner, make_customer, make_contract):
    """submitted(**contract fields) -> a contract of sales_owner's, with its parties, submitted for review."""
    from hetong.contracts.services import submit_contract

    def make(**data):
        contract = make_contract(sales_owner, make_customer(sales_owner), **data)
        return submit_contract(contract, by=sales_owner)

    return make


def node(name, *approvers, mode="one", **extra):
    return {"key": extra.pop("key", name), "name": name, "mode": mode, "approvers": list(approvers), **extra}


def user(u):
    return {"kind": "user", "user": u.pk}
