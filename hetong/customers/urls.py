from django.urls import path

from hetong.core.placeholder import placeholder

app_name = "customers"
urlpatterns = [path("", placeholder, name="list")]
