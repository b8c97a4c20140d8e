from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObligationsConfig(AppConfig):
    name = "hetong.obligations"
    verbose_name = _("Obligations")

    def ready(self):
        from hetong.contracts.models import KEY_DATE_KINDS, Status
        from hetong.contracts.services.terms import add_key_date_source

        from . import receivers, rules  # noqa: F401  (connects the termination receiver, adds the rules)
        from .models import next_due_date_of

        # The earliest due date of an open obligation feeds the reminder rules while the contract is in force.
        KEY_DATE_KINDS["obligation"] = (_("Obligation due"), {Status.SIGNED, Status.ACTIVE})
        add_key_date_source(next_due_date_of)
        from hetong.customers.archive import add_archive_source

        from .archive import source

        add_archive_source(source)  # what this app holds, in the customer's archive and dossier
        from hetong.contracts.selectors import add_progress_source

        from .selectors import progress_for

        add_progress_source(lambda ids: {pk: {k: v[k] for k in ("fulfilment_pct",)} for pk, v in progress_for(ids).items()})
