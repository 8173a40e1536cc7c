"""Pages speak as people do: history and audit lines name the change ("Notice of proposal issued"), never a model
or a stored state ("Noticeofproposal", "notice_issued"); money reads £3,600.00 and dates 4 March 2026."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from moneyed import Money

from organisations.models import Role
from support.services.notices import notice_issue, notice_record_response
from tests.factories import UserFactory
from tests.factories_support import ApprovedAssessmentFactory, PlannedServiceFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

# What history and audit lines used to show: a class name run together, a stored state, an arrow.
IDENTIFIERS = re.compile(r"Noticeofproposal|Supportrequest|notice_issued|representations_received|assessing to|-&gt;")


@pytest.fixture
def notice():  # type: ignore[no-untyped-def]
    """A notice issued through the service (so the request has its status-change rows), then answered."""
    assessment = ApprovedAssessmentFactory()
    request = assessment.request
    notice = notice_issue(request=request, by=assessment.author, now=NOW, issued_date=date(2026, 11, 2),
                          statement_of_needs="Therapeutic support")
    notice_record_response(notice=notice, response="representations_received", by=assessment.author,
                           now=NOW, response_date=date(2026, 11, 2), representations="We agree")
    return notice


def test_a_requests_history_names_each_change_in_plain_words(client, notice) -> None:  # type: ignore[no-untyped-def]
    worker = notice.issued_by
    body = signed_in(client, worker).get(reverse("support:request_detail", args=[notice.request_id])).content.decode()
    history = body[body.index(">History<"):]
    assert "Notice of proposal issued" in history
    assert "Request moved on to the notice of proposal" in history
    assert "Representations received on the notice" in history
    assert "2 November 2026" in history
    assert not IDENTIFIERS.search(history), IDENTIFIERS.search(history)


def test_the_family_timeline_names_each_change_in_plain_words(client, notice) -> None:  # type: ignore[no-untyped-def]
    household = notice.request.child.household
    body = signed_in(client, notice.issued_by).get(reverse("support:household_detail", args=[household.pk]))
    text = body.content.decode()
    assert f"Notice of proposal issued ({notice.request.reference})" in text
    assert "Representations received on the notice" in text
    assert not IDENTIFIERS.search(text)


def test_the_audit_family_page_reads_as_people_speak(client, notice) -> None:  # type: ignore[no-untyped-def]
    PlannedServiceFactory(plan__request=notice.request, estimated_cost=Money(Decimal("3600.00"), "GBP"))
    household = notice.request.child.household
    auditor = UserFactory(authority=notice.request.responsible_authority, role=Role.AUDITOR)
    body = signed_in(client, auditor).get(reverse("audit:family", args=[household.pk])).content.decode()
    # the history of the notice itself: created (issued), then its state changed
    assert "Notice of proposal issued" in body
    assert "Representations received on the notice" in body
    assert "Notice of proposal 2 November 2026" in body  # the record's name
    assert "Child record created" in body
    # fields by their names and their labels, money and dates as people write them
    assert "£3,600.00" in body and "3600.00" not in body
    assert "Window end date" in body and "window_end_date" not in body
    assert "Representations received" in body
    assert "2 November 2026, " in body  # a history line's time
    match = IDENTIFIERS.search(body)
    assert not match, body[match.start() - 300:match.end() + 100] if match else ""


def test_the_subject_access_export_names_the_changes_too(client, notice) -> None:  # type: ignore[no-untyped-def]
    household = notice.request.child.household
    auditor = UserFactory(authority=notice.request.responsible_authority, role=Role.AUDITOR)
    data = signed_in(client, auditor).get(reverse("audit:family_export", args=[household.pk])).json()
    notices = [row for rows in data["records"].values() for row in rows if row["model"] == "support.noticeofproposal"]
    changes = [h["change"] for h in notices[0]["history"]]  # newest first
    assert changes[-1] == "Notice of proposal issued"
    assert "Representations received on the notice" in changes
    assert "Notice of proposal record changed: response date, representations" in changes
    assert notices[0]["fields"]["status"] == "representations_received"  # the export keeps the stored values


def test_the_plan_page_shows_money_with_thousands_and_pence(client) -> None:  # type: ignore[no-untyped-def]
    service = PlannedServiceFactory(estimated_cost=Money(Decimal("3600.00"), "GBP"))
    plan = service.plan
    body = signed_in(client, plan.author).get(reverse("support:plan_detail", args=[plan.pk])).content.decode()
    assert "£3,600.00" in body and "£3600.00" not in body
    assert "1 November 2026" in body
