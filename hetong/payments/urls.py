from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("aging/", views.aging_report, name="aging"),
    path("contracts/<int:contract_pk>/plan/", views.plan_edit, name="plan_edit"),
    path("contracts/<int:contract_pk>/receipts/new/", views.receipt_create, name="receipt_create"),
    path("contracts/<int:contract_pk>/invoices/new/", views.invoice_create, name="invoice_create"),
    path("receipts/<int:pk>/reverse/", views.receipt_reverse, name="receipt_reverse"),
    path("installments/<int:pk>/due-date/", views.due_date_set, name="due_date_set"),
]
