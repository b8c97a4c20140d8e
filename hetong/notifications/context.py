"""The unread badge in the top navigation."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: one COUNT on the partial unread index, and only when a page shows the badge.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
