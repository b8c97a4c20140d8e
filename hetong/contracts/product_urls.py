"""The product catalogue, at /products/. A contract's line items are under the contract (contracts/urls.py)."""

from django.urls import path

from . import product_views

app_name = "products"
urlpatterns = [
    path("", product_views.product_list, name="list"),
    path("new/", product_views.product_create, name="create"),
    path("<int:pk>/edit/", product_views.product_edit, name="edit"),
]
