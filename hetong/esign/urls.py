from django.urls import path

from . import request_views, signing_views, views

app_name = "esign"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("ca-certificate.pem", views.ca_certificate, name="ca_certificate"),
    path("seals/", views.seal_list, name="seals"),
    path("seals/<int:pk>/", views.seal_upload, name="seal_upload"),
    path("seals/<int:pk>/seal.png", views.seal_image, name="seal_image"),
    # Staff: a contract's signature requests.
    path("contracts/<int:contract_pk>/requests/new/", request_views.request_create, name="request_create"),
    path("requests/<int:pk>/send/", request_views.request_send, name="request_send"),
    path("requests/<int:pk>/void/", request_views.request_void, name="request_void"),
    path("requests/<int:pk>/signers/<int:signer_pk>/resend/", request_views.signer_resend, name="signer_resend"),
    path("requests/<int:pk>/certificate.pdf", request_views.request_certificate, name="request_certificate"),
    # Signers (no account): the emailed link.
    path("sign/done/", signing_views.done, name="done"),
    path("sign/<str:token>/", signing_views.open_link, name="open"),
    path("sign/<str:token>/code/", signing_views.send_code, name="send_code"),
    path("sign/<str:token>/confirm/", signing_views.confirm, name="confirm"),
    path("sign/<str:token>/document.pdf", signing_views.document, name="document"),
    path("sign/<str:token>/sign/", signing_views.sign, name="sign"),
]
