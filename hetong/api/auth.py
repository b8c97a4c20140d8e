"""Who is calling: a bearer token (`Authorization: Bearer <token>`), or the signed-in session so that the
browsable docs work. Either way the operation gets the user as `request.auth`."""

import datetime as dt
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from hetong.accounts.models import ApiToken

# last_used_at is for people reviewing their tokens, not an access log: one write a minute is plenty.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        found = ApiToken.objects.authenticate(token) if token else None  # None for revoked or inactive users
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        user = found.user
        request.user = user
        # A script that asks for no language gets its owner's, as the pages do.
        if "HTTP_ACCEPT_LANGUAGE" not in request.META and user.language:
            translation.activate(user.language)
        return user


class SignedInSession(SessionAuth):
    """The session, with ninja's CSRF check for a signed-in user only: an anonymous call is a 401 (no
    credentials), not a 403 about a CSRF token it was never going to have."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


bearer_token = BearerToken()
signed_in_session = SignedInSession()


def docs_access(view):
    """The schema and the docs page are for staff: the schema is a 404 to anyone else (it maps the whole
    attack surface), the docs page sends a browser to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated or bearer_token(request) is not None:
            return view(request, *args, **kwargs)
        if request.resolver_match and request.resolver_match.url_name == "openapi-view":
            return redirect_to_login(request.get_full_path())
        return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)

    return wrapper
