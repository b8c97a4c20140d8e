"""The REST API, version 1, mounted at /api/v1/ (hetong/urls.py)."""

import json
from decimal import Decimal

from ninja import NinjaAPI, Swagger
from ninja.parser import Parser

from . import accounts, approvals, contracts, customers, documents, errors, esign, notifications, products
from .auth import bearer_token, docs_access, signed_in_session


class ExactJSONParser(Parser):
    """JSON numbers become Decimal, never float: 99999999999999.99 as a float is ...98."""

    def parse_body(self, request):
        return json.loads(request.body, parse_float=Decimal)


DESCRIPTION = """
Authenticate with `Authorization: Bearer <token>` (create a token on your profile page), or use the
signed-in session (this page does; writes then need the CSRF token, which it sends for you).

Every error has the body `{"code", "detail", "errors"?}`: `code` is stable and machine-readable, `detail` is
a sentence in the caller's language, `errors` maps each field to its messages. Bad input, including a
malformed query parameter or body, is a 400 (never a 422); a missing or invalid token is a 401; a record
outside your data scope is a 404, the same as one that does not exist; an action your role may not take on a
record you can see is a 403; a stale `version` or a status that forbids the action is a 409.

Lists return `{"items", "count", "next_cursor"}`: pass `next_cursor` back as `cursor` for the next page.
Amounts are strings with two decimals ("128000.00"); send them as strings or JSON numbers, never rounded.
"""

api = NinjaAPI(
    title="Hetong API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[bearer_token, signed_in_session],
    parser=ExactJSONParser(),
    # validatorUrl None: Swagger UI would otherwise fetch a badge from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=docs_access,
)
errors.install(api)
api.add_router("", accounts.router)
api.add_router("", customers.router)
api.add_router("", contracts.router)
api.add_router("", notifications.router)
api.add_router("", documents.router)
api.add_router("", products.router)
api.add_router("", approvals.router)
api.add_router("", esign.router)
api.add_router("", "hetong.changes.api.router")
api.add_router("", "hetong.changes.amendment_api.router")
api.add_router("", "hetong.api.obligations.router")
api.add_router("", "hetong.api.analytics.router")
api.add_router("", "hetong.api.reports.router")
api.add_router("", "hetong.api.imports.router")
api.add_router("", "hetong.payments.api.router")
