from django.urls import path

from . import views

app_name = "changes"
urlpatterns = [
    path("contracts/<int:pk>/renew/", views.renew, name="renew"),
    path("contracts/<int:pk>/terminate/", views.terminate, name="terminate"),
    path("contracts/<int:pk>/notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/deliveries/new/", views.delivery_create, name="delivery_create"),
    path("deliveries/<int:pk>/proof/", views.proof_download, name="proof"),
    path("renewals/batch/", views.batch_renew, name="batch"),
]
