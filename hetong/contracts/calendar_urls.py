"""The calendars of key dates, at /calendar/: they span every contract the user may see, not one contract."""

from django.urls import path, re_path

from . import views

app_name = "calendar"
urlpatterns = [
    path("", views.calendar_month, name="month"),
    path("agenda/", views.calendar_agenda, name="agenda"),
    path("feed/", views.calendar_feed_issue, name="feed_issue"),
    path("feed/revoke/", views.calendar_feed_revoke, name="feed_revoke"),
    # The token is CalendarFeed.new_token()'s URL-safe base64.
    re_path(r"^feed/(?P<token>[A-Za-z0-9_-]{16,100})\.ics$", views.calendar_feed, name="feed"),
]
