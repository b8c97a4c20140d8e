from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_new, name="new"),
    path("templates/<str:kind>.<str:fmt>", views.template, name="template"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/problems.csv", views.job_problems, name="problems"),
    path("<int:pk>/commit/", views.job_commit, name="commit"),
]
