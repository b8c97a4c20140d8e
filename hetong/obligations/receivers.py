"""An ended contract stops its future obligations."""

from django.dispatch import receiver

from hetong.contracts.signals import contract_ended


@receiver(contract_ended, dispatch_uid="obligations.stop_on_contract_end")
def stop_future_obligations(sender, contract, on, reason="", by=None, **kwargs):
    from .services import stop_for_ended_contract

    stop_for_ended_contract(contract, on=on, by=by)
