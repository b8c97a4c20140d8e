from django.urls import path

from .views import clauses, documents, templates

app_name = "documents"
urlpatterns = [
    path("templates/", templates.template_list, name="template_list"),
    path("templates/new/", templates.template_create, name="template_create"),
    path("templates/variables/", templates.template_variables, name="template_variables"),
    path("templates/<int:pk>/", templates.template_detail, name="template_detail"),
    path("templates/<int:pk>/edit/", templates.template_edit, name="template_edit"),
    path("templates/<int:pk>/versions/new/", templates.template_version_create, name="template_version_create"),
    path(
        "templates/<int:pk>/versions/<int:number>/download/",
        templates.template_version_download,
        name="template_version_download",
    ),
    path("templates/<int:pk>/preview/", templates.template_preview, name="template_preview"),
    path("templates/<int:pk>/preview/download/", templates.template_preview_download, name="template_preview_download"),
    path("clauses/", clauses.clause_list, name="clause_list"),
    path("clauses/new/", clauses.clause_create, name="clause_create"),
    path("clauses/<int:pk>/", clauses.clause_detail, name="clause_detail"),
    path("clauses/<int:pk>/edit/", clauses.clause_propose, name="clause_propose"),
    path("clauses/<int:pk>/versions/<int:version_pk>/approve/", clauses.clause_approve, name="clause_approve"),
    # contract documents
    path("contracts/<int:pk>/generate/", documents.generate, name="generate"),
    path("contracts/<int:pk>/compare/", documents.compare, name="compare"),
    path("<int:pk>/file.<str:fmt>", documents.download, name="download"),
    path("<int:pk>/convert/", documents.convert_again, name="convert"),
    path("batch/", documents.batch, name="batch"),
    path("jobs/<int:pk>/", documents.job_detail, name="job"),
]
