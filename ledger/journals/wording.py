"""The journal export's words for its state machines (core.wording). Registered from LedgerConfig.ready()."""

from core import wording

from .models import FinancialPeriod, JournalBatch


def register() -> None:
    wording.register_model(JournalBatch, noun="Journal", created="Journal made", transitions={
        "mark_exported": "Journal file written",
        "confirm": "Journal confirmed as booked by finance",
    })
    wording.register_model(FinancialPeriod, noun="Financial period", created="Financial period set up", transitions={
        "close": "Period closed",
        "reopen": "Period reopened",
    })
