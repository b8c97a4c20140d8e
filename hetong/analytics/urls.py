from django.urls import path

from . import report_views, views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", report_views.report_index, name="reports"),
    path("reports/<slug:key>/", report_views.report_detail, name="report"),
    path("reports/<slug:key>/schedule/", report_views.schedule_create, name="report_schedule"),
    path("schedules/", report_views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/delete/", report_views.schedule_delete, name="schedule_delete"),
]
