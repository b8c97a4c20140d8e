from django.contrib import admin
from django.urls import include, path

from hetong.api.urls import api

urlpatterns = [
    path("", include("hetong.core.urls")),
    path("accounts/", include("hetong.accounts.urls")),
    path("customers/", include("hetong.customers.urls")),
    path("contracts/", include("hetong.contracts.urls")),
    path("calendar/", include("hetong.contracts.calendar_urls")),
    path("products/", include("hetong.contracts.product_urls")),
    path("audit/", include("hetong.audit.urls")),
    path("notifications/", include("hetong.notifications.urls")),
    path("documents/", include("hetong.documents.urls")),
    path("approvals/", include("hetong.approvals.urls")),
    path("esign/", include("hetong.esign.urls")),
    path("obligations/", include("hetong.obligations.urls")),
    path("payments/", include("hetong.payments.urls")),
    path("changes/", include("hetong.changes.urls")),
    path("analytics/", include("hetong.analytics.urls")),
    path("imports/", include("hetong.imports.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
