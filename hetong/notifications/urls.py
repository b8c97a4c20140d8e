from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("reminders/", views.reminder_list, name="reminders"),
    path("reminders/<int:pk>/acknowledge/", views.reminder_acknowledge, name="acknowledge"),
    path("reminders/<int:pk>/snooze/", views.reminder_snooze, name="snooze"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("contracts/<int:pk>/rules/<str:kind>/", views.contract_rule, name="contract_rule"),
    path(
        "contracts/<int:pk>/rules/<str:kind>/delete/", views.contract_rule_delete, name="contract_rule_delete"
    ),
    path("channels/", views.channel_list, name="channels"),
    path("channels/new/", views.channel_create, name="channel_create"),
    path("channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
