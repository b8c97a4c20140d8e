"""Approval pages (the inbox, the task page and the workflow editor are added with the UI)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect

from .models import Task


@login_required
def task_detail(request, pk):
    task = get_object_or_404(Task.objects.filter(user=request.user).select_related("instance"), pk=pk)
    return redirect("contracts:detail", task.instance.contract_id)
