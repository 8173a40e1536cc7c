"""PostgreSQL writes a batch's rows with COPY, for speed; Python's csv module writes the same file anywhere else.
The two must give the same bytes, on text chosen to break them: quotes, delimiters, line breaks, leading formula
characters, empty cells, non-ASCII, closed periods, every layout."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.journals import services
from ledger.journals.layouts import LAYOUTS, get_layout, write_csv
from ledger.journals.models import AccountMapping, JournalBatch, JournalSettings
from ledger.journals.selectors import batch_rows
from tests.factories import AuthorityFactory
from tests.factories_journals import NOW, TODAY, map_all
from tests.factories_ledger import posted

pytestmark = pytest.mark.django_db

NASTY = ["plain", 'say "hello"', "a,b;c", "line\nbreak", "carriage\rreturn", "=1+2", "+44 20", "-minus", "@at",
         "\ttab", "\r\nfirst", "'quoted'", "Æ ø £ \u2013 \u201ccurly\u201d", " leading space", "trailing space ",
         "", '"', ","]


def python_bytes(batch: JournalBatch) -> bytes:
    import io

    out = io.StringIO(newline="")
    write_csv(out, get_layout(batch.layout), services.batch_context(batch), batch_rows(batch=batch))
    return out.getvalue().encode()


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_copy_and_python_write_the_same_bytes(layout):  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    map_all(kent, skip=("bank",))
    AccountMapping.objects.create(authority=kent, account_code="bank", cost_centre="=CC,1", subjective='S"1',
                                  project_code="-P\n2")
    services.period_set(authority=kent, year=2026, number=2, closed=True, by=None, now=NOW)
    # Written straight to the table (the service would refuse these codes): the SQL literals must hold anything.
    JournalSettings.objects.create(authority=kent, oracle_ledger_id="300000046975971", unit4_client="K,1'\"",
                                   unit4_voucher_type="=V")
    for n, memo in enumerate(NASTY):
        memo = memo or "x"  # the ledger refuses a blank memo
        posted(kent, ("bank", f"{n + 1}.07"), ("asf_receivable", f"-{n + 1}.07"), memo=memo,
               on=date(2026, 4 + n % 3, 1 + n))
    batch = services.batch_create(authority=kent, cut_off_date=TODAY, layout=layout, by=None, today=TODAY, now=NOW)
    batch = JournalBatch.objects.select_related("authority").get(pk=batch.pk)
    assert services.batch_file_bytes(batch=batch) == python_bytes(batch)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(memo=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    min_size=1, max_size=30).filter(str.strip),
       amount=st.integers(min_value=1, max_value=99_999_999_999))
def test_any_memo_and_amount_give_the_same_bytes_both_ways(memo, amount):  # type: ignore[no-untyped-def]
    kent = AuthorityFactory(short_code="kent", name="Kent")
    map_all(kent)
    posted(kent, ("bank", f"{amount // 100}.{amount % 100:02d}"),
           ("asf_receivable", f"-{amount // 100}.{amount % 100:02d}"), memo=memo, on=date(2026, 5, 1))
    for layout in sorted(LAYOUTS):
        batch = services.batch_create(authority=kent, cut_off_date=TODAY, layout=layout, by=None, today=TODAY,
                                      now=NOW)
        batch = JournalBatch.objects.select_related("authority").get(pk=batch.pk)
        assert services.batch_file_bytes(batch=batch) == python_bytes(batch), layout
        JournalBatch.objects.filter(pk=batch.pk).update()  # keep the batch; the next layout needs new postings
        posted(kent, ("bank", "1.00"), ("asf_receivable", "-1.00"), memo=memo, on=date(2026, 5, 1))
