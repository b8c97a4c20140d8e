"""Changes to users: preferences, passwords, API tokens."""

import zoneinfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetong.audit.services import record
from hetong.core.errors import InvalidInput

from .models import ApiToken, User


def create_api_token(user: User, *, by, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for `user`; returns the row and the secret, which is shown once and never stored."""
    secret = ApiToken.new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:60], digest=ApiToken.digest_of(secret), prefix=secret[:8])
        record(actor=by, verb="user.token_create", target=user, data={"token": token.pk, "name": name})
    return token, secret


def revoke_api_token(token: ApiToken, *, by) -> ApiToken:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(actor=by, verb="user.token_revoke", target=token.user, data={"token": token.pk})
    token.refresh_from_db()
    return token


def update_preferences(user: User, *, by, language: str | None = None, time_zone: str | None = None,
                       display_name: str | None = None) -> User:
    errors = {}
    if language is not None and language not in dict(User._meta.get_field("language").choices):
        errors["language"] = [_("Select a valid choice; that one does not exist.")]
    if time_zone is not None:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = [_("Unknown time zone.")]
    if errors:
        raise InvalidInput(errors=errors)
    changed = {}
    for field, value in (("language", language), ("time_zone", time_zone), ("display_name", display_name)):
        if value is not None and getattr(user, field) != value:
            changed[field] = [getattr(user, field), value]
            setattr(user, field, value[:60] if field == "display_name" else value)
    if changed:
        with transaction.atomic():
            user.save(update_fields=list(changed))
            record(actor=by, verb="user.preferences", target=user, data={"changes": changed})
    return user
