"""Invoicing's refusals. Nothing has been written when one is raised."""

from __future__ import annotations

from collections.abc import Sequence


class InvoicingError(Exception):
    """Anything invoicing refuses, in words the user can act on."""


class NotPermitted(InvoicingError):
    pass


class InvalidTransition(InvoicingError):
    pass


class LinesRefused(InvoicingError):
    """One or more lines cannot be invoiced: each problem names the line and the reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("The invoice was not raised: " + "; ".join(problems))
        self.problems = list(problems)


class BadFile(InvoicingError):
    pass


class NothingToPay(InvoicingError):
    pass
