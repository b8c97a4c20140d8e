"""Every API error has one shape: {"code", "detail", "errors"?}, whatever raised it.

`code` is machine-readable and stable; `detail` is a translated sentence; `errors` maps a field to its
messages. Bad request input (a malformed query or body) is a 400 with code "invalid", the same status and
code a service gives for a business rule on the input, so a client handles both in one place.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from hetong.core.errors import DomainError, errors_from_validation


class ErrorOut(Schema):
    code: str
    detail: str
    errors: dict[str, list[str]] | None = None


def errors(*statuses: int) -> dict:
    """The `response=` entries documenting these error statuses, to merge into an endpoint's own."""
    return {status: ErrorOut for status in statuses}


def body(code: str, detail, field_errors: dict | None = None) -> dict:
    data = {"code": code, "detail": str(detail)}
    if field_errors:
        data["errors"] = {key: [str(m) for m in messages] for key, messages in field_errors.items()}
    return data


def _pydantic_message(error: dict) -> str:
    """A translated sentence for one pydantic error; pydantic's own messages are English only."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "null_character":
        return _("Null characters are not allowed.")
    if kind == "broken_text":
        return _("The text is not valid Unicode.")
    if kind == "extra_forbidden":
        return _("This field cannot be changed here.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("ge", ctx.get("gt"))
        }
    if kind in {"less_than_equal", "less_than"}:
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("le", ctx.get("lt"))
        }
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("decimal_") or kind.startswith("float_"):
        return _("Enter a number.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    if kind in {"literal_error", "enum"}:
        return _("Select a valid choice; that one does not exist.")
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Enter a list of values.")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("Enter an object of names and values.")
    if kind == "string_too_long":
        return _("Ensure this value has at most %(max)s characters.") % {"max": ctx.get("max_length")}
    return _("Enter a valid value.")


# The routers name their schema arguments so; ninja puts the name in front of nested error locations.
ARGUMENT_NAMES = {"payload", "query"}


def _field_name(loc) -> str:
    source, *parts = loc or ("",)
    if parts and parts[0] in ARGUMENT_NAMES:
        parts = parts[1:]
    if source == "query":
        parts = [p for p in parts if not isinstance(p, int)]  # a repeated parameter has no index to show
    return ".".join(str(p) for p in parts) or "__all__"


def validation_body(exc: ValidationError) -> dict:
    field_errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field_errors.setdefault(_field_name(error.get("loc")), []).append(_pydantic_message(error))
    if exc.errors and all(e.get("type") == "extra_forbidden" for e in exc.errors):
        # The same answer the services give for a field a client may not set (mass assignment).
        return body(
            "forbidden_field",
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(field_errors))},
            field_errors,
        )
    return body("invalid", _("Please correct the errors below."), field_errors)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "throttled"}


def _http_detail(status: int) -> str:
    if status == 400:
        return _("The request could not be read; send a JSON object.")
    if status == 401:
        return _("Sign in, or send a valid API token as 'Authorization: Bearer <token>'.")
    if status == 403:
        return _("The request was refused (for a signed-in session: the CSRF token is missing or wrong).")
    if status == 404:
        return _("Not found.")
    if status == 429:
        return _("Too many requests; try again later.")
    return _("The request could not be carried out.")


def install(api) -> None:
    """Register the handlers on the NinjaAPI."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def invalid_input(request, exc: ValidationError):
        return api.create_response(request, validation_body(exc), status=400)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(request, body("unauthorized", _http_detail(401)), status=401)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = _HTTP_CODES.get(exc.status_code, "error")
        return api.create_response(request, body(code, _http_detail(exc.status_code)), status=exc.status_code)

    @api.exception_handler(DjangoValidationError)
    def model_validation(request, exc: DjangoValidationError):
        # A value that reached the ORM unchecked (e.g. a forged cursor holding "NaN"): still the client's input.
        return api.create_response(
            request,
            body("invalid", _("Please correct the errors below."), errors_from_validation(exc)),
            status=400,
        )

    @api.exception_handler(DjangoPermissionDenied)
    def forbidden(request, exc):
        return api.create_response(
            request, body("forbidden", _("You are not allowed to do this.")), status=403
        )

    def not_found(request, exc):
        return api.create_response(request, body("not_found", _("Not found.")), status=404)

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
