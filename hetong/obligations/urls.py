from django.urls import path

from . import views

app_name = "obligations"
urlpatterns = [
    path("", views.obligation_list, name="list"),
    path("contracts/<int:contract_pk>/add/", views.obligation_add, name="add"),
    path("<int:pk>/edit/", views.obligation_edit, name="edit"),
    path("<int:pk>/complete/", views.obligation_complete, name="complete"),
    path("<int:pk>/waive/", views.obligation_waive, name="waive"),
    path("<int:pk>/reopen/", views.obligation_reopen, name="reopen"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:file_pk>/", views.evidence_download, name="evidence_download"),
]
