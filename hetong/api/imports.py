"""Bulk imports in API v1 (tag "imports")."""

from ninja import Router

router = Router(tags=["imports"])
