"""Who may import (rules predicates). Each kind's rows also need the right its own pages ask for (services)."""

import rules

from hetong.accounts.permissions import is_admin, is_manager

rules.add_perm("imports.import_data", is_admin | is_manager)
