"""Who may renew in bulk, send written notices and record their delivery (rules predicates)."""

import rules

from hetong.accounts.permissions import contract_mover, is_admin, is_legal, is_manager

# Terminating is contracts.terminate_contract (legal, administrators); renewing one contract is
# contracts.renew_contract. A non-renewal or change notice is the contract's owner's business too.
rules.add_perm("changes.send_notice", contract_mover)
rules.add_perm("changes.record_delivery", contract_mover)
rules.add_perm("changes.renew_many", is_admin | is_legal | is_manager)
# Amendments: drafted, submitted and cancelled by those who move the contract; decided by hand (where no workflow
# runs) by an approver who did not submit it (checked in the service).
rules.add_perm("changes.amend_contract", contract_mover)
rules.add_perm("changes.approve_amendment", is_admin | is_legal | is_manager)
