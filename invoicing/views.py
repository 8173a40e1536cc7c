"""Invoicing's pages. Provider staff: their invoices, raise one, answer a query, credit an approved invoice,
remittance advices, bank details. Finance officers of the paying authority: the queue, the side-by-side check
with approve / query / reject, payment runs and their files, bank details to approve. Every page checks role
(role_required) and scope (for_user: another organisation's invoice is a 404); every PDF and payment file
download is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from commissioning.models import Referral
from core.audit import record_access
from core.downloads import private_response, stored_bytes
from core.models import AccessAction
from organisations.access import role_required
from organisations.models import Authority, Provider, Role, Scope
from organisations.scoping import authority_ids_for

from . import rules, selectors
from .forms import AnswerForm, BankDecideForm, BankDetailsForm, CreditForm, DecideForm, RaiseForm, RunForm, TermsForm
from .models import BankDetailsStatus, Invoice, InvoiceStatus, PaymentRun, ProviderBankDetails, RemittanceAdvice
from .services import bank_details as bank_services
from .services import invoices as invoice_services
from .services import runs as run_services
from .services import terms as terms_services
from .services.errors import InvoicingError, LinesRefused

PROVIDER = (Role.PROVIDER_STAFF,)
FINANCE = (Role.FINANCE_OFFICER,)
EITHER = (Role.PROVIDER_STAFF, Role.FINANCE_OFFICER)
TERMS_SETTERS = (Role.LEAD_COMMISSIONER,)  # as services._common.TERMS_SETTERS (decision 0015)


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    try:
        return selectors.invoice_for(user=request.user, pk=pk)
    except Invoice.DoesNotExist as error:
        raise Http404("No such invoice") from error


def _read_upload(upload: Any) -> bytes | None:
    """The upload's bytes, reading at most one byte past the limit (so an oversized file is refused without
    holding it all)."""
    if upload is None:
        return None
    return upload.read(rules.MAX_PDF_BYTES + 1)


def _add_errors(form: Any, error: InvoicingError) -> None:
    if isinstance(error, LinesRefused):
        for problem in error.problems:
            form.add_error(None, problem)
    else:
        form.add_error(None, str(error))


@role_required(*PROVIDER)
def provider_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.invoices_for(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "invoicing/invoice_list.html", {"page": page, "title": "Your invoices"})


@role_required(*PROVIDER)
@require_http_methods(["GET", "POST"])
def raise_invoice(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    sessions = list(selectors.uninvoiced_sessions(user=user))
    referrals = list(selectors.referral_options(user=user))
    authorities = Authority.objects.filter(pk__in={r.authority_id for r in referrals}).order_by("name")
    form = RaiseForm(request.POST or None, request.FILES or None, sessions=sessions, referrals=referrals,
                     authorities=authorities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = invoice_services.invoice_raise(
                provider=user.provider, paying_authority=authorities.get(pk=data["paying_authority"]),
                invoice_number=data["invoice_number"], invoice_date=data["invoice_date"],
                stated_total=data["stated_total"], session_ids=data["sessions"],
                extras=[invoice_services.Extra(referral_id=r, kind=k, amount=a) for r, k, a in form.extras()],
                pdf_content=_read_upload(data["pdf"]), pdf_name=data["pdf"].name, by=user, now=timezone.now())
        except InvoicingError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{invoice} submitted to {invoice.paying_authority.name}.")
            return redirect("invoicing:detail", pk=invoice.pk)
    return render(request, "invoicing/raise.html", {"form": form, "title": "Raise an invoice",
                                                    "has_sessions": bool(sessions)})


@role_required(*EITHER)
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice; for finance, the side-by-side check and the decision."""
    invoice = _invoice(request, pk)
    user: Any = request.user
    form = None
    if user.role == Role.FINANCE_OFFICER and invoice.status in (InvoiceStatus.SUBMITTED, InvoiceStatus.QUERIED):
        form = DecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decision, message = form.cleaned_data["decision"], form.cleaned_data["message"]
            try:
                if decision == "approve":
                    invoice_services.invoice_approve(invoice=invoice, by=user, now=timezone.now())
                elif decision == "query":
                    invoice_services.invoice_query(invoice=invoice, message=message, by=user, now=timezone.now())
                else:
                    invoice_services.invoice_reject(invoice=invoice, reason=message, by=user, now=timezone.now())
            except InvoicingError as error:
                _add_errors(form, error)
            else:
                done = {"approve": "approved", "query": "queried: the provider is asked", "reject": "rejected"}
                messages.success(request, f"{invoice} {done[decision]}.")
                return redirect("invoicing:detail", pk=invoice.pk)
    elif request.method == "POST":
        return HttpResponse(status=405)
    rows, overall = selectors.side_by_side(invoice)
    return render(request, "invoicing/invoice_detail.html", {
        "invoice": invoice, "rows": rows, "overall": overall, "form": form,
        "events": selectors.events_for(invoice=invoice), "is_finance": user.role == Role.FINANCE_OFFICER,
        "is_contributor": invoice.contributors.filter(pk=user.pk).exists(),
    })


@role_required(*PROVIDER)
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = AnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            invoice_services.invoice_answer(invoice=invoice, message=form.cleaned_data["message"],
                                            pdf_content=_read_upload(form.cleaned_data["pdf"]), by=request.user,
                                            now=timezone.now())
        except InvoicingError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your answer is sent: the invoice is back with finance.")
            return redirect("invoicing:detail", pk=invoice.pk)
    return render(request, "invoicing/form.html", {"form": form, "invoice": invoice,
                                                   "title": f"Answer the query on {invoice}",
                                                   "events": selectors.events_for(invoice=invoice)})


@role_required(*PROVIDER)
@require_http_methods(["GET", "POST"])
def credit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if invoice.is_credit_note or invoice.status not in (InvoiceStatus.APPROVED, InvoiceStatus.PAID):
        raise Http404("Only an approved or paid invoice can be credited")
    form = CreditForm(request.POST or None, request.FILES or None, lines=invoice.lines.all())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note = invoice_services.credit_note_raise(
                invoice=invoice, credit_number=data["credit_number"], credit_date=data["credit_date"],
                credits=form.credits(), pdf_content=_read_upload(data["pdf"]), by=request.user, now=timezone.now())
        except InvoicingError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{note} submitted.")
            return redirect("invoicing:detail", pk=note.pk)
    return render(request, "invoicing/form.html", {"form": form, "invoice": invoice,
                                                   "title": f"Credit lines of {invoice}"})


@role_required(*EITHER)
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The provider's PDF: only to the provider and the paying authority's finance; every download audited."""
    invoice = _invoice(request, pk)
    if not invoice.pdf:
        raise Http404("No PDF")
    content = stored_bytes(invoice.pdf, sha256=invoice.pdf_sha256, label=f"The PDF of invoice {invoice}")
    record_access(user=request.user, obj=invoice, action=AccessAction.DOWNLOAD, request=request,
                  authority=invoice.paying_authority)
    return private_response(content, content_type="application/pdf", filename=f"invoice-{invoice.pk}.pdf")


@role_required(*FINANCE)
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.finance_queue(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "invoicing/invoice_list.html", {"page": page, "title": "Provider invoices to check",
                                                           "finance": True})


@role_required(*FINANCE)
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    """The runs made, and a new run: choose the authority and dates, see what is due, pay."""
    user: Any = request.user
    authorities = Authority.objects.filter(pk__in=authority_ids_for(user)).order_by("name")
    today = timezone.localdate()
    form = RunForm(request.POST or None, authorities=authorities,
                   initial={"authority": authorities[0].pk if authorities else None, "due_by": today,
                            "payment_date": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = run_services.payment_run_make(authority=authorities.get(pk=data["authority"]),
                                                due_by=data["due_by"], payment_date=data["payment_date"],
                                                by=user, now=timezone.now())
        except InvoicingError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{run} made: download the payment file.")
            return redirect("invoicing:run_detail", pk=run.pk)
    due = [(a, list(selectors.due_for_run(authority=a, due_by=today))) for a in authorities]
    return render(request, "invoicing/runs.html", {"form": form, "runs": selectors.runs_for(user=user)[:50],
                                                   "due": due, "today": today})


def _run(request: HttpRequest, pk: int) -> PaymentRun:
    try:
        return selectors.run_for(user=request.user, pk=pk)
    except PaymentRun.DoesNotExist as error:
        raise Http404("No such run") from error


@role_required(*FINANCE)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "invoicing/run_detail.html", {"run": _run(request, pk)})


@role_required(*FINANCE)
def run_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The payment file, the same bytes every time; every download audited."""
    run = _run(request, pk)
    record_access(user=request.user, obj=run, action=AccessAction.DOWNLOAD, request=request, authority=run.authority)
    return private_response(run.bacs_csv.encode(), content_type="text/csv; charset=utf-8",
                            filename=f"{run.reference}.csv")


@role_required(*EITHER)
def advices(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.advices_for(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "invoicing/advices.html", {"page": page})


@role_required(*TERMS_SETTERS)
@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest, pk: int) -> HttpResponse:
    """A referral's invoicing terms, set by the lead commissioner (decision 0015); another authority's referral is
    a 404."""
    try:
        referral = selectors.referral_for_terms(user=request.user, pk=pk)
    except Referral.DoesNotExist as error:
        raise Http404("No such referral") from error
    current = selectors.terms_for(referral)
    initial = {} if current is None else {
        "agreed_sessions": current.agreed_sessions,
        **{name: f"{getattr(current, name).amount:.2f}" for name in ("spot_price", "travel_allowance", "report_price")
           if getattr(current, name) is not None}}
    form = TermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            terms_services.referral_terms_set(referral=referral, by=request.user, now=timezone.now(),
                                              **form.cleaned_data)
        except InvoicingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The invoicing terms of {referral.reference} are saved.")
            return redirect("commissioning:detail", pk=referral.pk)
    return render(request, "invoicing/terms.html", {"form": form, "referral": referral, "current": current})


@role_required(*EITHER)
def advice_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The remittance advice letter (PDF): only to the provider paid and the paying authority's finance; served
    privately, every opening audited. Provider staff have no notifications pages, so invoicing serves it."""
    try:
        advice = selectors.advices_for(user=request.user).select_related("letter").get(pk=pk)
    except RemittanceAdvice.DoesNotExist as error:
        raise Http404("No such remittance advice") from error
    letter = advice.letter
    if letter is None:
        raise Http404("No letter for this remittance advice")
    content = stored_bytes(letter.pdf, sha256=letter.content_hash, label=f"Letter {letter.reference}")
    record_access(user=request.user, obj=letter, action=AccessAction.DOWNLOAD, request=request, family=advice,
                  authority=advice.run.authority)
    return private_response(content, content_type="application/pdf", inline=True,
                            filename=f"remittance-advice-{advice.reference}.pdf")


def _providers_for(user: Any) -> Any:
    if user.scope == Scope.PROVIDER:
        return Provider.objects.filter(pk=user.provider_id)
    return Provider.objects.order_by("name")


@role_required(*EITHER)
@require_http_methods(["GET", "POST"])
def bank_details(request: HttpRequest) -> HttpResponse:
    """Bank details: enter new ones (they wait for a second person), and for finance, approve others' entries."""
    user: Any = request.user
    providers = _providers_for(user)
    form = BankDetailsForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bank_services.bank_details_enter(provider=providers.get(pk=data["provider"]),
                                             account_name=data["account_name"], sort_code=data["sort_code"],
                                             account_number=data["account_number"], by=user, now=timezone.now())
        except InvoicingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Bank details entered: another finance officer must approve them.")
            return redirect("invoicing:bank_details")
    listed = selectors.bank_details_list(provider_id=user.provider_id if user.scope == Scope.PROVIDER else None)
    return render(request, "invoicing/bank_details.html", {"form": form, "details": listed[:100],
                                                           "is_finance": user.role == Role.FINANCE_OFFICER})


@role_required(*FINANCE)
@require_http_methods(["GET", "POST"])
def bank_details_decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        details = selectors.bank_details_list().get(pk=pk, status=BankDetailsStatus.PENDING)
    except ProviderBankDetails.DoesNotExist as error:
        raise Http404("No such bank details waiting") from error
    form = BankDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = (bank_services.bank_details_approve if form.cleaned_data["decision"] == "approve"
                   else bank_services.bank_details_reject)
        try:
            service(details=details, by=request.user, now=timezone.now())
        except InvoicingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Decision recorded.")
            return redirect("invoicing:bank_details")
    return render(request, "invoicing/bank_details_decide.html", {"form": form, "details": details})
