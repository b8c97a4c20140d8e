from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/document.<str:fmt>", views.task_document, name="task_document"),
    path("contracts/<int:contract_id>/recall/", views.recall, name="recall"),
    path("preview/<int:contract_id>/", views.preview, name="preview"),
    path("workflows/", views.workflow_list, name="workflows"),
    path("workflows/new/", views.workflow_create, name="workflow_create"),
    path("workflows/<int:pk>/", views.workflow_detail, name="workflow"),
    path("workflows/<int:pk>/edit/", views.workflow_edit, name="workflow_edit"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/delete/", views.delegation_delete, name="delegation_delete"),
]
