"""Who may plan and record a contract's obligations (on top of seeing the contract at all: visible_to)."""

import rules

from hetong.accounts.permissions import contract_editor, is_admin, is_finance, is_legal, is_manager, is_sales


@rules.predicate
def owns_obligation(user, obligation):
    return obligation is not None and getattr(obligation, "owner_id", None) == user.pk


@rules.predicate
def may_edit_its_contract(user, obligation):
    return obligation is not None and contract_editor.test(user, obligation.contract)


# Planning (add, edit, waive, reopen) is the contract editor's; the obligation's own owner, whoever it is assigned
# to (finance for a report, a delivery engineer who is a sales user), may record that it was done and add evidence.
rules.add_perm("obligations.manage_obligation", may_edit_its_contract)
rules.add_perm(
    "obligations.complete_obligation",
    may_edit_its_contract | (owns_obligation & (is_admin | is_legal | is_manager | is_sales | is_finance)),
)
