"""Invoicing's pure rules: what a session costs, when an invoice falls due, what may be invoiced or credited, the
payment file's cells and a run's totals. No ORM and no clock: everything arrives as arguments."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from moneyed import Money

from core.money import GBP, PENNY, format_gbp, zero
from core.spreadsheets import neutralise, neutralise_row
from core.uploads import sniff

#: Days from the invoice date to the day it falls due (the public sector's 30-day payment target).
PAYMENT_TERMS_DAYS = 30
MAX_PDF_BYTES = 10 * 1024 * 1024


class RuleError(Exception):
    """A rule refused: the message names what and why."""


def gbp(amount: Decimal) -> Money:
    """`amount` rounded once, half up, to the penny."""
    return Money(amount.quantize(PENNY, rounding=ROUND_HALF_UP), GBP)


class Basis:
    PER_SESSION = "per_session"
    PER_HOUR = "per_hour"


@dataclass(frozen=True)
class Price:
    """How a session is priced: a rate per session, or per hour of the session's recorded length."""

    basis: str
    rate: Money
    source: str  # in words, for the finance officer's side-by-side check


def session_price(price: Price, *, duration_minutes: int | None) -> Money:
    """A session's price: the rate, or the rate for its hours (rounded half up to the penny)."""
    if price.rate.amount < 0:
        raise RuleError("A rate cannot be negative.")
    if price.basis == Basis.PER_SESSION:
        return gbp(price.rate.amount)
    if price.basis == Basis.PER_HOUR:
        if not duration_minutes or duration_minutes <= 0:
            raise RuleError("the session's length is not recorded, and the contract pays by the hour")
        return gbp(price.rate.amount * Decimal(duration_minutes) / Decimal(60))
    raise RuleError(f"{price.basis!r} is not a way of pricing a session")


def due_date(invoice_date: date, *, terms_days: int = PAYMENT_TERMS_DAYS) -> date:
    return invoice_date + timedelta(days=terms_days)


def is_due(due: date, *, by: date) -> bool:
    return due <= by


@dataclass(frozen=True)
class SessionCandidate:
    """A session offered for an invoice, with what the rules need to know about it."""

    label: str  # "Session on 4 March 2026 (REF-12)"
    session_date: date
    referral_provider_id: int | None
    referral_authority_id: int
    already_invoiced: bool


def session_problems(candidate: SessionCandidate, *, provider_id: int, paying_authority_id: int,
                     invoice_date: date) -> list[str]:
    """Why a session cannot go on this provider's invoice to this authority (empty when it can)."""
    problems = []
    if candidate.referral_provider_id != provider_id:
        problems.append("it was not referred to your organisation")
    if candidate.referral_authority_id != paying_authority_id:
        problems.append("another authority made the referral")
    if candidate.already_invoiced:
        problems.append("it is already invoiced")
    if candidate.session_date > invoice_date:
        problems.append("it was delivered after the invoice date")
    return problems


def cap_problems(*, label: str, sessions_before: int, sessions_now: int, sessions_allowed: int | None,
                 amount_before: Money, amount_now: Money, amount_allowed: Money | None) -> list[str]:
    """The caps: no more sessions than agreed or approved, no more money than approved."""
    problems = []
    if sessions_allowed is not None and sessions_before + sessions_now > sessions_allowed:
        problems.append(f"{label}: {sessions_before + sessions_now} sessions would be invoiced, more than the "
                        f"{sessions_allowed} agreed")
    if amount_allowed is not None and amount_before + amount_now > amount_allowed:
        problems.append(f"{label}: {_pounds(amount_before + amount_now)} would be invoiced, more than the "
                        f"{_pounds(amount_allowed)} approved")
    return problems


def check_amount(value: Money, *, what: str) -> Money:
    """A positive amount in whole pence of pounds sterling, or RuleError naming `what`."""
    if not isinstance(value, Money):
        raise RuleError(f"The {what} must be an amount in pounds.")
    if str(value.currency) != GBP:
        raise RuleError(f"The {what} must be in pounds sterling (GBP).")
    amount = value.amount
    if not amount.is_finite():
        raise RuleError(f"The {what} is not a number.")
    if amount <= 0:
        raise RuleError(f"The {what} must be more than £0.")
    if amount != amount.quantize(PENNY):
        raise RuleError(f"The {what} must be a whole number of pence.")
    return Money(amount.quantize(PENNY), GBP)


def credit_left(*, line_amount: Money, credited: Money) -> Money:
    """What can still be credited on a line: never below nothing."""
    return max(line_amount - credited, zero())


def credit_problem(*, label: str, line_amount: Money, credited: Money, credit: Money) -> str | None:
    """A credit note line may take a line down to nothing and no further."""
    left = credit_left(line_amount=line_amount, credited=credited)
    if credit > left:
        return f"{label}: a credit of {_pounds(credit)} is more than the {_pounds(left)} left on the line"
    return None


def pdf_problem(content: bytes) -> str | None:
    """Why these bytes are not an acceptable invoice PDF (by content, never by name)."""
    if not content:
        return "The selected file is empty"
    if len(content) > MAX_PDF_BYTES:
        return f"The selected file must be smaller than {MAX_PDF_BYTES // (1024 * 1024)} MB"
    if sniff(content, ("application/pdf",)) is None:
        return "The selected file must be a PDF: its content is not a PDF"
    return None


def provider_totals(items: Iterable[tuple[Hashable, Money]]) -> dict[Hashable, Money]:
    """Each provider's net total in a run: the sum of its invoices less its credit notes, to the penny."""
    totals: dict[Hashable, Money] = defaultdict(zero)
    for provider, amount in items:
        totals[provider] = totals[provider] + amount
    return dict(totals)


def payable(totals: Mapping[Hashable, Money]) -> dict[Hashable, Money]:
    """Providers with something to pay (a provider whose credits outweigh its invoices waits for the next run)."""
    return {provider: total for provider, total in totals.items() if total.amount > 0}


BACS_HEADER = ("Payee", "Sort code", "Account number", "Amount", "Reference")


@dataclass(frozen=True)
class BacsRow:
    payee: str
    sort_code: str
    account_number: str
    amount: Money
    reference: str


def bacs_csv(rows: Sequence[BacsRow]) -> str:
    """The payment file: one row per payee, amounts in pounds with two decimals, every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BACS_HEADER)
    for row in rows:
        writer.writerow([*neutralise_row([row.payee, row.sort_code, row.account_number]),
                         f"{row.amount.amount.quantize(PENNY)}", neutralise(row.reference)])
    return out.getvalue()


def valid_sort_code(text: str) -> str:
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) != 6 or not digits.isdigit():
        raise RuleError("Enter a sort code of 6 digits, like 30-99-50")
    return digits


def valid_account_number(text: str) -> str:
    digits = text.replace(" ", "")
    if len(digits) != 8 or not digits.isdigit():
        raise RuleError("Enter an account number of 8 digits")
    return digits


def _pounds(value: Money) -> str:
    return format_gbp(value)
