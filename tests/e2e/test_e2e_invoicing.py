"""Issue 21's journey in a real browser: a provider raises an invoice, finance queries it, the provider answers,
finance approves, another officer pays it in a run, the provider sees it paid. axe-core checks each page."""

from datetime import date

import pytest

from invoicing.models import Invoice, InvoiceStatus
from tests.factories import PASSWORD
from tests.factories_invoicing import PDF, TODAY, world

from .conftest import _context, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded_catalogues():  # type: ignore[no-untyped-def]
    import importlib

    from django.apps import apps

    for module in ("support.migrations.0002_seed_service_catalogue", "claims.migrations.0002_seed_fund_rule_sets"):
        importlib.import_module(module).seed(apps, None)


def _fill_date(page, label: str, day: date) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _as(browser, live_server, user):  # type: ignore[no-untyped-def]
    context = _context(browser, live_server, javascript=True)
    page = context.new_page()
    sign_in(page, user.username, PASSWORD)
    page.wait_for_url("**/")
    return context, page


def test_provider_invoices_finance_queries_approves_and_another_officer_pays(  # type: ignore[no-untyped-def]
        browser, live_server, a11y, seeded_catalogues):
    w = world()
    w.bank()

    context, page = _as(browser, live_server, w.staff)
    a11y.check(page)
    page.get_by_role("link", name="Invoices").first.click()
    page.get_by_role("link", name="Raise an invoice").click()
    page.wait_for_url("**/invoicing/raise/")
    a11y.check(page)
    page.get_by_label("Authority you are invoicing").select_option(label="Kent")
    page.get_by_label("Your invoice number").fill("FTL-2026-001")
    _fill_date(page, "Invoice date", TODAY)
    page.get_by_label("Total on your invoice").fill("100.00")
    page.locator("input[name=sessions]").first.check()
    page.get_by_label("Invoice PDF").set_input_files({"name": "invoice.pdf", "mimeType": "application/pdf",
                                                      "buffer": PDF})
    page.get_by_role("button", name="Submit the invoice").click()
    page.wait_for_url("**/invoicing/*/")
    a11y.check(page)
    invoice = Invoice.objects.get(invoice_number="FTL-2026-001")
    context.close()

    context, page = _as(browser, live_server, w.fo)
    page.goto(f"/invoicing/{invoice.pk}/")
    a11y.check(page)
    page.get_by_label("Query: ask the provider a question").check()
    page.get_by_label("Message to the provider (for a query or a rejection)").fill("How long was the session?")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"**/invoicing/{invoice.pk}/")
    context.close()

    context, page = _as(browser, live_server, w.staff)
    page.goto(f"/invoicing/{invoice.pk}/")
    page.get_by_role("link", name="Answer the query").click()
    a11y.check(page)
    page.get_by_label("Your answer").fill("Sixty minutes, as recorded.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(f"**/invoicing/{invoice.pk}/")
    context.close()

    context, page = _as(browser, live_server, w.fo2)
    page.goto("/invoicing/check/")
    a11y.check(page)
    page.get_by_role("link", name="Invoice FTL-2026-001").click()
    page.get_by_label("Approve: the lines match what was delivered and agreed").check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"**/invoicing/{invoice.pk}/")
    context.close()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED

    context, page = _as(browser, live_server, w.fo)
    page.goto("/invoicing/runs/")
    a11y.check(page)
    _fill_date(page, "Invoices due by", invoice.due_date)
    _fill_date(page, "Payment date", TODAY)
    page.get_by_role("button", name="Make the run").click()
    page.wait_for_url("**/invoicing/runs/*/")
    a11y.check(page)
    assert "Family Therapy Ltd" in page.content()
    context.close()

    context, page = _as(browser, live_server, w.staff)
    page.goto("/invoicing/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.remittance_reference in page.content() and "Paid" in page.content()
    a11y.check(page)
    context.close()
