"""Bad arguments to every management command: each stops with a CommandError that says what is wrong, and no row
is written."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import AuthorityFactory
from tests.factories_contracts import ActiveContractFactory

from .conftest import changed, table_counts

pytestmark = pytest.mark.django_db

GOOD = ["CAFIS-2016", "--period", "2016-04-01:2018-03-31", "--basis", "children", "--usage-period",
        "2012-04-01:2015-03-31"]


def apportion(**over: Any) -> list[str]:
    args = list(GOOD)
    for flag, value in over.items():
        flag = "--" + flag.replace("_", "-")
        if flag in args:
            at = args.index(flag)
            if value is None:
                del args[at:at + 2]
            else:
                args[at + 1] = value
        else:
            args += [flag, value]
    return args


# (case id, command, arguments, text the error must contain)
CASES: list[tuple[str, str, list[str], str]] = [
    ("apportion: unknown contract", "apportion", ["NOPE-1", *GOOD[1:]], "no contract"),
    ("apportion: period not a period", "apportion", apportion(period="last year"), "is not a period"),
    ("apportion: period with bad date", "apportion", apportion(period="2016-02-30:2018-03-31"), "is not a period"),
    ("apportion: period backwards", "apportion", apportion(period="2018-03-31:2016-04-01"), "ends before it starts"),
    ("apportion: period one date", "apportion", apportion(period="2016-04-01"), "is not a period"),
    ("apportion: period three dates", "apportion", apportion(period="2016-04-01:2017-01-01:2018-01-01"),
     "is not a period"),
    ("apportion: usage period backwards", "apportion", apportion(usage_period="2015-03-31:2012-04-01"),
     "ends before it starts"),
    ("apportion: usage period words", "apportion", apportion(usage_period="always"), "is not a period"),
    ("apportion: unknown basis", "apportion", apportion(basis="vibes"), "invalid choice"),
    ("apportion: no basis", "apportion", apportion(basis=None), "--basis"),
    ("apportion: no period", "apportion", apportion(period=None), "--period"),
    ("apportion: total in words", "apportion", apportion(total="lots"), "must be numbers"),
    ("apportion: fixed share in words", "apportion", apportion(fixed_share="half"), "must be numbers"),
    ("apportion: unknown basis contract", "apportion", apportion(basis_contract="NOPE-2"), "no contract"),
    ("apportion: no usage to count", "apportion", apportion(), "nothing to share by"),
    ("check_ledger: unknown option", "check_ledger", ["--fix"], "unrecognized arguments"),
    ("check_ledger: stray argument", "check_ledger", ["everything"], "unrecognized arguments"),
    ("seed_demo: unknown option", "seed_demo", ["--wipe"], "unrecognized arguments"),
    ("seed_demo: password without value", "seed_demo", ["--password"], "expected one argument"),
    ("generate_dataset: no scale", "generate_dataset", [], "--scale"),
    ("generate_dataset: unknown scale", "generate_dataset", ["--scale", "galactic"], "invalid choice"),
    ("generate_dataset: fraction zero", "generate_dataset", ["--scale", "tiny", "--fraction", "0"],
     "--fraction must be above 0"),
    ("generate_dataset: fraction above one", "generate_dataset", ["--scale", "tiny", "--fraction", "2"],
     "--fraction must be above 0"),
    ("generate_dataset: fraction negative", "generate_dataset", ["--scale", "tiny", "--fraction", "-0.5"],
     "--fraction must be above 0"),
    ("generate_dataset: fraction words", "generate_dataset", ["--scale", "tiny", "--fraction", "some"],
     "invalid float value"),
    ("generate_dataset: seed words", "generate_dataset", ["--scale", "tiny", "--seed", "abc"], "invalid int value"),
]


@pytest.fixture
def contract() -> Any:
    kent, medway = AuthorityFactory(short_code="kent"), AuthorityFactory(short_code="medway")
    return ActiveContractFactory(reference="CAFIS-2016", lead_authority=kent, parties=[medway])


@pytest.mark.parametrize(("command", "args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_arguments_stop_the_command_with_a_clear_message_and_write_nothing(contract, command, args, expected):
    before = table_counts()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as stopped:
        call_command(command, *args, stdout=out, stderr=err)
    message = str(stopped.value)
    assert message.strip(), "the command stopped without saying why"
    assert expected.lower() in message.lower(), message
    assert changed(before, table_counts()) == {}
