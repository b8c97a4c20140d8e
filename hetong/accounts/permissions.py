"""Who may do what, as `rules` predicates. Which rows a user may see at all is `visible_to(user)`;
these rules decide the actions on a row the user can already see."""

import rules

from .models import Role


@rules.predicate
def is_admin(user):
    return user.is_authenticated and user.is_admin


def _role(*roles):
    @rules.predicate(name=f"has_role_{'_'.join(roles)}")
    def check(user):
        return user.is_authenticated and user.role in roles

    return check


is_legal = _role(Role.LEGAL)
is_manager = _role(Role.SALES_MANAGER)
is_sales = _role(Role.SALES)
is_finance = _role(Role.FINANCE)


@rules.predicate
def is_owner(user, obj):
    return obj is not None and getattr(obj, "owner_id", None) == user.pk


@rules.predicate
def is_submitter(user, contract):
    return contract is not None and contract.submitted_by_id == user.pk


staff_writer = is_admin | is_legal | is_manager | is_sales
contract_editor = is_admin | is_legal | is_manager | (is_sales & is_owner)
contract_mover = is_admin | is_legal | is_manager | is_owner
# No self-approval: whoever submitted a contract cannot approve or reject it (ASVS 2.3.5).
contract_approver = (is_admin | is_legal | is_manager) & ~is_submitter

rules.add_perm("contracts.add_contract", staff_writer)
rules.add_perm("contracts.change_contract", contract_editor)
rules.add_perm("contracts.reassign_contract", is_admin | is_manager)
rules.add_perm("contracts.submit_contract", contract_mover)
rules.add_perm("contracts.withdraw_contract", contract_mover)
rules.add_perm("contracts.approve_contract", contract_approver)
rules.add_perm("contracts.reject_contract", contract_approver)
rules.add_perm("contracts.send_for_signing_contract", contract_mover)
rules.add_perm("contracts.sign_contract", is_admin | is_legal | is_manager | is_owner)
rules.add_perm("contracts.activate_contract", is_admin)
rules.add_perm("contracts.expire_contract", is_admin)
rules.add_perm("contracts.renew_contract", contract_mover)
rules.add_perm("contracts.terminate_contract", is_admin | is_legal)
rules.add_perm("contracts.cancel_contract", contract_mover)
rules.add_perm("contracts.upload_file", contract_editor)
rules.add_perm("contracts.export_contracts", rules.is_authenticated)
rules.add_perm("contracts.manage_products", is_admin | is_manager | is_legal | is_finance)

rules.add_perm("customers.add_customer", is_admin | is_manager | is_sales)
rules.add_perm("customers.change_customer", is_admin | is_manager | (is_sales & is_owner))
rules.add_perm("customers.reassign_customer", is_admin | is_manager)
rules.add_perm("customers.add_interaction", is_admin | is_legal | is_manager | is_sales | is_finance)

rules.add_perm("audit.verify_chain", is_admin | is_legal)

rules.add_perm("documents.manage_template", is_admin | is_legal)
rules.add_perm("documents.manage_clause", is_admin | is_legal)
rules.add_perm("documents.approve_clause", is_admin | is_legal)
rules.add_perm("documents.generate_document", contract_mover)
rules.add_perm("documents.generate_many", is_admin | is_legal | is_manager)
rules.add_perm("approvals.manage_workflow", is_admin)
