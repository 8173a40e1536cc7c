"""The fund's rule sets as stored (`FundRuleSet` rows) turned into the pure `claims.rules.RuleSet`s: all of them
(with a short-lived per-process copy for pages that only estimate), or the one in force on a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.dates import long_date

from .. import rules
from ..models.fund_rules import FundRuleSet


def rule_sets_from_db(*, cached: bool = False) -> tuple[rules.RuleSet, ...]:
    """Every rule set, oldest first. `cached=True` (for pages that only show an estimate, such as the headroom)
    answers from this process's copy, kept RULE_SETS_CACHE_SECONDS and dropped whenever a FundRuleSet is saved or
    deleted here; inside a transaction that changed a rule set it reads the database, so a rolled-back change is
    never kept. Writes (submit, approve, estimates that are saved) read the database: a rule changed in another
    process is never used stale for money."""
    import time

    from django.db import connection
    from django.db.models.signals import post_delete, post_migrate, post_save

    cache = _RULE_SETS_CACHE
    if not cache.get("connected"):
        for signal in (post_save, post_delete):
            signal.connect(_forget_rule_sets, sender=FundRuleSet, dispatch_uid=f"claims.rule_sets.{signal}")
        post_migrate.connect(_forget_rule_sets, dispatch_uid="claims.rule_sets.post_migrate")
        cache["connected"] = True
    if cached and cache.get("changed") and not connection.in_atomic_block:
        cache.pop("changed")  # the transaction that changed them is over: committed or rolled back
    usable = cached and not cache.get("changed")
    if usable and "rule_sets" in cache and time.monotonic() - cache["loaded"] < RULE_SETS_CACHE_SECONDS:
        return cache["rule_sets"]  # type: ignore[no-any-return]
    rule_sets = tuple(row.to_rules() for row in FundRuleSet.objects.order_by("effective_from_date"))
    if usable:
        cache.update(rule_sets=rule_sets, loaded=time.monotonic())
    return rule_sets


RULE_SETS_CACHE_SECONDS = 60
_RULE_SETS_CACHE: dict[str, Any] = {}


def _forget_rule_sets(**kwargs: Any) -> None:
    _RULE_SETS_CACHE.pop("rule_sets", None)
    _RULE_SETS_CACHE["changed"] = True


def rule_row_on(on_date: date) -> FundRuleSet:
    row = FundRuleSet.objects.filter(effective_from_date__lte=on_date).order_by("-effective_from_date").first()
    if row is None:
        raise rules.NoRulesInForce(f"No fund rules were in force on {long_date(on_date)}.")
    return row


def rules_for(on_date: date) -> rules.RuleSet:
    return rule_row_on(on_date).to_rules()
