"""The letterbox coordinator's journey in a real browser: log a letter from a birth relative with its scan, hold
it, redact it (the redacted copy beside the original), check it and forward it. axe-core checks every page."""

from datetime import date

import pytest
from django.utils import timezone

from contact.models import ExchangeStatus
from notifications.models import Letter, LetterKind
from tests.factories import PASSWORD
from tests.factories_contact import PDF, PNG, active_arrangement, item, letterbox_world

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _fill_date(page, label: str, day: date) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_coordinator_logs_holds_redacts_and_forwards_a_letter(page, a11y, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = letterbox_world()
    today = timezone.localdate()
    arrangement = active_arrangement(world, today=today)
    exchange = item(arrangement, due=date(2026, 3, 1))
    original, redacted = tmp_path / "letter.png", tmp_path / "redacted.pdf"
    original.write_bytes(PNG)
    redacted.write_bytes(PDF)

    sign_in(page, world.coordinator.username, PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Letterbox", exact=True).first.click()
    page.wait_for_url("**/letterbox/")
    assert page.get_by_role("heading", name="Letterbox contact", level=1).is_visible()
    assert page.locator("svg.app-chart").is_visible() and page.locator("#letterbox-counts").is_visible()
    a11y.check(page)

    page.goto(f"/letterbox/items/{exchange.pk}/")
    assert "Overdue" not in page.locator("#item-status").inner_text()
    a11y.check(page)
    page.get_by_role("link", name="Log the item as received").click()
    _fill_date(page, "Date received", date(2026, 3, 20))
    page.get_by_label("Letter", exact=True).check()
    page.get_by_label("Scan of the item (optional)").set_input_files(str(original))
    a11y.check(page)
    page.get_by_role("button", name="Log the item as received").click()
    page.wait_for_url(f"**/letterbox/items/{exchange.pk}/")
    assert page.locator("#item-status").inner_text().strip() == "Received, to check"

    page.get_by_role("link", name="Hold the item").click()
    page.get_by_label("Reason").fill("It names the child's school")
    page.get_by_role("button", name="Hold the item").click()
    page.wait_for_url(f"**/letterbox/items/{exchange.pk}/")
    assert page.locator("#item-status").inner_text().strip() == "Held"
    a11y.check(page)

    page.get_by_role("link", name="Record a redaction").click()
    page.get_by_label("What was redacted").fill("The school's name, once")
    page.get_by_label("Redacted copy").set_input_files(str(redacted))
    page.get_by_role("button", name="Record a redaction").click()
    page.wait_for_url(f"**/letterbox/items/{exchange.pk}/")
    assert page.locator("#item-status").inner_text().strip() == "Redacted, to forward"
    assert page.get_by_role("link", name="Open the original (kept as received)").is_visible()
    assert page.get_by_role("link", name="Open the redacted copy (the one forwarded)").is_visible()

    page.get_by_role("link", name="Forward the item").click()
    page.get_by_role("button", name="Forward the item").click()  # nothing confirmed: an error, nothing sent
    assert page.locator(".govuk-error-summary").is_visible()
    a11y.check(page)
    for box in page.locator("input[name=points]").all():
        box.check()
    page.get_by_label("Post", exact=True).check()
    _fill_date(page, "Date forwarded", today)
    page.get_by_role("button", name="Forward the item").click()
    page.wait_for_url(f"**/letterbox/items/{exchange.pk}/")
    assert page.locator("#item-status").inner_text().strip() == "Forwarded"
    a11y.check(page)

    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.FORWARDED and exchange.scan and exchange.redacted_scan
    assert Letter.objects.filter(kind=LetterKind.LETTERBOX_HELD).count() == 1
