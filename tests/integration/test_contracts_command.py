"""`manage.py apportion`: prints the split, writes the workbook, keeps nothing unless asked."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from contracts.models import ApportionmentRun
from tests.factories import AuthorityFactory
from tests.factories_contracts import ActiveContractFactory, UsageRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cafis():  # type: ignore[no-untyped-def]
    kent, medway, bexley = (AuthorityFactory(short_code=c, name=c.title()) for c in ("kent", "medway", "bexley"))
    contract = ActiveContractFactory(reference="CAFIS", lead_authority=kent, parties=[medway, bexley])
    history = ActiveContractFactory(reference="HIST", lead_authority=kent, parties=[medway, bexley],
                                    start_date=date(2012, 4, 1), end_date=date(2015, 3, 31))
    for authority, count in ((kent, 430), (medway, 115), (bexley, 70)):
        UsageRecordFactory(contract=history, authority=authority, usage_date=date(2013, 1, 1), measure="children",
                           quantity=Decimal(count))
    return contract


ARGS = ["CAFIS", "--period", "2016-04-01:2018-03-31", "--basis", "children", "--usage-period",
        "2012-04-01:2015-03-31", "--basis-contract", "HIST", "--basis-label", "adoptions 2012-15"]


def test_prints_the_split_and_keeps_nothing(cafis, tmp_path):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    path = tmp_path / "cafis.xlsx"
    call_command("apportion", *ARGS, "--xlsx", str(path), stdout=out)
    text = out.getvalue()
    assert "Medway: 115 of 615 adoptions 2012-15 = 18.70%" in text
    assert "£140,720.73" in text and "£752,550.00" in text
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Bexley", "Kent", "Medway"]
    assert not ApportionmentRun.objects.exists()


def test_save_keeps_the_calculated_run(cafis):  # type: ignore[no-untyped-def]
    call_command("apportion", *ARGS, "--save", "--total", "1000", stdout=io.StringIO())
    run = ApportionmentRun.objects.get()
    assert run.status == "calculated" and run.total_cost.amount == Decimal("1000.00")


@pytest.mark.parametrize(
    ("change", "message"),
    [(["NOPE"], "no contract"), (["--period", "2018-01-01:2016-01-01"], "ends before"),
     (["--usage-period", "soon"], "not a period"), (["--usage-period", "2001-01-01:2001-12-31"], "nothing to share")],
)
def test_refuses_bad_arguments(cafis, change, message):  # type: ignore[no-untyped-def]
    args = list(ARGS)
    if change[0] == "NOPE":
        args[0] = "NOPE"
    else:
        args[args.index(change[0]) + 1] = change[1]
    with pytest.raises(CommandError, match=message):
        call_command("apportion", *args, stdout=io.StringIO())
    assert not ApportionmentRun.objects.exists()
