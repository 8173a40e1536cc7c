"""Bad input to every claims form, through the test client as the role and authority that may use the page: each
gets the GOV.UK error summary with a message that says what is wrong, and writes no row to any table."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import signed_in

from .conftest import changed, table_counts

pytestmark = pytest.mark.django_db


def day(prefix: str, d: str = "20", m: str = "5", y: str = "2025") -> dict[str, str]:
    return {f"{prefix}_day": d, f"{prefix}_month": m, f"{prefix}_year": y}


def line(w: Any, **over: Any) -> dict[str, Any]:
    data = {"service_type": w.therapy_type.pk, "provider": w.provider.pk, "sessions": "4", "unit_cost": "100.00",
            "travel": "", "description_for_fund": "Weekly sessions"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def approve(**over: Any) -> dict[str, Any]:
    data = {"fund_reference": "ASGSF-BAD-1", **day("decision_date"), "fund_amount": "", "approved_therapy": "",
            "approved_assessment": "", "note": ""}
    data.update(over)
    return data


def invoice(w: Any, **over: Any) -> dict[str, Any]:
    data = {"line": w.delivery.lines.get().pk, "invoice_number": "BAD-INV-1", **day("invoice_date", "1", "7"),
            "amount": "100.00", "top_up_reason": ""}
    data.update(over)
    return data


def create(w: Any, **over: Any) -> dict[str, Any]:
    data = {"assessment": w.assessment.pk, **day("start_date", "10", "5"), "purpose_for_fund": "Therapy"}
    data.update(over)
    return data


def edit(**over: Any) -> dict[str, Any]:
    data = {**day("start_date", "10", "5"), "purpose_for_fund": "", "exceptional_reason": "", "internal_notes": ""}
    data.update(over)
    return data


AMOUNT = "must be an amount in pounds"
NEGATIVE = "cannot be negative"
PENCE = "no more than 2 decimal places"
REQUIRED = "This field is required"
CHOICE = "Select a valid choice"

# (case id, who, url (from the world), POST data (from the world), text the error summary must show)
CASES: list[tuple[str, str, Any, Any, str]] = [
    # adding a service to a draft application
    ("line: cost is words", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="ten pounds"), AMOUNT),
    ("line: cost negative", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="-10"), NEGATIVE),
    ("line: cost in fractions of a penny", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="10.005"), PENCE),
    ("line: cost NaN", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="NaN"), AMOUNT),
    ("line: cost Infinity", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="Infinity"), AMOUNT),
    ("line: cost exponent junk", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="1e3x"), AMOUNT),
    ("line: cost two points", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="1.2.3"), AMOUNT),
    ("line: cost empty", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost=""), REQUIRED),
    ("line: cost a formula", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, unit_cost="=1+1"), AMOUNT),
    ("line: travel negative", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, travel="-1"), NEGATIVE),
    ("line: travel words", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, travel="bus fare"), AMOUNT),
    ("line: sessions zero", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, sessions="0"), "greater than or equal to 1"),
    ("line: sessions negative", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, sessions="-3"), "greater than or equal to 1"),
    ("line: sessions too many", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, sessions="501"), "less than or equal to 500"),
    ("line: sessions words", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, sessions="ten"), "Enter a whole number"),
    ("line: sessions fraction", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, sessions="1.5"), "Enter a whole number"),
    ("line: sessions empty", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, sessions=""), REQUIRED),
    ("line: no service", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, service_type=""), REQUIRED),
    ("line: unknown service", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, service_type="999999"), CHOICE),
    ("line: service not a number", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, service_type="ddp' OR 1=1 --"), CHOICE),
    ("line: no provider", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, provider=""), REQUIRED),
    ("line: unknown provider", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, provider="999999"), CHOICE),
    ("line: description too long", "social_worker", lambda w: reverse("claims:line_add", args=[w.draft.pk]),
     lambda w: line(w, description_for_fund="x" * 301), "at most 300 characters"),
    # drafting an application
    ("create: no assessment", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, assessment=""), REQUIRED),
    ("create: unknown assessment", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, assessment="999999"), CHOICE),
    ("create: another authority's assessment", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, assessment=w.medway.assessment.pk), CHOICE),
    ("create: 31 February", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, **day("start_date", "31", "2")), "real date"),
    ("create: month 13", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, **day("start_date", "1", "13")), "real date"),
    ("create: year in words", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, **day("start_date", "1", "5", "twenty")), "real date"),
    ("create: no day", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, **day("start_date", "", "5")), "day"),
    ("create: no date at all", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, **day("start_date", "", "", "")), "When the services start"),
    ("create: child over the age limit", "social_worker", lambda w: reverse("claims:create"),
     lambda w: create(w, **day("start_date", "10", "5", "2040")), "age limit"),
    # changing a draft
    ("edit: 30 February", "social_worker", lambda w: reverse("claims:edit", args=[w.draft.pk]),
     lambda w: edit(**day("start_date", "30", "2")), "real date"),
    ("edit: no year", "social_worker", lambda w: reverse("claims:edit", args=[w.draft.pk]),
     lambda w: edit(**day("start_date", "1", "5", "")), "year"),
    # recording the fund's decision
    ("approve: amount in words", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(fund_amount="lots"), AMOUNT),
    ("approve: amount negative", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(fund_amount="-100"), NEGATIVE),
    ("approve: amount in tenths of a penny", "finance",
     lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(fund_amount="100.001"), PENCE),
    ("approve: more than the limit allows", "finance",
     lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(fund_amount="5000"), "at most"),
    ("approve: more therapy than asked", "finance",
     lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(approved_therapy="950"), "more than the application asked for"),
    ("approve: therapy negative", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(approved_therapy="-1"), NEGATIVE),
    ("approve: assessment in words", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(approved_assessment="all"), AMOUNT),
    ("approve: no decision date", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(**day("decision_date", "", "", "")), "Date of the fund"),
    ("approve: impossible decision date", "finance",
     lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(**day("decision_date", "32", "5")), "real date"),
    ("approve: reference too long", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(fund_reference="R" * 41), "at most 40 characters"),
    ("approve: reference already used", "finance",
     lambda w: reverse("claims:action", args=[w.submitted.pk, "approve"]),
     lambda w: approve(fund_reference=w.delivery.fund_reference), "already on another application"),
    ("reject: no reason", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "reject"]),
     lambda w: {**day("decision_date"), "note": ""}, REQUIRED),
    ("reject: no date", "finance", lambda w: reverse("claims:action", args=[w.submitted.pk, "reject"]),
     lambda w: {**day("decision_date", "", "", ""), "note": "Outside scope"}, "Date of the fund"),
    ("send back: no note", "manager", lambda w: reverse("claims:action", args=[w.awaiting.pk,
                                                                                    "manager_send_back"]),
     lambda w: {"note": ""}, REQUIRED),
    ("withdraw: no reason", "social_worker", lambda w: reverse("claims:action", args=[w.draft.pk, "withdraw"]),
     lambda w: {"note": "   "}, REQUIRED),
    ("return for rework: no note", "finance",
     lambda w: reverse("claims:action", args=[w.submitted.pk, "return_for_rework"]), lambda w: {"note": ""},
     REQUIRED),
    ("confirm spend: no date", "finance", lambda w: reverse("claims:action", args=[w.delivery.pk, "confirm_spend"]),
     lambda w: day("on_date", "", "", ""), "Date"),
    # provider invoices and payments
    ("invoice: amount zero", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, amount="0"), "more than £0"),
    ("invoice: amount negative", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, amount="-50"), NEGATIVE),
    ("invoice: amount words", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, amount="fifty"), AMOUNT),
    ("invoice: amount with three decimals", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, amount="50.125"), PENCE),
    ("invoice: no number", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, invoice_number=""), REQUIRED),
    ("invoice: number too long", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, invoice_number="N" * 61), "at most 60 characters"),
    ("invoice: number already recorded", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, invoice_number="K-1"), "already recorded"),
    ("invoice: no line", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, line=""), REQUIRED),
    ("invoice: another application's line", "finance",
     lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, line=w.draft.lines.get().pk), CHOICE),
    ("invoice: impossible date", "finance", lambda w: reverse("claims:invoice_add", args=[w.delivery.pk]),
     lambda w: invoice(w, **day("invoice_date", "0", "7")), "real date"),
    ("pay: no date", "finance", lambda w: reverse("claims:invoice_pay", args=[w.invoice.pk]),
     lambda w: day("paid_date", "", "", ""), "Date paid"),
    ("pay: impossible date", "finance", lambda w: reverse("claims:invoice_pay", args=[w.invoice.pk]),
     lambda w: day("paid_date", "29", "2", "2025"), "real date"),
    ("pay: not yet approved", "finance", lambda w: reverse("claims:invoice_pay", args=[w.invoice.pk]),
     lambda w: day("paid_date", "10", "6", "2025"), "has not been approved"),
    ("approve invoice: by whoever recorded it", "finance",
     lambda w: reverse("claims:invoice_approve", args=[w.invoice.pk]), lambda w: {}, "you recorded this invoice"),
]


def test_the_form_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize(("who", "url", "data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_form_input_is_refused_with_a_clear_message_and_nothing_written(client, kent, who, url, data, expected):
    signed_in(client, getattr(kent, who))
    target, payload = url(kent), data(kent)
    before = table_counts()
    response = client.post(target, payload)
    after = table_counts()
    body = response.content.decode()
    assert response.status_code == 200, f"{response.status_code} for {target}"
    assert "govuk-error-summary" in body
    summary = body.split("govuk-error-summary", 1)[1]
    assert expected.lower() in summary.lower().replace("&#x27;", "'").replace("&#39;", "'"), summary[:1500]
    assert changed(before, after) == {}
