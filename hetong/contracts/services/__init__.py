"""Every change to a contract, one function per business action.

Views, the API, jobs and commands call these; nothing else writes a contract's status. Each function locks
or version-checks the row inside a transaction, re-checks the rule, writes, and records one audit event in
the same transaction.

The package splits them by subject; import them from here: `from hetong.contracts import services`.
"""

from .calendar import issue_calendar_feed, revoke_calendar_feed
from .files import stored_file_changed, upload_file
from .items import (
    add_line_item,
    add_line_items,
    items_summary,
    products_for,
    remove_line_item,
    save_product,
    update_line_item,
)
from .parties import add_party, add_signatory, remove_party, remove_signatory, update_party
from .status import (
    ACTIONS,
    activate_contract,
    allowed_actions,
    apply_date_transitions,
    approve_contract,
    cancel_contract,
    expire_contract,
    perform_action,
    reject_contract,
    renew_contract,
    renew_tacitly,
    send_contract_for_signing,
    sign_contract,
    submit_contract,
    terminate_contract,
    withdraw_contract,
)
from .terms import (
    clean_extra,
    create_contract,
    index_contract,
    next_number,
    notice_deadline_for,
    reindex_customer_contracts,
    require,
    update_contract,
)

__all__ = [
    "ACTIONS", "activate_contract", "add_line_item", "add_line_items", "add_party", "add_signatory", "allowed_actions", "apply_date_transitions",
    "approve_contract", "cancel_contract", "clean_extra", "create_contract", "expire_contract", "index_contract",
    "issue_calendar_feed", "revoke_calendar_feed", "items_summary", "products_for", "remove_line_item", "save_product",
    "update_line_item",
    "next_number", "notice_deadline_for", "perform_action", "reindex_customer_contracts", "reject_contract",
    "remove_party", "remove_signatory", "renew_contract", "renew_tacitly", "require", "send_contract_for_signing", "sign_contract",
    "submit_contract", "terminate_contract", "update_contract", "update_party", "stored_file_changed", "upload_file", "withdraw_contract",
]
