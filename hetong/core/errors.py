"""Domain errors: what a service raises when a business rule says no.

Views turn them into a message on the page; the API turns them into a 400/409 with a machine-readable code.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code: str | None = None, errors: dict | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.errors = errors or {}  # field name -> list of messages
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        data = {"code": self.code, "detail": str(self.message)}
        if self.errors:
            data["errors"] = {k: [str(m) for m in v] for k, v in self.errors.items()}
        return data


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message = _("Please correct the errors below.")


class Conflict(DomainError):
    status = 409


class StaleVersion(Conflict):
    code = "stale_version"
    default_message = _(
        "Someone else changed this record after you opened it. Reload it to see their changes, then try again."
    )


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = _("This action is not allowed in the current status.")


class Frozen(Conflict):
    code = "frozen"
    default_message = _("This contract can no longer be edited in its current status.")


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do this.")


def errors_from_validation(exc) -> dict:
    """Field errors of a django ValidationError as {field: [messages]}."""
    if hasattr(exc, "message_dict"):
        return {field: list(msgs) for field, msgs in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def refuse_unknown_fields(data: dict, allowed) -> None:
    """A field a client may not set is refused, not silently ignored (mass assignment)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="forbidden_field",
            errors={f: [_("This field cannot be changed here.")] for f in unknown},
        )
