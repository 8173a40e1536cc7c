class ScorecardError(Exception):
    """A refusal of the scorecard, in words to show."""


class ReturnError(ScorecardError):
    """A board return that cannot be built as asked."""
