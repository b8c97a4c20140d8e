from django.urls import path

from . import product_views, views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("export/", views.contract_export, name="export"),
    path("new/", views.contract_create, name="create"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/calendar.ics", views.contract_ics, name="ics"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/actions/<slug:action>/", views.contract_action, name="action"),
    path("<int:pk>/parties/", views.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/", views.party_edit, name="party_edit"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.party_remove, name="party_remove"),
    path("<int:pk>/parties/<int:party_pk>/signatories/", views.signatory_add, name="signatory_add"),
    path(
        "<int:pk>/parties/<int:party_pk>/signatories/<int:signatory_pk>/remove/",
        views.signatory_remove,
        name="signatory_remove",
    ),
    path("<int:pk>/line-items/", product_views.line_item_add, name="line_item_add"),
    path("<int:pk>/line-items/<int:item_pk>/", product_views.line_item_edit, name="line_item_edit"),
    path("<int:pk>/line-items/<int:item_pk>/remove/", product_views.line_item_remove, name="line_item_remove"),
    path("<int:pk>/files/", views.file_upload, name="file_upload"),
    path("<int:pk>/files/<int:file_pk>/versions/", views.file_version_upload, name="file_version_upload"),
    path("<int:pk>/files/versions/<int:version_pk>/", views.file_download, name="file_download"),
]
