"""People other than an adopted child a request can be about: birth relatives and adult adoptees."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Child, Person
from ._common import _require_casework, _save, _today


@transaction.atomic
def person_create(
    *, by: Any, now: datetime, kind: str, first_name: str, last_name: str, authority: Any,
    date_of_birth: date | None = None, related_child: Child | None = None, notes: str = "",
) -> Person:
    _require_casework(by, "record a person")
    if date_of_birth is not None and date_of_birth > _today(now):
        raise ValidationError({"date_of_birth": "Date of birth must be in the past"})
    person = Person(kind=kind, first_name=first_name.strip(), last_name=last_name.strip(), authority=authority,
                    date_of_birth=date_of_birth, related_child=related_child, notes=notes)
    _save(person, by)
    return person
