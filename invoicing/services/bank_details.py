"""Providers' bank details: entered by one person (a finance officer, or the provider's own staff) and approved by
a finance officer who did not enter them. Approving new details replaces the old; every version is kept, with
history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from organisations.models import Scope

from .. import rules
from ..models import BankDetailsStatus, ProviderBankDetails
from ._common import FINANCE, PROVIDER, require_provider_staff_of, require_role
from .errors import InvalidTransition, InvoicingError, NotPermitted


@transaction.atomic
def bank_details_enter(*, provider: Any, account_name: str, sort_code: str, account_number: str, by: Any,
                       now: datetime) -> ProviderBankDetails:
    require_role(by, (*FINANCE, *PROVIDER), "enter a provider's bank details")
    if getattr(by, "scope", None) == Scope.PROVIDER:
        require_provider_staff_of(by, provider.pk, "enter this provider's bank details")
    name = (account_name or "").strip()
    if not name:
        raise InvoicingError("Enter the name on the account.")
    try:
        sort, account = rules.valid_sort_code(sort_code or ""), rules.valid_account_number(account_number or "")
    except rules.RuleError as error:
        raise InvoicingError(str(error)) from error
    details = ProviderBankDetails(provider=provider, account_name=name[:140], sort_code=sort,
                                  account_number=account, entered_by=by, entered_at=now)
    details._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            details.save()
    except IntegrityError as error:
        raise InvoicingError(f"{provider.name} already has new bank details waiting for approval: approve or "
                             "reject those first.") from error
    return details


def _decide(details: ProviderBankDetails, *, by: Any, now: datetime, approve: bool) -> ProviderBankDetails:
    details = ProviderBankDetails.objects.select_for_update().select_related("provider").get(pk=details.pk)
    require_role(by, FINANCE, "approve a provider's bank details")
    if details.status != BankDetailsStatus.PENDING:
        raise InvalidTransition(f"These bank details are already {details.get_status_display().lower()}.")
    if details.entered_by_id == by.pk:
        raise NotPermitted("You entered these bank details, so you cannot approve them: another finance officer "
                           "must check them.")
    if approve:
        for current in ProviderBankDetails.objects.select_for_update().filter(
                provider=details.provider, status=BankDetailsStatus.APPROVED):
            current.replace()
            current._history_user = by  # type: ignore[attr-defined]
            current.save(update_fields=["status"])
        details.approve()
    else:
        details.reject()
    details.decided_by = by
    details.decided_at = now
    details._history_user = by  # type: ignore[attr-defined]
    details.save(update_fields=["status", "decided_by", "decided_at"])
    return details


@transaction.atomic
def bank_details_approve(*, details: ProviderBankDetails, by: Any, now: datetime) -> ProviderBankDetails:
    return _decide(details, by=by, now=now, approve=True)


@transaction.atomic
def bank_details_reject(*, details: ProviderBankDetails, by: Any, now: datetime) -> ProviderBankDetails:
    return _decide(details, by=by, now=now, approve=False)
