"""Home-page count labels read right for one and for many."""

import pytest

from core.home import plural


@pytest.mark.parametrize(("label", "count", "expected"), [
    ("ASF application{s} to submit", 0, "ASF applications to submit"),
    ("ASF application{s} to submit", 1, "ASF application to submit"),
    ("ASF application{s} to submit", 2, "ASF applications to submit"),
    ("assessment{s} and decision{s} waiting", 1, "assessment and decision waiting"),
    ("assessment{s} and decision{s} waiting", 3, "assessments and decisions waiting"),
    ("sent and waiting for the provider", 1, "sent and waiting for the provider"),
])
def test_a_label_is_singular_only_for_one(label, count, expected):  # type: ignore[no-untyped-def]
    assert plural(label, count) == expected
