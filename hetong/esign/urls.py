from django.urls import path

from . import views

app_name = "esign"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("ca-certificate.pem", views.ca_certificate, name="ca_certificate"),
    path("seals/", views.seal_list, name="seals"),
    path("seals/<int:pk>/", views.seal_upload, name="seal_upload"),
    path("seals/<int:pk>/seal.png", views.seal_image, name="seal_image"),
]
