from django.urls import path

from . import amendment_views, views

app_name = "changes"
urlpatterns = [
    path("contracts/<int:pk>/renew/", views.renew, name="renew"),
    path("contracts/<int:pk>/terminate/", views.terminate, name="terminate"),
    path("contracts/<int:pk>/notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/deliveries/new/", views.delivery_create, name="delivery_create"),
    path("deliveries/<int:pk>/proof/", views.proof_download, name="proof"),
    path("renewals/batch/", views.batch_renew, name="batch"),
    path("contracts/<int:pk>/amendments/new/", amendment_views.amendment_create, name="amendment_create"),
    path("contracts/<int:pk>/terms/", amendment_views.terms_on_day, name="terms_on"),
    path("amendments/<int:pk>/", amendment_views.amendment_detail, name="amendment"),
    path("amendments/<int:pk>/edit/", amendment_views.amendment_edit, name="amendment_edit"),
    path("amendments/<int:pk>/sign/", amendment_views.amendment_sign, name="amendment_sign"),
    path("amendments/<int:pk>/<slug:action>/", amendment_views.amendment_action, name="amendment_action"),
]
