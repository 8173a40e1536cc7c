"""Families: a household and its moves, its children and their legal orders. Each change re-applies the
three-year rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from organisations.models import Role
from organisations.scoping import authority_ids_for

from ..models import Child, Household, LegalOrder, ResidencePeriod
from ._common import _lock, _not_future, _require_casework, _require_role, _save, _today
from .responsibility import _refresh_household


@transaction.atomic
def household_create(
    *, by: Any, now: datetime, family_name: str, carer_one_name: str, carer_two_name: str = "",
    arrangement: str, address_line_1: str, address_line_2: str = "", town: str, postcode: str,
    residence_authority: Any, residence_from_date: date,
) -> Household:
    """A family, held by the recording worker's authority until a child and order are recorded (then the
    three-year rule decides)."""
    _require_casework(by, "record a family")
    today = _today(now)
    _not_future(residence_from_date, "residence_from_date", "The date they moved in", today)
    own = authority_ids_for(by)
    holder = residence_authority if residence_authority.pk in own or not by.authority_id else by.authority
    household = Household(
        family_name=family_name.strip(), carer_one_name=carer_one_name.strip(), carer_two_name=carer_two_name.strip(),
        arrangement=arrangement, address_line_1=address_line_1, address_line_2=address_line_2, town=town,
        postcode=postcode.upper().strip(), responsible_authority=holder,
        responsibility_reason=f"Recorded by {holder.name}; no child with a legal order is recorded yet.",
        created_by=by,
    )
    _save(household, by)
    residence = ResidencePeriod(household=household, authority=residence_authority, from_date=residence_from_date,
                                address=", ".join(p for p in (address_line_1, address_line_2, town, postcode) if p))
    _save(residence, by)
    return household


@transaction.atomic
def household_move(
    *, household: Household, by: Any, now: datetime, authority: Any, from_date: date, address_line_1: str,
    address_line_2: str = "", town: str, postcode: str,
) -> ResidencePeriod:
    """A move: a new residence row (the history is kept), the new address, and the three-year rule re-applied."""
    _require_casework(by, "record a move")
    household = _lock(household)
    today = _today(now)
    _not_future(from_date, "from_date", "The date they moved", today)
    latest = household.residences.order_by("-from_date").first()
    if latest is not None and from_date <= latest.from_date:
        raise ValidationError({"from_date": f"The date they moved must be after {latest.from_date:%-d %B %Y}, "
                                            "when they moved to their current address"})
    residence = ResidencePeriod(household=household, authority=authority, from_date=from_date,
                                address=", ".join(p for p in (address_line_1, address_line_2, town, postcode) if p))
    _save(residence, by)
    household.address_line_1, household.address_line_2 = address_line_1, address_line_2
    household.town, household.postcode = town, postcode.upper().strip()
    _save(household, by)
    _refresh_household(household, on_date=today, by=by)
    return residence


def _check_child_dates(*, date_of_birth: date, ehc_plan_start_date: date | None, ehc_plan_end_date: date | None,
                       today: date) -> None:
    errors: dict[str, str] = {}
    if date_of_birth > today:
        errors["date_of_birth"] = "Date of birth must be in the past"
    if ehc_plan_start_date and ehc_plan_start_date < date_of_birth:
        errors["ehc_plan_start_date"] = "EHC plan start date must be on or after the date of birth"
    if ehc_plan_end_date and not ehc_plan_start_date:
        errors["ehc_plan_start_date"] = "Enter the EHC plan start date"
    if ehc_plan_start_date and ehc_plan_end_date and ehc_plan_end_date < ehc_plan_start_date:
        errors["ehc_plan_end_date"] = "EHC plan end date must be on or after the start date"
    if errors:
        raise ValidationError(errors)


def _set_case_system_id(child: Child, case_system_id: str, by: Any) -> None:
    """The child's id in a case system: the authority whose system it is is kept once set (the worker's own
    authority, or the child's responsible authority for a partnership-wide worker); unique per authority."""
    value = case_system_id.strip()
    if not value:
        child.case_system_id, child.case_system_authority = "", None
        return
    if child.case_system_authority_id is None:
        child.case_system_authority_id = getattr(by, "authority_id", None) or child.responsible_authority_id
    clash = Child.objects.filter(case_system_authority_id=child.case_system_authority_id,
                                 case_system_id=value).exclude(pk=child.pk).first()
    if clash is not None:
        raise ValidationError({"case_system_id": f"Another child already has the case-system id {value}"})
    child.case_system_id = value


@transaction.atomic
def child_create(
    *, household: Household, by: Any, now: datetime, first_name: str, last_name: str, date_of_birth: date,
    previously_looked_after: bool = True, ehc_plan_start_date: date | None = None,
    ehc_plan_end_date: date | None = None, case_system_id: str = "",
) -> Child:
    _require_casework(by, "record a child")
    today = _today(now)
    _check_child_dates(date_of_birth=date_of_birth, ehc_plan_start_date=ehc_plan_start_date,
                       ehc_plan_end_date=ehc_plan_end_date, today=today)
    household = _lock(household)
    child = Child(household=household, first_name=first_name.strip(), last_name=last_name.strip(),
                  date_of_birth=date_of_birth, previously_looked_after=previously_looked_after,
                  ehc_plan_start_date=ehc_plan_start_date, ehc_plan_end_date=ehc_plan_end_date,
                  responsible_authority=household.responsible_authority,
                  responsibility_reason="No legal order is recorded yet.")
    _set_case_system_id(child, case_system_id, by)
    _save(child, by)
    _refresh_household(household, on_date=today, by=by)
    child.refresh_from_db()
    return child


@transaction.atomic
def child_update(
    *, child: Child, by: Any, now: datetime, first_name: str, last_name: str, date_of_birth: date,
    previously_looked_after: bool, ehc_plan_start_date: date | None, ehc_plan_end_date: date | None,
    case_system_id: str | None = None,
) -> Child:
    """Change a child's details; `case_system_id` None leaves the case-system id as it is."""
    _require_casework(by, "change a child's details")
    today = _today(now)
    _check_child_dates(date_of_birth=date_of_birth, ehc_plan_start_date=ehc_plan_start_date,
                       ehc_plan_end_date=ehc_plan_end_date, today=today)
    child = _lock(child)
    first_order = child.orders.order_by("order_date").first()
    if first_order is not None and first_order.order_date < date_of_birth:
        raise ValidationError({"date_of_birth": "Date of birth must be on or before the date of the child's "
                                                f"first order ({first_order.order_date:%-d %B %Y})"})
    child.first_name, child.last_name, child.date_of_birth = first_name.strip(), last_name.strip(), date_of_birth
    child.previously_looked_after = previously_looked_after
    child.ehc_plan_start_date, child.ehc_plan_end_date = ehc_plan_start_date, ehc_plan_end_date
    if case_system_id is not None:
        _set_case_system_id(child, case_system_id, by)
    _save(child, by)
    return child


@transaction.atomic
def child_link_case_system(*, child: Child, by: Any, case_system_id: str, authority: Any) -> Child:
    """Link a child to its record in `authority`'s case system (the id its SSD extract uses), once; the import
    then matches it. A data manager or administrator may link too."""
    _require_role(by, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.DATA_MANAGER, Role.ADMINISTRATOR,
                  Role.API_CLIENT, action="link a child to the case system")
    child = _lock(child)
    if child.case_system_authority_id != authority.pk:
        child.case_system_id = ""
    child.case_system_authority = authority
    _set_case_system_id(child, case_system_id, by)
    _save(child, by)
    return child


@transaction.atomic
def legal_order_add(
    *, child: Child, by: Any, now: datetime, kind: str, order_date: date, placing_authority: Any,
    court: str = "",
) -> LegalOrder:
    _require_casework(by, "record a legal order")
    today = _today(now)
    child = _lock(child)
    _not_future(order_date, "order_date", "The date of the order", today)
    if order_date < child.date_of_birth:
        raise ValidationError({"order_date": "The date of the order must be on or after the child's date of birth "
                                             f"({child.date_of_birth:%-d %B %Y})"})
    if placing_authority is None and kind != "intercountry":
        raise ValidationError({"placing_authority": "Select the placing authority"})
    order = LegalOrder(child=child, kind=kind, order_date=order_date, placing_authority=placing_authority,
                       court=court)
    _save(order, by)
    _refresh_household(child.household, on_date=today, by=by)
    return order
