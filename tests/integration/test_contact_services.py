"""contact.services on PostgreSQL: arrangements and their schedule, items through their checks, the letters to
writers from the letterbox address (the identity rule), the scan checks, and nothing half-written on a refusal."""

from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from contact.models import (
    ArrangementStatus,
    ContactEvent,
    ContactTask,
    Exchange,
    ExchangeStatus,
    ForwardChannel,
    ItemKind,
    LetterboxAddress,
    TaskKind,
)
from contact.services import arrangements as arrangement_services
from contact.services import exchanges as exchange_services
from contact.services.errors import ContactError, IdentityWouldLeak, ScanRejected
from contact.services.scans import MAX_SCAN_BYTES, check_scan
from notifications.models import Letter, LetterKind
from notifications.recipients import RecipientKind
from tests.factories_contact import (
    ALL_POINTS,
    FAMILY_NAME,
    JPEG,
    PDF,
    PNG,
    POSTCODE,
    STREET,
    TODAY,
    active_arrangement,
    at,
    item,
    letterbox_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    return letterbox_world()


def received(world, arrangement, due=date(2026, 9, 1), scan=PNG):  # type: ignore[no-untyped-def]
    return exchange_services.exchange_receive(exchange=item(arrangement, due=due), received_date=date(2026, 9, 20),
                                              kind=ItemKind.LETTER, scan=scan, by=world.coordinator, now=at())


class TestArrangementSchedule:
    def test_activation_schedules_each_side_of_each_due_month_a_year_ahead(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        dues = sorted({e.due_date for e in arrangement.exchanges.all()})
        assert dues[0] == date(2025, 3, 1) and dues[-1] == date(2027, 9, 1)
        assert arrangement.exchanges.filter(due_date=date(2026, 3, 1)).count() == 2
        first = item(arrangement, due=date(2026, 3, 1))
        assert first.overdue_date == date(2026, 4, 29) and first.authority_id == world.authority.pk

    def test_scheduling_again_adds_nothing(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        assert arrangement_services.schedule(arrangement=arrangement, today=TODAY) == 0

    def test_a_pause_excuses_the_months_it_covers_and_resuming_brings_back_later_ones(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        arrangement_services.arrangement_pause(arrangement=arrangement, reason="Birth mother unwell",
                                               until=date(2027, 4, 10), by=world.coordinator, now=at())
        assert item(arrangement, due=date(2027, 3, 1)).status == ExchangeStatus.EXCUSED
        assert item(arrangement, due=date(2027, 9, 1)).status == ExchangeStatus.EXPECTED
        arrangement_services.arrangement_resume(arrangement=arrangement, by=world.coordinator,
                                                now=at(date(2027, 1, 5)))
        assert item(arrangement, due=date(2027, 3, 1)).status == ExchangeStatus.EXPECTED
        words = [e.words for e in ContactEvent.objects.filter(arrangement=arrangement, exchange__isnull=True)]
        assert words == ["Arrangement proposed", "Arrangement agreed and started", "Arrangement paused",
                         "Arrangement started again"]

    def test_a_pause_needs_a_reason_and_nothing_changes_without_one(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        with pytest.raises(ContactError, match="reason"):
            arrangement_services.arrangement_pause(arrangement=arrangement, reason=" ", until=None,
                                                   by=world.coordinator, now=at())
        arrangement.refresh_from_db()
        assert arrangement.status == ArrangementStatus.ACTIVE

    def test_arrangements_end_when_the_child_turns_18(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        birthday = date(2034, 5, 4)
        assert arrangement_services.arrangements_end_at_18(today=birthday - timedelta(days=1), now=at()) == 0
        assert arrangement_services.arrangements_end_at_18(today=birthday, now=at(birthday)) == 1
        arrangement.refresh_from_db()
        assert arrangement.status == ArrangementStatus.ENDED and arrangement.end_reason == "aged_18"
        assert arrangement.ended_date == birthday

    def test_refuses_a_relative_of_another_authority(self, world) -> None:  # type: ignore[no-untyped-def]
        stranger = letterbox_world("medway").relative
        with pytest.raises(ContactError, match="authority"):
            arrangement_services.arrangement_propose(child=world.child, relatives=[stranger], direction="both_ways",
                                                     due_months=[3], agreed_date=TODAY, by=world.coordinator,
                                                     now=at())


class TestItems:
    def test_log_hold_redact_check_forward(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        exchange = received(world, arrangement)
        exchange = exchange_services.exchange_hold(exchange=exchange, reason="It names a town near the family",
                                                   by=world.coordinator, now=at())
        task = ContactTask.objects.get(exchange=exchange)
        assert task.kind == TaskKind.HELD_ITEM and task.done_at is None
        letter = Letter.objects.get(kind=LetterKind.LETTERBOX_HELD)
        assert letter.recipient_kind == RecipientKind.BIRTH_RELATIVE and letter.recipient_name == "Maureen Birthname"
        exchange = exchange_services.exchange_redact(exchange=exchange, note="The town's name, twice",
                                                     redacted_scan=JPEG, by=world.coordinator, now=at())
        assert exchange.scan.read() == PNG and exchange.redacted_scan.read() == JPEG  # the original kept beside
        exchange = exchange_services.exchange_forward(exchange=exchange, channel=ForwardChannel.POST,
                                                      forwarded_date=TODAY, points=ALL_POINTS,
                                                      by=world.coordinator, now=at())
        assert exchange.status == ExchangeStatus.FORWARDED
        words = [e.words for e in ContactEvent.objects.filter(exchange=exchange)]
        assert words == ["Item received and logged", "Item held", "Item redacted", "Checklist confirmed",
                         "Item forwarded"]

    def test_checks_made_before_a_redaction_do_not_count(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        exchange = received(world, arrangement)
        exchange_services.exchange_check(exchange=exchange, points=ALL_POINTS, by=world.coordinator, now=at())
        exchange_services.exchange_redact(exchange=exchange, note="A surname", redacted_scan=PDF,
                                          by=world.coordinator, now=at())
        with pytest.raises(ContactError, match="checklist"):
            exchange_services.exchange_forward(exchange=exchange, channel=ForwardChannel.POST, forwarded_date=TODAY,
                                               by=world.coordinator, now=at())
        assert Exchange.objects.get(pk=exchange.pk).status == ExchangeStatus.REDACTED

    def test_a_second_check_by_another_worker_when_the_arrangement_asks(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world, second_check_required=True)
        exchange = received(world, arrangement)
        with pytest.raises(ContactError, match="second worker"):
            exchange_services.exchange_forward(exchange=exchange, channel=ForwardChannel.POST, forwarded_date=TODAY,
                                               points=ALL_POINTS, by=world.coordinator, now=at())
        assert Exchange.objects.get(pk=exchange.pk).status == ExchangeStatus.RECEIVED
        exchange_services.exchange_check(exchange=exchange, points=ALL_POINTS, by=world.coordinator, now=at())
        exchange_services.exchange_forward(exchange=exchange, channel=ForwardChannel.POST, forwarded_date=TODAY,
                                           points=ALL_POINTS, by=world.second_worker, now=at())
        assert Exchange.objects.get(pk=exchange.pk).status == ExchangeStatus.FORWARDED

    def test_a_partial_checklist_is_refused(self, world) -> None:  # type: ignore[no-untyped-def]
        exchange = received(world, active_arrangement(world))
        with pytest.raises(ContactError, match="every point"):
            exchange_services.exchange_check(exchange=exchange, points=ALL_POINTS[:-1], by=world.coordinator,
                                             now=at())

    def test_a_redaction_of_a_scanned_item_needs_the_redacted_copy(self, world) -> None:  # type: ignore[no-untyped-def]
        exchange = received(world, active_arrangement(world))
        with pytest.raises(ContactError, match="redacted copy"):
            exchange_services.exchange_redact(exchange=exchange, note="A name", by=world.coordinator, now=at())

    def test_return_and_miss(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        exchange = received(world, arrangement)
        exchange_services.exchange_return(exchange=exchange, reason="Written to the wrong person",
                                          by=world.coordinator, now=at())
        not_yet = item(arrangement, due=date(2027, 3, 1))
        with pytest.raises(ContactError, match="not overdue"):
            exchange_services.exchange_miss(exchange=not_yet, by=world.coordinator, now=at())
        missed = exchange_services.exchange_miss(exchange=item(arrangement, due=date(2026, 3, 1)),
                                                 by=world.coordinator, now=at())
        assert missed.status == ExchangeStatus.MISSED


class TestOverdueReminders:
    def test_each_overdue_item_gets_one_reminder_and_a_task(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        first = exchange_services.exchanges_remind_overdue(today=TODAY, now=at())
        again = exchange_services.exchanges_remind_overdue(today=TODAY, now=at())
        overdue = Exchange.objects.filter(arrangement=arrangement, overdue_date__lte=TODAY).count()
        assert first == overdue == 8 and again == 0
        assert ContactTask.objects.filter(kind=TaskKind.OVERDUE, done_at__isnull=True).count() == 8
        letters = Letter.objects.filter(kind=LetterKind.LETTERBOX_REMINDER)
        assert {letter.recipient_kind for letter in letters} == {RecipientKind.ADOPTIVE_FAMILY,
                                                                 RecipientKind.BIRTH_RELATIVE}

    def test_logging_a_late_item_closes_its_overdue_task(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        exchange = item(arrangement, due=date(2026, 9, 1))
        exchange_services.exchange_remind(exchange=exchange, by=world.coordinator, now=at())
        received(world, arrangement)
        assert not ContactTask.objects.filter(exchange=exchange, done_at__isnull=True).exists()


class TestIdentityRule:
    """A letter to a birth relative that would carry the adoptive surname, address or postcode is refused."""

    def test_the_letter_comes_from_the_letterbox_address_and_carries_nothing_of_the_family(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        exchange_services.exchange_remind(exchange=item(arrangement, due=date(2026, 9, 1)), by=world.coordinator,
                                          now=at())
        letter = Letter.objects.get(recipient_kind=RecipientKind.BIRTH_RELATIVE)
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(letter.pdf.open("rb")).pages).split())
        assert "ME14 1XQ" in text and "Letterbox service" in text
        for secret in (FAMILY_NAME, STREET, POSTCODE):
            assert secret not in text

    def test_a_hold_reason_naming_the_family_is_refused_and_nothing_is_written(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        exchange = received(world, arrangement)
        with pytest.raises(IdentityWouldLeak, match="surname"):
            exchange_services.exchange_hold(exchange=exchange, reason=f"It mentions the {FAMILY_NAME} family",
                                            by=world.coordinator, now=at())
        exchange.refresh_from_db()
        assert exchange.status == ExchangeStatus.RECEIVED and not exchange.hold_reason
        assert not ContactTask.objects.exists() and not Letter.objects.exists()

    def test_a_letterbox_address_at_the_familys_postcode_is_refused(self, world) -> None:  # type: ignore[no-untyped-def]
        LetterboxAddress.objects.filter(authority=world.authority).update(postcode=POSTCODE)
        arrangement = active_arrangement(world)
        with pytest.raises(IdentityWouldLeak, match="address"):
            exchange_services.exchange_remind(exchange=item(arrangement, due=date(2026, 9, 1)),
                                              by=world.coordinator, now=at())
        assert not Letter.objects.exists()

    def test_a_letter_to_the_family_may_name_them(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        exchange = item(arrangement, due=date(2026, 9, 1), writer="family")
        exchange_services.exchange_remind(exchange=exchange, by=world.coordinator, now=at())
        assert Letter.objects.get().recipient_kind == RecipientKind.ADOPTIVE_FAMILY

    def test_no_letterbox_address_no_letter(self, world) -> None:  # type: ignore[no-untyped-def]
        LetterboxAddress.objects.all().delete()
        arrangement = active_arrangement(world)
        with pytest.raises(ContactError, match="letterbox address"):
            exchange_services.exchange_remind(exchange=item(arrangement, due=date(2026, 9, 1)),
                                              by=world.coordinator, now=at())


class TestScanChecks:
    def test_accepts_pdf_jpeg_png_by_content(self) -> None:
        assert [check_scan(c).content_type for c in (PDF, JPEG, PNG)] == ["application/pdf", "image/jpeg",
                                                                          "image/png"]

    @pytest.mark.parametrize("content", [b"", b"GIF89a....", b"PK\x03\x04 a docx", b"<html>%PDF-</html>",
                                         b"MZ\x90\x00 an exe"])
    def test_refuses_anything_else(self, content: bytes) -> None:
        with pytest.raises(ScanRejected):
            check_scan(content)

    def test_refuses_over_10_mb(self) -> None:
        with pytest.raises(ScanRejected, match="10 MB"):
            check_scan(PDF + b"0" * MAX_SCAN_BYTES)

    def test_a_bad_scan_leaves_the_item_expected(self, world) -> None:  # type: ignore[no-untyped-def]
        arrangement = active_arrangement(world)
        with pytest.raises(ScanRejected):
            received(world, arrangement, scan=b"GIF89a not allowed")
        assert item(arrangement, due=date(2026, 9, 1)).status == ExchangeStatus.EXPECTED
