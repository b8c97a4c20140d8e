from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("tasks/<int:pk>/", views.task_detail, name="task"),
]
