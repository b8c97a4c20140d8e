"""Who may change payment plans and record money. Reading follows the contract (visible_to)."""

import rules

from hetong.accounts.permissions import contract_editor, is_admin, is_finance

# The plan is part of the deal (sales and legal agree it); finance keeps it true to what was agreed.
rules.add_perm("payments.change_plan", contract_editor | is_finance)
# Money in and invoices out are finance's books.
rules.add_perm("payments.record_receipt", is_admin | is_finance)
rules.add_perm("payments.reverse_receipt", is_admin | is_finance)
rules.add_perm("payments.record_invoice", is_admin | is_finance)
