"""On the seeded demo, each authority's finance officer makes and downloads a journal straight away: every account
of every demo authority is mapped, so no account blocks the export."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ledger.journals.models import AccountMapping, BatchStatus, JournalBatch
from ledger.models import CHART, Entry
from organisations.models import Authority, User
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def test_every_demo_finance_officer_makes_and_downloads_a_journal_at_once(client,  # type: ignore[no-untyped-def]
                                                                         django_capture_on_commit_callbacks):
    call_command("seed_demo", password="journal-demo-123", stdout=io.StringIO())
    today = timezone.localdate()
    authorities = list(Authority.objects.order_by("name"))
    assert {a.short_code for a in authorities} >= {"kent", "medway", "bexley"}
    for authority in authorities:
        mapped = set(AccountMapping.objects.filter(authority=authority, source_kind="")
                     .values_list("account_code", flat=True))
        assert mapped == set(CHART), authority
        officer = User.objects.filter(authority=authority, role="finance_officer", is_active=True).first()
        if officer is None:
            continue
        signed_in(client, officer)
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(reverse("journals:create"), {
                "authority": authority.pk, "cut_off_date_day": today.day, "cut_off_date_month": today.month,
                "cut_off_date_year": today.year, "layout": "generic"})
        assert started.status_code == 302, started.content.decode()[:2000]
        done = client.get(started["Location"])
        assert done.status_code == 302, done.content.decode()[:3000]  # made: sent on to the journal
        batch = JournalBatch.objects.get(authority=authority)
        waiting = Entry.objects.filter(account__authority=authority, transaction__transaction_date__lte=today)
        assert (batch.status, batch.line_count) == (BatchStatus.EXPORTED, waiting.count())
        assert batch.line_count > 0 and batch.total_debit == batch.total_credit
        page = client.get(done["Location"]).content.decode()
        assert batch.reference in page and "Download the file" in page
        download = client.get(reverse("journals:download", args=[batch.pk]))
        rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
        assert len(rows) == batch.line_count
        assert {r["Cost centre"] for r in rows} == {f"{authority.short_code.upper()[:8]}-PAS"}
        debits = sum(Decimal(r["Debit"] or "0") for r in rows)
        assert debits == sum(Decimal(r["Credit"] or "0") for r in rows) == batch.total_debit.amount
        client.logout()
    # Safe to run again: the mappings are not added twice.
    before = AccountMapping.objects.count()
    call_command("seed_demo", password="journal-demo-123", stdout=io.StringIO())
    assert AccountMapping.objects.count() == before
