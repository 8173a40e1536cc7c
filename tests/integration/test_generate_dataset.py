"""generate_dataset: deterministic, realistic, balanced, and written once per database."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Sum

from claims.models.applications import APPROVED_STATES, ASFApplication
from claims.models.fund_rules import ChildYearLimit
from commissioning.models import Referral
from contracts.models import UsageRecord
from core.dataset.generate import generate
from ledger.models import Entry, Transaction
from organisations.models import Authority
from support.models import Child, SupportRequest

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("generate_dataset", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class TestCommand:
    def test_writes_a_tiny_dataset_and_reports_its_rows(self) -> None:
        output = _run("--scale", "tiny", "--seed", "3")
        assert Authority.objects.filter(short_code__startswith="gen-").count() == 2
        assert Child.objects.count() > 30
        assert Referral.objects.exists() and UsageRecord.objects.exists() and Entry.objects.exists()
        assert "support.Child" in output and "total" in output

    def test_refuses_a_second_run_on_the_same_database(self) -> None:
        _run("--scale", "tiny")
        children = Child.objects.count()
        with pytest.raises(CommandError, match="already holds a generated dataset"):
            _run("--scale", "tiny")
        assert Child.objects.count() == children

    def test_refuses_a_fraction_outside_zero_to_one(self) -> None:
        with pytest.raises(CommandError, match="--fraction"):
            _run("--scale", "tiny", "--fraction", "1.5")
        assert not Authority.objects.filter(short_code__startswith="gen-").exists()


def _shape(namespace: str) -> tuple[Counter, Counter, Counter, Decimal]:
    authorities = Authority.objects.filter(short_code__startswith=f"gen-{namespace}")
    stages = Counter(SupportRequest.objects.filter(responsible_authority__in=authorities)
                     .values_list("stage", flat=True))
    statuses = Counter(Referral.objects.filter(authority__in=authorities).values_list("status", flat=True))
    claims = Counter(ASFApplication.objects.filter(responsible_authority__in=authorities)
                     .values_list("status", flat=True))
    money = Entry.objects.filter(account__authority__in=authorities, amount__gt=0).aggregate(s=Sum("amount"))["s"]
    return stages, statuses, claims, money


class TestDataset:
    def test_the_same_seed_gives_the_same_data_and_another_seed_differs(self) -> None:
        generate(scale_name="tiny", seed=11, namespace="a")
        generate(scale_name="tiny", seed=11, namespace="b")
        generate(scale_name="tiny", seed=12, namespace="c")
        assert _shape("a") == _shape("b")
        assert _shape("a") != _shape("c")

    def test_states_are_spread_like_real_work(self) -> None:
        generate(scale_name="tiny", seed=5, fraction=3.0)
        stages = set(SupportRequest.objects.values_list("stage", flat=True))
        assert {"closed", "plan_in_place", "assessing"} <= stages
        referrals = set(Referral.objects.values_list("status", flat=True))
        assert {"completed", "active", "sent"} <= referrals
        applications = set(ASFApplication.objects.values_list("status", flat=True))
        assert {"closed", "submitted", "draft"} <= applications

    def test_every_ledger_transaction_balances_for_each_authority(self) -> None:
        generate(scale_name="tiny", seed=5)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.transaction_id, a.authority_id, SUM(e.amount), COUNT(*) FROM ledger_entry e "
                "JOIN ledger_account a ON a.id = e.account_id GROUP BY 1, 2 HAVING SUM(e.amount) <> 0 OR COUNT(*) < 2"
            )
            assert cursor.fetchall() == []
        assert Transaction.objects.count() > 0
        assert Entry.objects.aggregate(s=Sum("amount"))["s"] == Decimal("0.00")

    def test_each_child_year_limit_holds_what_its_approved_applications_hold(self) -> None:
        generate(scale_name="tiny", seed=5)
        approved = (ASFApplication.objects.filter(status__in=APPROVED_STATES)
                    .values("child_id", "financial_year")
                    .annotate(fund=Sum(F("approved_fund") - F("unspent_returned"))))
        expected = {(row["child_id"], row["financial_year"]): row["fund"] for row in approved}
        held = {(row.child_id, row.financial_year): row.fund_committed.amount for row in ChildYearLimit.objects.all()}
        assert held == expected and held

    def test_usage_is_recorded_under_the_contract_each_referral_was_routed_to(self) -> None:
        generate(scale_name="tiny", seed=5)
        for usage in UsageRecord.objects.filter(measure="referrals"):
            referral = Referral.objects.get(pk=int(usage.source_key.rsplit(":", 1)[1]))
            assert referral.contract_id == usage.contract_id
            assert referral.authority_id == usage.authority_id

    def test_new_rows_after_generating_get_fresh_ids(self) -> None:
        generate(scale_name="tiny", seed=5)
        highest = Authority.objects.order_by("-id").values_list("id", flat=True).first()
        made = Authority.objects.create(name="Made afterwards", short_code="afterwards", ons_code="E99999999")
        assert made.pk > highest
