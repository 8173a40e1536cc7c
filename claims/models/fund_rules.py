"""The fund's rule sets (from a date) and each child's financial-year limit row, which every money transition
locks."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from moneyed import Money
from simple_history.models import HistoricalRecords

from core.dates import long_date

from .. import rules
from ._fields import _gbp_and_not_negative, money

# --------------------------------------------------------------------------------------------------- rules


class FundRuleSet(models.Model):
    """The fund's rules from a date (DOMAIN.md 1.5): seeded by migration 0002, editable by an administrator in the
    admin with history. `claims.services.rule_sets.rule_sets_from_db` turns the rows into `claims.rules.RuleSet`s."""

    effective_from_date = models.DateField(unique=True)
    name = models.CharField(max_length=160)
    scheme = models.CharField(max_length=30, choices=rules.Scheme.CHOICES)
    therapy_limit = money(null=True, blank=True, default=None,
                          help_text="The fair access limit (in the single-limit scheme, the one limit)")
    assessment_limit = money(null=True, blank=True, default=None)
    combined_limit = money(null=True, blank=True, default=None)
    match_funded_cap = money(null=True, blank=True, default=None,
                             help_text="The most the fund pays for therapy with match funding")
    age_limit = models.PositiveSmallIntegerField(default=21, help_text="Up to and including this age")
    age_limit_with_ehc_plan = models.PositiveSmallIntegerField(default=25)
    application_window_months = models.PositiveSmallIntegerField(default=3)
    source = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    objects = models.Manager()

    class Meta:
        ordering = ["effective_from_date"]
        constraints = [
            models.CheckConstraint(condition=Q(scheme__in=rules.Scheme.ALL), name="fund_rule_set_scheme_valid"),
            models.CheckConstraint(condition=Q(application_window_months__gte=1), name="fund_rule_set_window"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {long_date(self.effective_from_date)})"

    def to_rules(self) -> rules.RuleSet:
        def amount(value: Money | None) -> Decimal | None:
            return None if value is None else value.amount.quantize(rules.PENNY)

        return rules.RuleSet(
            effective_from=self.effective_from_date,
            name=self.name,
            scheme=self.scheme,
            therapy_limit=amount(self.therapy_limit),
            assessment_limit=amount(self.assessment_limit),
            combined_limit=amount(self.combined_limit),
            match_funded_cap=amount(self.match_funded_cap),
            age_limit=self.age_limit,
            age_limit_with_ehc_plan=self.age_limit_with_ehc_plan,
            application_window_months=self.application_window_months,
        )


# --------------------------------------------------------------------------------------------------- limits


class ChildYearLimit(models.Model):
    """What the fund has committed for one child in one financial year. Every money transition locks this row
    (`select_for_update`), so concurrent approvals can never take the fund past its limits."""

    child = models.ForeignKey("support.Child", on_delete=models.PROTECT, related_name="asf_year_limits")
    financial_year = models.CharField(max_length=7)
    therapy_approved = money()
    assessment_approved = money()
    fund_committed = money()
    authority_committed = money()
    history = HistoricalRecords()

    objects = models.Manager()

    class Meta:
        ordering = ["child", "financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["child", "financial_year"], name="one_limit_row_per_child_year"),
            *_gbp_and_not_negative("child_year", "therapy_approved", "assessment_approved", "fund_committed",
                                   "authority_committed"),
        ]

    def __str__(self) -> str:
        return f"Child {self.child_id}, {self.financial_year}"
