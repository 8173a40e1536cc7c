"""The service catalogue: the types of support, and how the Adoption Support Fund treats each."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords


class ServiceCategory(models.TextChoices):
    THERAPY = "therapy", "Therapeutic support"
    SPECIALIST_ASSESSMENT = "specialist_assessment", "Specialist assessment"
    CORE_OFFER = "core_offer", "Authority core offer"
    BIRTH_FAMILY = "birth_family", "Birth family and adult adoptee services"
    INTERCOUNTRY = "intercountry", "Inter-country adoption services"
    FINANCIAL = "financial", "Financial support"
    EXCLUDED = "excluded", "Not fundable by the ASF"


class ServiceType(models.Model):
    """The service catalogue: seeded by a data migration, editable by an administrator, with history.
    The flags say how the Adoption Support Fund treats each type (DOMAIN.md 1.4)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=160, unique=True)
    category = models.CharField(max_length=40, choices=ServiceCategory.choices)
    description = models.TextField(blank=True)
    asf_fundable = models.BooleanField("fundable by the ASF", default=False)
    specialist_assessment = models.BooleanField(default=False, help_text="Counts against the assessment limit")
    core_offer = models.BooleanField("part of the authority's core offer", default=False)
    asf_excluded = models.BooleanField("excluded by the fund", default=False)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(asf_fundable=True) & models.Q(asf_excluded=True)),
                name="service_type_not_both_fundable_and_excluded",
            ),
            models.CheckConstraint(
                condition=~(models.Q(specialist_assessment=True) & models.Q(asf_fundable=False)),
                name="specialist_assessment_is_fundable",
            ),
        ]

    def __str__(self) -> str:
        return self.name
