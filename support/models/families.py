"""The people: a household (adoptive parents or special guardians) with where it has lived, its children,
and the people other than an adopted child a request can be about (birth relatives, adult adoptees)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.dates import long_date
from organisations.scoping import ScopedQuerySet

from ._constraints import _states_constraint


class Arrangement(models.TextChoices):
    ADOPTION = "adoption", "Adoptive family"
    SPECIAL_GUARDIANSHIP = "special_guardianship", "Special guardians"
    CHILD_ARRANGEMENTS = "child_arrangements", "Child arrangements order carers"


class HouseholdQuerySet(ScopedQuerySet):
    authority_paths = (
        "responsible_authority",
        "children__responsible_authority",
        "children__requests__responsible_authority",
    )


class Household(models.Model):
    """Adoptive parents or special guardians at one address. `responsible_authority` is the authority
    responsible for the family now (the three-year rule over its children, refreshed daily by a service)."""

    family_name = models.CharField(max_length=120)
    carer_one_name = models.CharField("first carer", max_length=160)
    carer_two_name = models.CharField("second carer", max_length=160, blank=True)
    arrangement = models.CharField(max_length=30, choices=Arrangement.choices, default=Arrangement.ADOPTION)
    address_line_1 = models.CharField("address line 1", max_length=160)
    address_line_2 = models.CharField("address line 2", max_length=160, blank=True)
    town = models.CharField("town or city", max_length=80)
    postcode = models.CharField(max_length=10)
    responsible_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="responsible_households"
    )
    responsibility_reason = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    history = HistoricalRecords()

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "id"]
        indexes = [models.Index(fields=["family_name"])]

    def __str__(self) -> str:
        return f"{self.family_name} family"

    def residence_on(self, on_date: date) -> Any:
        """The residence row in force on `on_date` (None before the first)."""
        return self.residences.filter(from_date__lte=on_date).order_by("-from_date").first()


class ResidencePeriodQuerySet(ScopedQuerySet):
    authority_paths = tuple(f"household__{p}" for p in HouseholdQuerySet.authority_paths)


class ResidencePeriod(models.Model):
    """Where the family lived from a date (a move is a new row; rows are never edited away)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residences")
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    from_date = models.DateField()
    address = models.CharField(max_length=400, blank=True)
    history = HistoricalRecords()

    objects = ResidencePeriodQuerySet.as_manager()

    class Meta:
        ordering = ["household", "from_date"]
        constraints = [
            models.UniqueConstraint(fields=["household", "from_date"], name="one_residence_per_household_date")
        ]

    def __str__(self) -> str:
        return f"{self.authority} from {long_date(self.from_date)}"


class ChildQuerySet(ScopedQuerySet):
    authority_paths = ("responsible_authority", "household__responsible_authority", "requests__responsible_authority")


class Child(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="children")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    previously_looked_after = models.BooleanField(default=True)
    ehc_plan_start_date = models.DateField("EHC plan start date", null=True, blank=True)
    ehc_plan_end_date = models.DateField("EHC plan end date", null=True, blank=True)
    responsible_authority = models.ForeignKey(
        "organisations.Authority", on_delete=models.PROTECT, related_name="responsible_children"
    )
    responsibility_reason = models.CharField(max_length=400, blank=True)
    case_system_id = models.CharField(
        "case-system id", max_length=20, blank=True,
        help_text="The child's person id in the authority's case system (pers_person_id in its SSD extract)")
    case_system_authority = models.ForeignKey(
        "organisations.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Whose case system the id belongs to")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "children"
        constraints = [
            models.CheckConstraint(
                condition=Q(ehc_plan_end_date__isnull=True)
                | Q(ehc_plan_start_date__isnull=True)
                | Q(ehc_plan_end_date__gte=F("ehc_plan_start_date")),
                name="child_ehc_plan_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["case_system_authority", "case_system_id"], condition=~Q(case_system_id=""),
                name="child_case_system_id_unique_per_authority",
            ),
            models.CheckConstraint(
                condition=Q(case_system_id="") | Q(case_system_authority__isnull=False),
                name="child_case_system_id_has_authority",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def has_ehc_plan_on(self, on_date: date) -> bool:
        if self.ehc_plan_start_date is None or self.ehc_plan_start_date > on_date:
            return False
        return self.ehc_plan_end_date is None or self.ehc_plan_end_date >= on_date


class PersonKind(models.TextChoices):
    BIRTH_PARENT = "birth_parent", "Birth parent"
    BIRTH_RELATIVE = "birth_relative", "Birth relative"
    ADULT_ADOPTEE = "adult_adoptee", "Adult adoptee"


class PersonQuerySet(ScopedQuerySet):
    authority_paths = ("authority", "requests__responsible_authority")


class Person(models.Model):
    """Someone other than an adopted child a request can be about (CAFIS services are for them)."""

    kind = models.CharField(max_length=30, choices=PersonKind.choices)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True)
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    related_child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="birth_family",
                                      help_text="The adopted child this person is a birth relative of, if known")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name_plural = "people"
        constraints = [_states_constraint("kind", PersonKind, "person_kind_valid")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_kind_display().lower()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
