from django.contrib import admin
from django.urls import include, path

from core import views as core_views

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

admin.site.site_header = "Adoption support: back office"
admin.site.site_title = "Adoption support back office"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("organisations.urls")),
    path("support/ssd/", include("support.ssd.urls")),
    path("support/", include("support.urls")),
    path("contracts/", include("contracts.urls")),
    path("referrals/", include("commissioning.urls")),
    path("claims/", include("claims.urls")),
    path("invoicing/", include("invoicing.urls")),
    path("letterbox/", include("contact.urls")),
    path("ledger/journals/", include("ledger.journals.urls")),
    path("ledger/", include("ledger.urls")),
    path("audit/", include("audit.urls")),
    path("sso/", include("sso.urls")),
    path("scorecard/", include("scorecard.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("api.urls")),
]
