from django.urls import path

from hetong.core.placeholder import placeholder

app_name = "contracts"
urlpatterns = [path("", placeholder, name="list")]
