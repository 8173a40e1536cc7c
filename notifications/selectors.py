"""Reads: letterheads as plain data, letters for a family or a record, the outbox, a party's contact preference."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import ContactPreference, FollowUp, Letter, Letterhead, Message


def letterhead_for(*, authority: Any) -> dict[str, Any]:
    """The authority's letterhead as plain data; a plain one from the authority's name where none is set up."""
    head = Letterhead.objects.filter(authority=authority).first()
    if head is None:
        return {"name": str(authority), "address_lines": [], "logo_url": "", "signatory_name": "Adoption support team",
                "signatory_title": "Post-adoption support", "telephone": "", "email": settings.DEFAULT_FROM_EMAIL,
                "complaint_route": f"To complain, write to {authority} at the address at the top of this letter."}
    return {
        "name": head.display_name, "address_lines": [line for line in head.address.splitlines() if line.strip()],
        "logo_url": head.logo.path and f"file://{head.logo.path}" if head.logo else "",
        "signatory_name": head.signatory_name, "signatory_title": head.signatory_title,
        "telephone": head.telephone, "email": head.email, "complaint_route": head.complaint_route,
    }


def contact_preference_for(*, party: models.Model) -> ContactPreference | None:
    return ContactPreference.objects.filter(party_type=ContentType.objects.get_for_model(party),
                                            party_id=str(party.pk)).first()


def letters_for_household(*, user: Any, household_id: int) -> QuerySet[Letter]:
    return Letter.objects.for_user(user).filter(household_id=household_id).order_by("-issued_at", "-id")


def letters_about(*, user: Any, objects: list[models.Model]) -> QuerySet[Letter]:
    """The letters that belong to any of `objects` (a request, its notice, its decision...), newest first."""
    condition = models.Q(pk__in=[])
    for obj in objects:
        condition |= models.Q(object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    return Letter.objects.for_user(user).filter(condition).order_by("-issued_at", "-id")


def outbox(*, user: Any) -> QuerySet[Message]:
    return Message.objects.for_user(user).select_related("letter").order_by("-created_at", "-id")


def follow_ups_open(*, user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.for_user(user).filter(done_at__isnull=True).select_related("message", "assigned_to")
