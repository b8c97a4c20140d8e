"""A terminated contract stops asking for money that would have fallen due after its end."""

from django.dispatch import receiver

from hetong.contracts.signals import contract_ended

from .services import cancel_future_installments


@receiver(contract_ended, dispatch_uid="payments.cancel_future_installments")
def cancel_installments_on_termination(sender, contract, on, reason="", **kwargs):
    cancel_future_installments(contract, on=on, by=kwargs.get("by"), reason=reason or "")
