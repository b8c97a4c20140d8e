import django.dispatch

contract_ended = django.dispatch.Signal()
