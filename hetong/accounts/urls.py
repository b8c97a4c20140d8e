from django.urls import path

from hetong.core.placeholder import placeholder

app_name = "accounts"
urlpatterns = [
    path("login/", placeholder, name="login"),
    path("logout/", placeholder, name="logout"),
    path("profile/", placeholder, name="profile"),
    path("password/", placeholder, name="password_change"),
    path("language/", placeholder, name="language"),
]
