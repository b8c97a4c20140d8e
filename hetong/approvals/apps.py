from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "hetong.approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from hetong.contracts.filters import add_contract_filter

        from .filters import step_filter

        add_contract_filter("approval_step", step_filter())  # the dashboard's approval-time chart opens it
