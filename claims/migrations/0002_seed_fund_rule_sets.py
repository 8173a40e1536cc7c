"""Seed the fund's rule sets from DOMAIN.md 1.2 and 1.5 (the same data as claims.rules.DEFAULT_RULE_SETS).
An administrator edits them afterwards in the admin, with history."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SOURCES = "communitycare.co.uk 7 Oct 2016; adoptionuk.org; written ministerial statement 22 Apr 2025; corambaaf.org.uk"
RULE_SETS = [
    # effective from, name, scheme, therapy, assessment, combined, cap, age, age with EHC plan
    (date(2015, 5, 1), "National launch: no limit", "no_limit", None, None, None, None, 18, 25),
    (date(2016, 4, 1), "Wider eligibility: no limit", "no_limit", None, None, None, None, 21, 25),
    (date(2016, 10, 6), "Fair access limit with match funding", "single_limit_match", "5000.00", None, None,
     "30000.00", 21, 25),
    (date(2017, 4, 1), "Separate therapy and assessment limits with match funding", "separate_limits_match",
     "5000.00", "2500.00", None, "30000.00", 21, 25),
    (date(2025, 4, 1), "Combined limit, no match funding", "combined_limit", None, "2500.00", "3000.00", None, 21, 25),
]


def seed(apps, schema_editor):
    FundRuleSet = apps.get_model("claims", "FundRuleSet")
    for effective, name, scheme, therapy, assessment, combined, cap, age, age_ehc in RULE_SETS:
        def amount(text):
            return None if text is None else Decimal(text)

        FundRuleSet.objects.get_or_create(
            effective_from_date=effective,
            defaults={
                "name": name, "scheme": scheme, "therapy_limit": amount(therapy),
                "therapy_limit_currency": "GBP", "assessment_limit": amount(assessment),
                "assessment_limit_currency": "GBP", "combined_limit": amount(combined),
                "combined_limit_currency": "GBP", "match_funded_cap": amount(cap), "match_funded_cap_currency": "GBP",
                "age_limit": age, "age_limit_with_ehc_plan": age_ehc, "application_window_months": 3,
                "source": SOURCES,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("claims", "FundRuleSet").objects.filter(
        effective_from_date__in=[row[0] for row in RULE_SETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
