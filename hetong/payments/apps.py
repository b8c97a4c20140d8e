from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "hetong.payments"
    verbose_name = _("Payments")

    def ready(self):
        from hetong.contracts.models import KEY_DATE_KINDS, Status
        from hetong.contracts.services.terms import add_key_date_source

        from . import receivers, rules  # noqa: F401  (registers the perms and the termination receiver)
        from .services import payment_key_dates

        KEY_DATE_KINDS["payment"] = (_("Payment due"), {Status.SIGNED, Status.ACTIVE})
        add_key_date_source(payment_key_dates)
        from hetong.customers.archive import add_archive_source

        from .archive import source

        add_archive_source(source)  # what this app holds, in the customer's archive and dossier
        from hetong.contracts.selectors import add_progress_source

        from .selectors import progress_for

        add_progress_source(lambda ids: {pk: {k: v[k] for k in ("collected_pct", "invoiced_pct")} for pk, v in progress_for(ids).items()})
        from hetong.contracts.filters import add_contract_filter

        from .filters import overdue_filter

        add_contract_filter("overdue", overdue_filter())
