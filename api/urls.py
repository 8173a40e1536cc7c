"""/api/v1/: the resources, the schema and its documentation page. API views authenticate by token, not by
session, so the site's sign-in requirement does not apply to them (`login_not_required`)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import claims, contracts, docs, ledger, referrals, support

app_name = "api"

router = SimpleRouter()
router.register("households", support.HouseholdViewSet, basename="household")
router.register("children", support.ChildViewSet, basename="child")
router.register("people", support.PersonViewSet, basename="person")
router.register("legal-orders", support.LegalOrderViewSet, basename="legal-order")
router.register("support-requests", support.SupportRequestViewSet, basename="support-request")
router.register("assessments", support.AssessmentViewSet, basename="assessment")
router.register("notices", support.NoticeViewSet, basename="notice")
router.register("decisions", support.DecisionViewSet, basename="decision")
router.register("plans", support.SupportPlanViewSet, basename="plan")
router.register("reviews", support.ReviewViewSet, basename="review")
router.register("referrals", referrals.ProviderReferralViewSet, basename="referral")
router.register("asf-applications", claims.ASFApplicationViewSet, basename="asf-application")
router.register("contracts", contracts.ContractViewSet, basename="contract")
router.register("usage", contracts.UsageRecordViewSet, basename="usage")
router.register("apportionment-runs", contracts.ApportionmentRunViewSet, basename="apportionment-run")
router.register("ledger/transactions", ledger.TransactionViewSet, basename="ledger-transaction")
router.register("ledger/entries", ledger.EntryViewSet, basename="ledger-entry")

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("children/<int:pk>/fund-headroom/", claims.ChildHeadroomView.as_view(), name="child-headroom"),
    *router.urls,
]
for pattern in urlpatterns:
    login_not_required(pattern.callback)
