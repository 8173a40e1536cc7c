"""Helpers for journal export tests: a mapping for every account of the chart, finance officers, batches."""

from datetime import UTC, date, datetime

from ledger.journals.models import AccountMapping
from ledger.journals.services import batch_create, batch_write_file
from ledger.models import CHART
from organisations.models import Role
from tests.factories import UserFactory

NOW = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)
TODAY = date(2026, 7, 2)


def map_all(authority, *, skip=(), cost_centre="CC100"):  # type: ignore[no-untyped-def]
    """A mapping for every account code of the chart (but those in `skip`): subjective S-<code>."""
    for code in CHART:
        if code in skip:
            continue
        AccountMapping.objects.get_or_create(
            authority=authority, account_code=code, source_kind="",
            defaults={"cost_centre": cost_centre, "subjective": f"S-{code}"},
        )


def officer(authority, role=Role.FINANCE_OFFICER, **kwargs):  # type: ignore[no-untyped-def]
    return UserFactory(authority=authority, role=role, **kwargs)


def exported(authority, *, by=None, cut_off=TODAY, layout="generic"):  # type: ignore[no-untyped-def]
    batch = batch_create(authority=authority, cut_off_date=cut_off, layout=layout, by=by, today=TODAY, now=NOW)
    return batch_write_file(batch=batch, now=NOW)
