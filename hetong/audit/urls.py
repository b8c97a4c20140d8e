from django.urls import path

from hetong.core.placeholder import placeholder

app_name = "audit"
urlpatterns = [path("", placeholder, name="log")]
