"""Ledger pages: read-only. Every page checks the role, and reads through `for_user` so that a user sees only the
accounts and entries of their own authorities (an account outside scope is a 404)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from core.charts import bar_chart
from core.money import format_gbp
from organisations.access import role_required
from organisations.models import Authority, Role
from organisations.scoping import authority_ids_for

from . import selectors
from .forms import SourceForm, TrialBalanceForm
from .models import Account, Entry

LEDGER_READERS = (Role.FINANCE_OFFICER, Role.TEAM_MANAGER, Role.AUDITOR, Role.LEAD_COMMISSIONER)
PER_PAGE = 50


def _authorities(user: Any) -> list[Authority]:
    return list(Authority.objects.filter(pk__in=authority_ids_for(user)).order_by("name"))


def _side(amount: Decimal) -> dict:
    """Debit and credit columns for a signed amount (debit positive)."""
    return {
        "debit": format_gbp(amount) if amount > 0 else "",
        "credit": format_gbp(-amount) if amount < 0 else "",
    }


def _page(request: HttpRequest, entries: Any) -> tuple[Any, list]:
    """A page of entries, always fetched with one query (so an empty list costs what a full one does)."""
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    offset = (page.number - 1) * PER_PAGE
    return page, list(entries[offset : offset + PER_PAGE])


def _entry_rows(entries: Any, *, running: bool = False) -> list[dict]:
    rows, total = [], Decimal("0.00")
    for entry in entries:
        amount = entry.amount.amount
        total += amount
        tx = entry.transaction
        rows.append(
            {
                "date": tx.transaction_date,
                "transaction_id": tx.pk,
                "transaction_url": reverse("ledger:transaction", args=[tx.pk]),
                "memo": tx.memo,
                "account": entry.account.name,
                "account_url": reverse("ledger:account", args=[entry.account_id]),
                "authority": entry.account.authority.name,
                **_side(amount),
                "running": format_gbp(total) if running else "",
            }
        )
    return rows


@role_required(*LEDGER_READERS)
def account_list(request: HttpRequest) -> HttpResponse:
    authorities = _authorities(request.user)
    chosen = request.GET.get("authority", "")
    authority_id = int(chosen) if chosen.isdigit() and int(chosen) in {a.pk for a in authorities} else None
    rows = selectors.accounts_with_balances(user=request.user, authority_id=authority_id)
    groups: dict[str, list[dict]] = {}
    for row in rows:
        account = row["account"]
        groups.setdefault(account.authority.name, []).append(
            {
                "name": account.name,
                "url": reverse("ledger:account", args=[account.pk]),
                "kind": account.get_kind_display(),
                **_side(row["balance"].amount),
            }
        )
    return render(
        request,
        "ledger/account_list.html",
        {"groups": groups, "authorities": authorities, "authority_id": authority_id},
    )


@role_required(*LEDGER_READERS)
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(
        Account.objects.for_user(request.user).select_related("authority", "counterparty"), pk=pk
    )
    page, entries = _page(request, selectors.account_entries(account=account))
    return render(
        request,
        "ledger/account_detail.html",
        {
            "account": account,
            "balance": format_gbp(selectors.balance(account=account)),
            "rows": _entry_rows(entries),
            "page_obj": page,
        },
    )


def _current_financial_year(today: date) -> tuple[date, date]:
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 4, 1)


@role_required(*LEDGER_READERS)
def trial_balance(request: HttpRequest) -> HttpResponse:
    authorities = _authorities(request.user)
    choices = [(a.pk, a.name) for a in authorities]
    context: dict[str, Any] = {}
    if "authority" in request.GET:
        form = TrialBalanceForm(request.GET, authorities=choices)
    else:
        start, end = _current_financial_year(timezone.localdate())
        form = TrialBalanceForm(
            authorities=choices,
            initial={"authority": choices[0][0] if choices else None, "start": start, "end": end},
        )
    if form.is_bound and form.is_valid():
        authority = next(a for a in authorities if a.pk == form.cleaned_data["authority"])
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = selectors.trial_balance(authority=authority, start=start, end=end)
        table = [
            {
                "name": row["name"],
                "url": reverse("ledger:account", args=[row["account"].pk]),
                "kind": row["account"].get_kind_display(),
                "opening": format_gbp(row["opening"]),
                "debits": format_gbp(row["debits"]),
                "credits": format_gbp(row["credits"]),
                "closing_debit": format_gbp(row["closing_debit"]) if row["closing_debit"].amount else "",
                "closing_credit": format_gbp(row["closing_credit"]) if row["closing_credit"].amount else "",
            }
            for row in rows
        ]
        total_debit = sum((row["closing_debit"].amount for row in rows), Decimal("0.00"))
        total_credit = sum((row["closing_credit"].amount for row in rows), Decimal("0.00"))
        chart = bar_chart(
            f"Closing balances, {authority.name}",
            [
                (row["name"], abs(row["closing"].amount), format_gbp(abs(row["closing"].amount)))
                for row in rows
            ],
            variants=["debit" if row["closing"].amount >= 0 else "credit" for row in rows],
        )
        context.update(
            authority=authority, start=start, end=end, last_day=end.fromordinal(end.toordinal() - 1),
            table=table, chart=chart, total_debit=format_gbp(total_debit),
            total_credit=format_gbp(total_credit), balanced=total_debit == total_credit,
        )
    context["form"] = form
    return render(request, "ledger/trial_balance.html", context)


@role_required(*LEDGER_READERS)
def entry_list(request: HttpRequest) -> HttpResponse:
    """The entries behind a figure: `?source=app_label.model:pk`, only those in the user's authorities."""
    form = SourceForm(request.GET if "source" in request.GET else None)
    context: dict[str, Any] = {"form": form}
    if form.is_bound and form.is_valid():
        content_type, source_id = form.cleaned_data["source"]
        entries = selectors.entries_for_source_label(content_type=content_type, source_id=source_id).filter(
            pk__in=Entry.objects.for_user(request.user).values("pk")
        )
        page, shown = _page(request, entries)
        context.update(
            source=f"{content_type.app_label}.{content_type.model}:{source_id}",
            source_name=content_type.name,
            rows=_entry_rows(shown),
            page_obj=page,
            query_string=f"source={content_type.app_label}.{content_type.model}:{source_id}",
        )
    return render(request, "ledger/entry_list.html", context)


@role_required(*LEDGER_READERS)
def transaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entries = list(selectors.transaction_entries(user=request.user, transaction_id=pk))
    if not entries:
        raise Http404("No such transaction in your authorities")
    tx = entries[0].transaction
    return render(
        request,
        "ledger/transaction_detail.html",
        {
            "tx": tx,
            "rows": _entry_rows(entries),
            "reverses_url": reverse("ledger:transaction", args=[tx.reverses_id]) if tx.reverses_id else "",
            "source_url": (reverse("ledger:entries") + "?source=" + tx.source_label) if tx.source_label else "",
        },
    )
