"""The dashboard's figures in API v1 (tag "analytics"): the same selector as the page, the same filters."""

from typing import Any

from ninja import Router

from hetong.analytics import selectors
from hetong.api.errors import errors

router = Router(tags=["analytics"])


@router.get(
    "/analytics/summary",
    response={200: dict[str, Any], **errors(400, 401)},
    description="Every dashboard figure for the contracts the caller may see, filtered like the contract list: "
    "`department` (with the ones under it), `owner`, `type` (with its sub-types), `customer_level`, each repeatable; "
    "`year` for the figures of a period (default this year; monthly values also for the year before); "
    "`stuck_days` (default 7). Counts by status are under `by_status`; every element with a `url` links to the "
    "contract list of exactly the contracts it counts. Amounts are in CNY, as strings.",
)
def summary(request):
    return selectors.summary(request.auth, request.GET)
