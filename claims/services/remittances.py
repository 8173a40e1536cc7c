"""The fund's payments: what it still owes on an application, and its remittance file checked row by row (a dry
run) then imported all or nothing, each row received against its application (Dr bank / Cr ASF receivable)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from moneyed import Money

from core.money import GBP, PENNY, format_gbp, zero
from ledger.models import AccountCode

from ..models.applications import INVOICEABLE, ASFApplication, Status
from ..models.remittances import Remittance, RemittanceLine
from ._common import _lock_with_limit, _post, _require_role, _transition
from .errors import BadAmount, ClaimsError, NotPermitted
from .roles import FINANCE


class RemittanceRejected(ClaimsError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("The remittance was not imported: " + "; ".join(problems))
        self.problems = list(problems)


#: The fund pays month by month (DOMAIN.md 1.6), so its payment can still arrive after the spend is confirmed.
RECEIVABLE = (*INVOICEABLE, Status.SPEND_CONFIRMED)


def fund_still_owes(application: ASFApplication) -> Money:
    """What the fund has yet to pay on an approved application: the approval, less what it paid, and less, once
    the spend is confirmed, the unspent part returned (which the spend confirmation took off the receivable)."""
    owed = application.approved_fund - application.funds_received
    if application.status in (Status.SPEND_CONFIRMED, Status.CLOSED):
        owed -= application.unspent_returned
    return max(owed, zero())


def _receive(application: ASFApplication, *, line: RemittanceLine, payment_date: date, by: Any,
             now: datetime) -> None:
    """The fund's payment for one application (a remittance row): Dr bank / Cr ASF receivable."""
    if application.status not in RECEIVABLE:
        raise ClaimsError(f"{line.fund_reference}: the application is {application.get_status_display().lower()}.")
    outstanding = fund_still_owes(application)
    if line.amount > outstanding:
        raise BadAmount(f"{line.fund_reference}: {format_gbp(line.amount)} is more than the "
                        f"{format_gbp(outstanding)} the fund still owes.")
    application.funds_received += line.amount
    application._history_user = by  # type: ignore[attr-defined]
    application.save(update_fields=["funds_received"])
    _post(line, authority=application.responsible_authority, key=f"claims.remittanceline:{line.pk}:received",
          memo=f"{application.reference}: the fund's payment ({line.fund_reference})", on=payment_date, by=by,
          now=now, lines=[(AccountCode.BANK, line.amount), (AccountCode.ASF_RECEIVABLE, -line.amount)])
    if application.status == Status.APPROVED and application.funds_received == application.approved_fund:
        _transition(application, "receive_funds", by=by, now=now, note=f"Remittance {line.remittance_id}")


@dataclass
class RemittanceRow:
    row_number: int
    fund_reference: str
    amount_text: str
    application: ASFApplication | None = None
    amount: Money | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class RemittancePreview:
    rows: list[RemittanceRow]
    total: Money
    remittance: Remittance | None = None

    @property
    def problems(self) -> list[str]:
        return [f"Row {row.row_number}: {error}" for row in self.rows for error in row.errors]

    @property
    def unmatched(self) -> list[RemittanceRow]:
        return [row for row in self.rows if row.application is None]


def remittance_check(*, authority: Any, rows: Sequence[tuple[int, str, str]], user: Any) -> RemittancePreview:
    """The dry run: every row matched to an application by the fund's reference, with its problems. Writes
    nothing. `rows` are (row number, fund reference, amount text)."""
    out: list[RemittanceRow] = []
    seen: dict[int, Money] = {}
    apps = {a.fund_reference: a for a in ASFApplication.objects.for_user(user).filter(
        responsible_authority=authority, fund_reference__in=[r[1].strip() for r in rows if r[1].strip()])}
    total = zero()
    for number, reference, amount_text in rows:
        row = RemittanceRow(row_number=number, fund_reference=reference.strip(), amount_text=amount_text.strip())
        try:
            value = Decimal(row.amount_text.replace(",", "").replace("£", ""))
            if not value.is_finite():
                raise ValueError
            row.amount = Money(value, GBP)
            if value <= 0:
                row.errors.append("the amount must be more than £0")
            elif value != value.quantize(PENNY):
                row.errors.append("the amount must be a whole number of pence")
            else:
                total += row.amount
        except (ArithmeticError, ValueError):
            row.errors.append(f"{row.amount_text!r} is not an amount")
        if not row.fund_reference:
            row.errors.append("the fund reference is missing")
        else:
            row.application = apps.get(row.fund_reference)
            if row.application is None:
                row.errors.append(f"no application of {authority.name} has the fund reference {row.fund_reference}")
            elif row.application.status not in RECEIVABLE:
                row.errors.append(f"application {row.application.reference} is "
                                  f"{row.application.get_status_display().lower()}")
            elif row.amount is not None and not row.errors:
                already = seen.get(row.application.pk, zero())
                outstanding = fund_still_owes(row.application) - already
                if row.amount > outstanding:
                    row.errors.append(f"{format_gbp(row.amount)} is more than the {format_gbp(outstanding)} the "
                                      f"fund still owes on {row.application.reference}")
                seen[row.application.pk] = already + row.amount
        out.append(row)
    if not out:
        out.append(RemittanceRow(row_number=0, fund_reference="", amount_text="", errors=["the file has no rows"]))
    return RemittancePreview(rows=out, total=total)


@transaction.atomic
def remittance_import(*, authority: Any, rows: Sequence[tuple[int, str, str]], file_name: str, payment_date: date,
                      by: Any, now: datetime) -> RemittancePreview:
    """All or nothing: any row with a problem (an unknown reference, a bad amount) and nothing is written."""
    _require_role(by, FINANCE, "import the fund's remittance")
    if authority.pk not in _authority_ids(by):
        raise NotPermitted("You cannot import a remittance for another authority.")
    preview = remittance_check(authority=authority, rows=rows, user=by)
    if preview.problems:
        raise RemittanceRejected(preview.problems)
    locked = {a.pk: a for a in ASFApplication.objects.select_for_update().filter(
        pk__in=sorted({row.application.pk for row in preview.rows if row.application})).order_by("pk")}
    for application in locked.values():
        _lock_with_limit(application)
    remittance = Remittance(authority=authority, file_name=file_name[:200], payment_date=payment_date,
                            total=preview.total, imported_by=by, imported_at=now)  # type: ignore[misc]
    remittance._history_user = by  # type: ignore[attr-defined]
    remittance.save()
    for row in preview.rows:
        assert row.application is not None and row.amount is not None
        application = locked[row.application.pk]
        line = RemittanceLine.objects.create(remittance=remittance, row_number=row.row_number,
                                             fund_reference=row.fund_reference, application=application,
                                             amount=row.amount)  # type: ignore[misc]
        _receive(application, line=line, payment_date=payment_date, by=by, now=now)
    preview.remittance = remittance
    return preview


def _authority_ids(user: Any) -> list[int]:
    from organisations.scoping import authority_ids_for

    return authority_ids_for(user)
