"""Reports and their schedules in API v1 (tag "reports")."""

from ninja import Router

router = Router(tags=["reports"])
