"""Facts about the HTTP request that more than one app needs."""

from ipaddress import ip_address

from django.conf import settings


def client_ip(request) -> str | None:
    """The visitor's address. Behind our own reverse proxy (HETONG_BEHIND_PROXY) REMOTE_ADDR is the proxy, and the
    visitor is the last address of X-Forwarded-For, the one that proxy appended; the ones before it are whatever
    the client sent and are not trusted. None when no valid address is known."""
    candidate = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "HETONG_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ip_address(candidate))
    except ValueError:
        return None
